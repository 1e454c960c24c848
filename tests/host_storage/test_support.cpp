// See test_support.hpp.
#include "test_support.hpp"

#include "failpoint.hpp" // host_stub/storage/src: failpoint_reset_counts

#include <boost/test/unit_test.hpp>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <thread>

#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace pms::host::test {

TempDir::TempDir() {
    auto pattern = (std::filesystem::temp_directory_path() / "pms-storage-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr)
        throw std::runtime_error{"mkdtemp failed"};
    path_ = pattern;
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

std::shared_ptr<FakeClock> test_clock() {
    static const auto clock = std::make_shared<FakeClock>();
    return clock;
}

std::unique_ptr<Storage> open_storage(const std::filesystem::path& dir, int target_version) {
    SqliteStorageOptions options;
    options.clock = test_clock();
    options.target_schema_version = target_version;
    return open_sqlite_storage(dir, options);
}

FailpointGuard::FailpointGuard(const std::string& spec) {
    pms::host::detail::failpoint_reset_counts(); // "#N" counts from this guard on
    ::setenv("PMS_FAILPOINT", spec.c_str(), 1);
}
FailpointGuard::~FailpointGuard() {
    ::unsetenv("PMS_FAILPOINT");
}

ChildResult run_crash_helper(const std::vector<std::string>& args,
                             const std::optional<std::string>& failpoint,
                             std::chrono::seconds timeout) {
    // Everything the child needs is built before fork: after it, only async-signal-safe calls.
    std::vector<std::string> argv_storage{PMS_STORAGE_CRASH_HELPER};
    argv_storage.insert(argv_storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_storage)
        argv.push_back(a.data());
    argv.push_back(nullptr);

    std::vector<std::string> env_storage;
    for (char** e = environ; *e != nullptr; ++e)
        if (std::strncmp(*e, "PMS_FAILPOINT=", 14) != 0)
            env_storage.emplace_back(*e);
    if (failpoint)
        env_storage.push_back("PMS_FAILPOINT=" + *failpoint);
    std::vector<char*> envp;
    for (auto& e : env_storage)
        envp.push_back(e.data());
    envp.push_back(nullptr);

    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0)
        throw std::runtime_error{"fork failed"};
    if (pid == 0) {
        ::setpgid(0, 0);
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent)
            ::_exit(126);
        ::execve(argv[0], argv.data(), envp.data());
        ::_exit(127);
    }
    ::setpgid(pid, pid); // also from the parent, so the group exists before we may kill it

    ChildResult result;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        int status = 0;
        const pid_t r = ::waitpid(pid, &status, WNOHANG);
        if (r == pid) {
            result.exited = WIFEXITED(status);
            result.exit_code = result.exited ? WEXITSTATUS(status) : -1;
            result.signaled = WIFSIGNALED(status);
            result.signal = result.signaled ? WTERMSIG(status) : 0;
            return result;
        }
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(-pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            BOOST_FAIL("crash helper timed out");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds{10});
    }
}

} // namespace pms::host::test
