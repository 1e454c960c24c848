// LinkLifecycle (link_lifecycle.hpp) as tables: every (link state × order report) pair, applied
// from every road (notification, refresh, poller by id and by paid date, recovery, create
// answer, staff cancel), must give the same reply, the same new state and the same effects;
// applying the same report again must change nothing; and every (posting state × host outcome)
// pair of apply_posting. Pure: no host, no store, no clock.
#include <invoicebox/plugin/link_lifecycle.hpp>
#include <invoicebox/plugin/settings.hpp>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <string>
#include <vector>

using namespace invoicebox::plugin;
namespace pr = invoicebox::protocol;
using Code = pr::NotificationReplyCode;

namespace {

constexpr std::int64_t now = 1747047780000; // 2025-05-12T11:03:00Z
constexpr std::int64_t amount = 1'000'000;  // 10 000,00 ₽

const char* const moid = "ABC234-F-1-1";

enum class St { none, creating, failed, created, expired, canceled, pending, posted, held_amount, held_folio };
enum class Rep { created, paid, paid_wrong_amount, paid_wrong_currency, expired, canceled, other_paid };

std::string name(St s) {
    const char* n[] = {"no link", "creating", "failed", "created", "expired", "canceled", "pending", "posted",
                       "held for amount", "held for closed folio"};
    return n[static_cast<int>(s)];
}
std::string name(Rep r) {
    const char* n[] = {"created", "paid", "paid wrong amount", "paid wrong currency", "expired", "canceled",
                       "other order paid"};
    return n[static_cast<int>(r)];
}

LinkRecord link_in(St s) {
    LinkRecord l;
    l.merchant_order_id = moid;
    l.folio_id = "F-1";
    l.folio_number = "30682277";
    l.amount_minor = amount;
    l.currency = "RUB";
    l.created_at_ms = now - 3600'000;
    switch (s) {
    case St::none:
    case St::creating: break;
    case St::failed:
        l.state = LinkState::failed;
        l.error_message = "отклонено";
        break;
    default:
        l.state = LinkState::open;
        l.order_id = "ord-1";
        l.payment_url = "https://pay.test/ord-1";
        l.ib_status = s == St::expired ? "expired" : s == St::canceled ? "canceled" : s == St::created ? "created" : "completed";
    }
    if (s == St::pending || s == St::posted || s == St::held_amount || s == St::held_folio) {
        l.paid_amount_minor = amount;
        l.paid_at_ms = now - 60'000;
    }
    if (s == St::pending)
        l.posting = PostingState::pending;
    if (s == St::posted) {
        l.posting = PostingState::posted;
        l.posting_id = "P-1";
    }
    if (s == St::held_amount) {
        l.posting = PostingState::suspense;
        l.paid_amount_minor = amount + 100;
        l.suspense_reason = "сумма оплаты 10\u00A0001,00\u00A0₽ не совпадает с суммой ссылки 10\u00A0000,00\u00A0₽";
    }
    if (s == St::held_folio) {
        l.posting = PostingState::suspense;
        l.suspense_reason = "счёт 30682277 закрыт";
    }
    return l;
}

/// The suspense entry the caller would read for the order of `r` (only held links have one).
std::optional<SuspenseRecord> entry_for(St s, const pr::Order& o) {
    if ((s != St::held_amount && s != St::held_folio) || o.id.str() != "ord-1")
        return std::nullopt;
    SuspenseRecord e;
    e.order_id = "ord-1";
    e.merchant_order_id = moid;
    e.folio_id = "F-1";
    e.amount_minor = s == St::held_amount ? amount + 100 : amount;
    e.reason_code = s == St::held_amount ? "amount_mismatch" : "folio_closed";
    e.reason = link_in(s).suspense_reason;
    e.received_at_ms = now - 60'000;
    return e;
}

pr::Order order_for(Rep r) {
    pr::Order o;
    o.id = pr::OrderId(r == Rep::other_paid ? "ord-2" : "ord-1");
    o.merchant_order_id = pr::MerchantOrderId(moid);
    o.amount = pr::Money::of(r == Rep::paid_wrong_amount ? amount + 100 : amount,
                             r == Rep::paid_wrong_currency ? pr::Currency::usd : pr::Currency::rub);
    const char* status = r == Rep::created ? "created" : r == Rep::expired ? "expired" : r == Rep::canceled ? "canceled" : "completed";
    o.status = pr::OrderStatus(status);
    if (o.status.is_paid())
        o.paid_at = std::chrono::floor<std::chrono::seconds>(
            std::chrono::sys_time<std::chrono::milliseconds>(std::chrono::milliseconds(now - 30'000)));
    o.payment_url = "https://pay.test/" + o.id.str();
    return o;
}

/// Effects as a short string, e.g. "post", "resolve,post", "alert".
std::string kinds(const Transition& t) {
    std::string out;
    for (const auto& e : t.effects) {
        if (!out.empty())
            out += ",";
        out += e.kind == Effect::Kind::post_payment    ? "post"
               : e.kind == Effect::Kind::raise_alert   ? "alert"
               : e.kind == Effect::Kind::resolve_alert ? "resolve"
                                                       : "mail";
    }
    return out;
}

struct Expect {
    St state;
    Rep report;
    Code reply;
    const char* posting;    ///< the link's posting state after ("" = the link is not changed)
    const char* ib_status;  ///< InvoiceBox status after ("" = not checked / unchanged)
    const char* effects;    ///< kinds()
    const char* suspense;   ///< reason code of the suspense entry written ("" = none)
};

// clang-format off
const std::vector<Expect> table = {
    // A link recorded before the create answer (and one InvoiceBox refused): the first order
    // under its merchantOrderId is adopted when its amount matches, never otherwise.
    {St::creating, Rep::created,             Code::success,            "none",     "created",   "",              ""},
    {St::creating, Rep::paid,                Code::success,            "pending",  "completed", "post",          ""},
    {St::creating, Rep::paid_wrong_amount,   Code::order_wrong_amount, "",         "",          "alert",         "amount_mismatch"},
    {St::creating, Rep::paid_wrong_currency, Code::order_wrong_amount, "",         "",          "alert",         "currency_mismatch"},
    {St::creating, Rep::expired,             Code::success,            "none",     "expired",   "alert",         ""},
    {St::creating, Rep::canceled,            Code::success,            "none",     "canceled",  "",              ""},
    {St::creating, Rep::other_paid,          Code::success,            "pending",  "completed", "post",          ""},
    {St::failed,   Rep::created,             Code::success,            "none",     "created",   "",              ""},
    {St::failed,   Rep::paid,                Code::success,            "pending",  "completed", "post",          ""},
    {St::failed,   Rep::paid_wrong_amount,   Code::order_wrong_amount, "",         "",          "alert",         "amount_mismatch"},
    {St::failed,   Rep::paid_wrong_currency, Code::order_wrong_amount, "",         "",          "alert",         "currency_mismatch"},
    {St::failed,   Rep::expired,             Code::success,            "none",     "expired",   "alert",         ""},
    {St::failed,   Rep::canceled,            Code::success,            "none",     "canceled",  "",              ""},
    {St::failed,   Rep::other_paid,          Code::success,            "pending",  "completed", "post",          ""},
    // Open links: paid posts, a wrong amount or currency is held (suspense «сумма»/«валюта»).
    {St::created,  Rep::created,             Code::success,            "",         "",          "",              ""},
    {St::created,  Rep::paid,                Code::success,            "pending",  "completed", "post",          ""},
    {St::created,  Rep::paid_wrong_amount,   Code::order_wrong_amount, "suspense", "completed", "alert",         "amount_mismatch"},
    {St::created,  Rep::paid_wrong_currency, Code::order_wrong_amount, "suspense", "completed", "alert",         "currency_mismatch"},
    {St::created,  Rep::expired,             Code::success,            "none",     "expired",   "alert",         ""},
    {St::created,  Rep::canceled,            Code::success,            "none",     "canceled",  "",              ""},
    {St::created,  Rep::other_paid,          Code::order_already_paid, "",         "",          "alert",         "other_order"},
    // Late payment of an expired or canceled link still posts.
    {St::expired,  Rep::created,             Code::success,            "none",     "created",   "",              ""},
    {St::expired,  Rep::paid,                Code::success,            "pending",  "completed", "post",          ""},
    {St::expired,  Rep::paid_wrong_amount,   Code::order_wrong_amount, "suspense", "completed", "alert",         "amount_mismatch"},
    {St::expired,  Rep::paid_wrong_currency, Code::order_wrong_amount, "suspense", "completed", "alert",         "currency_mismatch"},
    {St::expired,  Rep::expired,             Code::success,            "",         "",          "",              ""},
    {St::expired,  Rep::canceled,            Code::success,            "none",     "canceled",  "",              ""},
    {St::expired,  Rep::other_paid,          Code::order_already_paid, "",         "",          "alert",         "other_order"},
    {St::canceled, Rep::created,             Code::success,            "none",     "created",   "",              ""},
    {St::canceled, Rep::paid,                Code::success,            "pending",  "completed", "post",          ""},
    {St::canceled, Rep::paid_wrong_amount,   Code::order_wrong_amount, "suspense", "completed", "alert",         "amount_mismatch"},
    {St::canceled, Rep::paid_wrong_currency, Code::order_wrong_amount, "suspense", "completed", "alert",         "currency_mismatch"},
    {St::canceled, Rep::expired,             Code::success,            "none",     "expired",   "alert",         ""},
    {St::canceled, Rep::canceled,            Code::success,            "",         "",          "",              ""},
    {St::canceled, Rep::other_paid,          Code::order_already_paid, "",         "",          "alert",         "other_order"},
    // Paid links never go back, and a duplicate never posts twice.
    {St::pending,  Rep::created,             Code::success,            "",         "",          "",              ""},
    {St::pending,  Rep::paid,                Code::success,            "",         "",          "",              ""},
    {St::pending,  Rep::paid_wrong_amount,   Code::order_wrong_amount, "",         "",          "",              ""},
    {St::pending,  Rep::paid_wrong_currency, Code::order_wrong_amount, "",         "",          "",              ""},
    {St::pending,  Rep::expired,             Code::success,            "",         "",          "",              ""},
    {St::pending,  Rep::canceled,            Code::success,            "",         "",          "",              ""},
    {St::pending,  Rep::other_paid,          Code::order_already_paid, "",         "",          "alert",         "other_order"},
    {St::posted,   Rep::created,             Code::success,            "",         "",          "",              ""},
    {St::posted,   Rep::paid,                Code::success,            "",         "",          "",              ""},
    {St::posted,   Rep::paid_wrong_amount,   Code::order_wrong_amount, "",         "",          "",              ""},
    {St::posted,   Rep::paid_wrong_currency, Code::order_wrong_amount, "",         "",          "",              ""},
    {St::posted,   Rep::expired,             Code::success,            "",         "",          "",              ""},
    {St::posted,   Rep::canceled,            Code::success,            "",         "",          "",              ""},
    {St::posted,   Rep::other_paid,          Code::order_already_paid, "",         "",          "alert",         "other_order"},
    // Held for a wrong amount: the right amount later posts it and closes the entry.
    {St::held_amount, Rep::created,             Code::success,            "",        "",          "",             ""},
    {St::held_amount, Rep::paid,                Code::success,            "pending", "completed", "resolve,post", "amount_mismatch"},
    {St::held_amount, Rep::paid_wrong_amount,   Code::order_wrong_amount, "",        "",          "",             ""},
    {St::held_amount, Rep::paid_wrong_currency, Code::order_wrong_amount, "",        "",          "",             ""},
    {St::held_amount, Rep::expired,             Code::success,            "",        "",          "",             ""},
    {St::held_amount, Rep::canceled,            Code::success,            "",        "",          "",             ""},
    {St::held_amount, Rep::other_paid,          Code::order_already_paid, "",        "",          "alert",        "other_order"},
    // Held for a closed folio: reports change nothing (retry_posting or staff resolve it).
    {St::held_folio,  Rep::created,             Code::success,            "",        "",          "",             ""},
    {St::held_folio,  Rep::paid,                Code::success,            "",        "",          "",             ""},
    {St::held_folio,  Rep::paid_wrong_amount,   Code::order_wrong_amount, "",        "",          "",             ""},
    {St::held_folio,  Rep::paid_wrong_currency, Code::order_wrong_amount, "",        "",          "",             ""},
    {St::held_folio,  Rep::expired,             Code::success,            "",        "",          "",             ""},
    {St::held_folio,  Rep::canceled,            Code::success,            "",        "",          "",             ""},
    {St::held_folio,  Rep::other_paid,          Code::order_already_paid, "",        "",          "alert",        "other_order"},
    // No link: a payment goes to suspense (from the poller only when the order is ours: below).
    {St::none, Rep::created,             Code::order_not_found, "", "", "",      ""},
    {St::none, Rep::paid,                Code::order_not_found, "", "", "alert", "unknown_order"},
    {St::none, Rep::paid_wrong_amount,   Code::order_not_found, "", "", "alert", "unknown_order"},
    {St::none, Rep::paid_wrong_currency, Code::order_not_found, "", "", "alert", "unknown_order"},
    {St::none, Rep::expired,             Code::order_not_found, "", "", "",      ""},
    {St::none, Rep::canceled,            Code::order_not_found, "", "", "",      ""},
    {St::none, Rep::other_paid,          Code::order_not_found, "", "", "alert", "unknown_order"},
};
// clang-format on

const ReportSource all_sources[] = {ReportSource::notification, ReportSource::refresh,      ReportSource::poll_by_id,
                                    ReportSource::poll_by_paid, ReportSource::recovery,     ReportSource::create_answer,
                                    ReportSource::staff_cancel};

std::string posting_name(const LinkRecord& l) { return std::string(to_string(l.posting)); }

} // namespace

BOOST_AUTO_TEST_SUITE(lifecycle)

BOOST_AUTO_TEST_CASE(the_table_covers_every_state_and_report) {
    BOOST_TEST(table.size() == 10u * 7u);
    for (int s = 0; s < 10; ++s)
        for (int r = 0; r < 7; ++r) {
            int n = 0;
            for (const auto& e : table)
                n += e.state == static_cast<St>(s) && e.report == static_cast<Rep>(r);
            BOOST_TEST(n == 1, name(static_cast<St>(s)) << " × " << name(static_cast<Rep>(r)));
        }
}

BOOST_AUTO_TEST_CASE(every_state_and_report_from_every_road) {
    for (const auto& row : table) {
        for (const auto source : all_sources) {
            for (const bool ours : {false, true}) {
                const std::string ctx_name = name(row.state) + " × " + name(row.report) + " via " +
                                             std::string(to_string(source)) + (ours ? " (ours)" : "");
                BOOST_TEST_CONTEXT(ctx_name) {
                    std::optional<LinkRecord> link;
                    if (row.state != St::none)
                        link = link_in(row.state);
                    const auto order = order_for(row.report);
                    LifecycleContext ctx;
                    ctx.now_ms = now;
                    ctx.utc_offset_minutes = 180;
                    ctx.suspense = entry_for(row.state, order);
                    ctx.order_is_ours = ours;
                    const OrderReport rep{source, order, source == ReportSource::staff_cancel ? "Анна (u-1)" : ""};
                    const auto t = apply_report(link, rep, ctx);
                    BOOST_TEST(int(t.reply) == int(row.reply));

                    // The one difference between roads: an unknown order is recorded from a
                    // notification, or from any road when its merchantOrderId is ours.
                    const bool unknown_recorded = source == ReportSource::notification || ours;
                    std::string effects = row.effects;
                    std::string suspense = row.suspense;
                    if (row.state == St::none && !unknown_recorded) {
                        effects.clear();
                        suspense.clear();
                    }
                    BOOST_TEST(kinds(t) == effects);
                    BOOST_TEST((t.suspense ? t.suspense->reason_code : std::string()) == suspense);
                    if (std::string(row.posting).empty()) {
                        // A staff cancel always writes its audit line; nothing else may change.
                        if (t.link) {
                            BOOST_TEST((source == ReportSource::staff_cancel));
                            BOOST_TEST(posting_name(*t.link) == posting_name(*link));
                            BOOST_TEST(t.link->ib_status == link->ib_status);
                        }
                    } else {
                        BOOST_REQUIRE(t.link);
                        BOOST_TEST(posting_name(*t.link) == row.posting);
                        if (std::string(row.ib_status).size())
                            BOOST_TEST(t.link->ib_status == row.ib_status);
                        BOOST_TEST(int(t.link->state) == int(LinkState::open));
                        BOOST_TEST(t.link->order_id == order.id.str());
                        BOOST_TEST(t.link->effect_seq == link->effect_seq + static_cast<std::int64_t>(
                                                             std::count_if(t.effects.begin(), t.effects.end(),
                                                                           [](const Effect& e) { return e.owner == moid; })));
                        BOOST_TEST(!t.audit.empty()); // every change is in the trail
                    }
                    // Effects: owned by the link, or by the suspense entry when there is no link
                    // to carry them; payments are keyed on the order id.
                    for (const auto& e : t.effects) {
                        if (e.kind == Effect::Kind::post_payment) {
                            BOOST_TEST(e.owner == moid);
                            BOOST_TEST(e.posting.idempotency_key == payment_idempotency_key(order.id.str()));
                            BOOST_TEST(e.posting.amount_minor == amount);
                            BOOST_TEST(e.posting.folio_id == "F-1");
                        }
                        if (e.kind == Effect::Kind::raise_alert && t.suspense)
                            BOOST_TEST(e.alert.dedupe_key == "suspense:" + order.id.str());
                    }

                    // The same report again, over what was recorded: nothing new (idempotent).
                    if (source != ReportSource::staff_cancel) {
                        std::optional<LinkRecord> after = t.link ? t.link : link;
                        LifecycleContext ctx2 = ctx;
                        if (t.suspense)
                            ctx2.suspense = t.suspense;
                        const auto again = apply_report(after, rep, ctx2);
                        BOOST_TEST(kinds(again) == "");
                        BOOST_TEST(!again.link.has_value());
                        BOOST_TEST(!again.suspense.has_value());
                        BOOST_TEST(int(again.reply) == int(row.reply));
                    }
                }
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(the_mail_is_queued_once_when_the_order_becomes_known) {
    auto l = link_in(St::creating);
    l.send_mail = true;
    l.guest_email = "ivan@example.org";
    LifecycleContext ctx;
    ctx.now_ms = now;
    const auto t = apply_report(l, {ReportSource::create_answer, order_for(Rep::created), "Анна (u-1)"}, ctx);
    BOOST_TEST(kinds(t) == "mail");
    BOOST_REQUIRE(t.link);
    BOOST_TEST(int(t.link->mail) == int(MailState::pending));
    BOOST_TEST(t.effects[0].who == "Анна (u-1)");
    const auto again = apply_report(t.link, {ReportSource::recovery, order_for(Rep::created), ""}, ctx);
    BOOST_TEST(kinds(again) == "");
    // Paid before the answer was recorded: no mail asking for money already paid.
    const auto paid = apply_report(l, {ReportSource::recovery, order_for(Rep::paid), ""}, ctx);
    BOOST_TEST(kinds(paid) == "post");
}

BOOST_AUTO_TEST_CASE(a_staff_decision_is_never_reopened_by_a_later_report) {
    LifecycleContext ctx;
    ctx.now_ms = now;
    SuspenseRecord closed;
    closed.order_id = "ord-1";
    closed.reason_code = "unknown_order";
    closed.resolved = true;
    closed.resolution = "closed";
    ctx.suspense = closed;
    const auto t = apply_report(std::nullopt, {ReportSource::notification, order_for(Rep::paid), ""}, ctx);
    BOOST_TEST(int(t.reply) == int(Code::order_not_found));
    BOOST_TEST(!t.changes_anything());
}

BOOST_AUTO_TEST_CASE(an_unpaid_report_never_depends_on_the_suspense_entry) {
    // The service skips reading the suspense entry when report_reads_suspense() says no (the
    // poller's reports of open links, issue 14): for every link state, road and unpaid report,
    // any entry — open, resolved by staff, of another reason — must give exactly the transition
    // that no entry gives.
    std::vector<std::optional<SuspenseRecord>> entries{std::nullopt,
                                                       entry_for(St::held_amount, order_for(Rep::paid)),
                                                       entry_for(St::held_folio, order_for(Rep::paid))};
    SuspenseRecord decided = *entry_for(St::held_amount, order_for(Rep::paid));
    decided.resolved = true;
    decided.resolution = "closed";
    entries.push_back(decided);
    for (int s = 0; s < 10; ++s)
        for (const Rep r : {Rep::created, Rep::expired, Rep::canceled})
            for (const auto source : all_sources) {
                const St st = static_cast<St>(s);
                std::optional<LinkRecord> link;
                if (st != St::none)
                    link = link_in(st);
                const OrderReport rep{source, order_for(r), ""};
                BOOST_TEST(!report_reads_suspense(rep));
                LifecycleContext bare;
                bare.now_ms = now;
                const auto expected = apply_report(link, rep, bare);
                for (const auto& entry : entries) {
                    BOOST_TEST_CONTEXT(name(st) << " × " << name(r) << " via " << to_string(source) << ", entry "
                                                << (entry ? entry->reason_code : std::string("none"))) {
                        LifecycleContext ctx = bare;
                        ctx.suspense = entry;
                        const auto t = apply_report(link, rep, ctx);
                        BOOST_TEST(int(t.reply) == int(expected.reply));
                        BOOST_TEST(kinds(t) == kinds(expected));
                        BOOST_TEST(!t.suspense.has_value());
                        BOOST_TEST(t.link.has_value() == expected.link.has_value());
                        if (t.link && expected.link)
                            BOOST_TEST(serialize(*t.link) == serialize(*expected.link));
                    }
                }
            }
    // A paid report is the one that reads it (held, released, or left to staff's decision).
    BOOST_TEST(report_reads_suspense(OrderReport{ReportSource::poll_by_id, order_for(Rep::paid), ""}));
}

BOOST_AUTO_TEST_CASE(a_report_the_open_entry_calls_unchanged_changes_nothing) {
    // The poller skips reading a link when report_changes_nothing(entry, report) (issue 14). For
    // every link state (also: wanting its mail, without a payment URL, another merchantOrderId),
    // report and road where it says so, apply_report must indeed change nothing; and it must say
    // so for the common case, or the skip would never happen.
    int skipped = 0;
    for (int s = 1; s < 10; ++s)
        for (int r = 0; r < 7; ++r)
            for (const auto source : all_sources)
                for (int variant = 0; variant < 4; ++variant) {
                    LinkRecord link = link_in(static_cast<St>(s));
                    if (variant == 1) {
                        link.send_mail = true;
                        link.guest_email = "guest@example.com";
                    }
                    if (variant == 2)
                        link.payment_url.clear();
                    if (variant == 3)
                        link.merchant_order_id = "ABC234-F-1-2";
                    const OrderReport rep{source, order_for(static_cast<Rep>(r)), ""};
                    if (!report_changes_nothing(open_entry_of(link), rep.source, pr::glance_of(rep.order)))
                        continue;
                    ++skipped;
                    BOOST_TEST_CONTEXT(name(static_cast<St>(s)) << " × " << name(static_cast<Rep>(r)) << " via "
                                                                << to_string(source) << ", variant " << variant) {
                        LifecycleContext ctx;
                        ctx.now_ms = now;
                        ctx.suspense = entry_for(static_cast<St>(s), rep.order);
                        const auto t = apply_report(link, rep, ctx);
                        BOOST_TEST(!t.changes_anything());
                        BOOST_TEST(int(t.reply) == int(Code::success));
                    }
                }
    BOOST_TEST(skipped > 0);
    const auto created = order_for(Rep::created);
    const auto by_id = ReportSource::poll_by_id;
    BOOST_TEST(report_changes_nothing(open_entry_of(link_in(St::created)), by_id, pr::glance_of(created)));
    auto wants_mail = link_in(St::created);
    wants_mail.send_mail = true;
    wants_mail.guest_email = "guest@example.com";
    BOOST_TEST(!report_changes_nothing(open_entry_of(wants_mail), by_id, pr::glance_of(created)));
    BOOST_TEST(!report_changes_nothing(open_entry_of(link_in(St::created)), by_id, pr::glance_of(order_for(Rep::expired))));
}

BOOST_AUTO_TEST_CASE(a_report_from_another_shop_never_settles_the_link) {
    // The link was made in shop A; a report of its order number speaks for shop B. B's seller got
    // the money: it is held for staff, and the link stays as it was (not paid, not adopted).
    LifecycleContext ctx;
    ctx.now_ms = now;
    for (St s : {St::creating, St::created, St::pending}) {
        auto l = link_in(s);
        l.merchant_id = "shop-a";
        auto o = order_for(Rep::paid);
        o.merchant_id = pr::MerchantId("shop-b");
        const auto t = apply_report(l, {ReportSource::notification, o, ""}, ctx);
        BOOST_TEST_INFO("link " << name(s));
        BOOST_TEST(int(t.reply) == int(Code::order_not_found));
        BOOST_TEST(!t.link);
        BOOST_REQUIRE(t.suspense);
        BOOST_TEST(t.suspense->reason_code == "other_shop");
        BOOST_TEST(kinds(t) == "alert");
        // The same report from the link's own shop settles it as usual.
        o.merchant_id = pr::MerchantId("shop-a");
        const auto own = apply_report(l, {ReportSource::notification, o, ""}, ctx);
        BOOST_TEST(int(own.reply) == int(Code::success));
        BOOST_TEST((own.suspense ? own.suspense->reason_code : std::string()) != "other_shop");
    }
}

struct PostRow {
    PostOutcome outcome;
    const char* posting;  ///< after ("" = unchanged)
    const char* effects;
    const char* suspense; ///< reason code written
};

BOOST_AUTO_TEST_CASE(every_posting_outcome) {
    // clang-format off
    const std::vector<PostRow> rows = {
        {PostOutcome::posted,            "posted",   "alert",         ""},
        {PostOutcome::repeat,            "posted",   "alert",         ""},
        {PostOutcome::folio_missing,     "suspense", "alert",         "folio_not_found"},
        {PostOutcome::folio_closed,      "suspense", "alert",         "folio_closed"},
        {PostOutcome::no_mapping,        "suspense", "alert",         "no_mapping"},
        {PostOutcome::currency_mismatch, "suspense", "alert",         "currency_mismatch"},
        {PostOutcome::conflict,          "suspense", "alert",         "posting_conflict"},
        {PostOutcome::rejected,          "suspense", "alert",         "posting_refused"},
        {PostOutcome::failed,            "",         "",              ""},
    };
    // clang-format on
    LifecycleContext ctx;
    ctx.now_ms = now;
    for (const auto& row : rows) {
        for (int s = 1; s < 10; ++s) {
            const auto state = static_cast<St>(s);
            BOOST_TEST_CONTEXT(to_string(row.outcome) << " on " << name(state)) {
                PostingResult res;
                res.posting_id = "P-7";
                const auto t = apply_posting(link_in(state), row.outcome, res, ctx);
                if (state != St::pending) {
                    // Only a pending posting takes an outcome (a stale answer changes nothing).
                    BOOST_TEST(!t.changes_anything());
                    continue;
                }
                BOOST_TEST(kinds(t) == row.effects);
                BOOST_TEST((t.suspense ? t.suspense->reason_code : std::string()) == row.suspense);
                if (std::string(row.posting).empty()) {
                    BOOST_TEST(!t.link.has_value());
                    continue;
                }
                BOOST_REQUIRE(t.link);
                BOOST_TEST(posting_name(*t.link) == row.posting);
                for (const auto& e : t.effects)
                    if (e.kind == Effect::Kind::raise_alert && row.outcome == PostOutcome::posted) {
                        BOOST_TEST(e.alert.dedupe_key == "paid:ord-1");
                        BOOST_TEST(e.alert.body == "Получена оплата 10\u00A0000,00\u00A0₽ по счёту 30682277");
                    }
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(a_posting_after_a_suspense_entry_resolves_its_alert) {
    LifecycleContext ctx;
    ctx.now_ms = now;
    ctx.suspense = entry_for(St::held_folio, order_for(Rep::paid));
    PostingResult res;
    res.posting_id = "P-8";
    const auto t = apply_posting(link_in(St::pending), PostOutcome::posted, res, ctx);
    BOOST_TEST(kinds(t) == "resolve,alert");
    BOOST_TEST(t.effects[0].alert.dedupe_key == "suspense:ord-1");
    BOOST_REQUIRE(t.suspense);
    BOOST_TEST(t.suspense->resolved);
}

BOOST_AUTO_TEST_CASE(retry_posting_only_for_reasons_that_may_pass) {
    LifecycleContext ctx;
    ctx.now_ms = now;
    auto link = link_in(St::held_folio);
    ctx.suspense = entry_for(St::held_folio, order_for(Rep::paid));
    auto t = retry_posting(link, ctx);
    BOOST_REQUIRE(t);
    BOOST_TEST(kinds(*t) == "post");
    BOOST_TEST(int(t->link->posting) == int(PostingState::pending));
    ctx.suspense->resolution = "posting"; // staff are posting it by hand
    BOOST_TEST(!retry_posting(link, ctx));
    ctx.suspense = entry_for(St::held_amount, order_for(Rep::paid));
    BOOST_TEST(!retry_posting(link_in(St::held_amount), ctx));
}

BOOST_AUTO_TEST_SUITE_END()
