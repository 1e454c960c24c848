// HostPorts: the host services the payment-link workflow needs, as one C++ interface.
//
// Why an interface rather than the C tables: the workflow (link_service.hpp) is tested without a
// host, against fakes that can hold completions back and release them in any order (notification
// + refresh + poller at once), fail the store, or lose an HTTP response. plugin.cpp implements it
// over pms.store/1 and /2, pms.folio/1, pms.http/1, pms.mail/1, pms.notify/1, pms.clock/1 and
// pms.executor/1. Every method is called on the instance strand; every callback is invoked
// exactly once, on the strand, never inline from the starting call.
#pragma once

#include <invoicebox/protocol/envelope.hpp>
#include <invoicebox/protocol/http_message.hpp>

#include <pms/plugin_api/status.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace invoicebox::plugin {

/// A durable store write failed (or a read failed): nothing of the write was applied.
class StoreError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

struct StoreOp {
    enum class Kind : std::uint8_t { put, erase } kind = Kind::put;
    std::string key;
    std::string value;
};

struct PaymentPosting {
    std::string folio_id;
    std::int64_t amount_minor = 0;
    std::string currency = "RUB";
    std::string kind = "payment";
    std::string idempotency_key;
    std::string provider_reference;
    std::string description;
    std::int64_t occurred_at_utc_ms = 0;
};

struct PostingResult {
    bool is_repeat = false;
    std::string posting_id;
    std::string category;
    std::string type;
    std::string error_message;
};

/// What the host did with a posting, in the workflow's words (host_adapter.cpp maps the C
/// statuses). Every outcome but `failed` is final for the payload: `failed` (storage busy,
/// instance stopping, no folio service) leaves the posting in the outbox for a retry.
enum class PostOutcome : std::uint8_t {
    posted,            ///< a new posting
    repeat,            ///< the key was posted before with this payload: the existing posting
    folio_missing,     ///< no such folio
    folio_closed,      ///< the folio takes no more postings
    no_mapping,        ///< the payment kind is not mapped to a host category/type
    currency_mismatch, ///< the folio keeps another currency
    conflict,          ///< the key was used with another payload
    rejected,          ///< any other refusal of the payload
    failed,            ///< not done, for a reason that may pass: try again later
};
std::string_view to_string(PostOutcome o) noexcept;

/// What the host did with a mail: `sent` (or queued in its outbox), `refused` (address, SMTP
/// refusal: final), `interrupted` (the instance stopped; it may or may not have left).
enum class MailOutcome : std::uint8_t { sent, refused, interrupted };

struct MailMessage {
    std::string to;
    std::string to_name;
    std::string subject;
    std::string text_body;
    /// The HTML alternative (pms.mail/1 html_body): the host sends multipart/alternative when
    /// it is set, text only when empty.
    std::string html_body;
};

struct StaffAlert {
    enum class Level : std::uint8_t { info, success, warning, error } level = Level::info;
    std::string dedupe_key;
    std::string title;
    std::string body;
    std::string folio_id;
};

enum class LogLevel : std::uint8_t { debug, info, warning, error };

class HostPorts {
  public:
    virtual ~HostPorts() = default;

    // pms.store/1 — synchronous and durable on return. Failures throw StoreError.
    virtual std::optional<std::string> store_get(std::string_view key) = 0;
    virtual void store_write(const std::vector<StoreOp>& ops) = 0;
    /// pms.store/2 (host 1.4+; on an older host the SDK falls back to a store/1 write): applies
    /// `ops` atomically without holding the strand while the batch is made durable. `done` runs
    /// once, on the strand, never from inside this call: `nullopt` once every operation is
    /// durable, else why nothing was applied. Reads (store_get, store_scan) see the batch from
    /// the start. Batches, and store_write() calls, are applied and completed in the order they
    /// were started, so a `done` also says that every earlier batch is durable — an empty batch
    /// is a way to wait for that.
    virtual void store_write_async(std::vector<StoreOp> ops,
                                   std::function<void(std::optional<std::string> error)> done) = 0;
    /// Visits entries with `prefix` in key order until `visit` returns false.
    virtual void store_scan(std::string_view prefix,
                            const std::function<bool(std::string_view, std::string_view)>& visit) = 0;

    // pms.folio/1
    /// The folio document ("pms.folio/1" JSON), or the failure status.
    virtual std::optional<std::string> get_folio(std::string_view folio_id, pms_status& status) = 0;
    virtual void post_payment(const PaymentPosting& posting,
                              std::function<void(PostOutcome, const PostingResult&)> done) = 0;

    // pms.property/1 (host 1.2+)
    /// The property document ("pms.property/1" JSON), or nullopt when the host has none to give
    /// (older host, read failure). Not pure virtual: fakes that do not care have no property.
    virtual std::optional<std::string> property_json() { return std::nullopt; }

    // pms.http/1: `url` is absolute (the request's target is already in it). A transport failure
    // arrives as TransportError whose request_may_have_been_sent mirrors outcome_unknown.
    virtual void http_send(const protocol::HttpRequest& request, std::string url,
                           std::chrono::milliseconds timeout,
                           std::function<void(protocol::HttpOutcome)> done) = 0;

    // pms.mail/1
    /// `done(outcome, error text)`; the text is empty when sent.
    virtual void send_mail(const MailMessage& message,
                           std::function<void(MailOutcome, std::string)> done) = 0;

    // pms.notify/1
    /// False when the host did not take the alert (a storage error): whoever asked for it keeps
    /// asking. True once taken, and for a host without alerts. Taken means durable no later
    /// than any store write started after it returns (pms/plugin_api/ext/notify.h).
    [[nodiscard]] virtual bool raise_alert(const StaffAlert& alert) = 0;
    virtual void resolve_alert(std::string_view dedupe_key) = 0;

    // pms.clock/1
    virtual std::int64_t now_utc_ms() = 0;
    virtual int utc_offset_minutes(std::int64_t at_utc_ms) = 0;
    /// The property's IANA zone ("Europe/Moscow"), "" when unknown. Only for labelling times a
    /// guest reads (zone_label); offsets come from utc_offset_minutes. Not pure virtual: fakes
    /// that do not care have no zone.
    virtual std::string property_timezone() { return {}; }

    // pms.executor/1: `fn(true)` when the timer was cancelled or the instance drains.
    virtual std::uint64_t start_timer(std::chrono::milliseconds delay, std::function<void(bool cancelled)> fn) = 0;
    virtual void cancel_timer(std::uint64_t id) = 0;

    // pms.log/1 — never pass a secret.
    virtual void log(LogLevel level, std::string_view text) = 0;

    // pms.folio-button/1 host side: false when the session is closed.
    virtual bool push_view(std::string_view view_session_id, std::string_view view_json) = 0;

    // pms.admin-page/1 host side (1.2+): false when the page session is closed (or no host page
    // service). Not pure virtual: fakes without pages never have a session open.
    virtual bool push_page_view(std::string_view, std::string_view) { return false; }
};

} // namespace invoicebox::plugin
