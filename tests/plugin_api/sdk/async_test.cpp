// Tests of the SDK's Asio side against the fake C host: the executor (is_executor, post,
// co_spawn, awaitable<T, executor>), the timer, and the completion-token adapters of every
// async service (callbacks, use_awaitable, as_tuple), with exactly-once and never-inline
// checks, cancellation and draining.
#include <pms/plugin_sdk/executor.hpp> // first: the header under test is self-contained

#include <pms/plugin_sdk/folio.hpp>
#include <pms/plugin_sdk/http.hpp>
#include <pms/plugin_sdk/mail.hpp>
#include <pms/plugin_sdk/timer.hpp>

#include "fake_host.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

#define BOOST_TEST_MODULE pms_plugin_sdk_async
#include <boost/test/unit_test.hpp>

#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

namespace asio = boost::asio;
namespace sdk = pms::sdk;
using pms_test::fake_host;
using pms_test::logged;

namespace {

// A fake host plus the SDK objects a plugin instance would have.
struct fixture {
    fake_host h;
    sdk::host host{h.c_host()};
    std::unique_ptr<sdk::instance_context> ctx;

    fixture() {
        host.load_extensions();
        ctx = std::make_unique<sdk::instance_context>(h.c_host(), host.executor_ext());
    }
    sdk::executor ex() { return ctx->get_executor(); }
};

// Records how often a completion ran (exactly-once checks) and what it got.
template <class... Args>
struct recorder {
    int calls = 0;
    std::optional<std::tuple<Args...>> args;
    auto handler() {
        return [this](Args... a) {
            ++calls;
            args.emplace(std::move(a)...);
        };
    }
    template <std::size_t I>
    auto& get() {
        return std::get<I>(*args);
    }
};

} // namespace

// ---- executor.hpp ---------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(executor)

static_assert(asio::execution::is_executor<sdk::executor>::value);
static_assert(std::is_nothrow_copy_constructible_v<sdk::executor>);
static_assert(std::is_convertible_v<sdk::executor, asio::any_io_executor>);

BOOST_FIXTURE_TEST_CASE(query_context_returns_the_sdk_context, fixture) {
    sdk::executor e = ex();
    asio::execution_context& c = asio::query(e, asio::execution::context);
    BOOST_TEST(&c == static_cast<asio::execution_context*>(ctx.get()));
    BOOST_TEST((asio::query(e, asio::execution::blocking) == asio::execution::blocking.never));
    BOOST_TEST((e == ctx->get_executor()));
    BOOST_TEST((e != sdk::executor()));
    asio::any_io_executor any = e;
    BOOST_TEST(&asio::query(any, asio::execution::context) == static_cast<asio::execution_context*>(ctx.get()));
}

BOOST_FIXTURE_TEST_CASE(post_and_dispatch_run_later_on_the_strand, fixture) {
    int ran = 0;
    asio::post(ex(), [&] { ++ran; });
    asio::dispatch(ex(), [&] { ++ran; }); // blocking.never: not inline either
    BOOST_TEST(ran == 0);
    BOOST_TEST(h.posts == 2u);
    BOOST_TEST(h.run() == 2u);
    BOOST_TEST(ran == 2);

    // Through any_io_executor too, and with a move-only function.
    asio::any_io_executor any = ex();
    auto p = std::make_unique<int>(5);
    asio::post(any, [&, p = std::move(p)] { ran += *p; });
    h.run();
    BOOST_TEST(ran == 7);
}

BOOST_FIXTURE_TEST_CASE(co_spawn_and_awaitable_on_the_sdk_executor, fixture) {
    auto inner = []() -> sdk::awaitable<int> {
        co_await asio::post(sdk::use_awaitable); // hop through the host's post
        co_return 41;
    };
    auto outer = [&]() -> sdk::awaitable<int> {
        const sdk::executor self = co_await sdk::this_executor;
        BOOST_TEST((self == ex()));
        int v = co_await inner();
        co_return v + 1;
    };
    recorder<std::exception_ptr, int> done;
    asio::co_spawn(ex(), outer(), done.handler());
    BOOST_TEST(done.calls == 0);
    h.run();
    BOOST_TEST(done.calls == 1);
    BOOST_TEST(!done.get<0>());
    BOOST_TEST(done.get<1>() == 42);
}

