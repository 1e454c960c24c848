// The snapshot + journal files of `--state` (state_file.hpp).
#include "invoicebox/sim/state_file.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace invoicebox::sim {
namespace {

// Below this the journal is never folded: a small state is cheap to replay.
constexpr std::size_t min_fold_bytes = 256 * 1024;

std::string os_error(const char* what, const std::string& file) {
    return std::string(what) + " " + file + ": " + std::strerror(errno);
}

std::optional<std::string> write_all(int fd, const std::string& text, const std::string& file) {
    std::size_t done = 0;
    while (done < text.size()) {
        const auto n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return os_error("write", file);
        }
        done += static_cast<std::size_t>(n);
    }
    return std::nullopt;
}

// The whole file, or nullopt when it does not exist; `error` set when it exists but is unreadable.
std::optional<std::string> read_file(const std::string& file, std::optional<std::string>& error) {
    std::FILE* f = std::fopen(file.c_str(), "rb");
    if (!f) {
        if (errno != ENOENT) {
            error = os_error("open", file);
        }
        return std::nullopt;
    }
    std::string text;
    char buf[65536];
    std::size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
        text.append(buf, n);
    }
    const bool failed = std::ferror(f) != 0;
    std::fclose(f);
    if (failed) {
        error = os_error("read", file);
        return std::nullopt;
    }
    return text;
}

} // namespace

StateFile::StateFile(std::string path) : path_(std::move(path)), journal_path_(path_ + ".journal") {}

StateFile::~StateFile() {
    if (journal_fd_ >= 0) {
        ::close(journal_fd_);
    }
}

std::optional<std::string> StateFile::read(Contents& out) const {
    std::optional<std::string> error;
    out.snapshot = read_file(path_, error);
    if (error) {
        return error;
    }
    const auto journal = read_file(journal_path_, error);
    if (error) {
        return error;
    }
    out.journal.clear();
    if (journal) {
        std::size_t start = 0;
        for (;;) {
            const auto nl = journal->find('\n', start);
            if (nl == std::string::npos) {
                break; // what follows the last newline is a torn append: never acknowledged
            }
            out.journal.push_back(journal->substr(start, nl - start));
            start = nl + 1;
        }
    }
    return std::nullopt;
}

std::optional<std::string> StateFile::write_snapshot(const std::string& text) {
    const std::string tmp = path_ + ".tmp";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        return os_error("open", tmp);
    }
    if (auto e = write_all(fd, text, tmp)) {
        ::close(fd);
        return e;
    }
    if (::fsync(fd) != 0) {
        auto e = os_error("fsync", tmp);
        ::close(fd);
        return e;
    }
    if (::close(fd) != 0) {
        return os_error("close", tmp);
    }
    if (std::rename(tmp.c_str(), path_.c_str()) != 0) {
        return os_error("rename", tmp);
    }
    snapshot_bytes_ = text.size();
    // The snapshot holds everything the journal said; a crash before the truncation leaves lines
    // of the previous generation, which the reader skips.
    if (auto e = open_journal()) {
        return e;
    }
    if (::ftruncate(journal_fd_, 0) != 0 || ::fdatasync(journal_fd_) != 0) {
        return os_error("truncate", journal_path_);
    }
    journal_bytes_ = 0;
    return std::nullopt;
}

std::optional<std::string> StateFile::append(const std::string& line) {
    if (auto e = open_journal()) {
        return e;
    }
    if (auto e = write_all(journal_fd_, line + "\n", journal_path_)) {
        return e;
    }
    if (::fdatasync(journal_fd_) != 0) {
        return os_error("fdatasync", journal_path_);
    }
    journal_bytes_ += line.size() + 1;
    return std::nullopt;
}

bool StateFile::journal_outgrown() const noexcept {
    return journal_bytes_ > std::max(snapshot_bytes_, min_fold_bytes);
}

std::optional<std::string> StateFile::open_journal() {
    if (journal_fd_ >= 0) {
        return std::nullopt;
    }
    journal_fd_ = ::open(journal_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (journal_fd_ < 0) {
        return os_error("open", journal_path_);
    }
    return std::nullopt;
}

} // namespace invoicebox::sim
