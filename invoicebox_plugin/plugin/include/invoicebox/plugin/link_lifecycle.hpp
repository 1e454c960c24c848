// LinkLifecycle: the ONE place that applies InvoiceBox's view of an order to a link.
//
// Every road that learns something about an order (a notification, «Обновить статус ссылок», the
// poller by id or by paid date, start-up recovery, the answer to a create, a staff cancel) hands
// the link record and the order to apply_report() and carries out what comes back. Postings
// report their outcome to apply_posting(). Both are pure (sans-I/O, like CreateOrderFlow): no
// clock, store or socket; `now` and the property's UTC offset come in the context. So every
// (state × report) pair is a table test (tests/invoicebox_plugin/link_lifecycle_test.cpp), and
// the roads cannot drift apart again.
//
// What comes back is a Transition: the new link record, a suspense entry to write, the audit
// lines added, the reply a notification gets, and the effects (post a payment with idempotency
// key K, raise or resolve a staff alert with dedupe key D, send the link's mail). The caller
// writes the record, the suspense entry and the effects in ONE store batch (the effect outbox,
// architecture §8) and only then runs the effects (LinkService's effect runner), so a crash
// anywhere leaves either nothing or a durable intention that start-up replays.
//
// Why the staff alert of a payment is not emitted together with its posting: the alert says the
// money is on the folio, which is only known from the posting's outcome (a closed folio sends the
// payment to suspense with another alert). apply_posting() emits it in the same batch that
// records the posting and removes the post effect, so between "posted at the host" and "alert in
// the outbox" there is only the repeatable posting (the host dedupes by key), and after it the
// alert is durable: one posting and one alert whatever step a crash hits.
#pragma once

#include <invoicebox/plugin/host_ports.hpp>
#include <invoicebox/plugin/link_record.hpp>

#include <invoicebox/protocol/notification.hpp>
#include <invoicebox/protocol/order.hpp>
#include <invoicebox/protocol/order_glance.hpp>
#include <invoicebox/protocol/refund.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace invoicebox::plugin {

/// Where an order report comes from.
enum class ReportSource : std::uint8_t {
    notification,  ///< a signed InvoiceBox notification
    refresh,       ///< staff pressed «Обновить статус ссылок»
    poll_by_id,    ///< the poller re-reading open links by order id
    poll_by_paid,  ///< the poller reading paid orders since its cursor
    recovery,      ///< start-up recovery (a pass of the poller after a restart)
    create_answer, ///< InvoiceBox answered our create (or its recovery lookup found the order)
    staff_cancel,  ///< InvoiceBox answered a staff cancel with the order
    reconciliation, ///< a reconciliation with InvoiceBox (daily, or «Сверить с InvoiceBox»)
};
std::string_view to_string(ReportSource s) noexcept;
/// The actor written to the audit trail for a report of this source.
Actor actor_of(ReportSource s) noexcept;

struct OrderReport {
    ReportSource source = ReportSource::notification;
    protocol::Order order;
    std::string who; ///< staff label for staff roads, else ""
};

/// One pending effect in the outbox (v1/outbox/<owner>/<seq>).
struct Effect {
    enum class Kind : std::uint8_t { post_payment, raise_alert, resolve_alert, send_mail };
    Kind kind = Kind::raise_alert;
    /// The record the effect belongs to: a link's merchantOrderId, or suspense_owner(order id)
    /// for an entry with no link. Effects of one owner run one after another in `seq` order.
    std::string owner;
    std::int64_t seq = 0;
    PaymentPosting posting; ///< post_payment: the payload, identical on every replay
    StaffAlert alert;       ///< raise_alert; resolve_alert uses alert.dedupe_key only
    Actor actor = Actor::system; ///< send_mail: whose action it was (audit)
    std::string who;
    /// send_mail: set (durably) right before the mail is handed to the host. A replay finds it
    /// set and does NOT send again: the mail goes at most once per request (staff can resend).
    bool attempted = false;
};
std::string_view to_string(Effect::Kind k) noexcept;

/// The outbox owner of effects that belong to a suspense entry without a link.
std::string suspense_owner(std::string_view order_id);

/// The idempotency key of a link's payment: "<plugin>:payment:<order id>" (architecture §7).
std::string payment_idempotency_key(std::string_view order_id);

struct LifecycleContext {
    std::int64_t now_ms = 0;
    int utc_offset_minutes = 0;
    /// The order's suspense entry, when one exists (read by the caller).
    std::optional<SuspenseRecord> suspense;
    /// The order's merchantOrderId carries this installation's prefix (an unknown order of
    /// ours, e.g. a link lost with a data folder, goes to suspense even from the poller).
    bool order_is_ours = false;
};

