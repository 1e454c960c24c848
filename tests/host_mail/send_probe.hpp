// SendProbe: a SendHandler for tests that records every call (to prove "exactly once"), the
// calling thread, and lets the test wait for the first call with a bound.
#pragma once

#include <pms/host/mail/mail_transport.hpp>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>

namespace pms::host::mail::test {

class SendProbe {
  public:
    struct State {
        std::mutex mutex;
        std::condition_variable cv;
        int calls = 0;
        std::error_code ec;
        std::string detail;
        std::thread::id thread;
    };

    SendHandler handler() {
        return [state = state_](std::error_code ec, std::string detail) {
            std::lock_guard lock(state->mutex);
            if (++state->calls == 1) {
                state->ec = ec;
                state->detail = std::move(detail);
                state->thread = std::this_thread::get_id();
            }
            state->cv.notify_all();
        };
    }

    // Waits for the first call; false on timeout.
    bool wait(std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
        std::unique_lock lock(state_->mutex);
        return state_->cv.wait_for(lock, timeout, [&] { return state_->calls > 0; });
    }

    int calls() {
        std::lock_guard lock(state_->mutex);
        return state_->calls;
    }
    std::error_code ec() {
        std::lock_guard lock(state_->mutex);
        return state_->ec;
    }
    std::string detail() {
        std::lock_guard lock(state_->mutex);
        return state_->detail;
    }
    std::thread::id thread() {
        std::lock_guard lock(state_->mutex);
        return state_->thread;
    }

  private:
    std::shared_ptr<State> state_ = std::make_shared<State>();
};

} // namespace pms::host::mail::test
