// LinkService: the payment-link workflow of one property, independent of the host's C API.
//
//  - create: record the link (state creating) BEFORE the create call, complete it after; an
//    unknown outcome stays `creating` and is resolved by lookup (poller, start-up recovery);
//  - status by three roads: notifications (notification_handler.hpp), «Обновить статус ссылок»
//    (refresh), and the background poller (open links by id, paid orders by status/paidAt);
//    every list is read page by page to a short page, and the paid-orders read of each shop
//    continues from a durable cursor in the store (advanced only past recorded pages), so
//    start-up recovery picks up where the last run stopped, however long ago;
//  - every road applies what it learnt through receive() -> LinkLifecycle, the one place that
//    applies an order report; LinkService only carries out the effects it returns;
//  - a `completed` order is recorded as "posting pending" together with its post effect (the
//    effect outbox, architecture §8), then posted ONCE through pms.folio/1 with the idempotency
//    key "<plugin>:payment:<order id>"; the outcome is recorded together with the staff alert
//    (dedupe key "paid:<order id>"), which is raised next. A crash anywhere replays the outbox
//    at start-up: one posting, one alert. Late payment (expired/canceled -> completed) posts
//    too. What cannot be posted goes to the suspense list with a staff alert;
//  - every change is written to the link's audit trail with who or what made it.
// All members run on the instance strand.
#pragma once

#include <invoicebox/plugin/api_client.hpp>
#include <invoicebox/plugin/applied_notifications.hpp>
#include <invoicebox/plugin/folio.hpp>
#include <invoicebox/plugin/host_ports.hpp>
#include <invoicebox/plugin/link_lifecycle.hpp>
#include <invoicebox/plugin/link_record.hpp>
#include <invoicebox/plugin/link_repository.hpp>
#include <invoicebox/plugin/refund_form.hpp>
#include <invoicebox/plugin/settings.hpp>

#include <invoicebox/protocol/notification.hpp>
#include <invoicebox/protocol/order.hpp>

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>

namespace invoicebox::plugin {

struct Join; // join.hpp: the outstanding parts of a pass

struct StaffUser {
    std::string id;
    std::string name;
    std::string label() const { return name.empty() ? id : name + " (" + id + ")"; }
};

struct CreateInput {
    std::string folio_id;
    std::string amount_text; ///< the form's decimal text
    std::string description;
    std::string message_template;
    std::string lifetime = "72h";
    bool send_mail = false;
    bool confirm_over_balance = false; ///< staff confirmed the balance warning
};

struct CreateOutcome {
    enum class Kind : std::uint8_t {
        created,      ///< link is open
        unconfirmed,  ///< outcome unknown: recorded, will be resolved automatically
        rejected,     ///< input problems (field_errors / message), nothing recorded
        over_balance, ///< would exceed the balance: ask staff to confirm
        failed,       ///< InvoiceBox refused; recorded as failed
        no_shop,      ///< the folio's legal entity has no shop: nothing recorded, nothing sent
    } kind = Kind::rejected;
    std::optional<LinkRecord> link;
    std::map<std::string, std::string> field_errors; ///< form field name -> Russian message
    std::string message;                             ///< Russian
};

/// A refund staff asked for from the links dialog (issue 13).
struct RefundInput {
    std::string folio_id;  ///< the folio of the staff member's view
    std::string link_moid; ///< the paid link to refund
    bool full = true;      ///< everything left; else `lines`
    std::vector<RefundLineInput> lines;
    std::string reason; ///< required: the refund's description at InvoiceBox
};

struct RefundOutcome {
    enum class Kind : std::uint8_t {
        created,     ///< InvoiceBox has the refund; it completes later (the poller posts it)
        unconfirmed, ///< outcome unknown: recorded, resolved by lookup, never sent again
        rejected,    ///< input problems, nothing recorded
        failed,      ///< InvoiceBox refused; recorded as failed
    } kind = Kind::rejected;
    std::optional<RefundRecord> refund;
    std::map<std::string, std::string> field_errors;
    std::string message; ///< Russian
};

/// What a notification did (for tests and logs).
struct NotificationOutcome {
    protocol::NotificationReplyCode code = protocol::NotificationReplyCode::out_of_service;
    std::string reason;
};

class LinkService {
  public:
    explicit LinkService(HostPorts& host);
    ~LinkService();

    void configure(Settings s);
    const Settings& settings() const noexcept { return settings_; }
    bool configured() const noexcept { return settings_.configured(); }
    /// The shop that would take a link of this folio's legal entity (nullptr: none, no link).
    const ShopConfig* shop_for(const Folio& folio) const { return settings_.shop_for(folio.legal_entity_id); }
    LinkRepository& repository() noexcept { return repo_; }
    HostPorts& host() noexcept { return host_; }

