// pms/plugin_sdk/executor.hpp — an Asio executor over pms.executor/1.
//
// `executor` runs function objects on the plugin instance's strand by handing them, in a
// move-only heap holder, to the host's post(). It satisfies
// boost::asio::execution::is_executor (checked on g++ 12 / Boost 1.81), converts to
// boost::asio::any_io_executor, and works with boost::asio::post/dispatch/defer, co_spawn,
// and awaitable<T, executor> (see `awaitable` and `use_awaitable` below).
//
// It answers query(execution::context) with the `instance_context` the SDK owns (one per
// plugin instance), because Asio requires an execution_context behind every I/O executor.
// That context has no scheduler: Asio's own timers and sockets constructed on this executor
// compile but never complete. Use pms::sdk::timer (timer.hpp) and the host services instead.
//
// Semantics:
//  - blocking.never: execute() never runs the function inline, even on the strand.
//  - Every function accepted by the host runs exactly once on the strand. A task the host
//    completes with PMS_CANCELLED (the instance is draining before deactivate) still runs its
//    function: the instance is alive until deactivate, and running it is how a coroutine or a
//    callback learns that its next operation was refused. Nothing is silently dropped.
//  - If the host refuses the post (only after deactivate, a contract violation), the function
//    is destroyed without running and the refusal is logged.
//  - An exception escaping a function is caught and logged (PLUGIN_MISBEHAVING); it cannot
//    propagate into the host.
#pragma once

#include <pms/plugin_api/ext/executor.h>
#include <pms/plugin_api/host.h>

#include <pms/plugin_sdk/trampoline.hpp>

#include <boost/asio/execution.hpp>
#include <boost/asio/execution_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/awaitable.hpp>

#include <memory>
#include <type_traits>
#include <utility>

namespace pms::sdk {

class executor;

/// The execution_context behind an instance's executor. Owned by the SDK (by the plugin base
/// class, one per instance); must outlive every executor copy and every pending task.
class instance_context : public boost::asio::execution_context {
public:
    /// `host` and `ext` (pms.executor/1 of that host) are owned by the host.
    instance_context(const pms_host* host, const pms_host_executor* ext) noexcept
        : host_(host), ext_(ext) {}

    instance_context(const instance_context&) = delete;
    instance_context& operator=(const instance_context&) = delete;

    ~instance_context() {
        shutdown();
        destroy();
    }

    /// Sets the tables later (the plugin base fetches them in init()).
    void reset(const pms_host* host, const pms_host_executor* ext) noexcept {
        host_ = host;
        ext_ = ext;
    }

    const pms_host* c_host() const noexcept { return host_; }
    const pms_host_executor* c_executor() const noexcept { return ext_; }

    executor get_executor() noexcept;

private:
    const pms_host* host_;
    const pms_host_executor* ext_;
};

namespace detail {

// The move-only heap holder behind one execute(): owned by the host between post() and the
// task's run, freed exactly once by run().
template <class F>
struct posted_function {
    F function;
    const pms_host* host;

    static void run(void* user, pms_status /*status: see file comment*/) noexcept {
        std::unique_ptr<posted_function> self(static_cast<posted_function*>(user));
        const pms_host* h = self->host;
        guard_void(h, "a function run on the SDK executor", [&] { std::move(self->function)(); });
    }
};

} // namespace detail

/// Executes function objects on the instance strand through pms.executor/1 post().
class executor {
public:
    /// A null executor (no context); execute() on it destroys the function.
    executor() noexcept = default;
    explicit executor(instance_context& ctx) noexcept : ctx_(&ctx) {}

    /// Runs `f` on the strand, later (never inline). [thread-safe]
    template <class F>
    void execute(F&& f) const {
        using function_type = std::decay_t<F>;
        using holder = detail::posted_function<function_type>;
        const pms_host* h = ctx_ != nullptr ? ctx_->c_host() : nullptr;
        const pms_host_executor* ext = ctx_ != nullptr ? ctx_->c_executor() : nullptr;
        if (h == nullptr || ext == nullptr) {
            detail::log_to_host(h, PMS_LOG_PLUGIN_MISBEHAVING,
                                "execute() on an SDK executor without pms.executor/1");
            return;
        }
        auto owned = std::make_unique<holder>(holder{function_type(std::forward<F>(f)), h});
        const pms_status s = ext->post(h, pms_task{&holder::run, owned.get()});
        if (s == PMS_OK) {
            owned.release(); // now owned by the pending task
        } else {
            detail::log_to_host(h, PMS_LOG_PLUGIN_MISBEHAVING,
                                "pms.executor/1 post refused a task; it is destroyed without running");
        }
    }

    /// The SDK-owned execution context of the instance.
    instance_context& query(boost::asio::execution::context_t) const noexcept { return *ctx_; }

    /// Never blocking: execute() always defers.
    constexpr boost::asio::execution::blocking_t
    query(boost::asio::execution::blocking_t) const noexcept {
        return boost::asio::execution::blocking.never;
    }

    /// Already never-blocking.
    executor require(boost::asio::execution::blocking_t::never_t) const noexcept { return *this; }

    const pms_host* c_host() const noexcept { return ctx_ != nullptr ? ctx_->c_host() : nullptr; }
    instance_context* context() const noexcept { return ctx_; }

    friend bool operator==(const executor& a, const executor& b) noexcept {
        return a.ctx_ == b.ctx_;
    }
    friend bool operator!=(const executor& a, const executor& b) noexcept {
        return a.ctx_ != b.ctx_;
    }

private:
    instance_context* ctx_ = nullptr;
};

inline executor instance_context::get_executor() noexcept { return executor(*this); }

/// Coroutines that run on the instance strand: awaitable<T> = boost::asio::awaitable<T, executor>.
template <class T = void>
using awaitable = boost::asio::awaitable<T, executor>;

/// The completion token for such coroutines: co_await op(..., pms::sdk::use_awaitable).
inline constexpr boost::asio::use_awaitable_t<executor> use_awaitable{};

/// Inside a pms::sdk::awaitable, the coroutine's executor.
inline constexpr boost::asio::this_coro::executor_t this_executor{};

} // namespace pms::sdk

static_assert(boost::asio::execution::is_executor<pms::sdk::executor>::value,
              "pms::sdk::executor must be an Asio executor");
