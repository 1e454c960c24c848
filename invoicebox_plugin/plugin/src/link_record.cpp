// Link and suspense records: JSON in the store, with a schema version (link_record.hpp).
#include <invoicebox/plugin/link_record.hpp>

#include <invoicebox/protocol/json_writer.hpp>

#include <boost/json.hpp>

namespace invoicebox::plugin {

namespace bj = boost::json;

std::string_view to_string(LinkState s) noexcept {
    switch (s) {
    case LinkState::creating: return "creating";
    case LinkState::open: return "open";
    case LinkState::failed: return "failed";
    }
    return "creating";
}
std::string_view to_string(PostingState s) noexcept {
    switch (s) {
    case PostingState::none: return "none";
    case PostingState::pending: return "pending";
    case PostingState::posted: return "posted";
    case PostingState::suspense: return "suspense";
    }
    return "none";
}
std::string_view to_string(MailState s) noexcept {
    switch (s) {
    case MailState::none: return "none";
    case MailState::pending: return "pending";
    case MailState::sent: return "sent";
    case MailState::failed: return "failed";
    }
    return "none";
}
std::string_view to_string(Actor a) noexcept {
    switch (a) {
    case Actor::staff: return "staff";
    case Actor::notification: return "notification";
    case Actor::poll: return "poll";
    case Actor::refresh: return "refresh";
    case Actor::recovery: return "recovery";
    case Actor::system: return "system";
    }
    return "system";
}

namespace {

template <class E, std::size_t N>
E from_string(std::string_view s, const E (&all)[N], E fallback) {
    for (E e : all)
        if (to_string(e) == s)
            return e;
    return fallback;
}

std::string str(const bj::object& o, std::string_view k) {
    const auto* v = o.if_contains(k);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
}
std::int64_t num(const bj::object& o, std::string_view k) {
    const auto* v = o.if_contains(k);
    if (v && v->is_int64())
        return v->as_int64();
    if (v && v->is_uint64())
        return static_cast<std::int64_t>(v->as_uint64());
    return 0;
}
bool flag(const bj::object& o, std::string_view k) {
    const auto* v = o.if_contains(k);
    return v && v->is_bool() && v->as_bool();
}

} // namespace

bool LinkRecord::needs_attention() const {
    if (state == LinkState::failed)
        return false;
    if (state == LinkState::creating)
        return true;
    if (posting == PostingState::pending || mail == MailState::pending)
        return true;
    if (posting == PostingState::posted || posting == PostingState::suspense)
        return false;
    // Open and unpaid: watched until InvoiceBox closes it; an expired or canceled link can still
    // be paid late, which the poller's paidAt query catches.
    return ib_status != "expired" && ib_status != "canceled";
}

bool LinkRecord::is_open_unpaid() const {
    if (state == LinkState::failed || posting != PostingState::none)
        return false;
    return ib_status.empty() || ib_status == "created" || ib_status == "hold" || ib_status == "draft";
}

void add_audit(LinkRecord& r, std::int64_t at_ms, Actor actor, std::string who, std::string what) {
    r.audit.push_back(AuditEntry{at_ms, actor, std::move(who), std::move(what)});
    if (r.audit.size() > max_audit_entries)
        r.audit.erase(r.audit.begin(), r.audit.begin() + static_cast<std::ptrdiff_t>(r.audit.size() - max_audit_entries));
}

namespace {

// The audit trail's stored form, the same for a link and a suspense entry.
void write_audit(protocol::JsonWriter& w, const std::vector<AuditEntry>& trail) {
    w.key("audit").begin_array();
    for (const auto& a : trail)
        w.begin_object()
            .member_int("at_ms", a.at_ms)
            .member("actor", to_string(a.actor))
            .member("who", a.who)
            .member("what", a.what)
            .end_object();
    w.end_array();
}

// Records are written straight to text, with no JSON tree in between (issue 14: a first delivery
// writes its link twice); `/` is not escaped, as in what boost::json wrote before.
protocol::JsonWriter record_writer() {
    return protocol::JsonWriter{protocol::JsonWriteOptions{.escape_slash = false}};
}

std::vector<AuditEntry> audit_from(const bj::object& o) {
    std::vector<AuditEntry> trail;
    if (const auto* a = o.if_contains("audit"); a && a->is_array()) {
        for (const auto& e : a->as_array()) {
            if (!e.is_object())
                continue;
            const auto& eo = e.as_object();
            trail.push_back(AuditEntry{
                num(eo, "at_ms"),
                from_string(str(eo, "actor"),
                            {Actor::staff, Actor::notification, Actor::poll, Actor::refresh, Actor::recovery, Actor::system},
                            Actor::system),
                str(eo, "who"), str(eo, "what")});
        }
    }
    return trail;
}

} // namespace

std::string serialize(const LinkRecord& r) {
    auto w = record_writer();
    w.begin_object()
        .member_int("v", r.version)
        .member("merchant_order_id", r.merchant_order_id)
        .member("folio_id", r.folio_id)
        .member("folio_number", r.folio_number)
        .member("booking_id", r.booking_id)
        .member("booking_number", r.booking_number)
        .member("legal_entity_id", r.legal_entity_id)
        .member("merchant_id", r.merchant_id)
        .member_int("amount_minor", r.amount_minor)
        .member("currency", r.currency)
        .member_int("vat_amount_minor", r.vat_amount_minor)
        .member("description", r.description)
        .member("guest_name", r.guest_name)
        .member("guest_email", r.guest_email)
        .member("message_template", r.message_template)
        .member_bool("send_mail", r.send_mail)
        .member_int("created_at_ms", r.created_at_ms)
        .member_int("expires_at_ms", r.expires_at_ms)
        .member("created_by", r.created_by)
        .member("create_request", r.create_request)
        .member("state", to_string(r.state))
        .member("order_id", r.order_id)
        .member("payment_url", r.payment_url)
        .member("ib_status", r.ib_status)
        .member("error_message", r.error_message)
        .member_int("paid_at_ms", r.paid_at_ms)
        .member_int("paid_amount_minor", r.paid_amount_minor)
        .member("posting", to_string(r.posting))
        .member("posting_id", r.posting_id)
        .member("posting_category", r.posting_category)
        .member("posting_type", r.posting_type)
        .member("suspense_reason", r.suspense_reason)
        .member("mail", to_string(r.mail))
        .member("mail_error", r.mail_error)
        .member_int("mails_sent", r.mails_sent);
    w.key("resend_at_ms").begin_array();
    for (const auto t : r.resend_at_ms)
        w.integer(t);
    w.end_array();
    write_audit(w, r.audit);
    w.member_int("effect_seq", r.effect_seq).end_object();
    return w.take();
}

OpenLinkEntry open_entry_of(const LinkRecord& r) {
    return OpenLinkEntry{r.merchant_order_id,
                         r.state,
                         r.posting,
                         r.mail,
                         r.order_id,
                         r.merchant_id,
                         r.ib_status,
                         !r.payment_url.empty(),
                         r.send_mail && r.mail == MailState::none && !r.guest_email.empty()};
}

std::string serialize(const OpenLinkEntry& e) {
    bj::object o;
    o["v"] = 1;
    o["state"] = to_string(e.state);
    o["posting"] = to_string(e.posting);
    o["mail"] = to_string(e.mail);
    o["order_id"] = e.order_id;
    o["merchant_id"] = e.merchant_id;
    o["ib_status"] = e.ib_status;
    o["payment_url"] = e.has_payment_url;
    o["awaiting_mail"] = e.awaiting_mail;
    return bj::serialize(o);
}

std::optional<OpenLinkEntry> parse_open_entry(std::string_view merchant_order_id, std::string_view json) {
    if (json.empty() || merchant_order_id.empty())
        return std::nullopt;
    bj::error_code ec;
    const bj::value v = bj::parse(json, ec);
    if (ec || !v.is_object() || num(v.as_object(), "v") != 1)
        return std::nullopt;
    const auto& o = v.as_object();
    // An unknown state word reads as the state that makes the pass read the whole record.
    OpenLinkEntry e;
    e.merchant_order_id = std::string(merchant_order_id);
    e.state = from_string(str(o, "state"), {LinkState::creating, LinkState::open, LinkState::failed}, LinkState::creating);
    e.posting = from_string(str(o, "posting"),
                            {PostingState::none, PostingState::pending, PostingState::posted, PostingState::suspense},
                            PostingState::pending);
    e.mail = from_string(str(o, "mail"), {MailState::none, MailState::pending, MailState::sent, MailState::failed},
                         MailState::pending);
    e.order_id = str(o, "order_id");
    e.merchant_id = str(o, "merchant_id");
    e.ib_status = str(o, "ib_status");
    e.has_payment_url = flag(o, "payment_url");
    e.awaiting_mail = !o.contains("awaiting_mail") || flag(o, "awaiting_mail"); // unknown: assume so
    return e;
}

std::optional<LinkRecord> parse_link_record(std::string_view json) {
    bj::error_code ec;
    const bj::value v = bj::parse(json, ec);
    if (ec || !v.is_object())
        return std::nullopt;
    const auto& o = v.as_object();
    LinkRecord r;
    r.version = static_cast<int>(num(o, "v"));
    if (r.version < 1 || r.version > link_record_version)
        return std::nullopt;
    r.version = link_record_version;
    r.merchant_order_id = str(o, "merchant_order_id");
    if (r.merchant_order_id.empty())
        return std::nullopt;
    r.folio_id = str(o, "folio_id");
    r.folio_number = str(o, "folio_number");
    r.booking_id = str(o, "booking_id");
    r.booking_number = str(o, "booking_number");
    r.legal_entity_id = str(o, "legal_entity_id");
    r.merchant_id = str(o, "merchant_id");
    r.amount_minor = num(o, "amount_minor");
    r.currency = str(o, "currency");
    r.vat_amount_minor = num(o, "vat_amount_minor");
    r.description = str(o, "description");
    r.guest_name = str(o, "guest_name");
    r.guest_email = str(o, "guest_email");
    r.message_template = str(o, "message_template");
    r.send_mail = flag(o, "send_mail");
    r.created_at_ms = num(o, "created_at_ms");
    r.expires_at_ms = num(o, "expires_at_ms");
    r.created_by = str(o, "created_by");
    r.create_request = str(o, "create_request");
    r.state = from_string(str(o, "state"), {LinkState::creating, LinkState::open, LinkState::failed}, LinkState::creating);
    r.order_id = str(o, "order_id");
    r.payment_url = str(o, "payment_url");
    r.ib_status = str(o, "ib_status");
    r.error_message = str(o, "error_message");
    r.paid_at_ms = num(o, "paid_at_ms");
    r.paid_amount_minor = num(o, "paid_amount_minor");
    r.posting = from_string(str(o, "posting"),
                            {PostingState::none, PostingState::pending, PostingState::posted, PostingState::suspense},
                            PostingState::none);
    r.posting_id = str(o, "posting_id");
    r.posting_category = str(o, "posting_category");
    r.posting_type = str(o, "posting_type");
    r.suspense_reason = str(o, "suspense_reason");
    r.mail = from_string(str(o, "mail"), {MailState::none, MailState::pending, MailState::sent, MailState::failed},
                         MailState::none);
    r.mail_error = str(o, "mail_error");
    r.mails_sent = static_cast<int>(num(o, "mails_sent"));
    // A record written before the count existed: a mail it shows as sent went at least once.
    if (!o.contains("mails_sent") && r.mail == MailState::sent)
        r.mails_sent = 1;
    if (const auto* a = o.if_contains("resend_at_ms"); a && a->is_array())
        for (const auto& t : a->as_array())
            if (t.is_int64())
                r.resend_at_ms.push_back(t.as_int64());
    r.audit = audit_from(o);
    r.effect_seq = num(o, "effect_seq");
    return r;
}

std::string serialize(const SuspenseRecord& r) {
    auto w = record_writer();
    w.begin_object()
        .member_int("v", r.version)
        .member("order_id", r.order_id)
        .member("merchant_order_id", r.merchant_order_id)
        .member("folio_id", r.folio_id)
        .member_int("amount_minor", r.amount_minor)
        .member("currency", r.currency)
        .member("reason_code", r.reason_code)
        .member("reason", r.reason)
        .member("business_date", r.business_date)
        .member_int("received_at_ms", r.received_at_ms)
        .member_bool("resolved", r.resolved)
        .member("resolution", r.resolution)
        .member("target_folio_id", r.target_folio_id)
        .member("resolved_by", r.resolved_by)
        .member("resolution_comment", r.resolution_comment)
        .member_int("resolved_at_ms", r.resolved_at_ms)
        .member("posting_id", r.posting_id)
        .member_int("effect_seq", r.effect_seq);
    write_audit(w, r.audit);
    w.end_object();
    return w.take();
}

std::optional<SuspenseRecord> parse_suspense_record(std::string_view json) {
    bj::error_code ec;
    const bj::value v = bj::parse(json, ec);
    if (ec || !v.is_object())
        return std::nullopt;
    const auto& o = v.as_object();
    SuspenseRecord r;
    r.order_id = str(o, "order_id");
    r.merchant_order_id = str(o, "merchant_order_id");
    r.folio_id = str(o, "folio_id");
    r.amount_minor = num(o, "amount_minor");
    r.currency = str(o, "currency");
    r.reason_code = str(o, "reason_code");
    r.reason = str(o, "reason");
    r.business_date = str(o, "business_date");
    r.received_at_ms = num(o, "received_at_ms");
    r.resolved = flag(o, "resolved");
    r.resolution = str(o, "resolution");
    r.target_folio_id = str(o, "target_folio_id");
    r.resolved_by = str(o, "resolved_by");
    r.resolution_comment = str(o, "resolution_comment");
    r.resolved_at_ms = num(o, "resolved_at_ms");
    r.posting_id = str(o, "posting_id");
    r.effect_seq = num(o, "effect_seq");
    r.audit = audit_from(o);
    return r;
}

std::string_view to_string(RefundState s) noexcept {
    switch (s) {
    case RefundState::creating: return "creating";
    case RefundState::created: return "created";
    case RefundState::completed: return "completed";
    case RefundState::canceled: return "canceled";
    case RefundState::failed: return "failed";
    }
    return "creating";
}

std::string serialize(const RefundRecord& r) {
    bj::object o;
    o["v"] = r.version;
    o["merchant_order_id"] = r.merchant_order_id;
    o["link_moid"] = r.link_moid;
    o["parent_order_id"] = r.parent_order_id;
    o["refund_id"] = r.refund_id;
    o["folio_id"] = r.folio_id;
    o["folio_number"] = r.folio_number;
    o["merchant_id"] = r.merchant_id;
    o["amount_minor"] = r.amount_minor;
    o["vat_amount_minor"] = r.vat_amount_minor;
    o["currency"] = r.currency;
    o["reason"] = r.reason;
    o["cabinet"] = r.cabinet;
    o["created_by"] = r.created_by;
    o["created_at_ms"] = r.created_at_ms;
    o["create_request"] = r.create_request;
    o["state"] = to_string(r.state);
    o["ib_status"] = r.ib_status;
    o["error_message"] = r.error_message;
    o["completed_at_ms"] = r.completed_at_ms;
    o["posting"] = to_string(r.posting);
    o["posting_id"] = r.posting_id;
    o["suspense_reason"] = r.suspense_reason;
    o["suspense_code"] = r.suspense_code;
    o["effect_seq"] = r.effect_seq;
    return bj::serialize(o);
}

std::optional<RefundRecord> parse_refund_record(std::string_view json) {
    bj::error_code ec;
    const bj::value v = bj::parse(json, ec);
    if (ec || !v.is_object())
        return std::nullopt;
    const auto& o = v.as_object();
    if (num(o, "v") < 1 || num(o, "v") > 1)
        return std::nullopt;
    static constexpr RefundState states[] = {RefundState::creating, RefundState::created, RefundState::completed,
                                             RefundState::canceled, RefundState::failed};
    static constexpr PostingState postings[] = {PostingState::none, PostingState::pending, PostingState::posted,
                                                PostingState::suspense};
    RefundRecord r;
    r.merchant_order_id = str(o, "merchant_order_id");
    r.link_moid = str(o, "link_moid");
    r.parent_order_id = str(o, "parent_order_id");
    r.refund_id = str(o, "refund_id");
    r.folio_id = str(o, "folio_id");
    r.folio_number = str(o, "folio_number");
    r.merchant_id = str(o, "merchant_id");
    r.amount_minor = num(o, "amount_minor");
    r.vat_amount_minor = num(o, "vat_amount_minor");
    r.currency = str(o, "currency");
    r.reason = str(o, "reason");
    r.cabinet = flag(o, "cabinet");
    r.created_by = str(o, "created_by");
    r.created_at_ms = num(o, "created_at_ms");
    r.create_request = str(o, "create_request");
    r.state = from_string(str(o, "state"), states, RefundState::creating);
    r.ib_status = str(o, "ib_status");
    r.error_message = str(o, "error_message");
    r.completed_at_ms = num(o, "completed_at_ms");
    r.posting = from_string(str(o, "posting"), postings, PostingState::none);
    r.posting_id = str(o, "posting_id");
    r.suspense_reason = str(o, "suspense_reason");
    r.suspense_code = str(o, "suspense_code");
    r.effect_seq = num(o, "effect_seq");
    return r;
}

} // namespace invoicebox::plugin