    /// Called after any change of a folio's links (to push updated views).
    std::function<void(const std::string& folio_id)> on_folio_changed;
    /// Called after a suspense entry was recorded (a new unposted payment, a staff decision, a
    /// posting's outcome), so open «Нераспределённые платежи» pages can be updated.
    std::function<void()> on_suspense_changed;

    // ---- staff actions ----
    void create_link(const CreateInput& in, const StaffUser& staff, std::function<void(CreateOutcome)> done);
    /// Re-reads every link of the folio from InvoiceBox. `done("")` on success, else a Russian message.
    /// Single flight: a refresh of a folio whose refresh is already running joins it and gets
    /// its answer, so a storm of «Обновить статус ссылок» on one folio costs one set of requests.
    void refresh_folio(const std::string& folio_id, const StaffUser& staff, std::function<void(std::string)> done);
    /// Cancels a link of `folio_id` (the folio of the staff member's view, as the host vouches
    /// for it). A link of another folio is refused and left untouched. `done("")` on success,
    /// else a Russian message.
    void cancel_link(const std::string& folio_id, const std::string& merchant_order_id, const StaffUser& staff,
                     std::function<void(std::string)> done);
    /// Sends the link's mail again: same folio rule as cancel_link, and at most
    /// `max_resends_per_hour` resends per link in any rolling hour of the host clock. Each
    /// resend and each refusal by the limit is written to the link's audit trail.
    void resend_mail(const std::string& folio_id, const std::string& merchant_order_id, const StaffUser& staff,
                     std::function<void(std::string)> done);
    static constexpr std::size_t max_resends_per_hour = 3;

    // ---- refunds (issue 13; refunds.cpp) ----
    /// Staff may refund from the dialog only on a host that gates `"permission"` in views (ABI
    /// minor 5+): an older host would show «Возврат» to every folio user. plugin.cpp sets it from
    /// the host's minor. Refunds made in the cabinet are posted whatever it says.
    bool refunds_offered = false;
    /// The refundable items of a paid link of `folio_id` (`done(items, "")`), or a Russian error.
    void refundable_items(const std::string& folio_id, const std::string& link_moid,
                          std::function<void(std::vector<protocol::BasketItem>, std::string)> done);
    /// Creates a refund: recorded (state creating, its own merchantOrderId) BEFORE the create
    /// call; an unknown outcome is looked up by merchantOrderId, never sent again.
    void create_refund(const RefundInput& in, const StaffUser& staff, std::function<void(RefundOutcome)> done);
    /// THE road of every refund report (create answer, lookup, poller, reconciliation): finds the
    /// refund's record (or, for a refund the plugin never recorded, the link by parentId), applies
    /// the report with apply_refund_report (plan_refund) and commits the transition. This
    /// synchronous form (pms.store/1) is the reconciliation's; the create answer and the lookup
    /// record plan_refund's transition through commit_async, the poller's pages through
    /// receive_refund_page. Throws StoreError when
    /// nothing was recorded.
    Transition receive_refund(const RefundReport& report, std::set<std::string>* folios = nullptr);
    /// What a refund report changes: nullopt for a refund of an order this PMS never linked (or
    /// of another shop); reads the store, writes nothing.
    std::optional<Transition> plan_refund(const RefundReport& report);
    /// The poller's refund pass: every shop's refund list read to its end, each refund received;
    /// our refunds still `creating` that InvoiceBox does not know after a full read, and older
    /// than `lost_refund_after_ms`, are marked failed (never sent again).
    void poll_refunds(Actor actor, std::function<void()> done);
    static constexpr std::int64_t lost_refund_after_ms = 5 * 60'000;
    /// The refunds' money on a link: completed, and asked for but not final.
    struct RefundTotals {
        std::int64_t completed = 0;
        std::int64_t in_progress = 0;
    };
    static RefundTotals refund_totals(const std::vector<RefundRecord>& refunds);
    static constexpr std::int64_t resend_window_ms = 3600 * 1000;
    /// Σ of open unpaid links of a folio (the balance guard).
    std::int64_t open_total(const std::string& folio_id);

    // ---- InvoiceBox notifications ----
    /// `path` is the route below /hooks/<plugin>/<property>/. Replies exactly once; `success`
    /// only after the notification is durably recorded, `out_of_service` only when recording
    /// failed.
    void handle_notification(std::string_view path, std::string_view raw_body, const protocol::HttpHeaders& headers,
                             std::function<void(protocol::NotificationReply, NotificationOutcome)> reply);

    // ---- background ----
    /// Start-up recovery, then the poller every settings().poll_interval_seconds.
    void start();
    void stop();
    /// One poller pass (also start-up recovery); `done` when every request of the pass finished.
    void poll_once(Actor actor, std::function<void()> done = {});
    /// Retries postings held in suspense for a reason that may have been fixed (no mapping,
    /// closed folio, host storage failure).
    void retry_suspense();

