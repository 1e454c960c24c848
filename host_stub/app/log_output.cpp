// See log_output.hpp.
#include "log_output.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <stdexcept>
#include <system_error>

#include <sys/stat.h>

namespace pms::host::app {
namespace {

int rank(LogLevel level) {
    switch (level) {
    case LogLevel::debug:
        return 0;
    case LogLevel::info:
        return 1;
    case LogLevel::warning:
        return 2;
    default:
        return 3; // error, fatal and the misbehaving levels always show
    }
}

std::filesystem::path numbered(const std::filesystem::path& path, unsigned n) {
    auto p = path;
    p += "." + std::to_string(n);
    return p;
}

std::FILE* open_append(const std::filesystem::path& path) {
    // Owner read/write only: the log names guests' folios and staff logins.
    const auto old_mask = ::umask(077);
    std::FILE* f = std::fopen(path.c_str(), "ae");
    ::umask(old_mask);
    return f;
}

} // namespace

LogLevel parse_log_level(std::string_view text) {
    if (text == "debug")
        return LogLevel::debug;
    if (text == "warning")
        return LogLevel::warning;
    if (text == "error")
        return LogLevel::error;
    return LogLevel::info;
}

LogOutput::LogOutput(LogLevel min, LogFileOptions file) : min_{min}, file_options_{std::move(file)} {
    if (file_options_.path.empty())
        return;
    file_ = open_append(file_options_.path);
    if (file_ == nullptr)
        throw std::runtime_error("cannot open the log file " + file_options_.path.string() + ": " +
                                 std::strerror(errno));
    std::error_code ec;
    const auto size = std::filesystem::file_size(file_options_.path, ec);
    file_size_ = ec ? 0 : size;
}

LogOutput::~LogOutput() {
    if (file_ != nullptr)
        std::fclose(file_);
}

std::string LogOutput::format(std::int64_t utc_ms, LogLevel level, std::string_view origin,
                              std::string_view text) {
    const std::time_t seconds = static_cast<std::time_t>(utc_ms / 1000);
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    char stamp[96];
    std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<int>(utc_ms % 1000));
    std::string line;
    line.reserve(text.size() + origin.size() + 40);
    line.append(stamp).append(" ").append(to_string(level)).append(" ");
    line.append(origin).append(": ");
    // One record, one line: a stray newline would let text forge a second record.
    for (char c : text)
        line += (c == '\n' || c == '\r') ? ' ' : c;
    return line;
}

void LogOutput::write(LogLevel level, std::string_view origin, std::string_view text) noexcept {
    if (rank(level) < rank(min_))
        return;
    try {
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
        std::string line = format(ms, level, origin, text);
        line += '\n';
        std::lock_guard lock{mutex_};
        if (file_ == nullptr) {
            std::fwrite(line.data(), 1, line.size(), stderr);
            std::fflush(stderr);
            return;
        }
        if (file_size_ > 0 && file_size_ + line.size() > file_options_.max_bytes)
            rotate_locked();
        std::fwrite(line.data(), 1, line.size(), file_);
        std::fflush(file_);
        file_size_ += line.size();
    } catch (...) {
        // Out of memory while logging: drop the line rather than take the host down.
    }
}

// PATH.(keep-1) → PATH.keep, …, PATH → PATH.1, then a fresh PATH. The oldest is overwritten by
// the rename, so at most keep + 1 files exist.
void LogOutput::rotate_locked() noexcept {
    std::error_code ec;
    bool ok = true;
    if (file_options_.keep == 0) {
        std::filesystem::remove(file_options_.path, ec);
        ok = !ec;
    } else {
        for (unsigned n = file_options_.keep; n > 1; --n) {
            const auto from = numbered(file_options_.path, n - 1);
            if (std::filesystem::exists(from, ec))
                std::filesystem::rename(from, numbered(file_options_.path, n), ec);
        }
        std::filesystem::rename(file_options_.path, numbered(file_options_.path, 1), ec);
        ok = !ec;
    }
    std::FILE* fresh = ok ? open_append(file_options_.path) : nullptr;
    if (fresh == nullptr) {
        if (!rotation_failure_reported_) {
            std::fprintf(stderr, "pms-host: cannot rotate the log file %s; writing on\n",
                         file_options_.path.c_str());
            rotation_failure_reported_ = true;
        }
        return;
    }
    std::fclose(file_);
    file_ = fresh;
    file_size_ = 0;
}

} // namespace pms::host::app
