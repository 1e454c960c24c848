// See event_hub.hpp.
#include "event_hub.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>

namespace pms::host::server {

EventHub::EventHub(boost::asio::io_context& ioc, std::chrono::milliseconds heartbeat,
                   Limits limits)
    : timer_{ioc}, heartbeat_{heartbeat}, limits_{limits} {}

void EventHub::start() {
    schedule_heartbeat();
}

EventHub::Reservation::~Reservation() {
    if (auto self = hub.lock()) {
        std::lock_guard lock{self->mutex_};
        self->release(*this);
    }
}

void EventHub::release(Reservation& reservation) {
    if (!reservation.held)
        return;
    reservation.held = false;
    if (auto it = reserved_.find(reservation.owner); it != reserved_.end() && --it->second == 0)
        reserved_.erase(it);
    --reserved_total_;
}

EventHub::Admission EventHub::admit(const std::string& owner,
                                    std::shared_ptr<Reservation>& reservation) {
    std::lock_guard lock{mutex_};
    if (closed_)
        return Admission::closed;
    // Streams still being opened count as open: admission and add() are apart (the stream
    // is opened on the blocking pool), and a burst of requests must not all fit in between.
    std::size_t total = reserved_total_;
    const auto mine_reserved = reserved_.find(owner);
    std::size_t mine = mine_reserved == reserved_.end() ? 0 : mine_reserved->second;
    for (const auto& [property, list] : streams_)
        for (const auto& e : list)
            if (e.stream.is_open()) {
                ++total;
                mine += e.owner == owner ? 1 : 0;
            }
    if (mine >= limits_.per_session)
        return Admission::session_full;
    if (total >= limits_.total)
        return Admission::total_full;
    ++reserved_[owner];
    ++reserved_total_;
    reservation = std::make_shared<Reservation>();
    reservation->hub = weak_from_this();
    reservation->owner = owner;
    return Admission::ok;
}

void EventHub::add(const std::string& property, const std::string& owner,
                   net::ResponseStream stream, const std::shared_ptr<Reservation>& reservation) {
    {
        std::lock_guard lock{mutex_};
        if (reservation)
            release(*reservation); // the place is now taken by the stream itself
        if (!closed_) {
            streams_[property].push_back({std::move(stream), owner, std::chrono::steady_clock::now()});
            return;
        }
    }
    stream.close();
}

void EventHub::publish(const std::string& property, std::string_view event, std::string_view data,
                       std::string_view id) {
    send_matching(property, nullptr, net::sse_message(data, event, id));
}

void EventHub::publish_to(const std::string& property, const std::string& owner,
                          std::string_view event, std::string_view data) {
    send_matching(property, &owner, net::sse_message(data, event));
}

void EventHub::send_matching(const std::string& property, const std::string* owner,
                             const std::string& message) {
    std::lock_guard lock{mutex_};
    auto found = streams_.find(property);
    if (found == streams_.end())
        return;
    auto& list = found->second;
    // send() refuses once a stream ended; such streams are dropped here.
    list.erase(std::remove_if(list.begin(), list.end(),
                              [&](const Entry& e) {
                                  if (owner != nullptr && e.owner != *owner)
                                      return false;
                                  return !e.stream.send(message);
                              }),
               list.end());
}

void EventHub::close_session(const std::string& owner) {
    std::vector<net::ResponseStream> closing;
    {
        std::lock_guard lock{mutex_};
        for (auto& [property, list] : streams_)
            list.erase(std::remove_if(list.begin(), list.end(),
                                      [&](const Entry& e) {
                                          if (e.owner != owner)
                                              return false;
                                          closing.push_back(e.stream);
                                          return true;
                                      }),
                       list.end());
    }
    for (auto& s : closing)
        s.close();
}

void EventHub::close_all() {
    std::map<std::string, std::vector<Entry>, std::less<>> streams;
    {
        std::lock_guard lock{mutex_};
        closed_ = true;
        streams.swap(streams_);
    }
    for (auto& [property, list] : streams)
        for (auto& e : list)
            e.stream.close();
    // The timer belongs to the io_context: cancel it there, not from a signal-handling thread.
    boost::asio::post(timer_.get_executor(),
                      [self = shared_from_this()] { self->timer_.cancel(); });
}

std::size_t EventHub::size() const {
    std::lock_guard lock{mutex_};
    std::size_t n = 0;
    for (const auto& [property, list] : streams_)
        for (const auto& e : list)
            n += e.stream.is_open() ? 1 : 0;
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
    std::vector<net::ResponseStream> too_old;
    {
        std::lock_guard lock{mutex_};
        if (closed_)
            return;
        const auto now = std::chrono::steady_clock::now();
        // An SSE comment line: ignored by EventSource, but it makes a dead peer show up as a
        // failed write so that its stream is dropped.
        for (auto it = streams_.begin(); it != streams_.end();) {
            auto& list = it->second;
            list.erase(std::remove_if(list.begin(), list.end(),
                                      [&](const Entry& e) {
                                          if (now - e.opened >= limits_.max_age) {
                                              too_old.push_back(e.stream);
                                              return true;
                                          }
                                          return !e.stream.send(": ping\n\n");
                                      }),
                       list.end());
            it = list.empty() ? streams_.erase(it) : std::next(it);
        }
    }
    for (auto& s : too_old)
        s.close();
    schedule_heartbeat();
}

} // namespace pms::host::server
