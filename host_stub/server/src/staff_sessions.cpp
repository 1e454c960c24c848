// See staff_sessions.hpp.
#include "staff_sessions.hpp"

#include <pms/host/auth/session_token.hpp>

#include <boost/asio/post.hpp>

namespace pms::host::server {

namespace asio = boost::asio;
using std::chrono::system_clock;

namespace {

UtcTime to_utc(system_clock::time_point t) {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(t);
}

StaffIdentity identity_of(const StaffUser& user, const std::string& token_hash) {
    return StaffIdentity{user.login, user.name, user.role, token_hash};
}

} // namespace

StaffSessions::StaffSessions(asio::io_context& ioc, asio::thread_pool& blocking, Storage& storage,
                             Options options)
    : ioc_{ioc}, blocking_{blocking}, storage_{storage}, options_{options}, recheck_timer_{ioc},
      touch_timer_{ioc} {}

void StaffSessions::start() {
    schedule_recheck();
    schedule_touch();
}

void StaffSessions::stop() {
    {
        std::lock_guard lock{mutex_};
        if (stopped_)
            return;
        stopped_ = true;
    }
    asio::post(ioc_, [self = shared_from_this()] {
        self->recheck_timer_.cancel();
        self->touch_timer_.cancel();
    });
    try {
        flush_touches();
    } catch (...) {
        // Shutting down: a lost last-seen time only shortens a session's idle allowance.
    }
}

void StaffSessions::on_ended(std::function<void(const std::string&)> fn) {
    std::lock_guard lock{mutex_};
    on_ended_ = std::move(fn);
}

bool StaffSessions::expired(const Entry& e, system_clock::time_point now) const {
    return now >= e.expires_at || now - e.last_seen >= options_.idle;
}

void StaffSessions::authenticate(std::string_view token,
                                 std::function<void(std::optional<StaffIdentity>)> done) {
    if (!auth::plausible_session_token(token))
        return done(std::nullopt);
    std::string hash = auth::session_token_hash(token);
    const auto now = system_clock::now();
    bool was_expired = false;
    std::optional<StaffIdentity> cached;
    {
        std::lock_guard lock{mutex_};
        if (auto it = cache_.find(hash); it != cache_.end()) {
            if (!expired(it->second, now)) {
                it->second.last_seen = now;
                cached = it->second.identity;
            } else {
                cache_.erase(it);
                was_expired = true;
            }
        }
    }
    if (cached) // outside the lock: done may take a while
        return done(std::move(cached));
    if (was_expired) {
        ended({hash});
        return done(std::nullopt);
    }
    asio::post(blocking_, [self = shared_from_this(), hash = std::move(hash), now,
                           done = std::move(done)]() mutable {
        std::optional<StaffSession> found;
        try {
            found = self->storage_.staff().find_session(hash);
        } catch (...) {
            return done(std::nullopt); // fail closed: the storage could not vouch for anyone
        }
        if (!found)
            return done(std::nullopt);
        Entry e;
        e.identity = identity_of(found->user, hash);
        e.last_seen = found->last_seen;
        e.last_written = found->last_seen;
        e.expires_at = found->expires_at;
        if (self->expired(e, now)) {
            try {
                self->storage_.staff().delete_session(hash);
            } catch (...) {
            }
            return done(std::nullopt);
        }
        e.last_seen = now;
        auto identity = e.identity;
        {
            std::lock_guard lock{self->mutex_};
            self->cache_.insert_or_assign(hash, std::move(e));
        }
        done(std::move(identity));
    });
}

std::string StaffSessions::create(const StaffUser& user) {
    const std::string token = auth::new_session_token();
    const std::string hash = auth::session_token_hash(token);
    const auto now = system_clock::now();
    Entry e;
    e.identity = identity_of(user, hash);
    e.last_seen = now;
    e.last_written = now;
    e.expires_at = now + options_.max_age;
    storage_.staff().create_session(hash, user.id, to_utc(now), to_utc(e.expires_at));
    std::lock_guard lock{mutex_};
    cache_.insert_or_assign(hash, std::move(e));
    return token;
}

void StaffSessions::end(const std::string& token_hash) {
    {
        std::lock_guard lock{mutex_};
        cache_.erase(token_hash);
    }
    storage_.staff().delete_session(token_hash);
}

void StaffSessions::ended(const std::vector<std::string>& hashes) {
    std::function<void(const std::string&)> fn;
    {
        std::lock_guard lock{mutex_};
        fn = on_ended_;
    }
    if (fn)
        for (const auto& h : hashes)
            fn(h);
}

void StaffSessions::schedule_recheck() {
    recheck_timer_.expires_after(options_.recheck_interval);
    recheck_timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
        auto self = weak.lock();
        if (ec || !self)
            return;
        asio::post(self->blocking_, [self] {
            self->recheck();
            std::lock_guard lock{self->mutex_};
            if (!self->stopped_)
                asio::post(self->ioc_, [self] { self->schedule_recheck(); });
        });
    });
}

void StaffSessions::recheck() {
    std::vector<std::string> hashes;
    {
        std::lock_guard lock{mutex_};
        hashes.reserve(cache_.size());
        for (const auto& [hash, entry] : cache_)
            hashes.push_back(hash);
    }
    std::vector<std::string> gone;
    const auto now = system_clock::now();
    for (const auto& hash : hashes) {
        std::optional<StaffSession> found;
        try {
            found = storage_.staff().find_session(hash);
        } catch (...) {
            continue; // a storage hiccup: keep the session, check again next time
        }
        std::lock_guard lock{mutex_};
        auto it = cache_.find(hash);
        if (it == cache_.end())
            continue;
        if (!found || expired(it->second, now)) {
            cache_.erase(it);
            gone.push_back(hash);
            continue;
        }
        // A renamed user or a changed role takes effect at once.
        it->second.identity = identity_of(found->user, hash);
    }
    if (!gone.empty())
        ended(gone);
}

void StaffSessions::schedule_touch() {
    touch_timer_.expires_after(options_.touch_interval);
    touch_timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
        auto self = weak.lock();
        if (ec || !self)
            return;
        asio::post(self->blocking_, [self] {
            try {
                self->flush_touches();
                const auto now = system_clock::now();
                self->storage_.staff().delete_expired_sessions(to_utc(now - self->options_.idle),
                                                               to_utc(now));
            } catch (...) {
                // Next time: last-seen times only ever grow.
            }
            std::lock_guard lock{self->mutex_};
            if (!self->stopped_)
                asio::post(self->ioc_, [self] { self->schedule_touch(); });
        });
    });
}

void StaffSessions::flush_touches() {
    std::vector<std::pair<std::string, UtcTime>> seen;
    {
        std::lock_guard lock{mutex_};
        for (auto& [hash, e] : cache_)
            if (e.last_seen > e.last_written) {
                seen.emplace_back(hash, to_utc(e.last_seen));
                e.last_written = e.last_seen;
            }
    }
    storage_.staff().touch_sessions(seen);
}

} // namespace pms::host::server
