// pms/plugin_sdk/detail/async.hpp — the machinery shared by the SDK's completion-token adapters.
//
// Shape of every adapter (http.hpp, folio.hpp, mail.hpp, timer.hpp):
//  1. boost::asio::async_initiate hands the completion handler to an initiation, which moves it
//     into a heap `pending_op`. The op's address is the C `user` pointer.
//  2. The host's C completion runs on the strand; it takes ownership back (unique_ptr: freed
//     exactly once), clears the cancellation slot, copies the C payload into C++ values and
//     delivers them to the handler — PMS_CANCELLED included, never dropped (a dropped
//     completion would leak a coroutine frame).
//  3. If the host refuses to start the operation, the error is delivered later through the
//     executor (never inline from the initiating function).
#pragma once

#include <pms/plugin_sdk/executor.hpp>
#include <pms/plugin_sdk/status.hpp>
#include <pms/plugin_sdk/trampoline.hpp>

#include <boost/asio/append.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/dispatch.hpp>

#include <cstdint>
#include <memory>
#include <type_traits>
#include <utility>

namespace pms::sdk::detail {

/// Invokes `handler(args...)` from a completion that already runs on the instance strand:
/// directly when the handler's associated executor is the SDK executor (the common case,
/// including pms::sdk::use_awaitable), otherwise dispatched to the handler's own executor.
template <class Handler, class... Args>
void invoke_on_strand(Handler handler, const executor& ex, Args&&... args) {
    auto assoc = boost::asio::get_associated_executor(handler, ex);
    if constexpr (std::is_same_v<decltype(assoc), executor>) {
        std::move(handler)(std::forward<Args>(args)...);
    } else {
        boost::asio::dispatch(assoc, boost::asio::append(std::move(handler),
                                                         std::forward<Args>(args)...));
    }
}

/// A started operation: the handler, the executor to complete on, and the handler's
/// cancellation slot (connected to the host's cancel function once the op has an id).
template <class Handler>
struct pending_op {
    Handler handler;
    executor ex;
    boost::asio::cancellation_slot slot;

    pending_op(Handler h, executor e)
        : handler(std::move(h)), ex(std::move(e)),
          slot(boost::asio::get_associated_cancellation_slot(handler)) {}

    /// Takes the op back from a C `user` pointer: the one place it is freed.
    static std::unique_ptr<pending_op> adopt(void* user) noexcept {
        return std::unique_ptr<pending_op>(static_cast<pending_op*>(user));
    }

    /// Completes: clears the cancellation slot, then delivers args. Consumes the op.
    template <class... Args>
    static void complete(std::unique_ptr<pending_op> op, Args&&... args) {
        if (op->slot.is_connected())
            op->slot.clear();
        Handler handler(std::move(op->handler));
        executor ex = op->ex;
        op.reset(); // free the op before running user code (which may start the next op)
        invoke_on_strand(std::move(handler), ex, std::forward<Args>(args)...);
    }
};

/// The cancellation handler installed into an Asio cancellation slot: asks the host to cancel
/// the operation; the op then completes once with PMS_CANCELLED (or normally, if too late).
struct host_cancel {
    const pms_host* host;
    pms_status (*cancel)(const pms_host*, std::uint64_t);
    std::uint64_t op_id;

    void operator()(boost::asio::cancellation_type_t type) const noexcept {
        if ((type & (boost::asio::cancellation_type::terminal |
                     boost::asio::cancellation_type::partial |
                     boost::asio::cancellation_type::total)) != boost::asio::cancellation_type::none)
            cancel(host, op_id);
    }
};

/// Connects the op's cancellation slot, if any, to the host's cancel(op_id). Call right after
/// the host accepted the op (still inside the initiation, so before any completion).
template <class Op>
void connect_cancellation(Op& op, const pms_host* host,
                          pms_status (*cancel)(const pms_host*, std::uint64_t),
                          std::uint64_t op_id) {
    if (op.slot.is_connected() && cancel != nullptr)
        op.slot.template emplace<host_cancel>(host_cancel{host, cancel, op_id});
}

/// The host refused to start an op: deliver `fail(std::move(op))` later on the strand, so
/// that the handler is never invoked from inside the initiating function. If even the post is
/// refused (only after deactivate), the op is destroyed — handler included — without running.
template <class Op, class Fail>
void complete_rejected(std::unique_ptr<Op> op, Fail fail) {
    executor ex = op->ex;
    ex.execute([op = std::move(op), fail = std::move(fail)]() mutable { fail(std::move(op)); });
}

} // namespace pms::sdk::detail
