// The reconciliation run (reconciliation.hpp): InvoiceBox's lists, the one road, then the PMS
// side read back and compared.
#include <invoicebox/plugin/reconciliation.hpp>

#include <invoicebox/plugin/api_client.hpp>
#include <invoicebox/plugin/formatting.hpp>
#include <invoicebox/plugin/link_service.hpp>
#include <invoicebox/plugin/settings.hpp>

#include "join.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

namespace invoicebox::plugin {

namespace pr = invoicebox::protocol;

namespace {

constexpr std::string_view k_last_report = "v1/reconciliation/last";
constexpr std::string_view k_last_daily = "v1/reconciliation/daily-until";

std::int64_t ms_of(const std::optional<pr::UtcTime>& t) {
    if (!t)
        return 0;
    return std::chrono::duration_cast<std::chrono::milliseconds>(t->time_since_epoch()).count();
}

pr::UtcTime time_of(std::int64_t ms) {
    return std::chrono::floor<std::chrono::seconds>(
        std::chrono::sys_time<std::chrono::milliseconds>(std::chrono::milliseconds(ms)));
}

bool in_period(std::int64_t at, std::int64_t from, std::int64_t to) { return at >= from && at < to; }

/// What the PMS posted (or posts) for a paid link: the paid amount once known.
std::int64_t posted_amount(const LinkRecord& link) {
    return link.paid_amount_minor != 0 ? link.paid_amount_minor : link.amount_minor;
}

ReconciliationLine line_of(ReconciliationLine::Kind kind, std::string merchant_id, std::string invoicebox_id,
                           std::string merchant_order_id, std::string folio_number, std::int64_t invoicebox_minor,
                           std::int64_t pms_minor, std::string reason) {
    ReconciliationLine l;
    l.kind = kind;
    l.merchant_id = std::move(merchant_id);
    l.invoicebox_id = std::move(invoicebox_id);
    l.merchant_order_id = std::move(merchant_order_id);
    l.folio_number = std::move(folio_number);
    l.invoicebox_minor = invoicebox_minor;
    l.pms_minor = pms_minor;
    l.reason = std::move(reason);
    return l;
}

enum class Verdict : std::uint8_t {
    none,  ///< posted before this run: nothing to report
    line,  ///< report the line as judged
    later, ///< the posting is still running: judge the line again once the effects have run
};

/// What the PMS did with one paid order (`refund` false) or refund InvoiceBox listed, from its
/// posting state now. `posted_before`: it was posted before this run. `held_reason`: why it is
/// held, when it is. `settling`: the effects have run (settle()), so a posting still pending is
/// one the host refused for now. Counts what is posted into `shop`.
Verdict judge(ReconciliationShop& shop, ReconciliationLine& line, bool refund, PostingState posting,
              bool posted_before, std::int64_t amount, const std::string& held_reason, bool settling) {
    using Kind = ReconciliationLine::Kind;
    switch (posting) {
    case PostingState::posted:
        (refund ? shop.refunds_posted : shop.paid_posted).add(amount);
        if (posted_before)
            return Verdict::none;
        line.kind = refund ? Kind::refund_posted_now : Kind::posted_now;
        line.pms_minor = refund ? -amount : amount;
        line.reason = refund ? "возврат не был проведён в PMS; проведён сверкой"
                             : "оплата не была проведена в PMS; проведена сверкой";
        ++shop.posted_now;
        return Verdict::line;
    case PostingState::pending:
        if (!settling)
            return Verdict::later;
        line.kind = refund ? Kind::refund_unposted : Kind::unposted;
        line.reason = "PMS не принял проводку сейчас; она повторится автоматически";
        return Verdict::line;
    case PostingState::suspense:
    case PostingState::none:
        break;
    }
    line.kind = refund ? Kind::refund_unposted : Kind::unposted;
    line.reason = !held_reason.empty() ? held_reason
                  : refund             ? "возврат не проведён в PMS"
                                       : "в списке неразнесённых";
    return Verdict::line;
}

} // namespace

/// One run: the report being filled, the shops still reading, and who waits for it.
struct Reconciler::Run {
    ReconciliationReport report;
    std::vector<std::function<void(const ReconciliationReport&)>> waiters;
    int shops_left = 0;
    /// InvoiceBox ids seen in the period, per shop: paid orders and completed refunds.
    std::map<std::string, std::set<std::string>> paid_ids, refund_ids;
    /// Shops whose lists were read to their end (only those are compared from the PMS side).
    std::set<std::string> read_to_end;
    /// Lines whose posting was pending when read: judged after the effects ran (settle()).
    struct Unsettled {
        std::size_t line;
        bool refund;
        std::string merchant;
    };
    std::vector<Unsettled> unsettled;

