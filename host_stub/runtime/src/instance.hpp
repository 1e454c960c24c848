// One plugin instance: the plugin object created for one property, its pms_host, its strand,
// its operation registry, and its life cycle (create -> init -> activate ... drain ->
// deactivate -> destroy). Every call into the plugin is made on `strand`.
#pragma once

#include "logger.hpp"
#include "operation_registry.hpp"
#include "plugin_loader.hpp"
#include "settings_schema.hpp"

#include <pms/host/runtime/runtime.hpp>
#include <pms/host/storage/folio_repository.hpp>
#include <pms/host/storage/plugin_store.hpp>
#include <pms/plugin_api/pms_plugin_api.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace pms::host::detail {

namespace asio = boost::asio;
using Strand = asio::strand<asio::io_context::executor_type>;

/// Which hook opened a view session.
enum class ViewKind { folio_button, admin_page };

/// The hook tables the plugin returned for its declared capabilities (NULL = not offered).
struct InstanceHooks {
    const pms_plugin_folio_button* folio_button = nullptr;
    const pms_plugin_settings_schema* settings = nullptr;
    const pms_plugin_payment_types* payment_types = nullptr;
    const pms_plugin_notification_sink* sink = nullptr;
    const pms_plugin_admin_page* admin_page = nullptr; ///< since 1.2
};

class Instance : public std::enable_shared_from_this<Instance> {
  public:
    Instance(Runtime::Impl& runtime, const LoadedPlugin& plugin, const Property& property);
    ~Instance();

    Instance(const Instance&) = delete;
    Instance& operator=(const Instance&) = delete;

    /// The instance behind a pms_host the plugin passed back, or null when `host` is not one
    /// of ours (checked with a magic number). [thread-safe]
    [[nodiscard]] static Instance* from_host(const pms_host* host) noexcept;

    // ---- Identity (immutable) ----
    Runtime::Impl& rt;
    const std::shared_ptr<PluginModule> module;
    const pms_plugin_descriptor* const descriptor;
    const std::string plugin_id;
    const PropertyId property;
    const std::string property_text; ///< decimal, what the plugin sees
    const std::string origin;        ///< "plugin:<id>@<property>"
    const std::string time_zone;
    const int utc_offset_minutes;
    const std::vector<std::string> capabilities;

    [[nodiscard]] StoreScope store_scope() const { return {plugin_id, property}; }
    [[nodiscard]] SettingsScope settings_scope() const { return {plugin_id, property, {}}; }
    [[nodiscard]] const pms_host* c_host() const noexcept { return &host_; }

    Strand strand;
    OperationRegistry ops;

    // ---- Strand-only state ----
    const pms_plugin* plugin = nullptr; ///< null before create and after destroy
    InstanceHooks hooks;
    std::vector<PaymentKind> payment_kinds; ///< cached at init (code, name, direction)
    std::optional<SettingsSchema> schema;   ///< cached at init and on each settings page read
    std::string schema_error;               ///< why the plugin's schema was refused
    bool activated = false;

    // ---- Thread-safe state ----
    std::atomic<InstanceState> state{InstanceState::starting};
    std::atomic<bool> in_scan{false}; ///< a store scan visitor is running

    /// The checked pages (pms.admin-page/1), read once after activate(); empty when the
    /// plugin has none or they were refused. [thread-safe]
    [[nodiscard]] std::vector<AdminPage> admin_pages() const;

    /// Tells the plugin that view session `session_id` ended, through the hook that opened it
    /// (`page`: pms.admin-page/1, else pms.folio-button/1). No-op when the instance is not
    /// active or the hook is gone. [strand]
    void view_closed(std::string_view session_id, bool page) noexcept;

    void log(LogLevel level, std::string_view text) noexcept;
    void set_state(InstanceState s, std::string message = {});
    [[nodiscard]] InstanceInfo info() const;
    [[nodiscard]] bool has_capability(std::string_view id) const noexcept;

    /// Posts `f` to the strand.
    template <class F>
    void post(F&& f) {
        asio::post(strand, std::forward<F>(f));
    }

    /// Runs `f` on the strand: at once on this thread when the strand is idle and this is an
    /// io thread (or already the strand), else queued like post(). Only for callers that hold
    /// no lock and expect `f` to possibly run before dispatch() returns.
    template <class F>
    void dispatch(F&& f) {
        asio::dispatch(strand, std::forward<F>(f));
    }

    // ---- Life cycle (all on the strand) ----

    /// create -> init -> hook lookup -> activate. On init failure the plugin is destroyed;
    /// on activate failure the instance stays created but inactive. `done` runs on the strand.
    void start(std::function<void(Result<Unit>)> done);

    /// Retries activate() on an inactive instance (after its settings were saved).
    void reactivate(std::function<void(Result<Unit>)> done);

    /// Drains (refuse new operations, cancel pending ones, deliver PMS_CANCELLED), then
    /// deactivates and destroys. `done` runs on the strand after destroy, or when the drain
    /// timeout makes the instance a zombie.
    void stop(std::function<void()> done);

    /// Reads the instance's secrets back from storage and registers them for log redaction.
    void refresh_secret_redaction() noexcept;

    /// Asks the plugin for its settings schema and checks it (caches `schema` or
    /// `schema_error`). Returns whether a valid schema is cached. [strand]
    bool load_schema();

    /// The schema's defaults as JSON, or "{}". [strand]
    [[nodiscard]] std::string default_settings_json() const;

  private:
    pms_status activate_now(std::string& error);
    void finish_stop();
    void destroy_plugin() noexcept;
    void cache_hooks();
    void load_admin_pages();

    std::uint64_t magic_;
    pms_host host_{};
    mutable std::mutex status_mutex_;
    std::string status_message_;
    mutable std::mutex pages_mutex_;
    std::vector<AdminPage> admin_pages_; ///< guarded by pages_mutex_
    std::vector<std::function<void()>> stop_waiters_;
    std::unique_ptr<asio::steady_timer> drain_timer_;
    bool stopping_ = false;
    bool stopped_ = false;
};

} // namespace pms::host::detail
