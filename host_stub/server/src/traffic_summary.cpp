// See traffic_summary.hpp.
#include "traffic_summary.hpp"

#include <boost/asio/post.hpp>

#include <utility>

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

namespace {

void add(std::string& out, const char* what, std::uint64_t n) {
    if (n == 0)
        return;
    if (out.back() != ' ')
        out += ", ";
    out += std::to_string(n) + " " + what;
}

} // namespace

void TrafficSummary::count_hook(std::string_view route, int status, bool from_plugin,
                                std::chrono::milliseconds took) {
    std::uint64_t RouteCounts::*field = nullptr;
    if (status >= 200 && status < 300) {
        ++ok_;
        field = &RouteCounts::ok;
    } else if (status >= 400 && status < 500) {
        ++refused_;
        field = &RouteCounts::refused;
    } else if (status >= 500) {
        ++failed_;
        field = &RouteCounts::failed;
    }
    if (field != nullptr) {
        std::lock_guard lock{routes_mutex_};
        auto it = routes_.find(route);
        if (it == routes_.end() && routes_.size() < max_routes)
            it = routes_.emplace(std::string{route}, RouteCounts{}).first;
        RouteCounts& counts = it == routes_.end() ? other_routes_ : it->second;
        ++(counts.*field);
    }
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
    std::map<std::string, RouteCounts, std::less<>> routes;
    RouteCounts other;
    {
        std::lock_guard lock{routes_mutex_};
        routes.swap(routes_);
        other = std::exchange(other_routes_, RouteCounts{});
    }
    if (ok + refused + failed == 0)
        return {};
    std::string line = "notifications in the last " + std::to_string(interval_.count()) +
                       " s: " + std::to_string(ok + refused + failed) + " answered (" +
                       std::to_string(ok) + " 2xx, " + std::to_string(refused) + " 4xx, " +
                       std::to_string(failed) + " 5xx; " + std::to_string(by_host) +
                       " by the host itself), slowest " + std::to_string(slowest) + " ms";
    // Which route (plugin and property) got what: the figure a hotel checks first when one
    // provider's notifications start failing.
    auto describe = [&line](const std::string& name, const RouteCounts& c) {
        line += "; " + name + ": ";
        add(line, "2xx", c.ok);
        add(line, "4xx", c.refused);
        add(line, "5xx", c.failed);
    };
    for (const auto& [name, counts] : routes)
        describe(name, counts);
    if (other.ok + other.refused + other.failed != 0)
        describe("other routes", other);
    return line;
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
