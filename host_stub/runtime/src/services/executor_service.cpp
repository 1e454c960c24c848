// pms.executor/1: tasks and one-shot timers on the instance strand, each completed exactly once
// through the instance's operation registry (PMS_CANCELLED on timer_cancel or the drain).
#include "service_support.hpp"
#include "services.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

namespace pms::host::detail {
namespace {

pms_status executor_post(const pms_host* host, pms_task task) noexcept {
    try {
        Instance* inst = Instance::from_host(host);
        if (inst == nullptr || task.fn == nullptr)
            return PMS_INVALID_ARGUMENT;
        auto* fn = task.fn;
        void* user = task.user;
        const std::uint64_t id = inst->ops.begin(
            OperationRegistry::CancelMode::host, [fn, user] { fn(user, PMS_CANCELLED); },
            /*is_post=*/true);
        if (id == 0)
            return PMS_UNAVAILABLE;
        inst->ops.complete(id, [fn, user] { fn(user, PMS_OK); });
        return PMS_OK;
    } catch (...) {
        return PMS_INTERNAL;
    }
}

pms_status executor_timer_start(const pms_host* host, std::uint64_t delay_ms, pms_task task,
                                std::uint64_t* timer_id) noexcept {
    try {
        Instance* inst = Instance::from_host(host);
        if (inst == nullptr || task.fn == nullptr || timer_id == nullptr)
            return PMS_INVALID_ARGUMENT;
        // Longer than ~24 days is almost certainly a unit mistake; clamp to keep chrono sane.
        const auto delay = std::chrono::milliseconds(
            std::min<std::uint64_t>(delay_ms, 1000ULL * 60 * 60 * 24 * 365));
        auto* fn = task.fn;
        void* user = task.user;
        const std::uint64_t id = inst->ops.begin(OperationRegistry::CancelMode::host,
                                                 [fn, user] { fn(user, PMS_CANCELLED); });
        if (id == 0)
            return PMS_UNAVAILABLE;
        *timer_id = id;
        auto timer = std::make_shared<asio::steady_timer>(inst->strand);
        // Arm and cancel on the strand (a timer object is not thread-safe); posts are FIFO, so
        // a cancel always follows the arm.
        inst->ops.set_source_cancel(id, [timer, strand = inst->strand]() mutable {
            asio::post(strand, [timer] { timer->cancel(); });
            return true;
        });
        asio::post(inst->strand, [timer, delay, weak = inst->weak_from_this(), id, fn, user] {
            timer->expires_after(delay);
            timer->async_wait([weak, id, fn, user](const boost::system::error_code& ec) {
                if (auto self = weak.lock()) {
                    const pms_status status = ec ? PMS_CANCELLED : PMS_OK;
                    self->ops.complete(id, [fn, user, status] { fn(user, status); });
                }
            });
        });
        return PMS_OK;
    } catch (...) {
        return PMS_INTERNAL;
    }
}

pms_status executor_timer_cancel(const pms_host* host, std::uint64_t timer_id) noexcept {
    try {
        Instance* inst = Instance::from_host(host);
        if (inst == nullptr)
            return PMS_INVALID_ARGUMENT;
        return inst->ops.cancel(timer_id) ? PMS_OK : PMS_NOT_FOUND;
    } catch (...) {
        return PMS_INTERNAL;
    }
}

constexpr pms_host_executor table{&executor_post, &executor_timer_start, &executor_timer_cancel};

} // namespace

const pms_host_executor* executor_service() noexcept {
    return &table;
}

} // namespace pms::host::detail