BOOST_FIXTURE_TEST_CASE(co_spawn_reports_exceptions_to_the_completion, fixture) {
    auto failing = []() -> sdk::awaitable<void> {
        co_await asio::post(sdk::use_awaitable);
        throw std::runtime_error("coroutine failed");
    };
    recorder<std::exception_ptr> done;
    asio::co_spawn(ex(), failing(), done.handler());
    h.run();
    BOOST_TEST(done.calls == 1);
    BOOST_CHECK_THROW(std::rethrow_exception(done.get<0>()), std::runtime_error);
}

BOOST_FIXTURE_TEST_CASE(tasks_still_run_when_the_host_drains, fixture) {
    int ran = 0;
    asio::post(ex(), [&] { ++ran; });
    h.draining = true; // the task completes with PMS_CANCELLED: the function still runs once
    h.run();
    BOOST_TEST(ran == 1);
    BOOST_TEST(h.tasks_run == 1u);
}

BOOST_FIXTURE_TEST_CASE(a_refused_post_destroys_the_function_without_running_it, fixture) {
    h.deactivated = true;
    auto alive = std::make_shared<int>(0);
    std::weak_ptr<int> watch = alive;
    bool ran = false;
    asio::post(ex(), [&ran, alive = std::move(alive)] { ran = true; });
    BOOST_TEST(watch.expired()); // freed exactly once, now
    h.run();
    BOOST_TEST(!ran);
    BOOST_TEST(logged(h, PMS_LOG_PLUGIN_MISBEHAVING, "refused"));
}

BOOST_FIXTURE_TEST_CASE(an_exception_in_a_posted_function_is_contained, fixture) {
    asio::post(ex(), [] { throw std::runtime_error("handler threw"); });
    BOOST_CHECK_NO_THROW(h.run());
    BOOST_TEST(logged(h, PMS_LOG_PLUGIN_MISBEHAVING, "handler threw"));
}

BOOST_AUTO_TEST_SUITE_END()

// ---- timer.hpp ------------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(timer)

BOOST_FIXTURE_TEST_CASE(fires_after_the_delay_exactly_once, fixture) {
    sdk::timer t(ex());
    t.expires_after(std::chrono::milliseconds(100));
    recorder<sdk::error_code> done;
    t.async_wait(done.handler());
    BOOST_TEST(t.pending() == 1u);
    h.advance(99);
    h.run();
    BOOST_TEST(done.calls == 0);
    h.advance(1);
    h.run();
    BOOST_TEST(done.calls == 1);
    BOOST_TEST(!done.get<0>());
    BOOST_TEST(t.pending() == 0u);
}

BOOST_FIXTURE_TEST_CASE(zero_delay_is_never_inline, fixture) {
    sdk::timer t(ex());
    recorder<sdk::error_code> done;
    t.async_wait(done.handler());
    BOOST_TEST(done.calls == 0);
    h.advance(0);
    h.run();
    BOOST_TEST(done.calls == 1);
}

BOOST_FIXTURE_TEST_CASE(cancel_and_destruction_deliver_cancelled, fixture) {
    recorder<sdk::error_code> a, b, c;
    {
        sdk::timer t(ex());
        t.expires_after(std::chrono::seconds(10));
        t.async_wait(a.handler());
        t.async_wait(b.handler());
        BOOST_TEST(t.cancel() == 2u);
        h.run();
        BOOST_TEST(a.calls == 1);
        BOOST_TEST(b.calls == 1);
        BOOST_TEST((a.get<0>() == sdk::errc::cancelled));
        BOOST_TEST((b.get<0>() == std::errc::operation_canceled));
        t.async_wait(c.handler());
    } // destroyed with a pending wait
    h.run();
    BOOST_TEST(c.calls == 1);
    BOOST_TEST((c.get<0>() == sdk::errc::cancelled));
}

BOOST_FIXTURE_TEST_CASE(cancellation_slot_cancels_through_the_host, fixture) {
    sdk::timer t(ex());
    t.expires_after(std::chrono::seconds(10));
    asio::cancellation_signal sig;
    recorder<sdk::error_code> done;
    t.async_wait(asio::bind_cancellation_slot(sig.slot(), done.handler()));
    sig.emit(asio::cancellation_type::terminal);
    BOOST_TEST(h.timer_cancels == 1u);
    h.run();
    BOOST_TEST(done.calls == 1);
    BOOST_TEST((done.get<0>() == sdk::errc::cancelled));
}