    /// THE road of every order report (notification, refresh, poller by id and by paid date,
    /// start-up recovery, create answer, staff cancel): looks the link up, applies the report
    /// with LinkLifecycle (link_lifecycle.hpp), records the new state with its effects in one
    /// store batch, and starts the effect runner. Throws StoreError when nothing was recorded.
    /// `folios`: collect the changed folios there instead of pushing a view per report.
    /// receive() waits for the durable write (pms.store/1): only the reconciliation's page
    /// reader still does. Every other road (notification, create answer, staff cancel through
    /// commit_async; the pages of the poller and of a staff refresh through receive_page) goes
    /// through plan_receive without waiting.
    Transition receive(const OrderReport& report, std::set<std::string>* folios = nullptr);
    /// receive() up to the write: the link looked up and the report applied, nothing recorded.
    /// Throws StoreError when the store cannot be read.
    Transition plan_receive(const OrderReport& report);

    // ---- the effect outbox (architecture §8) ----
    /// Runs the pending effects of `owner` one after another, each removed from the outbox only
    /// after it completed. `done` (optional) gets the chain's last mail error ("" = none) when
    /// the owner has nothing left to run now.
    void run_effects(const std::string& owner, std::function<void(std::string)> done = {});
    /// Runs every owner's pending effects (start-up and each poller pass). `done` when every
    /// chain started now has ended.
    void replay_effects(std::function<void()> done = {});
    /// Records a transition (plus `extra` ops) in one batch, pushes views (or collects the
    /// folios in `folios`), and starts the effects of every owner it names.
    void commit(const Transition& t, std::vector<StoreOp> extra = {}, std::set<std::string>* folios = nullptr);
    /// commit() through pms.store/2 (issue 14): the strand is free while the batch is made
    /// durable (the host commits the batches waiting at that moment together). On completion
    /// `then` runs first (nullopt: durable; else why nothing was recorded), and only after it,
    /// when durable, the open views are pushed and the effects started: an effect never starts,
    /// and a notification is never answered, before its record is durable. A transition that
    /// changes nothing waits for the batches of ours still in flight (an empty batch), or is
    /// answered at once when there are none.
    void commit_async(Transition t, std::vector<StoreOp> extra, std::function<void(std::optional<std::string>)> then);
    /// A page of reports (poller, staff refresh) recorded without the strand waiting on the
    /// disk (issue 14): each report is planned on what is recorded or on its way (the store's
    /// reads see the batches in flight), its batch started at once, and the host's writer
    /// commits the page's batches together. `then` runs once every batch completed (in order,
    /// also while the service stops: check `alive`), with the transitions made durable; a
    /// report that could not be read or recorded makes `all_durable` false (the rest of the
    /// page still counts), and one that could not be read ends the page's planning.
    struct ReceivedPage {
        bool all_durable = true;
        std::vector<Transition> durable;
    };
    void receive_page(std::vector<OrderReport> reports, std::function<void(ReceivedPage)> then);
    /// receive_page() for a page of refund reports (the refund poll); false when the store could
    /// not be read, so the page's planning stopped (its reader stops too).
    bool receive_refund_page(std::vector<RefundReport> reports, std::function<void(ReceivedPage)> then);
    /// What follows durable transitions: one view update per folio (a link's or a refund's;
    /// collected in `folios` instead when given, for the caller to push), the suspense page's,
    /// and the effects of every owner they name (each chain joined to `join` when given).
    void follow_up(std::span<const Transition> done, const std::shared_ptr<Join>& join = nullptr,
                   std::set<std::string>* folios = nullptr);
    /// host().store_write_async, counted: while none is in flight, what the store reads is
    /// durable, and a report that changes nothing is answered without a trip to the writer.
    void write_async(std::vector<StoreOp> ops, std::function<void(std::optional<std::string>)> done);
    /// What LinkLifecycle needs besides the record: now, the property's UTC offset, the
    /// suspense entry of `suspense_order_id` ("" reads none), whether the merchantOrderId
    /// carries this installation's prefix.
    LifecycleContext context_for(const std::string& suspense_order_id, const std::string& merchant_order_id);

    /// The answer to a row action naming a link of another folio.
    static constexpr const char* foreign_link_message =
        "Эта ссылка относится к другому счёту: действие не выполнено. Откройте InvoiceBox из её счёта";

