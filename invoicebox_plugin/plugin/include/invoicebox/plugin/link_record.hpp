// LinkRecord: one payment link as the plugin keeps it in its store, with its audit trail.
//
// Life (architecture §5): the record is written in state `creating` BEFORE the create call, so a
// crash in between is resolved by looking the order up by merchantOrderId, never by creating a
// second order; `open` once InvoiceBox answered; `failed` when InvoiceBox certainly refused.
// InvoiceBox's own status (`ib_status`: created, completed, expired, canceled, or anything
// else, kept verbatim) lives next to it. A paid link carries a posting state: `pending` (paid,
// recorded, not yet on the folio), `posted`, or `suspense` (paid but not postable: staff must
// act; never dropped).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace invoicebox::plugin {

/// Version of the stored record format; readers accept this and older versions.
inline constexpr int link_record_version = 1;

enum class LinkState : std::uint8_t { creating, open, failed };
enum class PostingState : std::uint8_t { none, pending, posted, suspense };
enum class MailState : std::uint8_t { none, pending, sent, failed };

std::string_view to_string(LinkState s) noexcept;
std::string_view to_string(PostingState s) noexcept;
std::string_view to_string(MailState s) noexcept;

/// Who or what changed a link.
enum class Actor : std::uint8_t { staff, notification, poll, refresh, recovery, system };
std::string_view to_string(Actor a) noexcept;

struct AuditEntry {
    std::int64_t at_ms = 0;
    Actor actor = Actor::system;
    std::string who;  ///< staff name (id) for staff actions, else ""
    std::string what; ///< Russian text, e.g. "Статус: created → completed"
};

struct LinkRecord {
    int version = link_record_version;
    std::string merchant_order_id;
    std::string folio_id;
    std::string folio_number;
    std::string booking_id;
    std::string booking_number;
    std::string legal_entity_id;
    std::string merchant_id;
    std::int64_t amount_minor = 0;
    std::string currency = "RUB";
    std::int64_t vat_amount_minor = 0;
    std::string description;
    std::string guest_name;
    std::string guest_email;
    std::string message_template;
    bool send_mail = false;
    std::int64_t created_at_ms = 0;
    std::int64_t expires_at_ms = 0;
    std::string created_by;
    /// The create request body exactly as sent, so recovery resumes the same order.
    std::string create_request;

    LinkState state = LinkState::creating;
    std::string order_id;
    std::string payment_url;
    std::string ib_status; ///< InvoiceBox status, verbatim ("" before the create answer)
    std::string error_message; ///< Russian, when failed

    std::int64_t paid_at_ms = 0;
    std::int64_t paid_amount_minor = 0;
    PostingState posting = PostingState::none;
    std::string posting_id;
    std::string posting_category;
    std::string posting_type;
    std::string suspense_reason; ///< Russian

    MailState mail = MailState::none;
    std::string mail_error;
    /// Mails the host confirmed sent for this link: staff are offered «Отправить письмо
    /// повторно» only after one went, «Отправить письмо» before (issue 10).
    int mails_sent = 0;
    /// When staff resent the link's mail (host clock, UTC ms), within the resend limit's window:
    /// kept in the record so the limit survives a restart. Older times are dropped on update.
    std::vector<std::int64_t> resend_at_ms;

    std::vector<AuditEntry> audit;

    /// The sequence of the link's last outbox effect (effect_outbox.hpp): effects of one link
    /// run in this order, and a number is never reused, so a replayed batch cannot collide.
    std::int64_t effect_seq = 0;

    /// Whether the poller should keep looking at it.
    bool needs_attention() const;
    /// Created, not paid, not closed by InvoiceBox: counts against the balance.
    bool is_open_unpaid() const;
};

/// Keeps the last entries when the trail grows long (the record must stay small).
inline constexpr std::size_t max_audit_entries = 100;
void add_audit(LinkRecord& r, std::int64_t at_ms, Actor actor, std::string who, std::string what);

std::string serialize(const LinkRecord& r);
/// nullopt when the text is not a link record of a version we can read.
std::optional<LinkRecord> parse_link_record(std::string_view json);

/// What the open-link index (v1/open/<merchantOrderId>, link_repository.hpp) keeps of a link
/// that needs attention: enough for a poll pass to ask InvoiceBox about it without reading the
/// record. Written in the same batch as the record, so it never disagrees with it (issue 14:
/// reading every open record was a fifth of a pass over 10,000 links).
struct OpenLinkEntry {
    std::string merchant_order_id;
    LinkState state = LinkState::creating;
    PostingState posting = PostingState::none;
    MailState mail = MailState::none;
    std::string order_id;
    std::string merchant_id;
    std::string ib_status;         ///< the last InvoiceBox status applied
    bool has_payment_url = false;
    bool awaiting_mail = false;    ///< the guest is to get the link by mail once it is known

