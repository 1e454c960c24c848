// Unposted payments («Нераспределённые платежи»): the domain of resolving the suspense list.
//
// A payment taken but not postable (amount or currency mismatch, unknown order, closed or missing
// folio, key conflict) waits in the suspense list (architecture §7). Staff with suspense.manage
// resolve each entry in one of two ways, both audited with the staff member:
//  - «Провести на счёт…»: post the amount the guest paid to an account staff choose, with a
//    required comment. The choice and its post effect are recorded in one store batch (the
//    effect outbox, link_lifecycle.hpp) under the idempotency key "<plugin>:suspense:<order id>",
//    so the posting happens exactly once whatever crashes or double clicks come in between;
//  - «Закрыть без проведения»: with a required reason (e.g. refunded by InvoiceBox).
//
// The page is a "pms.view/1" document rendered by the host's generic renderer
// (render_suspense_page); its events are parsed by parse_suspense_event. Everything except
// SuspenseService itself is pure, so the page and the decisions are unit-tested without a host.
#pragma once

#include <invoicebox/plugin/link_lifecycle.hpp>
#include <invoicebox/plugin/link_record.hpp>
#include <invoicebox/plugin/reconciliation_view.hpp>
#include <invoicebox/plugin/views.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace invoicebox::plugin {

class LinkService;
struct StaffUser;

/// The key of a staff posting of a suspense entry (one per entry: a second «Провести» of the
/// same entry is refused, and a replay of the first is the host's idempotent repeat).
std::string suspense_idempotency_key(std::string_view order_id);

/// The outcome of a staff decision: the transition to commit, or why it is refused.
struct SuspenseDecision {
    std::optional<Transition> transition;
    std::map<std::string, std::string> field_errors; ///< form field -> Russian message
    std::string message;                             ///< Russian, when refused
};

/// «Провести на счёт…». `target_folio_closed` comes from the host's folio read.
SuspenseDecision decide_post(const SuspenseRecord& s, const std::string& target_folio_id, bool target_folio_exists,
                             bool target_folio_closed, const std::string& comment, const std::string& staff_label,
                             std::int64_t now_ms);
/// «Закрыть без проведения».
SuspenseDecision decide_close(const SuspenseRecord& s, const std::optional<LinkRecord>& link, const std::string& reason,
                              const std::string& staff_label, std::int64_t now_ms);
/// The host's answer to a staff posting. nullopt for PostOutcome::failed (the effect stays and
/// is retried). A refusal (closed folio, …) reopens the entry with the reason in its trail.
std::optional<Transition> apply_suspense_posting(const SuspenseRecord& s, const std::optional<LinkRecord>& link,
                                                 PostOutcome outcome, const PostingResult& result, std::int64_t now_ms);

/// Russian name of a suspense reason code («валюта», «сумма», …) for the list.
std::string suspense_reason_label(const SuspenseRecord& s);

struct SuspensePageModel {
    std::vector<SuspenseRecord> items; ///< the unposted ones (resolved == false)
    /// Completed refunds whose negative posting is held (no mapping for refunds, a closed or
    /// missing folio): listed without actions, the plugin posts them once the cause is fixed.
    std::vector<RefundRecord> held_refunds;
    int offset_minutes = 0;
    std::vector<Notice> notices;
    /// A form opened for one entry: "post" or "close" ("" = the list only).
    std::string form;
    std::string form_order_id;
    std::map<std::string, std::string> values; ///< form field -> current text
    std::map<std::string, std::string> errors; ///< form field -> message
    /// The page offers «Сверка с InvoiceBox» (a Reconciler is attached).
    bool reconciliation_offered = false;
    /// Set: the reconciliation screen instead of the list.
    std::optional<ReconciliationScreen> reconciliation;
};
std::string render_suspense_page(const SuspensePageModel& m);

struct SuspensePageEvent {
    enum class Kind : std::uint8_t {
        open_post,
        open_close,
        submit_post,
        submit_close,
        back,
        refresh,
        open_reconciliation, ///< «Сверка с InvoiceBox»
        run_reconciliation,  ///< «Сверить с InvoiceBox» (the period in values)
        unknown
    };
    Kind kind = Kind::unknown;
    std::string order_id; ///< the row, or the form's entry
    std::map<std::string, std::string> values;
    std::string staff_id;
    std::string staff_name;
};
SuspensePageEvent parse_suspense_event(std::string_view event_json);

/// The page's id in pms.admin-page/1, and the permission it needs.
inline constexpr const char* suspense_page_id = "suspense";
inline constexpr const char* suspense_page_title = "Нераспределённые платежи";
inline constexpr const char* suspense_page_permission = "suspense.manage";

class SuspenseService {
  public:
    explicit SuspenseService(LinkService& links) : links_(links) {}
    ~SuspenseService() { *alive_ = false; }
    SuspenseService(const SuspenseService&) = delete;
    SuspenseService& operator=(const SuspenseService&) = delete;

    /// The unposted payments, oldest first.
    std::vector<SuspenseRecord> unposted();

    /// «Провести на счёт…»: `done("")` once the posting is done, else a Russian message.
    void post_to_folio(const std::string& order_id, const std::string& folio_id, const std::string& comment,
                       const StaffUser& staff, std::function<void(SuspenseDecision)> done);
    /// «Закрыть без проведения»: `done` once the decision is durable (pms.store/2), or refused.
    void close(const std::string& order_id, const std::string& reason, const StaffUser& staff,
               std::function<void(SuspenseDecision)> done);

    /// The page as first shown.
    std::string open_page();
    /// A page event; `reply` gets the next view exactly once. With the page session's id, the
    /// session's screen (list or form) is tracked for live updates.
    void page_event(std::string_view event_json, const StaffUser& staff, std::function<void(std::string)> reply,
                    std::string_view session = {});

    // ---- live updates (pms.admin-page/1 push_view) ----
    /// A page session opened (showing the list) / closed.
    void page_opened(std::string_view session);
    void page_closed(std::string_view session);
    /// The list changed (LinkService::on_suspense_changed): every open session showing the list
    /// gets the new list. A session with a form open is left alone (a push would throw away what
    /// staff are typing); it gets the fresh list with its next reply. Sessions the host reports
    /// closed are forgotten.
    void push_updates();
    std::size_t open_sessions() const noexcept { return sessions_.size(); }

    /// Offers the reconciliation screen on this page (the plugin attaches its Reconciler);
    /// `downloads`: the host renders the CSV `download` element (API 1.5+).
    void attach_reconciler(Reconciler* reconciler, bool downloads) {
        reconciler_ = reconciler;
        downloads_ = downloads;
    }

  private:
    SuspensePageModel model(std::vector<Notice> notices = {});
    /// Renders `m` for `session`, remembering whether it shows the list.
    std::string show(std::string_view session, const SuspensePageModel& m);
    /// The reconciliation screen with the last report (and `period` chosen).
    SuspensePageModel reconciliation_model(std::vector<Notice> notices, std::string period);
    /// «Сверить с InvoiceBox»: answers at once with "running", pushes the report when done.
    void run_reconciliation(const std::string& period, const StaffUser& staff, const std::string& session,
                            std::function<void(std::string)> reply);
    LinkService& links_;
    Reconciler* reconciler_ = nullptr;
    bool downloads_ = false;
    struct PageSession {
        bool showing_list = true;
        /// What the last answer said above the list: kept in the lists pushed to this session
        /// until staff act again (a posting's «Платёж проведён» is followed by the list's push).
        std::vector<Notice> notices;
    };
    std::map<std::string, PageSession, std::less<>> sessions_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

} // namespace invoicebox::plugin
