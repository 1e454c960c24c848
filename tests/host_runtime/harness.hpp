// Test harness for the plugin runtime: a temporary data folder with the demo hotel, a fake
// clock, a log capture, and a Runtime over the test plugins folder, plus blocking wrappers
// around the asynchronous calls (each asserts exactly one completion).
#pragma once

#include <pms/host/runtime/runtime.hpp>
#include <pms/host/storage/clock.hpp>
#include <pms/host/storage/demo_seed.hpp>
#include <pms/host/storage/sqlite_storage.hpp>
#include <pms/test_support/temp_dir.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace pms::host::test {

using namespace std::chrono_literals;

/// The folder the fixture plugins are built into.
[[nodiscard]] std::filesystem::path plugins_dir();

/// Every log line of a runtime, in order.
class LogCapture {
  public:
    struct Line {
        LogLevel level;
        std::string origin;
        std::string text;
    };
    [[nodiscard]] LogSink sink();
    [[nodiscard]] std::vector<Line> lines() const;
    /// Index of the first line (at or after `from`) containing `text`, or -1.
    [[nodiscard]] long find(std::string_view text, long from = 0) const;
    [[nodiscard]] std::size_t count(std::string_view text) const;
    [[nodiscard]] std::size_t count(LogLevel level, std::string_view text) const;
    /// Waits up to `timeout` for a line containing `text`.
    bool wait_for(std::string_view text, std::chrono::milliseconds timeout = 5s) const;
    [[nodiscard]] std::string dump() const;

  private:
    mutable std::mutex mutex_;
    mutable std::condition_variable cv_;
    std::vector<Line> lines_;
};

struct HarnessOptions {
    unsigned io_threads = 2;
    std::chrono::milliseconds drain_timeout = 5s;
    std::chrono::milliseconds hook_timeout = 3s;
    std::filesystem::path plugins = plugins_dir();
    /// Use this data folder (shared with another harness) instead of a fresh one.
    std::optional<std::filesystem::path> data_dir;
    std::function<void(RuntimeOptions&)> tweak;
};

class Harness {
  public:
    explicit Harness(HarnessOptions options = {});
    ~Harness();

    pms::test::TempDir temp{"pms-runtime"};
    std::filesystem::path data_dir;
    std::shared_ptr<FakeClock> clock = std::make_shared<FakeClock>();
    std::unique_ptr<Storage> storage;
    DemoSeed seed;
    LogCapture logs;
    std::unique_ptr<Runtime> runtime;

    /// Runs `start(callback)` and waits for the single completion.
    template <class T>
    Result<T> wait(const std::function<void(Callback<T>)>& start,
                   std::chrono::milliseconds timeout = 20s);

    void enable(const std::string& plugin_id, std::optional<PropertyId> property = {});
    void disable(const std::string& plugin_id, std::optional<PropertyId> property = {});

    /// Delivers an inbound notification (`path` = the fixture's command) and waits for the reply.
    InboundReply notify(const std::string& plugin_id, const std::string& path,
                        const std::string& body = {}, std::chrono::milliseconds deadline = 10s,
                        std::optional<PropertyId> property = {});

    /// Maps the plugin's payment kind to the demo's cashless / online-link category and type.
    void map_kind(const std::string& plugin_id, const std::string& kind);

    [[nodiscard]] FolioContext folio_context(const std::string& staff = "u-17") const;
};

/// Sets an environment variable for the scope.
class ScopedEnv {
  public:
    ScopedEnv(const char* name, const std::string& value);
    ~ScopedEnv();

  private:
    std::string name_;
    std::optional<std::string> old_;
};

// ---- template implementation -------------------------------------------------------------------

void fail_test(const std::string& message);

template <class T>
Result<T> Harness::wait(const std::function<void(Callback<T>)>& start,
                        std::chrono::milliseconds timeout) {
    struct State {
        std::mutex mutex;
        std::condition_variable cv;
        std::optional<Result<T>> result;
        int calls = 0;
    };
    auto state = std::make_shared<State>();
    start([state](Result<T> r) {
        std::lock_guard lock(state->mutex);
        if (++state->calls == 1)
            state->result.emplace(std::move(r));
        state->cv.notify_all();
    });
    std::unique_lock lock(state->mutex);
    if (!state->cv.wait_for(lock, timeout, [&] { return state->result.has_value(); })) {
        fail_test("no completion within the timeout");
        return Result<T>{Failure{RuntimeErrc::timeout, PMS_TIMEOUT, "test timeout"}};
    }
    // A second completion would be a bug: give it a moment to show up.
    lock.unlock();
    std::this_thread::sleep_for(5ms);
    lock.lock();
    if (state->calls != 1)
        fail_test("completion called " + std::to_string(state->calls) + " times");
    return std::move(*state->result);
}

} // namespace pms::host::test
