// See harness.hpp.
#include "harness.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <sstream>
#include <thread>

namespace pms::host::test {

std::filesystem::path plugins_dir() {
    return PMS_RUNTIME_TEST_PLUGINS;
}

void fail_test(const std::string& message) {
    // Boost.Test's log is not thread-safe; the concurrency tests call the harness from threads.
    static std::mutex mutex;
    std::lock_guard lock(mutex);
    BOOST_ERROR(message);
}

LogSink LogCapture::sink() {
    return [this](const LogLine& line) {
        std::lock_guard lock(mutex_);
        lines_.push_back({line.level, std::string{line.origin}, std::string{line.text}});
        cv_.notify_all();
    };
}

std::vector<LogCapture::Line> LogCapture::lines() const {
    std::lock_guard lock(mutex_);
    return lines_;
}

long LogCapture::find(std::string_view text, long from) const {
    std::lock_guard lock(mutex_);
    for (long i = std::max(0L, from); i < static_cast<long>(lines_.size()); ++i)
        if (lines_[i].text.find(text) != std::string::npos)
            return i;
    return -1;
}

std::size_t LogCapture::count(std::string_view text) const {
    std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (const auto& l : lines_)
        if (l.text.find(text) != std::string::npos)
            ++n;
    return n;
}

std::size_t LogCapture::count(LogLevel level, std::string_view text) const {
    std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (const auto& l : lines_)
        if (l.level == level && l.text.find(text) != std::string::npos)
            ++n;
    return n;
}

bool LogCapture::wait_for(std::string_view text, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] {
        for (const auto& l : lines_)
            if (l.text.find(text) != std::string::npos)
                return true;
        return false;
    });
}

std::string LogCapture::dump() const {
    std::lock_guard lock(mutex_);
    std::ostringstream out;
    for (const auto& l : lines_)
        out << "[" << to_string(l.level) << "] " << l.origin << ": " << l.text << "\n";
    return out.str();
}

Harness::Harness(HarnessOptions options) {
    data_dir = options.data_dir ? *options.data_dir : temp.path() / "data";
    SqliteStorageOptions so;
    so.clock = clock;
    storage = open_sqlite_storage(data_dir, so);
    seed = seed_demo(*storage);
    RuntimeOptions ro;
    ro.io_threads = options.io_threads;
    ro.blocking_threads = 2;
    ro.plugins_dir = options.plugins;
    ro.data_dir = data_dir;
    ro.outbox_dir = data_dir / "outbox";
    ro.log = logs.sink();
    ro.log_level = LogLevel::debug;
    ro.drain_timeout = options.drain_timeout;
    ro.hook_timeout = options.hook_timeout;
    if (options.tweak)
        options.tweak(ro);
    runtime = std::make_unique<Runtime>(*storage, *clock, std::move(ro));
    runtime->load_plugins();
}

Harness::~Harness() {
    runtime->shutdown();
    runtime.reset();
    storage.reset();
}

void Harness::enable(const std::string& plugin_id, std::optional<PropertyId> property) {
    auto r = wait<Unit>([&](Callback<Unit> cb) {
        runtime->enable_plugin(plugin_id, property.value_or(seed.property), std::move(cb));
    });
    BOOST_REQUIRE_MESSAGE(r.ok(), "enable " + plugin_id + ": " + (r.ok() ? "" : r.error().message) +
                                      "\n" + logs.dump());
}

void Harness::disable(const std::string& plugin_id, std::optional<PropertyId> property) {
    auto r = wait<Unit>([&](Callback<Unit> cb) {
        runtime->disable_plugin(plugin_id, property.value_or(seed.property), std::move(cb));
    });
    BOOST_REQUIRE_MESSAGE(r.ok(), "disable " + plugin_id);
}

InboundReply Harness::notify(const std::string& plugin_id, const std::string& path,
                             const std::string& body, std::chrono::milliseconds deadline,
                             std::optional<PropertyId> property) {
    struct State {
        std::mutex mutex;
        std::condition_variable cv;
        std::optional<InboundReply> reply;
        int calls = 0;
    };
    auto state = std::make_shared<State>();
    InboundRequest req;
    req.method = "POST";
    req.path = path;
    req.headers = {{"Content-Type", "text/plain"}};
    req.body = body;
    req.remote_address = "127.0.0.1";
    runtime->deliver_notification(plugin_id, property.value_or(seed.property), std::move(req),
                                  deadline, [state](InboundReply r) {
                                      std::lock_guard lock(state->mutex);
                                      if (++state->calls == 1)
                                          state->reply = std::move(r);
                                      state->cv.notify_all();
                                  });
    std::unique_lock lock(state->mutex);
    if (!state->cv.wait_for(lock, deadline + 10s, [&] { return state->reply.has_value(); })) {
        fail_test("no reply to " + path);
        return {};
    }
    lock.unlock();
    std::this_thread::sleep_for(5ms);
    lock.lock();
    if (state->calls != 1)
        fail_test("reply to " + path + " delivered " + std::to_string(state->calls) + " times");
    return *state->reply;
}

void Harness::map_kind(const std::string& plugin_id, const std::string& kind) {
    auto r = wait<Unit>([&](Callback<Unit> cb) {
        runtime->save_payment_mapping(plugin_id, seed.property,
                                      {{kind, seed.cashless, seed.online_link}}, "staff:1",
                                      std::move(cb));
    });
    BOOST_REQUIRE_MESSAGE(r.ok(), "map " + kind + ": " + (r.ok() ? "" : r.error().message));
}

FolioContext Harness::folio_context(const std::string& staff) const {
    FolioContext c;
    c.property = seed.property;
    c.folio = seed.main_folio;
    c.booking = seed.booking;
    c.staff_user_id = staff;
    c.staff_user_name = "Anna";
    c.locale = "ru-RU";
    return c;
}

ScopedEnv::ScopedEnv(const char* name, const std::string& value) : name_{name} {
    if (const char* old = std::getenv(name))
        old_ = old;
    ::setenv(name, value.c_str(), 1);
}

ScopedEnv::~ScopedEnv() {
    if (old_)
        ::setenv(name_.c_str(), old_->c_str(), 1);
    else
        ::unsetenv(name_.c_str());
}

} // namespace pms::host::test