struct Transition {
    std::optional<LinkRecord> link;         ///< the new record, when it changed
    std::optional<SuspenseRecord> suspense; ///< an entry to write (new or updated)
    std::optional<RefundRecord> refund;     ///< a refund record to write (new or updated)
    std::vector<Effect> effects;            ///< to record with them, in this order
    std::vector<AuditEntry> audit;          ///< the lines added to the link's trail
    protocol::NotificationReplyCode reply = protocol::NotificationReplyCode::success;

    bool changes_anything() const {
        return link.has_value() || suspense.has_value() || refund.has_value() || !effects.empty();
    }
};

/// Applies an order report to `link` (nullopt: no link found for the order).
Transition apply_report(const std::optional<LinkRecord>& link, const OrderReport& report, const LifecycleContext& ctx);
/// Whether apply_report() reads `ctx.suspense` for this report: only a paid order can be held
/// in suspense or released from it, so a caller may skip reading the entry for any other (the
/// poller's reports of open links are nearly all unpaid: issue 14).
bool report_reads_suspense(const OrderReport& report) noexcept;
/// True when apply_report() would change nothing for the report of `order` from `source` on the
/// link `entry` describes (an open, unpaid link whose order InvoiceBox reports in the status
/// last applied), so that a poll pass need not read the record. Conservative: false whenever the
/// entry cannot tell. A link changed since the entry was read is no risk: the skipped report
/// then is older news than the record (issue 14: reading and judging 10,000 unchanged links was
/// most of a pass). It reads only the order's glance (id, number, status), so that a page of
/// orders can be judged before it is decoded (order_glance.hpp).
bool report_changes_nothing(const OpenLinkEntry& entry, ReportSource source,
                            const protocol::OrderGlance& order) noexcept;

/// Applies the host's answer to a link's payment posting. Nothing changes unless the link's
/// posting is pending; `failed` changes nothing either (the post effect stays and is retried).
Transition apply_posting(const LinkRecord& link, PostOutcome outcome, const PostingResult& result,
                         const LifecycleContext& ctx);

/// A link held in suspense for a reason that may have been fixed (mapping, closed or missing
/// folio, host storage): posting pending again with a new post effect. nullopt when it does not
/// qualify.
std::optional<Transition> retry_posting(const LinkRecord& link, const LifecycleContext& ctx);

/// A link whose posting is pending but has no post effect (a record written before the outbox
/// existed): the same post effect again. nullopt when the posting is not pending.
std::optional<Transition> resume_posting(const LinkRecord& link, const LifecycleContext& ctx);

/// The post effect of a link whose posting is pending (for tests and resume_posting).
Effect payment_effect(LinkRecord& link);

// ---- refunds (issue 13) ------------------------------------------------------------------------
//
// A refund report (the answer to a refund create, its recovery lookup, the poller's read of the
// shop's refund list) is applied here like an order report: pure, one Transition recorded in one
// batch with its effects. A `completed` refund posts to the folio ONCE as a payment of kind
// "refund" (the host books an outgoing kind as a negative payment) with the idempotency key
// "<plugin>:refund:<refund id>"; the staff alert «Возврат … по счёту …» follows the posting's
// outcome (apply_refund_posting), as a payment's does. A `canceled` refund posts nothing.

/// The outbox owner of a refund's effects: "R:" + the refund's merchantOrderId (no link's
/// merchantOrderId contains ':').
std::string refund_owner(std::string_view refund_moid);
bool is_refund_owner(std::string_view owner) noexcept;

/// "<plugin>:refund:<refund id>" (architecture §7).
std::string refund_idempotency_key(std::string_view refund_id);

struct RefundReport {
    ReportSource source = ReportSource::poll_by_id;
    protocol::Refund refund;
    std::string who; ///< staff label for staff roads, else ""
};

/// Applies a refund report. `found`: the refund's record (nullopt: a refund the plugin never
/// recorded, i.e. one made in InvoiceBox's cabinet, matched to `link` by its parentId).
Transition apply_refund_report(const std::optional<RefundRecord>& found, const LinkRecord& link,
                               const RefundReport& report, const LifecycleContext& ctx);

/// Applies the host's answer to a refund's posting (nothing unless its posting is pending;
/// `failed` changes nothing, the post effect stays and is retried).
Transition apply_refund_posting(const RefundRecord& refund, const LinkRecord& link, PostOutcome outcome,
                                const PostingResult& result, const LifecycleContext& ctx);

/// The post effect of a completed refund (for tests).
Effect refund_effect(RefundRecord& refund);

/// A refund posting held for a reason that may have been fixed (mapping, closed or missing
/// folio): pending again with a new post effect (the same idempotency key). nullopt otherwise.
std::optional<Transition> retry_refund_posting(const RefundRecord& refund, const LinkRecord& link,
                                               const LifecycleContext& ctx);

} // namespace invoicebox::plugin
