// ChildProcess: runs a program for an integration test in its own process group, with
// PR_SET_PDEATHSIG(SIGKILL) so it dies with the test, reads its stdout line by line, and
// kills the whole group on destruction, so that ctest never hangs on a stray child.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace pms::test {

class ChildProcess {
  public:
    struct Options {
        std::filesystem::path program;                        // absolute, or found in PATH
        std::vector<std::string> args;                        // without argv[0]
        std::vector<std::pair<std::string, std::string>> env; // set/override in the child
        std::filesystem::path working_directory;              // empty = inherit
        // Wait in the constructor for the first stdout line (e.g. "listening on 127.0.0.1:N");
        // the constructor throws std::runtime_error if it does not come in time or the child
        // exits first. The line is first_line().
        bool wait_first_line = true;
        std::chrono::milliseconds first_line_timeout{std::chrono::seconds(20)};
        // Destruction sends stop_signal to the group, waits up to stop_grace, then SIGKILL.
        int stop_signal = 15; // SIGTERM
        std::chrono::milliseconds stop_grace{std::chrono::seconds(5)};
    };

    // Forks and execs (stdin from /dev/null, stderr inherited, stdout to a pipe read by a
    // background thread). Throws std::system_error if the program cannot be started.
    // Note: PR_SET_PDEATHSIG fires when the *thread* that forked exits; start children from
    // the test's main thread.
    explicit ChildProcess(Options options);
    ~ChildProcess();

    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    pid_t pid() const noexcept { return pid_; }
    const std::string& first_line() const noexcept { return first_line_; }

    // The next stdout line (without '\n'), or nullopt on timeout or end of output.
    std::optional<std::string> read_line(std::chrono::milliseconds timeout);

    // Sends `signal` to the whole group (not just the child).
    void signal_group(int signal);

    // Waits for the child to exit. Returns its exit code, or 128 + signal number if it was
    // killed by a signal; nullopt on timeout. After it returned a value, pid() is reaped.
    std::optional<int> wait_exit(std::chrono::milliseconds timeout);

    // Signals the group with `signal`, waits up to `grace`, then SIGKILLs it; returns the exit
    // status as wait_exit() does. Idempotent.
    int stop(int signal, std::chrono::milliseconds grace);

    bool running();

  private:
    void reader_loop(int fd);

    pid_t pid_ = -1;
    std::optional<int> exit_status_;
    Options options_;
    std::string first_line_;
    std::thread reader_;
    std::mutex mutex_;
    std::condition_variable cv_;
    std::deque<std::string> lines_;
    bool eof_ = false;
    std::atomic<bool> stop_reader_{false};
};

} // namespace pms::test
