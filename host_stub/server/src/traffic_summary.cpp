// See traffic_summary.hpp.
#include "traffic_summary.hpp"

#include <boost/asio/post.hpp>

namespace pms::host::server {

TrafficSummary::TrafficSummary(boost::asio::io_context& ioc, std::chrono::seconds interval,
                               std::function<void(const std::string&)> write)
    : timer_{ioc}, interval_{interval}, write_{std::move(write)} {}

void TrafficSummary::start() {
    schedule();
}

void TrafficSummary::stop() {
    if (stopped_.exchange(true))
        return;
    if (auto line = take_line(); !line.empty())
        write_(line);
    boost::asio::post(timer_.get_executor(), [self = shared_from_this()] { self->timer_.cancel(); });
}

void TrafficSummary::count_hook(int status, bool from_plugin, std::chrono::milliseconds took) {
    if (status >= 200 && status < 300)
        ++ok_;
    else if (status >= 400 && status < 500)
        ++refused_;
    else if (status >= 500)
        ++failed_;
    if (!from_plugin)
        ++by_host_;
    const auto ms = static_cast<std::uint64_t>(took.count() < 0 ? 0 : took.count());
    auto seen = slowest_ms_.load();
    while (ms > seen && !slowest_ms_.compare_exchange_weak(seen, ms)) {
    }
}

std::string TrafficSummary::take_line() {
    const auto ok = ok_.exchange(0);
    const auto refused = refused_.exchange(0);
    const auto failed = failed_.exchange(0);
    const auto by_host = by_host_.exchange(0);
    const auto slowest = slowest_ms_.exchange(0);
    if (ok + refused + failed == 0)
        return {};
    return "notifications in the last " + std::to_string(interval_.count()) +
           " s: " + std::to_string(ok + refused + failed) + " answered (" + std::to_string(ok) +
           " 2xx, " + std::to_string(refused) + " 4xx, " + std::to_string(failed) + " 5xx; " +
           std::to_string(by_host) + " by the host itself), slowest " + std::to_string(slowest) +
           " ms";
}

void TrafficSummary::schedule() {
    timer_.expires_after(interval_);
    timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
        auto self = weak.lock();
        if (ec || !self || self->stopped_)
            return;
        if (auto line = self->take_line(); !line.empty())
            self->write_(line);
        self->schedule();
    });
}

} // namespace pms::host::server
