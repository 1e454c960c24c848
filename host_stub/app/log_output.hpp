// Where pms-host's log lines go: stderr (the default; under systemd that is the journal, which
// rotates on its own), or a file that pms-host rotates by size itself (`--log-file`), so that a
// hotel without journald or logrotate never fills its disk: 2.46 M notifications once wrote
// 467 MB of log.
//
// One record is one line: "2025-03-14T10:00:00.123Z info origin: text". The runtime hands over
// lines already redacted; the server's own lines never carry secrets (no bodies, header values or
// query strings), and the command-line secrets are never logged at all.
#pragma once

#include <pms/host/runtime/runtime.hpp>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <string>
#include <string_view>

namespace pms::host::app {

/// `--log-file PATH [--log-max-size SIZE] [--log-keep N]`.
struct LogFileOptions {
    std::filesystem::path path;                    ///< empty = stderr
    std::uint64_t max_bytes = 64ull * 1024 * 1024; ///< rotate before a write would pass this
    unsigned keep = 5;                             ///< PATH.1 … PATH.keep are kept
};

class LogOutput {
  public:
    /// Opens the file (appending) when `file.path` is set; throws std::runtime_error, naming the
    /// path, when it cannot.
    LogOutput(LogLevel min, LogFileOptions file = {});
    ~LogOutput();
    LogOutput(const LogOutput&) = delete;
    LogOutput& operator=(const LogOutput&) = delete;

    /// Thread-safe; never throws. A failed rotation keeps writing to the current file (a full
    /// disk must not stop the host) and says so once on stderr.
    void write(LogLevel level, std::string_view origin, std::string_view text) noexcept;

    /// The formatted record, without its newline (exposed for tests).
    [[nodiscard]] static std::string format(std::int64_t utc_ms, LogLevel level,
                                            std::string_view origin, std::string_view text);

  private:
    void rotate_locked() noexcept;

    LogLevel min_;
    LogFileOptions file_options_;
    std::mutex mutex_;
    std::FILE* file_ = nullptr; ///< nullptr = stderr
    std::uint64_t file_size_ = 0;
    bool rotation_failure_reported_ = false;
};

/// "debug", "info", "warning", "error"; anything else reads as info.
[[nodiscard]] LogLevel parse_log_level(std::string_view text);

} // namespace pms::host::app
