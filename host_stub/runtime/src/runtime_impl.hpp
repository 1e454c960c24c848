// Runtime::Impl: the state shared by the public Runtime calls, the instances and the host
// services. Not a public header.
#pragma once

#include "instance.hpp"
#include "logger.hpp"
#include "plugin_loader.hpp"

#include <pms/host/runtime/recent_by_text.hpp>
#include <pms/host/runtime/runtime.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

namespace pms::net {
class HttpClient;
}

namespace pms::host {

namespace detail {

/// An open dialog of a folio button, or an open plugin page. Fields below `mutex` are guarded
/// by it.
struct ViewSession {
    std::string id;
    ViewKind kind = ViewKind::folio_button;
    std::string page_id; ///< kind == admin_page
    std::weak_ptr<Instance> instance;
    const Instance* owner = nullptr;
    std::string plugin_id;
    FolioContext context; ///< a page session: property and staff only (folio/booking 0)

    std::mutex mutex;
    std::string current_view;
    std::uint64_t revision = 0; ///< current_view's (next_view_revision())
    bool open = true;
    bool busy = false;                        ///< a click/event awaits the plugin
    std::uint64_t pending_hook = 0;           ///< its hook op id
    std::deque<std::function<void()>> queued; ///< events waiting for the pending one
};

/// Instance key: plugin id + property.
using InstanceKey = std::pair<std::string, std::int64_t>;

} // namespace detail

struct Runtime::Impl : std::enable_shared_from_this<Runtime::Impl> {
    Impl(Storage& storage, const Clock& clock, RuntimeOptions options);
    ~Impl();

    Storage& storage;
    const Clock& clock;
    RuntimeOptions options;

    std::unique_ptr<boost::asio::io_context> owned_ioc;
    boost::asio::io_context* ioc = nullptr;
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work;
    std::vector<std::thread> io_threads;
    boost::asio::thread_pool blocking;

    detail::Logger logger;
    /// Writes the log's "held back" summaries once their window has ended (logger.hpp).
    std::optional<boost::asio::steady_timer> log_flush_timer;
    std::unique_ptr<net::HttpClient> http;       ///< pooled connections
    std::unique_ptr<net::HttpClient> http_fresh; ///< PMS_HTTP_FLAG_FRESH_CONNECTION: no pool
    std::shared_ptr<MailTransport> mail;
    std::shared_ptr<void> net_log_forward; ///< see runtime.cpp

    mutable std::mutex mutex;
    /// A deque: records are referenced across async hops while load_plugins() may append.
    std::deque<detail::LoadedPlugin> plugins;
    std::set<std::string> seen_manifests;
    std::map<detail::InstanceKey, std::shared_ptr<detail::Instance>> instances;
    std::vector<std::shared_ptr<detail::Instance>> zombies; ///< never freed, never unloaded
    std::map<std::string, std::shared_ptr<detail::ViewSession>, std::less<>> sessions;
    std::map<std::uint64_t, std::shared_ptr<std::function<void(const ViewPush&)>>> view_subs;
    std::map<std::uint64_t, std::shared_ptr<std::function<void(const Notification&, bool)>>>
        notification_subs;
    std::uint64_t next_subscription = 1;
    std::atomic<bool> stopping{false};
    std::atomic<bool> stopped{false};

    // ---- helpers ----
    /// Arms the log flush timer again (every 15 s) unless the runtime is stopping.
    void schedule_log_flush();

    void log(LogLevel level, std::string_view origin, std::string_view text) noexcept {
        logger.write(level, origin, text);
    }

    /// Runs `f` on the blocking pool.
    template <class F>
    void run_blocking(F&& f) {
        boost::asio::post(blocking, std::forward<F>(f));
    }
    /// Runs `f` on an io thread.
    template <class F>
    void run_io(F&& f) {
        boost::asio::post(*ioc, std::forward<F>(f));
    }

    /// The plugin record with `id` (loaded or refused), or null. The caller holds `mutex`.
    [[nodiscard]] const detail::LoadedPlugin* find_plugin(std::string_view id) const;

    /// The loaded plugin with `id`, or a Failure (unknown / refused).
    [[nodiscard]] std::optional<Failure> check_plugin(std::string_view id,
                                                      const detail::LoadedPlugin** out) const;

    /// The instance of (plugin, property), when it exists. With `require_active`, fails
    /// with not_enabled / unavailable unless it is active.
    [[nodiscard]] std::shared_ptr<detail::Instance> find_instance(std::string_view plugin_id,
                                                                  PropertyId property,
                                                                  bool require_active,
                                                                  Failure* why) const;

    void remove_instance(const detail::Instance* inst);

    /// Fans a pushed view out to the subscribers. [strand]
    void publish_view(const ViewPush& push);
    /// Fans a raised notification out to the subscribers.
    void publish_notification(const Notification& n, bool duplicate);

    /// Sessions of `inst`, removed from the map (for the drain).
    std::vector<std::shared_ptr<detail::ViewSession>>
    take_sessions_of(const detail::Instance* inst);
    [[nodiscard]] std::shared_ptr<detail::ViewSession> find_session(std::string_view id) const;
    void erase_session(const std::string& id);

    /// Checks a view document: a JSON object, "schema": "pms.view/1", size, plus the optional
    /// validator. Returns an error message or nullopt.
    [[nodiscard]] std::optional<std::string> check_view(std::string_view view_json) const;
    /// check_view's recent verdicts, by view text (a refresh answers every open dialog of a
    /// folio with the same view: it is parsed once, not once per dialog).
    mutable RecentByText<std::monostate, std::optional<std::string>> recent_view_checks;
    [[nodiscard]] std::optional<std::string> check_view_uncached(std::string_view view_json) const;

    /// Drains and destroys one instance; `done` on the strand.
    void stop_instance(const std::shared_ptr<detail::Instance>& inst, std::function<void()> done);

    /// Creates and starts the instance of a loaded plugin for a property.
    void start_instance(const detail::LoadedPlugin& plugin, const Property& property,
                        Callback<Unit> done);
};

/// Invokes a user callback, shielding the io thread from exceptions.
template <class F, class... Args>
void invoke_callback(F& fn, Args&&... args) noexcept {
    if (!fn)
        return;
    try {
        fn(std::forward<Args>(args)...);
    } catch (...) {
    }
}

/// A Failure from a code and text; the ABI status is chosen from the code.
[[nodiscard]] Failure make_failure(RuntimeErrc code, std::string message, pms_status status = 0);

/// Completes `done` with `failure` on an io thread (never inline), or inline once the runtime
/// has stopped (its io threads are gone).
template <class T>
void fail_async(const std::shared_ptr<Runtime::Impl>& rt, Callback<T> done, Failure failure) {
    if (rt->stopped.load())
        return invoke_callback(done, Result<T>{std::move(failure)});
    rt->run_io([done = std::move(done), failure = std::move(failure)]() mutable {
        invoke_callback(done, Result<T>{std::move(failure)});
    });
}

/// Completes `done` with `value` on an io thread (never inline), or inline once stopped.
template <class T>
void succeed_async(const std::shared_ptr<Runtime::Impl>& rt, Callback<T> done, T value) {
    if (rt->stopped.load())
        return invoke_callback(done, Result<T>{std::move(value)});
    rt->run_io([done = std::move(done), value = std::move(value)]() mutable {
        invoke_callback(done, Result<T>{std::move(value)});
    });
}

} // namespace pms::host