    ReconciliationShop& shop(const std::string& merchant) {
        return *std::find_if(report.shops.begin(), report.shops.end(),
                             [&](const ReconciliationShop& s) { return s.merchant_id == merchant; });
    }
};

Reconciler::Reconciler(LinkService& links, HostPorts& host) : links_(links), host_(host) {}

Reconciler::~Reconciler() {
    *alive_ = false;
    stop();
}

void Reconciler::run(std::int64_t from_ms, std::int64_t to_ms, std::string who,
                     std::function<void(const ReconciliationReport&)> done) {
    if (running_) {
        if (done)
            running_->waiters.push_back(std::move(done));
        return;
    }
    auto run = std::make_shared<Run>();
    running_ = run;
    if (done)
        run->waiters.push_back(std::move(done));
    run->report.from_ms = from_ms;
    run->report.to_ms = to_ms;
    run->report.run_at_ms = host_.now_utc_ms();
    run->report.who = std::move(who);

    const Settings& settings = links_.settings();
    std::vector<const ShopConfig*> shops;
    if (settings.shop.complete())
        shops.push_back(&settings.shop);
    for (const auto& o : settings.overrides)
        if (o.complete())
            shops.push_back(&o);
    std::map<std::string, std::string> entity_names;
    if (auto doc = host_.property_json())
        for (const auto& e : parse_property_entities(*doc))
            entity_names[e.id] = e.name;

    run->shops_left = static_cast<int>(shops.size()) + 1; // +1: released below, after every start
    auto alive = alive_;
    for (const ShopConfig* shop : shops) {
        ReconciliationShop s;
        s.merchant_id = shop->merchant_id;
        auto name = entity_names.find(shop->legal_entity_id);
        s.label = name != entity_names.end() ? name->second : shop->merchant_id;
        run->report.shops.push_back(std::move(s));
        const std::string merchant = shop->merchant_id;
        auto client = ApiClient::make(host_, *shop);

        // 1. Paid orders, by paid date within the period (ascending, id breaking ties, read to
        //    the end), each through the one road: a missing posting is posted now.
        pr::OrderFilter f;
        f.statuses = {"completed"};
        f.merchant_id = pr::MerchantId(merchant);
        f.paid_from = time_of(from_ms);
        f.paid_before = time_of(to_ms);
        f.sort = {pr::SortKey{"paidAt", false}, pr::SortKey{"id", false}};
        auto shop_error = std::make_shared<std::string>();
        client->find_all_orders(
            std::move(f),
            [this, alive, run, merchant](const std::vector<pr::Order>& items) {
                if (!*alive)
                    return false;
                std::set<std::string> folios;
                for (const auto& order : items) {
                    if (!order.status.is_paid())
                        continue;
                    run->paid_ids[merchant].insert(order.id.str());
                    auto& shop = run->shop(merchant);
                    const std::int64_t amount = order.amount.minor;
                    shop.paid_at_ib.add(amount);
                    ReconciliationLine line;
                    line.merchant_id = merchant;
                    line.invoicebox_id = order.id.str();
                    line.merchant_order_id = order.merchant_order_id.str();
                    line.invoicebox_minor = amount;
                    std::optional<LinkRecord> before;
                    try {
                        before = links_.repository().find(order.merchant_order_id.str());
                        if (!before)
                            before = links_.repository().find_by_order_id(order.id.str());
                        links_.receive(OrderReport{ReportSource::reconciliation, order, ""}, &folios);
                    } catch (const StoreError&) {
                        line.kind = ReconciliationLine::Kind::unposted;
                        line.reason = "не удалось записать в базу PMS; повторите сверку";
                        run->report.lines.push_back(std::move(line));
                        continue;
                    }
                    std::optional<LinkRecord> link;
                    try {
                        link = links_.repository().find(order.merchant_order_id.str());
                        if (!link)
                            link = links_.repository().find_by_order_id(order.id.str());
                    } catch (const StoreError&) {
                    }
                    if (!link) {
                        line.kind = ReconciliationLine::Kind::unknown_order;
                        line.reason = "в PMS нет такой платёжной ссылки (заказ создан не из PMS); платёж в списке "
                                      "неразнесённых";
                        run->report.lines.push_back(std::move(line));
                        continue;
                    }
                    line.folio_number = link->folio_number;
                    line.merchant_order_id = link->merchant_order_id;
                    const std::string held = link->posting == PostingState::none
                                                 ? "не проведено: " + (link->error_message.empty()
                                                                           ? "статус ссылки в PMS — " +
                                                                                 std::string(to_string(link->state))
                                                                           : link->error_message)
                                                 : link->suspense_reason;
                    const auto verdict = judge(shop, line, false, link->posting,
                                               before && before->posting == PostingState::posted,
                                               posted_amount(*link), held, false);
                    if (verdict == Verdict::later)
                        run->unsettled.push_back({run->report.lines.size(), false, merchant});
                    if (verdict != Verdict::none)
                        run->report.lines.push_back(std::move(line));
                }
                if (links_.on_folio_changed)
                    for (const auto& folio : folios)
                        links_.on_folio_changed(folio);
                return true;
            },
            [this, alive, run, merchant, client, shop_error, from_ms, to_ms](std::optional<pr::ApiError> e) {
                if (!*alive)
                    return;
                if (e)
                    *shop_error = "оплаченные заказы прочитаны не до конца: " + describe_for_staff(*e);
                // 2. Refunds: the whole list (it has no date filter), the completed ones created
                //    in the period through the refund road.
                pr::RefundFilter rf;
                rf.merchant_id = pr::MerchantId(merchant);
                client->find_all_refunds(
                    std::move(rf), pr::Currency::rub,
                    [this, alive, run, merchant, from_ms, to_ms](const std::vector<pr::Refund>& items) {
                        if (!*alive)
                            return false;
                        std::set<std::string> folios;
                        auto& shop = run->shop(merchant);
                        for (const auto& refund : items) {
                            if (refund.status.kind() != pr::RefundStatusKind::completed || !in_period(ms_of(refund.created_at), from_ms, to_ms))
                                continue;
                            run->refund_ids[merchant].insert(refund.id.str());
                            const std::int64_t amount = refund.amount.minor;
                            shop.refunds_at_ib.add(amount);
                            ReconciliationLine line;
                            line.merchant_id = merchant;
                            line.invoicebox_id = refund.id.str();
                            line.merchant_order_id = refund.merchant_order_id.str();
                            line.invoicebox_minor = amount;
                            std::optional<RefundRecord> before;
                            std::optional<RefundRecord> after;
                            try {
                                before = links_.repository().find_refund_by_id(refund.id.str());
                                links_.receive_refund(RefundReport{ReportSource::reconciliation, refund, ""}, &folios);
                                after = links_.repository().find_refund_by_id(refund.id.str());
                            } catch (const StoreError&) {
                                line.kind = ReconciliationLine::Kind::refund_unposted;
                                line.reason = "не удалось записать в базу PMS; повторите сверку";
                                run->report.lines.push_back(std::move(line));
                                continue;
                            }
                            if (!after) {
                                line.kind = ReconciliationLine::Kind::refund_unknown;
                                line.reason = "возврат по заказу " + refund.parent_id.str() +
                                              ", которого нет в PMS (заказ создан не из PMS)";
                                run->report.lines.push_back(std::move(line));
                                continue;
                            }
                            line.folio_number = after->folio_number;
                            const auto verdict = judge(shop, line, true, after->posting,
                                                       before && before->posting == PostingState::posted,
                                                       after->amount_minor, after->suspense_reason, false);
                            if (verdict == Verdict::later)
                                run->unsettled.push_back({run->report.lines.size(), true, merchant});
                            if (verdict != Verdict::none)
                                run->report.lines.push_back(std::move(line));
                        }
                        if (links_.on_folio_changed)
                            for (const auto& folio : folios)
                                links_.on_folio_changed(folio);
                        return true;
                    },
                    [this, alive, run, merchant, shop_error](std::optional<pr::ApiError> e) {
                        if (!*alive)
                            return;
                        if (e) {
                            if (!shop_error->empty())
                                *shop_error += "; ";
                            *shop_error += "возвраты прочитаны не до конца: " + describe_for_staff(*e);
                        }
                        auto& shop = run->shop(merchant);
                        shop.error = *shop_error;
                        if (shop_error->empty())
                            run->read_to_end.insert(merchant);
                        shop_done(run);
                    });
            });
    }
    shop_done(run); // the +1: a run with no shop (or whose reads all completed) finishes here
}

void Reconciler::shop_done(const std::shared_ptr<Run>& run) {
    if (--run->shops_left > 0)
        return;
    if (run->unsettled.empty()) {
        finish(run);
        return;
    }
    // Postings the run started (or found started) run through the outbox now: the report says
    // what became of them, not what was hoped. Every owner's chain is awaited; a posting the
    // host cannot do yet ends its chain (retried later) and is reported as not posted.
    auto join = std::make_shared<Join>();
    auto alive = alive_;
    join->done = [this, alive, run] {
        if (!*alive)
            return;
        settle(run);
        finish(run);
    };
    std::vector<std::string> owners;
    try {
        owners = links_.repository().effect_owners();
    } catch (const StoreError&) {
    }
    for (const auto& o : owners) {
        join->add();
        links_.run_effects(o, [join](std::string) { join->release(); });
    }
    join->release();
}

void Reconciler::settle(const std::shared_ptr<Run>& run) {
    for (const auto& u : run->unsettled) {
        auto& line = run->report.lines[u.line];
        auto& shop = run->shop(u.merchant);
        std::optional<PostingState> posting;
        std::string held_reason;
        std::int64_t amount = 0;
        try {
            if (u.refund) {
                if (auto r = links_.repository().find_refund(line.merchant_order_id)) {
                    posting = r->posting;
                    held_reason = r->suspense_reason;
                    amount = r->amount_minor;
                }
            } else if (auto l = links_.repository().find(line.merchant_order_id)) {
                posting = l->posting;
                held_reason = l->suspense_reason;
                amount = posted_amount(*l);
            }
        } catch (const StoreError&) {
        }
        judge(shop, line, u.refund, posting.value_or(PostingState::none), false, amount, held_reason, true);
    }
    run->unsettled.clear();
}

void Reconciler::finish(const std::shared_ptr<Run>& run) {
    auto& report = run->report;
    // 3. The PMS side, for the shops read to their end: postings of the period InvoiceBox does
    //    not list as paid (or refunded). A shop read only in part is not judged: its error says so.
    try {
        for (const auto& link : links_.repository().all_links()) {
            if (link.posting != PostingState::posted || !run->read_to_end.count(link.merchant_id) ||
                !in_period(link.paid_at_ms, report.from_ms, report.to_ms) ||
                run->paid_ids[link.merchant_id].count(link.order_id))
                continue;
            report.lines.push_back(line_of(ReconciliationLine::Kind::not_paid_at_ib, link.merchant_id, link.order_id,
                                           link.merchant_order_id, link.folio_number, 0, posted_amount(link),
                                           "проведено в PMS, но InvoiceBox не показывает этот заказ оплаченным за период"));
        }
        for (const auto& refund : links_.repository().all_refunds()) {
            if (refund.posting != PostingState::posted || !run->read_to_end.count(refund.merchant_id) ||
                !in_period(refund.created_at_ms, report.from_ms, report.to_ms) ||
                run->refund_ids[refund.merchant_id].count(refund.refund_id))
                continue;
            report.lines.push_back(line_of(ReconciliationLine::Kind::refund_not_at_ib, refund.merchant_id,
                                           refund.refund_id, refund.merchant_order_id, refund.folio_number, 0,
                                           -refund.amount_minor,
                                           "возврат проведён в PMS, но InvoiceBox не показывает его выполненным за период"));
        }
    } catch (const StoreError&) {
        for (auto& shop : report.shops)
            if (shop.error.empty())
                shop.error = "записи PMS не удалось прочитать: сверка со стороны PMS не выполнена";
    }
    // Kept off the strand (pms.store/2): the page shows the report it is handed below, and the
    // kept copy serves the next opening of the page.
    host_.store_write_async({StoreOp{StoreOp::Kind::put, std::string(k_last_report), serialize(report)}},
                            [this, alive = alive_](std::optional<std::string> error) {
                                if (error && *alive)
                                    host_.log(LogLevel::error, "reconciliation: the report could not be kept");
                            });
    host_.log(LogLevel::info, "reconciliation: " + std::to_string(report.lines.size()) + " lines, " +
                                  std::to_string(report.differences()) + " differences");
    running_.reset();
    auto waiters = std::move(run->waiters);
    for (auto& w : waiters)
        w(report);
}

std::optional<ReconciliationReport> Reconciler::last_report() {
    try {
        if (auto v = host_.store_get(k_last_report))
            return parse_reconciliation_report(*v);
    } catch (const StoreError&) {
    }
    return std::nullopt;
}

void Reconciler::start(std::chrono::milliseconds first_delay) {
    started_ = true;
    std::int64_t until = 0;
    try {
        if (auto v = host_.store_get(k_last_daily))
            until = static_cast<std::int64_t>(std::stoll(*v));
    } catch (const std::exception&) {
        until = 0;
    }
    const std::int64_t now = host_.now_utc_ms();
    if (until == 0) {
        schedule(first_delay);
        return;
    }
    const std::int64_t due = until + day_ms;
    schedule(std::chrono::milliseconds(std::max<std::int64_t>(first_delay.count(), due - now)));
}

void Reconciler::stop() {
    started_ = false;
    if (timer_ != 0)
        host_.cancel_timer(timer_);
    timer_ = 0;
}

void Reconciler::schedule(std::chrono::milliseconds delay) {
    if (!started_)
        return;
    auto alive = alive_;
    timer_ = host_.start_timer(delay, [this, alive](bool cancelled) {
        if (cancelled || !*alive)
            return;
        timer_ = 0;
        daily();
    });
}

void Reconciler::daily() {
    if (!started_ || !links_.settings().configured()) {
        schedule(std::chrono::milliseconds(day_ms));
        return;
    }
    const std::int64_t now = host_.now_utc_ms();
    std::int64_t from = now - day_ms;
    try {
        if (auto v = host_.store_get(k_last_daily))
            from = std::min<std::int64_t>(std::stoll(*v), now); // from the previous day's end: no gap
    } catch (const std::exception&) {
    }
    // Longer than 7 days back (the plugin was off for weeks) is for a person with a period.
    from = std::max(from, now - 7 * day_ms);
    auto alive = alive_;
    run(from, now, "ежедневная сверка", [this, alive, now](const ReconciliationReport& r) {
        if (!*alive)
            return;
        // Not kept: the next start runs the day again, which a reconciliation may (it changes
        // only what is missing).
        host_.store_write_async({StoreOp{StoreOp::Kind::put, std::string(k_last_daily), std::to_string(now)}},
                                [this, alive](std::optional<std::string> error) {
                                    if (error && *alive)
                                        host_.log(LogLevel::error, "reconciliation: the daily cursor could not be kept");
                                });
        const std::size_t differences = r.differences();
        if (differences > 0 || !r.complete()) {
            StaffAlert a;
            a.level = StaffAlert::Level::warning;
            a.dedupe_key = "reconciliation:" + std::to_string(now);
            a.title = "Сверка с InvoiceBox: есть расхождения";
            a.body = !r.complete() ? "Сверка выполнена не полностью: InvoiceBox ответил не на все запросы. "
                                     "Откройте «Неразнесённые оплаты» → «Сверка с InvoiceBox»"
                                   : "Расхождений: " + std::to_string(differences) +
                                         ". Откройте «Неразнесённые оплаты» → «Сверка с InvoiceBox»";
            // Not taken: the report itself shows the differences; the next day's run alerts again.
            (void)host_.raise_alert(a);
        }
        schedule(std::chrono::milliseconds(day_ms));
    });
}

} // namespace invoicebox::plugin