BOOST_FIXTURE_TEST_CASE(refused_start_is_delivered_later, fixture) {
    h.timer_start_result = PMS_UNAVAILABLE;
    sdk::timer t(ex());
    recorder<sdk::error_code> done;
    t.async_wait(done.handler());
    BOOST_TEST(done.calls == 0);
    h.run();
    BOOST_TEST(done.calls == 1);
    BOOST_TEST((done.get<0>() == sdk::errc::unavailable));
}

BOOST_FIXTURE_TEST_CASE(draining_delivers_cancelled, fixture) {
    sdk::timer t(ex());
    t.expires_after(std::chrono::seconds(10));
    recorder<sdk::error_code> done;
    t.async_wait(done.handler());
    h.drain();
    h.run();
    BOOST_TEST(done.calls == 1);
    BOOST_TEST((done.get<0>() == sdk::errc::cancelled));
}

BOOST_FIXTURE_TEST_CASE(use_awaitable, fixture) {
    int stage = 0;
    auto coro = [&]() -> sdk::awaitable<void> {
        sdk::timer t(co_await sdk::this_executor);
        t.expires_after(std::chrono::milliseconds(50));
        co_await t.async_wait(sdk::use_awaitable);
        stage = 1;
        t.expires_after(std::chrono::seconds(60));
        auto [ec] = co_await t.async_wait(asio::as_tuple(sdk::use_awaitable));
        stage = ec == sdk::errc::cancelled ? 2 : -1;
        t.expires_after(std::chrono::seconds(60));
        try {
            co_await t.async_wait(sdk::use_awaitable);
        } catch (const boost::system::system_error& e) {
            // Refused while draining (unavailable) or cancelled: an error either way.
            stage = e.code() == sdk::errc::unavailable || e.code() == sdk::errc::cancelled ? 3 : -2;
        }
    };
    recorder<std::exception_ptr> done;
    asio::co_spawn(ex(), coro(), done.handler());
    h.run();
    h.advance(50);
    h.run();
    BOOST_TEST(stage == 1);
    h.drain(); // cancels the second wait
    h.run();
    // The third wait is refused while draining: the coroutine sees the error, finishes, and
    // nothing leaks.
    BOOST_TEST(done.calls == 1);
    BOOST_TEST(stage == 3);
}

BOOST_AUTO_TEST_SUITE_END()

// ---- http.hpp -------------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(http)

BOOST_FIXTURE_TEST_CASE(callback_gets_the_response_once_and_not_inline, fixture) {
    sdk::http_client http(host, ex());
    sdk::http_request req;
    req.method = "POST";
    req.url = "https://api.invoicebox.ru/v3/billing/api/order/order";
    req.headers = {{"Authorization", "Bearer x"}, {"Content-Type", "application/json"}};
    req.body = "{\"a\":1}";
    req.connect_timeout = std::chrono::milliseconds(1000);
    req.total_timeout = std::chrono::milliseconds(5000);
    req.max_response_bytes = 4096;
    req.fresh_connection = true;

    recorder<sdk::error_code, sdk::http_response> done;
    http.async_send(req, done.handler());
    BOOST_TEST(done.calls == 0);
    BOOST_REQUIRE(h.http_pending.size() == 1u);
    const auto& call = h.http_pending[0];
    BOOST_TEST(call.method == "POST");
    BOOST_TEST(call.url == req.url);
    BOOST_TEST(call.body == req.body);
    BOOST_TEST(call.headers.size() == 2u);
    BOOST_TEST(call.connect_timeout_ms == 1000u);
    BOOST_TEST(call.total_timeout_ms == 5000u);
    BOOST_TEST(call.max_response_bytes == 4096u);
    BOOST_TEST(call.flags == PMS_HTTP_FLAG_FRESH_CONNECTION);

    h.complete_http(0, 201, "{\"data\":{}}", {{"Content-Type", "application/json"}});
    BOOST_TEST(done.calls == 0);
    h.run();
    BOOST_TEST(done.calls == 1);
    BOOST_TEST(!done.get<0>());
    const sdk::http_response& r = done.get<1>();
    BOOST_TEST(r.http_status == 201);
    BOOST_TEST(r.body == "{\"data\":{}}");
    BOOST_TEST(r.header("content-type").value() == "application/json");
    BOOST_TEST(!r.header("x-missing").has_value());
    BOOST_TEST(r.elapsed.count() == 12);
}

