// OutboxTransport: "sends" mail by writing each composed message into a folder, for the demo,
// the tests and hosts without an SMTP server; the admin UI lists the folder (list_outbox()).
// Each message is one file `<outbox>/<UTC timestamp>-<id>.eml`, written atomically: a temporary
// file in the same folder is written and fsynced, then renamed into place without replacing an
// existing file, so a reader never sees a partial message and no message overwrites another.
#pragma once

#include <pms/host/mail/composer.hpp>
#include <pms/host/mail/mail_transport.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace pms::host::mail {

namespace detail {
class WorkQueue;
struct OutboxShared;
} // namespace detail

class OutboxTransport final : public MailTransport {
  public:
    struct Options {
        std::string default_from = "pms-host@localhost";
        std::string default_from_name;
        ComposeOptions compose;
        // "Now" for the file name and for messages without Date; default: the system clock.
        std::function<MailTime()> now;
        // fsync the file and the folder before reporting success (off only in tests that
        // write many files).
        bool fsync = true;
        // One line per message (file written / failed), from the worker thread.
        std::function<void(std::string_view line)> log;
    };

    // The folder is created (with parents) on the first send; a failure then is reported to
    // that send's handler as error::storage_error.
    explicit OutboxTransport(std::filesystem::path directory);
    OutboxTransport(std::filesystem::path directory, Options options);
    ~OutboxTransport() override; // shutdown()

    OutboxTransport(const OutboxTransport&) = delete;
    OutboxTransport& operator=(const OutboxTransport&) = delete;

    // See MailTransport. On success `detail` is the file's path. Errors: invalid_message,
    // storage_error (with the OS error and the path), cancelled, internal.
    void async_send(MailMessage message, SendHandler handler) override;
    // Writes what is queued, then cancels later sends (see MailTransport::shutdown()).
    void shutdown() override;
    [[nodiscard]] std::string describe() const override;

    [[nodiscard]] const std::filesystem::path& directory() const noexcept;

  private:
    std::shared_ptr<detail::OutboxShared> shared_;
    std::unique_ptr<detail::WorkQueue> queue_;
};

// One message of the outbox as the admin UI lists it (headers decoded, body not read).
struct OutboxEntry {
    std::filesystem::path path;
    std::string file_name;
    std::string date;    // the Date header as written
    std::string from;    // decoded, e.g. "Отель <pms@hotel.example>"
    std::string to;      // decoded
    std::string subject; // decoded
    std::string message_id;
    std::uintmax_t size = 0;
};

// The newest `max_entries` messages of `directory`, newest first (file names sort by time).
// Temporary files are skipped. A missing folder is an empty outbox; other failures set `ec`.
[[nodiscard]] std::vector<OutboxEntry> list_outbox(const std::filesystem::path& directory,
                                                   std::size_t max_entries, std::error_code& ec);

} // namespace pms::host::mail