    /// The pass needs the whole record: a create to recover, a posting or a mail to resume.
    bool needs_record() const noexcept {
        return state == LinkState::creating || posting == PostingState::pending || mail == MailState::pending;
    }
    /// InvoiceBox is asked for the order by its id (known, not yet paid).
    bool read_by_id() const noexcept { return !order_id.empty() && posting == PostingState::none; }
};
OpenLinkEntry open_entry_of(const LinkRecord& r);
std::string serialize(const OpenLinkEntry& e);
/// nullopt when the value is not an entry (an index written before entries had a value: "").
std::optional<OpenLinkEntry> parse_open_entry(std::string_view merchant_order_id, std::string_view json);

/// A payment that arrived but cannot be posted (unknown order, amount mismatch, closed folio,
/// no mapping). Kept until staff resolve it.
struct SuspenseRecord {
    int version = 1;
    std::string order_id;
    std::string merchant_order_id; ///< may be foreign/unknown
    std::string folio_id;          ///< when known
    std::int64_t amount_minor = 0;
    std::string currency = "RUB";
    std::string reason_code;       ///< unknown_order, amount_mismatch, folio_closed, no_mapping, ...
    std::string reason;            ///< Russian
    std::string business_date;     ///< property-local date the money arrived, "12.05.2025"
    std::int64_t received_at_ms = 0;
    bool resolved = false;

    // Staff resolution (suspense_service.hpp). `resolution`: "" (open), "posting" (staff chose
    // «Провести на счёт…», the posting is in the outbox), "posted", "closed" (without posting).
    std::string resolution;
    std::string target_folio_id;    ///< the account staff chose
    std::string resolved_by;        ///< staff label
    std::string resolution_comment; ///< the comment (posting) or the reason (closing)
    std::int64_t resolved_at_ms = 0;
    std::string posting_id;
    std::int64_t effect_seq = 0;    ///< as LinkRecord::effect_seq, for effects without a link
    std::vector<AuditEntry> audit;
};

std::string serialize(const SuspenseRecord& r);
std::optional<SuspenseRecord> parse_suspense_record(std::string_view json);

// ---- refunds (issue 13) ----------------------------------------------------------------------

/// A refund's life as the plugin keeps it: `creating` is recorded BEFORE the create call (like a
/// link), so an unknown outcome is resolved by looking the refund up by its merchantOrderId,
/// never by creating a second one; `created` once InvoiceBox has it; `completed` / `canceled` as
/// InvoiceBox reports; `failed` when InvoiceBox certainly refused (or never got) the request.
enum class RefundState : std::uint8_t { creating, created, completed, canceled, failed };
std::string_view to_string(RefundState s) noexcept;

/// One refund of a paid link: made from the folio (staff) or found in InvoiceBox's refund list
/// (a refund made in the cabinet, `cabinet`). Stored under v1/refund/<merchantOrderId>; the
/// refund's events are written to its link's audit trail.
struct RefundRecord {
    int version = 1;
    std::string merchant_order_id; ///< the refund's own number (unique per attempt)
    std::string link_moid;         ///< the refunded link's merchantOrderId
    std::string parent_order_id;   ///< the paid InvoiceBox order
    std::string refund_id;         ///< InvoiceBox's id ("" before the create answer)
    std::string folio_id;
    std::string folio_number;
    std::string merchant_id;
    std::int64_t amount_minor = 0;
    std::int64_t vat_amount_minor = 0;
    std::string currency = "RUB";
    std::string reason; ///< the refund's description (staff's reason)
    bool cabinet = false;
    std::string created_by;
    std::int64_t created_at_ms = 0;
    /// The create request body exactly as sent (empty for a cabinet refund).
    std::string create_request;

    RefundState state = RefundState::creating;
    std::string ib_status;
    std::string error_message; ///< Russian, when failed or canceled
    std::int64_t completed_at_ms = 0;
    PostingState posting = PostingState::none;
    std::string posting_id;
    std::string suspense_reason;
    /// Why the posting is held (no_mapping, folio_closed, folio_not_found, posting_conflict,
    /// posting_refused): the first three are retried by the poller, as a payment's are.
    std::string suspense_code;
    std::int64_t effect_seq = 0; ///< as LinkRecord::effect_seq

    /// Creating or not yet final at InvoiceBox, or a posting to finish (or to retry).
    bool needs_attention() const {
        return state == RefundState::creating || state == RefundState::created || posting == PostingState::pending ||
               posting == PostingState::suspense;
    }
    /// Money this refund takes or may take from the link (anything but a failed or canceled one).
    bool counts() const { return state != RefundState::failed && state != RefundState::canceled; }
};

std::string serialize(const RefundRecord& r);
std::optional<RefundRecord> parse_refund_record(std::string_view json);

} // namespace invoicebox::plugin
