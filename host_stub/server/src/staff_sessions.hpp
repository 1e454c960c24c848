// Signed-in staff sessions as the server sees them: the cookie's token is looked up (hashed)
// in the storage once, then kept in memory with its last-seen time, which is written back at
// most once per `touch_interval` (architecture §8). Every `recheck_interval` the sessions in
// memory are checked against the storage again, so that a user disabled by an admin — in the
// UI or with `pms-host user disable` from another process — loses every session within about
// a second, and the live-event streams of that session are closed.
//
// Expiry: idle (no request for `idle`) and absolute (`max_age` after sign-in). Both follow the
// wall clock, not the host's business clock (--fake-clock moves business days, not sessions).
#pragma once

#include <pms/host/storage/staff_repository.hpp>
#include <pms/host/storage/storage.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace pms::host::server {

/// Who a request acts for: the host vouches for this, never the client.
struct StaffIdentity {
    std::string login;
    std::string name;
    StaffRole role = StaffRole::front_desk;
    std::string token_hash; ///< identifies the sign-in session (never the token itself)
};

class StaffSessions : public std::enable_shared_from_this<StaffSessions> {
  public:
    struct Options {
        std::chrono::seconds idle{8 * 60 * 60};
        std::chrono::seconds max_age{24 * 60 * 60};
        std::chrono::seconds touch_interval{60};
        std::chrono::milliseconds recheck_interval{500};
    };

    /// `blocking` runs every storage call; `ioc` runs the timers. Both must outlive stop().
    StaffSessions(boost::asio::io_context& ioc, boost::asio::thread_pool& blocking,
                  Storage& storage, Options options);

    void start();
    /// Stops the timers and writes the last-seen times still pending. Idempotent; blocks.
    void stop();

    /// Finds the session of `token` (the cookie's value). `done` runs exactly once, on an io
    /// thread or a blocking thread, with the identity or nullopt (unknown, expired, disabled).
    void authenticate(std::string_view token,
                      std::function<void(std::optional<StaffIdentity>)> done);

    /// Starts a session for `user` (blocking: call on the blocking pool). Returns the token
    /// for the cookie.
    [[nodiscard]] std::string create(const StaffUser& user);
    /// Ends a session (blocking: call on the blocking pool).
    void end(const std::string& token_hash);

    /// Called (on a blocking thread) for every session that ended for any reason but end().
    void on_ended(std::function<void(const std::string& token_hash)> fn);

    [[nodiscard]] const Options& options() const noexcept { return options_; }

  private:
    struct Entry {
        StaffIdentity identity;
        std::chrono::system_clock::time_point last_seen;
        std::chrono::system_clock::time_point last_written;
        std::chrono::system_clock::time_point expires_at;
    };

    [[nodiscard]] bool expired(const Entry& e, std::chrono::system_clock::time_point now) const;
    void schedule_recheck();
    void schedule_touch();
    void recheck();       // blocking thread
    void flush_touches(); // blocking thread
    void ended(const std::vector<std::string>& hashes);

    boost::asio::io_context& ioc_;
    boost::asio::thread_pool& blocking_;
    Storage& storage_;
    Options options_;
    boost::asio::steady_timer recheck_timer_;
    boost::asio::steady_timer touch_timer_;

    std::mutex mutex_;
    std::unordered_map<std::string, Entry> cache_; ///< by token hash
    std::function<void(const std::string&)> on_ended_;
    bool stopped_ = false;
};

} // namespace pms::host::server