BOOST_FIXTURE_TEST_CASE(transport_failure_keeps_outcome_unknown, fixture) {
    sdk::http_client http(host, ex());
    recorder<sdk::error_code, sdk::http_response> done;
    sdk::http_request req;
    req.method = "POST";
    req.url = "https://x/";
    http.async_send(req, done.handler());
    h.fail_http(0, PMS_NETWORK_ERROR, true);
    h.run();
    BOOST_TEST(done.calls == 1);
    BOOST_TEST((done.get<0>() == sdk::errc::network_error));
    BOOST_TEST(done.get<1>().outcome_unknown);
    BOOST_TEST(done.get<1>().error_message == "PMS_NETWORK_ERROR");
}

BOOST_FIXTURE_TEST_CASE(use_awaitable_and_as_tuple, fixture) {
    sdk::http_client http(host, ex());
    std::string body;
    bool threw = false, unknown = false;
    // Requests are named before co_await: the SDK's request types are deliberately not
    // aggregates (g++ 12 destroys aggregate temporaries in co_await expressions twice).
    auto coro = [&]() -> sdk::awaitable<void> {
        sdk::http_request a;
        a.url = "https://a/";
        sdk::http_response r = co_await http.async_send(a, sdk::use_awaitable);
        body = r.body;
        sdk::http_request b;
        b.url = "https://b/";
        try {
            co_await http.async_send(b, sdk::use_awaitable);
        } catch (const boost::system::system_error& e) {
            threw = e.code() == sdk::errc::timeout;
        }
        sdk::http_request c;
        c.url = "https://c/";
        auto [ec, r3] = co_await http.async_send(c, asio::as_tuple(sdk::use_awaitable));
        unknown = ec == sdk::errc::network_error && r3.outcome_unknown;
    };
    recorder<std::exception_ptr> done;
    asio::co_spawn(ex(), coro(), done.handler());
    h.run();
    h.complete_http(0, 200, "first");
    h.run();
    h.fail_http(0, PMS_TIMEOUT, false);
    h.run();
    h.fail_http(0, PMS_NETWORK_ERROR, true);
    h.run();
    BOOST_TEST(done.calls == 1);
    BOOST_TEST(!done.get<0>());
    BOOST_TEST(body == "first");
    BOOST_TEST(threw);
    BOOST_TEST(unknown);
}

BOOST_FIXTURE_TEST_CASE(cancellation_slot_and_draining_deliver_cancelled, fixture) {
    sdk::http_client http(host, ex());
    asio::cancellation_signal sig;
    recorder<sdk::error_code, sdk::http_response> a, b;
    sdk::http_request ra, rb;
    ra.url = "https://a/";
    rb.url = "https://b/";
    http.async_send(ra, asio::bind_cancellation_slot(sig.slot(), a.handler()));
    http.async_send(rb, b.handler());
    sig.emit(asio::cancellation_type::terminal);
    BOOST_TEST(h.http_cancels == 1u);
    h.run();
    BOOST_TEST(a.calls == 1);
    BOOST_TEST((a.get<0>() == sdk::errc::cancelled));
    BOOST_TEST(b.calls == 0);
    h.drain();
    h.run();
    BOOST_TEST(b.calls == 1);
    BOOST_TEST((b.get<0>() == sdk::errc::cancelled));
}

BOOST_FIXTURE_TEST_CASE(refused_or_unsupported_start_completes_later, fixture) {
    recorder<sdk::error_code, sdk::http_response> a, b;
    sdk::http_client http(host, ex());
    h.draining = true;
    sdk::http_request req;
    req.url = "https://a/";
    http.async_send(req, a.handler());
    BOOST_TEST(a.calls == 0);
    h.run();
    BOOST_TEST(a.calls == 1);
    BOOST_TEST((a.get<0>() == sdk::errc::unavailable));
    BOOST_TEST(!a.get<1>().started); // nothing was sent
    BOOST_TEST(!a.get<1>().outcome_unknown);

    h.draining = false;
    h.offer_http = false;
    sdk::host no_http(h.c_host());
    no_http.load_extensions();
    sdk::http_client http2(no_http, ex());
    http2.async_send(req, b.handler());
    BOOST_TEST(b.calls == 0);
    h.run();
    BOOST_TEST(b.calls == 1);
    BOOST_TEST((b.get<0>() == sdk::errc::not_supported));
    BOOST_TEST(!b.get<1>().started);
}

