// pms.folio/1: the folio document, and payment postings. A posting is queued behind the store's
// writer thread (SQLite, synchronous=FULL), where its checks (the idempotency key, the folio and
// its property, the mapping) run in its own transaction, and joins the group commit of whatever
// waits, so neither the strand nor a pool thread reads or waits for an fsync (issue 14: the
// blocking pool's hop and wait cost each first delivery two thread wake-ups). Its completion
// goes back to the strand through the operation registry. The
// host applies the admin's mapping of the plugin's payment kind to a category and type, and
// refuses with PMS_NO_MAPPING when there is none. Idempotency is the storage's (one row per
// key, across threads, connections and processes); a repeat skips the mapping lookup and
// answers the first posting even if the mapping or the folio changed since.
#include "service_support.hpp"
#include "services.hpp"

#include "../folio_document.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <atomic>
#include <memory>

namespace pms::host::detail {
namespace {

pms_status folio_get(const pms_host* host, pms_str folio_id, const pms_writer* json_out) noexcept {
    try {
        Instance* inst = Instance::from_host(host);
        if (inst == nullptr || !valid(folio_id) || json_out == nullptr ||
            json_out->write == nullptr)
            return PMS_INVALID_ARGUMENT;
        const auto id = parse_id(view_of(folio_id));
        if (!id)
            return PMS_NOT_FOUND;
        auto& folios = inst->rt.storage.folios();
        const auto summary = folios.folio_summary(FolioId{*id});
        if (!summary)
            return PMS_NOT_FOUND;
        if (summary->folio.property != inst->property)
            return PMS_PERMISSION_DENIED;
        const std::string doc = folio_document(*summary, folios.payments_of_folio(FolioId{*id}));
        return write_out(json_out, doc);
    } catch (const StorageError& e) {
        return storage_status(e) == PMS_NOT_FOUND ? PMS_NOT_FOUND : PMS_STORAGE_ERROR;
    } catch (...) {
        return PMS_STORAGE_ERROR;
    }
}

struct PostingRequest {
    std::int64_t folio = 0;
    std::int64_t amount_minor = 0; ///< signed: refunds negative
    std::string currency;
    std::string kind;
    std::string key;
    std::string reference;
    std::string description;
};

struct PostingOutcome {
    pms_status status = PMS_INTERNAL;
    bool is_repeat = false;
    std::string posting_id;
    std::string category;
    std::string type;
    std::string message;
};

void deliver(pms_posting_done done, const PostingOutcome& o) {
    pms_posting_result r{};
    r.struct_size = sizeof(r);
    r.is_repeat = o.is_repeat ? 1u : 0u;
    r.posting_id = str_of(o.posting_id);
    r.category = str_of(o.category);
    r.type = str_of(o.type);
    r.error_message = str_of(o.message);
    done.fn(done.user, o.status, &r);
}

pms_status status_of(PostOutcome o) {
    switch (o) {
    case PostOutcome::posted:
        return PMS_OK;
    case PostOutcome::repeated:
        return PMS_DUPLICATE;
    case PostOutcome::conflict:
        return PMS_CONFLICT;
    case PostOutcome::unknown_folio:
        return PMS_NOT_FOUND;
    case PostOutcome::folio_closed:
        return PMS_FOLIO_CLOSED;
    case PostOutcome::currency_mismatch:
        return PMS_CURRENCY_MISMATCH;
    case PostOutcome::no_mapping:
        return PMS_NO_MAPPING;
    case PostOutcome::invalid_request:
        return PMS_INVALID_ARGUMENT;
    }
    return PMS_INTERNAL;
}

/// What a storage failure answers: busy is worth a retry, anything else is an error.
PostingOutcome storage_failure(const StorageError& e) {
    PostingOutcome out;
    out.status = e.errc() == StorageErrc::busy ? PMS_UNAVAILABLE : PMS_STORAGE_ERROR;
    out.message = std::string{"storage: "} + e.what();
    return out;
}

PostingOutcome outcome_of(const PostPaymentResult& r) {
    PostingOutcome out;
    out.status = status_of(r.outcome);
    out.is_repeat = r.is_repeat;
    out.message = r.detail;
    if (r.payment && (r.ok() || r.outcome == PostOutcome::conflict)) {
        out.posting_id = std::to_string(r.payment->id.value);
        out.category = r.payment->category_name;
        out.type = r.payment->type_name;
    }
    return out;
}

/// The posting to write for `req`. It reads nothing: its checks (the idempotency key, the
/// folio and its property, the admin's mapping of the kind) run in the posting's own transaction
/// on the store's writer, which read them anyway; checking here as well cost the plugin's strand
/// three reads per posting, one of them summing the folio's payments (issue 14).
PaymentPosting make_posting(const Instance& inst, const PostingRequest& req) {
    PaymentPosting posting;
    posting.folio = FolioId{req.folio};
    posting.property = inst.property;
    posting.amount = Money{req.amount_minor, req.currency};
    posting.kind = req.kind;
    posting.idempotency_key = req.key;
    posting.plugin_id = inst.plugin_id;
    posting.provider_reference = req.reference;
    posting.description = req.description;
    // The audit row goes with the posting, in its transaction (one commit, never one without
    // the other); the storage fills in the posting's id.
    AuditDraft audit;
    audit.actor = "plugin:" + inst.plugin_id;
    audit.action = "payment.post";
    audit.subject = "folio:" + std::to_string(req.folio);
    audit.property = inst.property;
    audit.details_json = boost::json::serialize(boost::json::object{{"posting_id", ""},
                                                                    {"amount_minor", req.amount_minor},
                                                                    {"currency", req.currency},
                                                                    {"kind", req.kind},
                                                                    {"idempotency_key", req.key}});
    posting.audit = std::move(audit);
    return posting;
}

/// Queues the posting; `finish` runs exactly once, here (refused before queueing, or the storage
/// failed to queue it) or on the store's writer thread once the posting is durable or refused.
void post_async(const Instance& inst, const PostingRequest& req, std::function<void(PostingOutcome)> finish) {
    // Once, even if a completion that already ran throws on its way out (then the catch below
    // must not answer a second time).
    auto answered = std::make_shared<std::atomic<bool>>(false);
    auto finish_once = [answered, finish = std::move(finish)](PostingOutcome o) {
        if (!answered->exchange(true))
            finish(std::move(o));
    };
    try {
        inst.rt.storage.folios().post_payment_async(
            make_posting(inst, req), [finish_once](std::optional<PostPaymentResult> r, std::optional<StorageError> e) {
                if (r)
                    finish_once(outcome_of(*r));
                else
                    finish_once(storage_failure(e ? *e : StorageError{StorageErrc::internal, "no outcome"}));
            });
    } catch (const StorageError& e) {
        finish_once(storage_failure(e));
    } catch (const std::exception& e) {
        PostingOutcome out;
        out.status = PMS_STORAGE_ERROR;
        out.message = e.what();
        finish_once(std::move(out));
    }
}

/// A posting is an outcome a hotel keeps (info) and a refusal says why (warning); a repeat of
/// one already posted changed nothing, so it stays out of the info log (a replayed notification
/// must not cost a line each).
LogLevel posting_log_level(const PostingOutcome& o) {
    return !PMS_STATUS_IS_SUCCESS(o.status) ? LogLevel::warning
           : o.is_repeat                     ? LogLevel::debug
                                             : LogLevel::info;
}

/// What the money did, in the host's words: the folio, the amount (minor units: the log never
/// rounds), the admin's category and type, the posting and the plugin's idempotency key.
std::string posting_log_line(const PostingRequest& req, const PostingOutcome& o) {
    const std::string what = std::to_string(req.amount_minor) + " " + req.currency +
                             " (minor units) to folio " + std::to_string(req.folio);
    const std::string key = "key " + req.key;
    if (!PMS_STATUS_IS_SUCCESS(o.status))
        return "payment of " + what + " not posted, " + key + ": " + pms_status_name(o.status) +
               (o.message.empty() ? "" : ": " + o.message);
    return std::string{o.is_repeat ? "repeat of posting " : "posted "} +
           (o.is_repeat ? o.posting_id + ", " : "") + what + " as «" + o.category + "» / «" + o.type +
           "»" + (o.is_repeat ? "" : ", posting " + o.posting_id) + ", " + key;
}

bool currency_ok(const char (&c)[4]) {
    return c[0] >= 'A' && c[0] <= 'Z' && c[1] >= 'A' && c[1] <= 'Z' && c[2] >= 'A' && c[2] <= 'Z' &&
           c[3] == '\0';
}

pms_status folio_post_payment(const pms_host* host, const pms_payment_posting* posting,
                              pms_posting_done done, std::uint64_t* op_id) noexcept {
    try {
        Instance* inst = Instance::from_host(host);
        if (inst == nullptr || posting == nullptr || done.fn == nullptr)
            return PMS_INVALID_ARGUMENT;
        if (posting->struct_size <
            offsetof(pms_payment_posting, occurred_at_utc_ms) + sizeof(posting->occurred_at_utc_ms))
            return PMS_INVALID_ARGUMENT;
        if (!valid(posting->folio_id) || !valid(posting->payment_kind) ||
            !valid(posting->idempotency_key) || !valid(posting->provider_reference) ||
            !valid(posting->description))
            return PMS_INVALID_ARGUMENT;
        const auto folio = parse_id(view_of(posting->folio_id));
        if (posting->amount.minor <= 0 || !currency_ok(posting->amount.currency) ||
            posting->payment_kind.len == 0 || posting->idempotency_key.len == 0 ||
            posting->idempotency_key.len > 200)
            return PMS_INVALID_ARGUMENT;
        PostingRequest req;
        req.kind = std::string{view_of(posting->payment_kind)};
        PaymentDirection direction = PaymentDirection::incoming;
        if (inst->hooks.payment_types != nullptr) {
            const auto it = std::find_if(inst->payment_kinds.begin(), inst->payment_kinds.end(),
                                         [&](const PaymentKind& k) { return k.code == req.kind; });
            if (it == inst->payment_kinds.end()) {
                inst->log(LogLevel::plugin_misbehaving,
                          "post_payment with kind '" + req.kind +
                              "' that is not in its pms.payment-types/1 list");
                return PMS_INVALID_ARGUMENT;
            }
            direction = it->direction;
        }
        req.folio = folio.value_or(0);
        req.amount_minor = direction == PaymentDirection::outgoing ? -posting->amount.minor
                                                                   : posting->amount.minor;
        req.currency = posting->amount.currency;
        req.key = std::string{view_of(posting->idempotency_key)};
        req.reference = std::string{view_of(posting->provider_reference)};
        req.description = std::string{view_of(posting->description)};

        const std::uint64_t id =
            inst->ops.begin(OperationRegistry::CancelMode::before_start, [done] {
                PostingOutcome o;
                o.status = PMS_CANCELLED;
                o.message = "the instance is stopping; not posted";
                deliver(done, o);
            });
        if (id == 0)
            return PMS_UNAVAILABLE;
        if (op_id != nullptr)
            *op_id = id;
        if (!folio) {
            PostingOutcome o;
            o.status = PMS_NOT_FOUND;
            o.message = "no folio '" + std::string{view_of(posting->folio_id)} + "'";
            inst->ops.complete(id, [done, o] { deliver(done, o); });
            return PMS_OK;
        }
        if (!inst->ops.mark_started(id))
            return PMS_OK; // cancelled by a drain meanwhile: CANCELLED is delivered, nothing posts
        post_async(*inst, req, [weak = inst->weak_from_this(), id, done, req](PostingOutcome o) {
            auto self = weak.lock();
            if (!self)
                return;
            self->log(posting_log_level(o), posting_log_line(req, o));
            self->ops.complete(id, [done, o = std::move(o)] { deliver(done, o); });
        });
        return PMS_OK;
    } catch (...) {
        return PMS_INTERNAL;
    }
}

constexpr pms_host_folio table{&folio_get, &folio_post_payment};

} // namespace

const pms_host_folio* folio_service() noexcept {
    return &table;
}

} // namespace pms::host::detail