  private:
    /// The warning of a refused notification: "notification refused (<code>): <reason>".
    void log_refusal(protocol::NotificationReplyCode code, std::string_view reason);
    void refuse_foreign_link(const std::string& moid, const std::string& folio_id, const StaffUser& staff,
                             std::string_view action);
    std::shared_ptr<ApiClient> client_for(const std::string& merchant_id, const std::string& legal_entity_id);
    void finish_create(const std::string& moid, const ApiClient::CreateResult& result, Actor actor,
                       const std::string& who, std::function<void(CreateOutcome)> done);
    void effect_step(const std::string& owner);
    void effect_chain_end(const std::string& owner);
    void run_mail_effect(const Effect& e);
    /// Ends the owner's effect chain with `message` for staff: a mail step was not recorded.
    void mail_not_recorded(const std::string& owner, const char* message);
    /// Hands the guest's mail of `e` (marked attempted, durably) to the host and records the result.
    void send_guest_mail(const Effect& e, const LinkRecord& link);
    /// Raises or resolves a staff alert of the outbox; false when the host refused the raise
    /// (the effect then stays where it is, to be asked again).
    bool carry_out_alert(const Effect& alert);
    /// The staff alert of a link's mail that did not leave (`raise_alert`), or its resolution
    /// (`resolve_alert`) once a later mail did; takes the link's next effect number.
    Effect mail_alert_effect(LinkRecord& link, Effect::Kind kind) const;
    /// Records the host's answer to a post effect through commit_async (a link's posting, a
    /// suspense entry staff resolved, a refund); `next(recorded)` continues the chain from the
    /// batch's completion. Throws StoreError when the store cannot be read (`next` is then not
    /// called).
    void posting_done(const Effect& e, PostOutcome outcome, const PostingResult& result,
                      std::function<void(bool recorded)> next);
    /// Records InvoiceBox's answer to staff's refund `moid` (pms.store/2) and tells staff.
    void record_refund_answer(const protocol::Refund& refund, const std::string& moid, const StaffUser& staff,
                              std::function<void(RefundOutcome)> done);
    /// Sends a refund recorded as `creating` (durably) and records InvoiceBox's answer.
    void send_refund(const std::shared_ptr<ApiClient>& client, const protocol::CreateRefundRequest& req,
                     const std::string& moid, const StaffUser& staff, std::function<void(RefundOutcome)> done);
    /// Records a refund posting's outcome; `recorded` gets the batch's completion.
    void refund_posting_done(const Effect& e, PostOutcome outcome, const PostingResult& result,
                             std::function<void(std::optional<std::string>)> recorded);
    void finish_refund(const std::string& refund_moid, protocol::HttpOutcome outcome, const StaffUser& staff,
                       std::function<void(RefundOutcome)> done);
    void lookup_refund(const std::string& refund_moid, const StaffUser& staff, std::function<void(RefundOutcome)> done);
    /// Links recorded before the outbox existed: a pending posting without a post effect gets
    /// one; a pending mail without a mail effect is not sent again (at most once) but marked.
    /// The two pages' one mechanism: plans each of `count` reports (`plan(i)`: nullopt, not
    /// this PMS's; StoreError ends the planning), starts each changed one's batch at once and
    /// runs `then` once all completed. False when the planning ended early.
    bool record_page(std::size_t count, const std::function<std::optional<Transition>(std::size_t)>& plan,
                     std::function<void(ReceivedPage)> then);
    void adopt_legacy(const LinkRecord& link);
    void changed(const std::string& folio_id);
    void schedule_poll();
    int offset_at(std::int64_t ms) { return host_.utc_offset_minutes(ms); }
    protocol::CreateOrderRequest build_request(const LinkRecord& link, const protocol::Basket& basket,
                                               const ShopConfig& shop);

    HostPorts& host_;
    LinkRepository repo_;
    Settings settings_;
    /// The request limiters of the configured shops' accounts, held for as long as these
    /// settings are: the module keeps a limiter only while someone holds it, and a window whose
    /// last client had gone would start empty again (a burst after a pass could pass the limit).
    std::vector<std::shared_ptr<protocol::SharedRateLimiter>> limiters_;
    std::set<std::string> creating_;  ///< creates/recoveries in flight (by merchantOrderId)
    /// Refreshes in flight, by folio: everyone waiting for the running one's answer.
    std::map<std::string, std::vector<std::function<void(std::string)>>> refresh_waiters_;
    std::set<std::string> mailing_;   ///< mails in flight
    std::set<std::string> refunds_creating_; ///< refund creates in flight (by the refund's merchantOrderId)
    std::set<std::string> effects_running_; ///< outbox owners whose chain runs now
    std::map<std::string, std::vector<std::function<void(std::string)>>> effect_waiters_;
    std::map<std::string, std::string> effect_message_; ///< last mail error of a running chain
    bool polling_ = false;
    bool running_ = false;
    std::uint64_t poll_timer_ = 0;
    int poll_count_ = 0;
    std::size_t writes_in_flight_ = 0; ///< write_async batches started and not yet completed
    /// Signed bodies answered `success` once durable: a byte-identical delivery is answered
    /// again without being read (applied_notifications.hpp).
    AppliedNotifications applied_notifications_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

} // namespace invoicebox::plugin
