// OutboxTransport: composed messages as files, written atomically off the caller's thread.
#include <pms/host/mail/error.hpp>
#include <pms/host/mail/outbox_transport.hpp>
#include <pms/host/mail/rfc2047.hpp>

#include "work_queue.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>

namespace pms::host::mail {

namespace detail {

struct OutboxShared {
    std::filesystem::path directory;
    OutboxTransport::Options options;
    std::atomic<bool> stopping{false};
};

} // namespace detail

namespace {

MailTime system_now() {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now());
}

// "20250314T100000.123Z": sorts as text in time order.
std::string file_timestamp(MailTime t) {
    using namespace std::chrono;
    const auto day = floor<days>(t);
    const year_month_day ymd{day};
    const hh_mm_ss hms{t - day};
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d%02u%02uT%02d%02d%02d.%03dZ", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                  static_cast<int>(hms.seconds().count()),
                  static_cast<int>(hms.subseconds().count()));
    return buf;
}

// The local part of "<local@domain>", reduced to file-name-safe characters.
std::string file_id(std::string_view message_id) {
    std::string id;
    for (char c : message_id.substr(0, message_id.find('@'))) {
        if (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_')
            id += c;
        if (id.size() >= 80)
            break;
    }
    while (!id.empty() && id.front() == '.')
        id.erase(0, 1); // never a hidden file
    return id.empty() ? std::string("message") : id;
}

std::string os_error(const char* what, const std::filesystem::path& path, int err) {
    return std::string(what) + " " + path.string() + ": " + std::strerror(err);
}

bool write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        const ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

// Writes `bytes` as `<dir>/<stem>.eml` atomically; returns the final path or sets `detail`.
std::error_code write_atomically(const std::filesystem::path& dir, const std::string& stem,
                                 std::string_view bytes, bool do_fsync,
                                 std::filesystem::path& final_path, std::string& detail) {
    std::error_code fs_ec;
    std::filesystem::create_directories(dir, fs_ec);
    if (fs_ec) {
        detail = "cannot create the outbox folder " + dir.string() + ": " + fs_ec.message();
        return error::storage_error;
    }
    const std::filesystem::path temp = dir / (".tmp-" + stem);
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (fd < 0) {
        detail = os_error("cannot create", temp, errno);
        return error::storage_error;
    }
    bool ok = write_all(fd, bytes);
    int err = ok ? 0 : errno;
    if (ok && do_fsync && ::fsync(fd) != 0) {
        ok = false;
        err = errno;
    }
    if (::close(fd) != 0 && ok) {
        ok = false;
        err = errno;
    }
    if (!ok) {
        ::unlink(temp.c_str());
        detail = os_error("cannot write", temp, err);
        return error::storage_error;
    }
    // renameat2(RENAME_NOREPLACE): two messages with the same id never overwrite each other.
    for (int attempt = 0; attempt < 100; ++attempt) {
        final_path = dir / (stem + (attempt ? "-" + std::to_string(attempt) : "") + ".eml");
        if (::renameat2(AT_FDCWD, temp.c_str(), AT_FDCWD, final_path.c_str(), RENAME_NOREPLACE) ==
            0)
            break;
        if (errno != EEXIST || attempt == 99) {
            err = errno;
            ::unlink(temp.c_str());
            detail = os_error("cannot rename into", final_path, err);
            return error::storage_error;
        }
    }
    if (do_fsync) {
        // The rename is durable only once the folder's entry is.
        const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0 || ::fsync(dfd) != 0) {
            err = errno;
            if (dfd >= 0)
                ::close(dfd);
            detail = os_error("cannot sync the folder", dir, err);
            return error::storage_error;
        }
        ::close(dfd);
    }
    return {};
}

} // namespace

OutboxTransport::OutboxTransport(std::filesystem::path directory)
    : OutboxTransport(std::move(directory), Options{}) {}

OutboxTransport::OutboxTransport(std::filesystem::path directory, Options options)
    : shared_(std::make_shared<detail::OutboxShared>()) {
    shared_->directory = std::move(directory);
    shared_->options = std::move(options);
    if (!shared_->options.now)
        shared_->options.now = system_now;
    queue_ = std::make_unique<detail::WorkQueue>(1);
}

OutboxTransport::~OutboxTransport() {
    shutdown();
    queue_.reset();
}

void OutboxTransport::shutdown() {
    shared_->stopping.store(true, std::memory_order_release);
    queue_->stop();
}

std::string OutboxTransport::describe() const {
    return "outbox " + shared_->directory.string();
}

