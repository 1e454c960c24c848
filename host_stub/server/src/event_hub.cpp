// See event_hub.hpp.
#include "event_hub.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>

namespace pms::host::server {

EventHub::EventHub(boost::asio::io_context& ioc, std::chrono::milliseconds heartbeat)
    : timer_{ioc}, heartbeat_{heartbeat} {}

void EventHub::start() {
    schedule_heartbeat();
}

void EventHub::add(const std::string& property, net::ResponseStream stream) {
    {
        std::lock_guard lock{mutex_};
        if (!closed_) {
            streams_[property].push_back(std::move(stream));
            return;
        }
    }
    stream.close();
}

void EventHub::publish(const std::string& property, std::string_view event, std::string_view data,
                       std::string_view id) {
    const std::string message = net::sse_message(data, event, id);
    std::lock_guard lock{mutex_};
    auto found = streams_.find(property);
    if (found == streams_.end())
        return;
    auto& list = found->second;
    // send() refuses once a stream ended; such streams are dropped here.
    list.erase(std::remove_if(list.begin(), list.end(),
                              [&](const net::ResponseStream& s) { return !s.send(message); }),
               list.end());
}

void EventHub::close_all() {
    std::map<std::string, std::vector<net::ResponseStream>, std::less<>> streams;
    {
        std::lock_guard lock{mutex_};
        closed_ = true;
        streams.swap(streams_);
    }
    for (auto& [property, list] : streams)
        for (auto& stream : list)
            stream.close();
    // The timer belongs to the io_context: cancel it there, not from a signal-handling thread.
    boost::asio::post(timer_.get_executor(),
                      [self = shared_from_this()] { self->timer_.cancel(); });
}

std::size_t EventHub::size() const {
    std::lock_guard lock{mutex_};
    std::size_t n = 0;
    for (const auto& [property, list] : streams_)
        n += list.size();
    return n;
}

void EventHub::schedule_heartbeat() {
    timer_.expires_after(heartbeat_);
    timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
        if (ec)
            return;
        if (auto self = weak.lock())
            self->on_heartbeat();
    });
}

void EventHub::on_heartbeat() {
    {
        std::lock_guard lock{mutex_};
        if (closed_)
            return;
        // An SSE comment line: ignored by EventSource, but it makes a dead peer show up as a
        // failed write so that its stream is dropped.
        for (auto it = streams_.begin(); it != streams_.end();) {
            auto& list = it->second;
            list.erase(
                std::remove_if(list.begin(), list.end(),
                               [](const net::ResponseStream& s) { return !s.send(": ping\n\n"); }),
                list.end());
            it = list.empty() ? streams_.erase(it) : std::next(it);
        }
    }
    schedule_heartbeat();
}

} // namespace pms::host::server