BOOST_FIXTURE_TEST_CASE(a_coroutine_waiting_on_http_ends_when_the_host_drains, fixture) {
    // The classic leak: a completion that never comes keeps the coroutine frame alive. The host
    // delivers PMS_CANCELLED when draining, so the frame unwinds (LSan checks this in ASan).
    sdk::http_client http(host, ex());
    bool unwound = false;
    auto coro = [&]() -> sdk::awaitable<void> {
        struct on_exit {
            bool& flag;
            ~on_exit() { flag = true; }
        } guard{unwound};
        sdk::http_request slow;
        slow.url = "https://slow/";
        co_await http.async_send(slow, sdk::use_awaitable);
    };
    recorder<std::exception_ptr> done;
    asio::co_spawn(ex(), coro(), done.handler());
    h.run();
    BOOST_TEST(h.http_pending.size() == 1u);
    h.drain();
    h.run();
    BOOST_TEST(unwound);
    BOOST_TEST(done.calls == 1);
    BOOST_TEST(bool(done.get<0>()));
}

BOOST_AUTO_TEST_SUITE_END()

// ---- folio.hpp ------------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(folio)

BOOST_FIXTURE_TEST_CASE(get_folio_json, fixture) {
    h.folios["F-1"] = "{\"schema\":\"pms.folio/1\"}";
    sdk::folio_client folio(host, ex());
    BOOST_TEST(folio.get_folio_json("F-1").value() == "{\"schema\":\"pms.folio/1\"}");
    BOOST_TEST(!folio.get_folio_json("F-2").has_value());

    // The status-returning form (issue 12): the document, or the status and an empty out.
    std::string out = "stale";
    BOOST_TEST(folio.try_get_folio_json("F-1", out) == PMS_OK);
    BOOST_TEST(out == "{\"schema\":\"pms.folio/1\"}");
    BOOST_TEST(folio.try_get_folio_json("F-2", out) == PMS_NOT_FOUND);
    BOOST_TEST(out.empty());
    const sdk::folio_client none(sdk::host{}, ex());
    out = "stale";
    BOOST_TEST(none.try_get_folio_json("F-1", out) == PMS_NOT_SUPPORTED);
    BOOST_TEST(out.empty());
}

