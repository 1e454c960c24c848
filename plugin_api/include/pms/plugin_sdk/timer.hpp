// pms/plugin_sdk/timer.hpp — a timer over pms.executor/1 timers.
//
// Asio's steady_timer compiles on pms::sdk::executor but never fires (its service needs an
// io_context scheduler the SDK executor does not have). This timer asks the host instead:
//
//     pms::sdk::timer t(get_executor());
//     t.expires_after(std::chrono::seconds(30));
//     co_await t.async_wait(pms::sdk::use_awaitable);       // or a callback(error_code)
//
// Handler signature: void(pms::sdk::error_code ec). ec is empty when the delay passed,
// errc::cancelled (== std::errc::operation_canceled) when cancel() was called, the timer was
// destroyed, the handler's cancellation slot fired, or the instance is draining. Each wait
// completes exactly once, on the strand, never inline from async_wait().
// Several waits may be pending on one timer; cancel() cancels them all. Like Asio's timers,
// a timer object is not thread-safe: use it on the strand.
#pragma once

#include <pms/plugin_api/ext/executor.h>

#include <pms/plugin_sdk/detail/async.hpp>
#include <pms/plugin_sdk/executor.hpp>
#include <pms/plugin_sdk/status.hpp>

#include <boost/asio/async_result.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

namespace pms::sdk {

class timer {
public:
    using executor_type = executor;
    using duration = std::chrono::milliseconds;

    explicit timer(const executor& ex) : ex_(ex), state_(std::make_shared<state>()) {}

    timer(const timer&) = delete;
    timer& operator=(const timer&) = delete;
    timer(timer&&) noexcept = default;
    timer& operator=(timer&&) noexcept = default;

    /// Cancels pending waits (they complete with errc::cancelled).
    ~timer() {
        if (state_)
            cancel();
    }

    executor_type get_executor() const noexcept { return ex_; }

    /// Sets the delay of the next async_wait (not of waits already started). Negative = 0.
    void expires_after(duration d) noexcept { delay_ = std::max(d, duration::zero()); }
    template <class Rep, class Period>
    void expires_after(std::chrono::duration<Rep, Period> d) noexcept {
        expires_after(std::chrono::ceil<duration>(d));
    }
    duration expiry_delay() const noexcept { return delay_; }

    /// Starts a wait of the current delay. See the file comment for the handler.
    template <class CompletionToken>
    auto async_wait(CompletionToken&& token) {
        return boost::asio::async_initiate<CompletionToken, void(error_code)>(
            initiate_wait{this}, token);
    }

    /// Asks the host to cancel every pending wait. Returns how many were pending. Each of them
    /// completes once with errc::cancelled (or normally, if the host had already fired it).
    std::size_t cancel() noexcept {
        const auto* ext = executor_ext();
        const std::size_t n = state_->pending.size();
        if (ext != nullptr)
            for (std::uint64_t id : state_->pending)
                ext->timer_cancel(ex_.c_host(), id);
        return n;
    }

    /// Number of waits started and not yet completed.
    std::size_t pending() const noexcept { return state_->pending.size(); }

private:
    struct state {
        std::vector<std::uint64_t> pending; // host timer ids
    };

    const pms_host_executor* executor_ext() const noexcept {
        return ex_.context() != nullptr ? ex_.context()->c_executor() : nullptr;
    }

    template <class Handler>
    struct wait_op : detail::pending_op<Handler> {
        std::shared_ptr<state> st;
        std::uint64_t id = 0;
        bool started = false;

        wait_op(Handler h, executor e, std::shared_ptr<state> s)
            : detail::pending_op<Handler>(std::move(h), std::move(e)), st(std::move(s)) {}

        static void on_fire(void* user, pms_status status) noexcept {
            auto op = std::unique_ptr<wait_op>(static_cast<wait_op*>(user));
            const pms_host* h = op->ex.c_host();
            guard_void(h, "timer completion", [&] {
                auto& ids = op->st->pending;
                ids.erase(std::remove(ids.begin(), ids.end(), op->id), ids.end());
                finish(std::move(op), status);
            });
        }

        static void finish(std::unique_ptr<wait_op> op, pms_status status) {
            if (op->slot.is_connected())
                op->slot.clear();
            Handler handler(std::move(op->handler));
            executor ex = op->ex;
            op.reset();
            detail::invoke_on_strand(std::move(handler), ex, make_status_error(status));
        }
    };

    struct initiate_wait {
        timer* self;

        template <class Handler>
        void operator()(Handler&& handler) const {
            using op_type = wait_op<std::decay_t<Handler>>;
            auto op = std::make_unique<op_type>(std::forward<Handler>(handler), self->ex_,
                                                self->state_);
            const auto* ext = self->executor_ext();
            const pms_host* h = self->ex_.c_host();
            pms_status s = PMS_NOT_SUPPORTED;
            std::uint64_t id = 0;
            if (ext != nullptr) {
                const auto delay = static_cast<std::uint64_t>(self->delay_.count());
                s = ext->timer_start(h, delay, pms_task{&op_type::on_fire, op.get()}, &id);
            }
            if (s != PMS_OK) {
                detail::complete_rejected(std::move(op), [s](std::unique_ptr<op_type> o) {
                    op_type::finish(std::move(o), s);
                });
                return;
            }
            op->id = id;
            self->state_->pending.push_back(id);
            detail::connect_cancellation(*op, h, ext->timer_cancel, id);
            op.release(); // owned by the host's pending task now
        }
    };

    executor ex_;
    std::shared_ptr<state> state_;
    duration delay_{0};
};

} // namespace pms::sdk
