// ChildProcess: fork + execve with the child in its own process group and PR_SET_PDEATHSIG,
// stdout read by a thread, the group killed on destruction.
#include <pms/test_support/child_process.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <system_error>

extern char** environ;

namespace pms::test {
namespace {

std::filesystem::path resolve_program(const std::filesystem::path& program) {
    if (program.string().find('/') != std::string::npos)
        return program;
    const char* path = std::getenv("PATH");
    std::string dirs = path ? path : "/usr/bin:/bin";
    std::size_t start = 0;
    while (start <= dirs.size()) {
        auto end = dirs.find(':', start);
        std::string dir = dirs.substr(start, end - start);
        if (!dir.empty()) {
            auto candidate = std::filesystem::path(dir) / program;
            if (::access(candidate.c_str(), X_OK) == 0)
                return candidate;
        }
        if (end == std::string::npos)
            break;
        start = end + 1;
    }
    return program;
}

int decode_status(int status) {
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return -1;
}

} // namespace

ChildProcess::ChildProcess(Options options) : options_(std::move(options)) {
    // Everything the child needs is built before fork: after it, only async-signal-safe calls.
    auto program = resolve_program(options_.program);
    std::vector<std::string> arg_strings;
    arg_strings.push_back(program.string());
    arg_strings.insert(arg_strings.end(), options_.args.begin(), options_.args.end());
    std::vector<char*> argv;
    for (auto& a : arg_strings)
        argv.push_back(a.data());
    argv.push_back(nullptr);

    std::vector<std::string> env_strings;
    for (char** e = environ; *e; ++e) {
        std::string entry(*e);
        auto name = entry.substr(0, entry.find('='));
        bool overridden = false;
        for (auto& [k, v] : options_.env)
            overridden = overridden || k == name;
        if (!overridden)
            env_strings.push_back(std::move(entry));
    }
    for (auto& [k, v] : options_.env)
        env_strings.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (auto& e : env_strings)
        envp.push_back(e.data());
    envp.push_back(nullptr);
    std::string workdir = options_.working_directory.string();

    int out_pipe[2];
    int err_pipe[2];
    if (::pipe2(out_pipe, O_CLOEXEC) != 0)
        throw std::system_error(errno, std::generic_category(), "pipe2");
    if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
        int e = errno;
        ::close(out_pipe[0]);
        ::close(out_pipe[1]);
        throw std::system_error(e, std::generic_category(), "pipe2");
    }
    pid_t parent = ::getpid();
    pid_t pid = ::fork();
    if (pid < 0) {
        int e = errno;
        for (int fd : {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]})
            ::close(fd);
        throw std::system_error(e, std::generic_category(), "fork");
    }
    if (pid == 0) {
        ::setpgid(0, 0);
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent)
            ::_exit(127); // the parent died before prctl took effect
        struct sigaction dfl {};
        dfl.sa_handler = SIG_DFL;
        for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGCHLD})
            ::sigaction(sig, &dfl, nullptr);
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        int devnull = ::open("/dev/null", O_RDONLY);
        if (devnull >= 0)
            ::dup2(devnull, 0);
        ::dup2(out_pipe[1], 1);
        if (!workdir.empty() && ::chdir(workdir.c_str()) != 0) {
            int e = errno;
            (void)!::write(err_pipe[1], &e, sizeof e);
            ::_exit(127);
        }
        ::execve(argv[0], argv.data(), envp.data());
        int e = errno;
        (void)!::write(err_pipe[1], &e, sizeof e);
        ::_exit(127);
    }
    ::setpgid(pid, pid); // also from the parent, so the group exists before we signal it
    pid_ = pid;
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    int child_errno = 0;
    ssize_t n;
    do {
        n = ::read(err_pipe[0], &child_errno, sizeof child_errno);
    } while (n < 0 && errno == EINTR);
    ::close(err_pipe[0]);
    if (n > 0) {
        ::close(out_pipe[0]);
        int status = 0;
        ::waitpid(pid, &status, 0);
        pid_ = -1;
        throw std::system_error(child_errno, std::generic_category(),
                                "cannot start " + program.string());
    }
    reader_ = std::thread([this, fd = out_pipe[0]] { reader_loop(fd); });

    if (options_.wait_first_line) {
        auto line = read_line(options_.first_line_timeout);
        if (!line) {
            auto status = stop(SIGKILL, std::chrono::seconds(5));
            stop_reader_ = true; // no destructor runs after a throwing constructor
            reader_.join();
            throw std::runtime_error("child " + program.string() +
                                     " printed no first line (exit status " +
                                     std::to_string(status) + ")");
        }
        first_line_ = std::move(*line);
    }
}

ChildProcess::~ChildProcess() {
    if (pid_ > 0)
        stop(options_.stop_signal, options_.stop_grace);
    stop_reader_ = true;
    if (reader_.joinable())
        reader_.join();
}

void ChildProcess::reader_loop(int fd) {
    std::string pending;
    char buffer[4096];
    while (!stop_reader_) {
        pollfd p{fd, POLLIN, 0};
        int r = ::poll(&p, 1, 100);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            continue;
        ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        pending.append(buffer, static_cast<std::size_t>(n));
        std::size_t nl;
        while ((nl = pending.find('\n')) != std::string::npos) {
            std::string line = pending.substr(0, nl);
            if (!line.empty() && line.back() == '\r')
                line.pop_back();
            pending.erase(0, nl + 1);
            std::lock_guard lock(mutex_);
            lines_.push_back(std::move(line));
            cv_.notify_all();
        }
    }
    ::close(fd);
    std::lock_guard lock(mutex_);
    if (!pending.empty())
        lines_.push_back(std::move(pending));
    eof_ = true;
    cv_.notify_all();
}

std::optional<std::string> ChildProcess::read_line(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, timeout, [&] { return !lines_.empty() || eof_; });
    if (lines_.empty())
        return std::nullopt;
    auto line = std::move(lines_.front());
    lines_.pop_front();
    return line;
}

void ChildProcess::signal_group(int signal) {
    if (pid_ > 0)
        ::kill(-pid_, signal);
}

std::optional<int> ChildProcess::wait_exit(std::chrono::milliseconds timeout) {
    if (exit_status_)
        return exit_status_;
    if (pid_ <= 0)
        return std::nullopt;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        int status = 0;
        pid_t r = ::waitpid(pid_, &status, WNOHANG);
        if (r == pid_) {
            exit_status_ = decode_status(status);
            return exit_status_;
        }
        if (r < 0 && errno != EINTR) {
            exit_status_ = -1; // not our child any more (reaped elsewhere)
            return exit_status_;
        }
        if (std::chrono::steady_clock::now() >= deadline)
            return std::nullopt;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

int ChildProcess::stop(int signal, std::chrono::milliseconds grace) {
    if (pid_ <= 0)
        return exit_status_.value_or(-1);
    if (!exit_status_) {
        signal_group(signal);
        if (!wait_exit(grace)) {
            signal_group(SIGKILL);
            wait_exit(std::chrono::seconds(30));
        }
    }
    // Grandchildren may outlive the leader: the group goes too.
    signal_group(SIGKILL);
    return exit_status_.value_or(-1);
}

bool ChildProcess::running() {
    return pid_ > 0 && !wait_exit(std::chrono::milliseconds(0));
}

} // namespace pms::test