BOOST_FIXTURE_TEST_CASE(post_payment_idempotency, fixture) {
    h.folios["F-1"] = "{}";
    sdk::folio_client folio(host, ex());
    BOOST_TEST(sdk::idempotency_key("ru.invoicebox.pms", "payment", "ord-17") ==
               "ru.invoicebox.pms:payment:ord-17");
    sdk::payment_posting p;
    p.folio_id = "F-1";
    p.amount_minor = 155000;
    p.currency = "RUB";
    p.payment_kind = "payment";
    p.idempotency_key = "ru.invoicebox.pms:payment:ord-17";
    p.provider_reference = "ord-17";
    p.description = "InvoiceBox";
    recorder<sdk::error_code, sdk::posting_result> first, repeat, conflict, missing;
    folio.async_post_payment(p, first.handler());
    folio.async_post_payment(p, repeat.handler());
    sdk::payment_posting changed = p;
    changed.amount_minor = 100;
    folio.async_post_payment(changed, conflict.handler());
    sdk::payment_posting other = p;
    other.folio_id = "F-404";
    other.idempotency_key = "ru.invoicebox.pms:payment:ord-18";
    folio.async_post_payment(other, missing.handler());
    BOOST_TEST(first.calls + repeat.calls + conflict.calls + missing.calls == 0);
    h.run();
    BOOST_TEST(first.calls == 1);
    BOOST_TEST(!first.get<0>());
    BOOST_TEST(!first.get<1>().is_repeat);
    BOOST_TEST(first.get<1>().posting_id == "P-1");
    BOOST_TEST(first.get<1>().category == "card");
    BOOST_TEST(first.get<1>().status == PMS_OK);
    BOOST_TEST(first.get<1>().started);
    BOOST_TEST(repeat.calls == 1);
    BOOST_TEST(!repeat.get<0>()); // PMS_DUPLICATE is success
    BOOST_TEST(repeat.get<1>().is_repeat);
    BOOST_TEST(repeat.get<1>().posting_id == "P-1");
    BOOST_TEST(repeat.get<1>().status == PMS_DUPLICATE); // the raw status is kept
    BOOST_TEST((conflict.get<0>() == sdk::errc::conflict));
    BOOST_TEST(conflict.get<1>().status == PMS_CONFLICT);
    BOOST_TEST(conflict.get<1>().started); // the host saw it and refused it
    BOOST_TEST((missing.get<0>() == sdk::errc::not_found));
    BOOST_TEST(h.postings.size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(post_payment_awaitable_and_rejections, fixture) {
    h.folios["F-1"] = "{}";
    sdk::folio_client folio(host, ex());
    std::string id;
    bool bad_currency = false;
    auto coro = [&]() -> sdk::awaitable<void> {
        sdk::payment_posting p1;
        p1.folio_id = "F-1";
        p1.amount_minor = 1;
        p1.currency = "RUB";
        p1.payment_kind = "payment";
        p1.idempotency_key = "k:payment:1";
        auto r = co_await folio.async_post_payment(p1, sdk::use_awaitable);
        id = r.posting_id;
        sdk::payment_posting p2 = p1;
        p2.currency = "RUBLE";
        p2.idempotency_key = "k:payment:2";
        auto [ec, r2] = co_await folio.async_post_payment(p2, asio::as_tuple(sdk::use_awaitable));
        bad_currency = ec == sdk::errc::invalid_argument && !r2.error_message.empty() &&
                       !r2.started && r2.status == PMS_INVALID_ARGUMENT;
    };
    recorder<std::exception_ptr> done;
    asio::co_spawn(ex(), coro(), done.handler());
    h.run();
    BOOST_TEST(done.calls == 1);
    BOOST_TEST(!done.get<0>());
    BOOST_TEST(id == "P-1");
    BOOST_TEST(bad_currency);
}

BOOST_AUTO_TEST_SUITE_END()

// ---- mail.hpp -------------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(mail)

BOOST_FIXTURE_TEST_CASE(callback_and_awaitable, fixture) {
    sdk::mail_client mail(host, ex());
    sdk::mail_message m;
    m.to = "guest@example.org";
    m.to_name = "Guest";
    m.subject = "Payment link";
    m.text_body = "Pay here: https://pay/1";
    m.html_body = "<p>Pay</p>";
    m.reply_to = "hotel@example.org";
    recorder<sdk::error_code, std::string> a;
    mail.async_send(m, a.handler());
    BOOST_REQUIRE(h.mail_pending.size() == 1u);
    BOOST_TEST(h.mail_pending[0].subject == "Payment link");
    BOOST_TEST(h.mail_pending[0].html_body == "<p>Pay</p>");
    h.complete_mail(0, PMS_OK, "");
    BOOST_TEST(a.calls == 0);
    h.run();
    BOOST_TEST(a.calls == 1);
    BOOST_TEST(!a.get<0>());

    std::string error_text;
    auto coro = [&]() -> sdk::awaitable<void> {
        auto [ec, text] = co_await mail.async_send(m, asio::as_tuple(sdk::use_awaitable));
        error_text = ec == sdk::errc::network_error ? text : "";
    };
    recorder<std::exception_ptr> done;
    asio::co_spawn(ex(), coro(), done.handler());
    h.run();
    h.complete_mail(0, PMS_NETWORK_ERROR, "smtp: connection refused");
    h.run();
    BOOST_TEST(done.calls == 1);
    BOOST_TEST(error_text == "smtp: connection refused");

    recorder<sdk::error_code, std::string> bad;
    mail.async_send(sdk::mail_message{}, bad.handler()); // no recipient: refused by the host
    h.run();
    BOOST_TEST(bad.calls == 1);
    BOOST_TEST((bad.get<0>() == sdk::errc::invalid_argument));
}

BOOST_AUTO_TEST_SUITE_END()
