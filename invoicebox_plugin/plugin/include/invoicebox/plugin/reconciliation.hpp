// Reconciliation with InvoiceBox (issue 13): does every folio agree with InvoiceBox?
//
// For a period, every paid order and every completed refund of each configured shop is read
// from InvoiceBox (lists read to their end) and goes through the one road every report takes
// (LinkService::receive / receive_refund). So a payment or refund whose posting is missing is
// posted exactly as a late notification would post it — once, under the same idempotency key —
// or lands in the unposted list when it cannot be. Then the PMS side is read back: what was
// posted, what is held, and postings InvoiceBox does not show as paid in the period. The report
// keeps counts and sums per shop and every line it could not simply match, with the reason.
//
// It runs daily per installation (every shop, the previous 24 hours; the last run's time is
// durable, so a restart neither skips nor repeats a day) and on «Сверить с InvoiceBox» from the
// unposted-payments page. One run at a time: a second request while one runs gets its report.
// The last report is kept in the store (v1/reconciliation/last) for the page and CSV export.
#pragma once

#include <invoicebox/plugin/host_ports.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace invoicebox::plugin {

class LinkService;

/// A count and a sum of money (minor units).
struct ReconciliationTotal {
    int count = 0;
    std::int64_t minor = 0;
    void add(std::int64_t m) {
        ++count;
        minor += m;
    }
};

/// One line the reconciliation reports: what it did (posted now) or could not explain.
struct ReconciliationLine {
    enum class Kind : std::uint8_t {
        posted_now,         ///< paid at InvoiceBox, not posted in the PMS: posted by this run
        unposted,           ///< paid at InvoiceBox, held in the unposted list (reason given)
        unknown_order,      ///< paid at InvoiceBox, no link of this PMS (made elsewhere)
        not_paid_at_ib,     ///< posted in the PMS, not among InvoiceBox's paid orders
        refund_posted_now,  ///< refunded at InvoiceBox, not posted: posted by this run
        refund_unposted,    ///< refunded at InvoiceBox, held (reason given)
        refund_unknown,     ///< refunded at InvoiceBox, the paid order is not this PMS's
        refund_not_at_ib,   ///< a refund posted in the PMS that InvoiceBox does not list
    };
    Kind kind = Kind::unposted;
    std::string merchant_id;
    std::string invoicebox_id;     ///< the order's (or refund's) id at InvoiceBox
    std::string merchant_order_id; ///< its number
    std::string folio_number;      ///< "" when no folio is known
    std::int64_t invoicebox_minor = 0; ///< the amount InvoiceBox shows (0: none)
    std::int64_t pms_minor = 0;        ///< the amount the PMS posted (0: none)
    std::string reason;                ///< Russian
};
std::string_view to_string(ReconciliationLine::Kind k) noexcept;
/// The staff-facing label of a line kind (Russian).
std::string_view label_of(ReconciliationLine::Kind k) noexcept;

struct ReconciliationShop {
    std::string merchant_id;
    std::string label; ///< the shop's legal entity as staff know it, else its merchant id
    ReconciliationTotal paid_at_ib;     ///< paid orders InvoiceBox lists in the period
    ReconciliationTotal paid_posted;    ///< of them, posted in the PMS (before or by this run)
    ReconciliationTotal refunds_at_ib;  ///< completed refunds created in the period
    ReconciliationTotal refunds_posted; ///< of them, posted in the PMS
    int posted_now = 0;                 ///< payments and refunds this run posted
    std::string error; ///< Russian, when a list was not read to its end (the figures are partial)
};

struct ReconciliationReport {
    std::int64_t from_ms = 0; ///< the period, [from, to), UTC
    std::int64_t to_ms = 0;
    std::int64_t run_at_ms = 0;
    std::string who; ///< the staff member who asked, or "ежедневная сверка"
    std::vector<ReconciliationShop> shops;
    std::vector<ReconciliationLine> lines;

    /// Lines that need a person (everything but "posted now").
    std::size_t differences() const;
    bool complete() const;
};

std::string serialize(const ReconciliationReport& r);
std::optional<ReconciliationReport> parse_reconciliation_report(std::string_view json);
/// The report as CSV for a spreadsheet: UTF-8 with a BOM, `;` between fields (what Excel in a
/// Russian locale expects), RFC 4180 quoting, amounts with a decimal comma, times in the
/// property's zone (`offset_minutes`). One header block per shop, then one row per line.
std::string reconciliation_csv(const ReconciliationReport& r, int offset_minutes);

class Reconciler {
  public:
    Reconciler(LinkService& links, HostPorts& host);
    ~Reconciler();

    Reconciler(const Reconciler&) = delete;
    Reconciler& operator=(const Reconciler&) = delete;

    /// Reconciles [from_ms, to_ms) for every configured shop. `done` once, on the strand, with
    /// the report (also kept as the last one). While a run is going on, a new request waits for
    /// it and gets its report.
    void run(std::int64_t from_ms, std::int64_t to_ms, std::string who,
             std::function<void(const ReconciliationReport&)> done);
    bool running() const { return running_ != nullptr; }

    /// The last report kept in the store (nullopt: none yet, or unreadable).
    std::optional<ReconciliationReport> last_report();

    /// The daily run: the first one day after the last (or `first_delay` after start when none
    /// ran yet), then every day; each covers the day since the previous one's end. A report
    /// with differences raises one staff alert.
    void start(std::chrono::milliseconds first_delay = std::chrono::minutes(10));
    void stop();

    static constexpr std::int64_t day_ms = 24LL * 3600 * 1000;

  private:
    struct Run;
    void shop_done(const std::shared_ptr<Run>& run);
    /// Judges the lines whose posting was pending once their effects have run.
    void settle(const std::shared_ptr<Run>& run);
    void finish(const std::shared_ptr<Run>& run);
    void schedule(std::chrono::milliseconds delay);
    void daily();

    LinkService& links_;
    HostPorts& host_;
    std::shared_ptr<Run> running_;
    std::uint64_t timer_ = 0;
    bool started_ = false;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

} // namespace invoicebox::plugin