const std::filesystem::path& OutboxTransport::directory() const noexcept {
    return shared_->directory;
}

void OutboxTransport::async_send(MailMessage message, SendHandler handler) {
    // Messages queued before shutdown() are still written (local and quick: nothing is lost on
    // a clean stop); only those sent after it are cancelled.
    const bool stopping = shared_->stopping.load(std::memory_order_acquire);
    queue_->post([shared = shared_, message = std::move(message), handler = std::move(handler),
                  stopping](bool) mutable {
        std::error_code ec;
        std::string detail;
        try {
            const MailTime now = shared->options.now();
            fill_defaults(message, shared->options.default_from, shared->options.default_from_name,
                          now);
            if (stopping) {
                ec = error::cancelled;
                detail = "the outbox was shut down before writing";
            } else {
                ComposedMessage composed = compose_message(message, shared->options.compose);
                if (composed.ec) {
                    ec = composed.ec;
                    detail = std::move(composed.detail);
                } else {
                    std::filesystem::path path;
                    ec = write_atomically(shared->directory,
                                          file_timestamp(now) + "-" + file_id(message.message_id),
                                          composed.bytes, shared->options.fsync, path, detail);
                    if (!ec)
                        detail = path.string();
                }
            }
        } catch (const std::bad_alloc&) {
            ec = error::internal;
            detail = "out of memory";
        } catch (const std::exception& e) {
            ec = error::storage_error;
            detail = e.what();
        }
        if (shared->options.log) {
            try {
                shared->options.log((ec ? "mail: outbox failed " : "mail: outbox wrote ") +
                                    message.message_id + ": " + detail);
            } catch (...) {
            }
        }
        try {
            handler(ec, std::move(detail));
        } catch (...) {
        }
    });
}

std::vector<OutboxEntry> list_outbox(const std::filesystem::path& directory,
                                     std::size_t max_entries, std::error_code& ec) {
    ec.clear();
    std::vector<OutboxEntry> entries;
    std::error_code fs_ec;
    if (!std::filesystem::exists(directory, fs_ec))
        return entries;
    std::vector<std::filesystem::path> files;
    for (std::filesystem::directory_iterator it(directory, fs_ec), end; !fs_ec && it != end;
         it.increment(fs_ec)) {
        const auto name = it->path().filename().string();
        if (name.starts_with(".") || !name.ends_with(".eml"))
            continue;
        files.push_back(it->path());
    }
    if (fs_ec) {
        ec = fs_ec;
        return entries;
    }
    std::sort(files.begin(), files.end(), std::greater<>());
    if (files.size() > max_entries)
        files.resize(max_entries);

    for (const auto& path : files) {
        OutboxEntry e;
        e.path = path;
        e.file_name = path.filename().string();
        e.size = std::filesystem::file_size(path, fs_ec);
        std::ifstream in(path, std::ios::binary);
        std::string header_block;
        std::string line;
        // Headers end at the first empty line; folded lines start with space or tab.
        while (std::getline(in, line)) {
            if (!line.empty() && line.back() == '\r')
                line.pop_back();
            if (line.empty())
                break;
            header_block += line;
            header_block += '\n';
            if (header_block.size() > 64 * 1024)
                break;
        }
        std::string name;
        std::string value;
        auto flush = [&] {
            if (name.empty())
                return;
            std::string lname = name;
            for (auto& c : lname)
                c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            auto decoded = decode_header_words(value);
            const std::string text = decoded ? *decoded : value;
            if (lname == "date")
                e.date = value;
            else if (lname == "from")
                e.from = text;
            else if (lname == "to")
                e.to = text;
            else if (lname == "subject")
                e.subject = text;
            else if (lname == "message-id")
                e.message_id = value;
            name.clear();
            value.clear();
        };
        std::size_t pos = 0;
        while (pos < header_block.size()) {
            const auto nl = header_block.find('\n', pos);
            const std::string_view l(header_block.data() + pos, nl - pos);
            pos = nl + 1;
            if (l.front() == ' ' || l.front() == '\t') {
                value += l; // unfolding keeps the whitespace
                continue;
            }
            flush();
            const auto colon = l.find(':');
            if (colon == std::string_view::npos)
                continue;
            name = std::string(l.substr(0, colon));
            value = std::string(l.substr(colon + 1));
            while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
                value.erase(0, 1);
        }
        flush();
        entries.push_back(std::move(e));
    }
    return entries;
}

} // namespace pms::host::mail
