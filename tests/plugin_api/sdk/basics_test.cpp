// Tests of the SDK parts without Asio: status.hpp, strings.hpp, trampoline.hpp, reply.hpp,
// host.hpp and store.hpp, against the fake C host.
#include <pms/plugin_sdk/status.hpp> // first: the header under test is self-contained

#include <pms/plugin_sdk/host.hpp>
#include <pms/plugin_sdk/reply.hpp>
#include <pms/plugin_sdk/store.hpp>
#include <pms/plugin_sdk/strings.hpp>
#include <pms/plugin_sdk/trampoline.hpp>

#include "fake_host.hpp"

#define BOOST_TEST_MODULE pms_plugin_sdk_basics
#include <boost/test/unit_test.hpp>

#include <stdexcept>
#include <string>
#include <vector>

namespace sdk = pms::sdk;
using pms_test::fake_host;
using pms_test::logged;

// ---- status.hpp -----------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(status)

BOOST_AUTO_TEST_CASE(category_names_every_code) {
    const auto& cat = sdk::status_category();
    BOOST_TEST(std::string(cat.name()) == "pms");
    BOOST_TEST(cat.message(PMS_CANCELLED) == "cancelled");
    BOOST_TEST(cat.message(PMS_TIMEOUT) == "timed out");
    BOOST_TEST(cat.message(PMS_DUPLICATE) == "duplicate (idempotency key already processed)");
    BOOST_TEST(cat.message(PMS_NO_MAPPING) == "payment kind not mapped");
    for (int s = PMS_VERSION_MISMATCH; s <= PMS_CURRENCY_MISMATCH; ++s)
        BOOST_TEST(cat.message(s).find("unknown") == std::string::npos, "status " << s);
    // Values from a newer peer are representable and named as unknown.
    BOOST_TEST(cat.message(-999) == "unknown status -999");
    BOOST_TEST(cat.message(77) == "unknown status 77");
}

BOOST_AUTO_TEST_CASE(error_codes_compare_with_enums_and_conditions) {
    const std::error_code ok = sdk::make_error_code(sdk::errc::ok);
    BOOST_TEST(!ok);
    const std::error_code c = sdk::errc::cancelled;
    BOOST_TEST(bool(c));
    BOOST_TEST(c.value() == PMS_CANCELLED);
    BOOST_TEST((c == std::errc::operation_canceled));
    BOOST_TEST((std::error_code(sdk::errc::timeout) == std::errc::timed_out));
    BOOST_TEST((std::error_code(sdk::errc::conflict) != std::errc::operation_canceled));

    // The handler type (boost::system::error_code) wraps them losslessly.
    const sdk::error_code b = sdk::make_status_error(PMS_CANCELLED);
    BOOST_TEST(bool(b));
    BOOST_TEST((b == sdk::errc::cancelled));
    BOOST_TEST((b == std::errc::operation_canceled));
    BOOST_TEST(b.message() == "cancelled");
    BOOST_TEST(!sdk::make_status_error(PMS_OK));
    BOOST_TEST(sdk::make_status_error(1234).message() == "unknown status 1234");
}

BOOST_AUTO_TEST_CASE(to_status_round_trips_and_maps_foreign_codes) {
    for (int s = PMS_VERSION_MISMATCH; s <= PMS_CURRENCY_MISMATCH; ++s)
        BOOST_TEST(sdk::to_status(sdk::make_status_error(s)) == s);
    BOOST_TEST(sdk::to_status(std::error_code()) == PMS_OK);
    BOOST_TEST(sdk::to_status(std::make_error_code(std::errc::operation_canceled)) == PMS_CANCELLED);
    BOOST_TEST(sdk::to_status(std::make_error_code(std::errc::timed_out)) == PMS_TIMEOUT);
    BOOST_TEST(sdk::to_status(std::make_error_code(std::errc::no_such_file_or_directory)) == PMS_INTERNAL);
}

BOOST_AUTO_TEST_CASE(throw_if_failed_carries_the_status) {
    BOOST_CHECK_NO_THROW(sdk::throw_if_failed(PMS_OK, "x"));
    try {
        sdk::throw_if_failed(PMS_NOT_FOUND, "lookup");
        BOOST_FAIL("no throw");
    } catch (const boost::system::system_error& e) {
        BOOST_TEST((e.code() == sdk::errc::not_found));
        BOOST_TEST(std::string(e.what()).find("lookup") != std::string::npos);
    }
}

BOOST_AUTO_TEST_SUITE_END()

// ---- strings.hpp ----------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(strings)

BOOST_AUTO_TEST_CASE(views_and_writer) {
    const std::string s = "Привет";
    const pms_str v = sdk::to_pms_str(s);
    BOOST_TEST(v.len == s.size());
    BOOST_TEST(sdk::to_string_view(v) == s);
    BOOST_TEST(sdk::to_string_view(pms_str{nullptr, 0}).empty());
    BOOST_TEST(sdk::to_string_view(sdk::to_pms_bytes("ab")) == "ab");

    sdk::string_writer w(5);
    const pms_writer* c = w.writer();
    BOOST_TEST(c->write(c->ctx, "abc", 3) == PMS_OK);
    BOOST_TEST(c->write(c->ctx, "de", 2) == PMS_OK);
    BOOST_TEST(c->write(c->ctx, "f", 1) == PMS_TOO_LARGE);
    BOOST_TEST(w.str() == "abcde");
    BOOST_TEST(sdk::write_to(nullptr, "x") == PMS_INVALID_ARGUMENT);
}

BOOST_AUTO_TEST_CASE(json_strings_are_escaped) {
    std::string out;
    sdk::append_json_string(out, "a\"b\\c\nd\x01/é");
    BOOST_TEST(out == "\"a\\\"b\\\\c\\nd\\u0001/é\"");
}

BOOST_AUTO_TEST_SUITE_END()

// ---- trampoline.hpp -------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(trampoline)

BOOST_AUTO_TEST_CASE(exceptions_become_internal_and_are_logged) {
    fake_host h;
    const pms_status s = sdk::guard(h.c_host(), "on_test", []() -> pms_status {
        throw std::runtime_error("boom");
    });
    BOOST_TEST(s == PMS_INTERNAL);
    BOOST_TEST(logged(h, PMS_LOG_PLUGIN_MISBEHAVING, "on_test: boom"));

    BOOST_TEST(sdk::guard(h.c_host(), "void", [] {}) == PMS_OK);
    BOOST_TEST(sdk::guard(h.c_host(), "status", [] { return PMS_NOT_FOUND; }) == PMS_NOT_FOUND);
    BOOST_TEST(sdk::guard(h.c_host(), "int", [] { throw 42; }) == PMS_INTERNAL);
    BOOST_TEST(logged(h, PMS_LOG_PLUGIN_MISBEHAVING, "int: unknown exception"));

    BOOST_TEST(sdk::guard_value<int>(h.c_host(), "value", -1, []() -> int {
                   throw std::logic_error("x");
               }) == -1);
    BOOST_TEST(sdk::guard_value<int>(h.c_host(), "value", -1, [] { return 7; }) == 7);

    bool ran = false;
    sdk::guard_void(h.c_host(), "void2", [&] {
        ran = true;
        throw std::bad_alloc();
    });
    BOOST_TEST(ran);
    BOOST_TEST(logged(h, PMS_LOG_PLUGIN_MISBEHAVING, "void2"));

    // Without a host (factory.create) nothing is logged, and still nothing escapes.
    BOOST_TEST(sdk::guard(nullptr, "nohost", [] { throw 1; }) == PMS_INTERNAL);
}

BOOST_AUTO_TEST_SUITE_END()

// ---- reply.hpp: exactly-once helpers ------------------------------------------------------------

namespace {

struct view_sink {
    int calls = 0;
    pms_status status = 12345;
    std::string json;
    pms_view_done done() {
        return pms_view_done{[](void* u, pms_status s, pms_str j) {
                                 auto* self = static_cast<view_sink*>(u);
                                 ++self->calls;
                                 self->status = s;
                                 self->json = pms_test::str(j);
                             },
                             this};
    }
};

struct reply_sink {
    int calls = 0;
    int http_status = 0;
    std::string content_type, body;
    std::vector<std::string> headers;
    pms_reply_done done() {
        return pms_reply_done{[](void* u, const pms_inbound_reply* r) {
                                  auto* self = static_cast<reply_sink*>(u);
                                  ++self->calls;
                                  self->http_status = r->http_status;
                                  self->content_type = pms_test::str(r->content_type);
                                  self->body = pms_test::str(r->body);
                                  for (std::size_t i = 0; i < r->header_count; ++i)
                                      self->headers.push_back(pms_test::str(r->headers[i].name) + "=" +
                                                              pms_test::str(r->headers[i].value));
                              },
                              this};
    }
};

} // namespace

BOOST_AUTO_TEST_SUITE(reply)

BOOST_AUTO_TEST_CASE(view_reply_answers_once) {
    fake_host h;
    view_sink sink;
    {
        sdk::view_reply r(sink.done(), h.c_host());
        BOOST_TEST(r.pending());
        r.show("{\"schema\":\"pms.view/1\"}");
        BOOST_TEST(!r.pending());
        r.close(); // second answer: ignored and logged
    }
    BOOST_TEST(sink.calls == 1);
    BOOST_TEST(sink.status == PMS_OK);
    BOOST_TEST(sink.json == "{\"schema\":\"pms.view/1\"}");
    BOOST_TEST(logged(h, PMS_LOG_PLUGIN_MISBEHAVING, "answered twice"));
}

BOOST_AUTO_TEST_CASE(view_reply_dropped_answers_cancelled_and_moved_from_owes_nothing) {
    fake_host h;
    view_sink sink;
    {
        sdk::view_reply a(sink.done(), h.c_host());
        sdk::view_reply b(std::move(a));
        BOOST_TEST(!a.pending());
        BOOST_TEST(b.pending());
    }
    BOOST_TEST(sink.calls == 1);
    BOOST_TEST(sink.status == PMS_CANCELLED);
}

BOOST_AUTO_TEST_CASE(view_reply_destroyed_by_an_exception_answers_internal) {
    fake_host h;
    view_sink sink;
    try {
        sdk::view_reply r(sink.done(), h.c_host());
        throw std::runtime_error("in the middle");
    } catch (const std::runtime_error&) {
    }
    BOOST_TEST(sink.calls == 1);
    BOOST_TEST(sink.status == PMS_INTERNAL);
}

BOOST_AUTO_TEST_CASE(view_reply_close_and_fail) {
    view_sink a, b;
    sdk::view_reply(a.done(), nullptr).close();
    BOOST_TEST(a.calls == 1);
    BOOST_TEST(a.status == PMS_OK);
    BOOST_TEST(a.json.empty());
    sdk::view_reply(b.done(), nullptr).fail(PMS_UNAVAILABLE);
    BOOST_TEST(b.calls == 1);
    BOOST_TEST(b.status == PMS_UNAVAILABLE);
}

BOOST_AUTO_TEST_CASE(move_assignment_answers_the_overwritten_obligation) {
    view_sink a, b;
    sdk::view_reply ra(a.done(), nullptr);
    sdk::view_reply rb(b.done(), nullptr);
    ra = std::move(rb); // a's obligation is abandoned -> CANCELLED now
    BOOST_TEST(a.calls == 1);
    BOOST_TEST(a.status == PMS_CANCELLED);
    BOOST_TEST(b.calls == 0);
    ra.show("{}");
    BOOST_TEST(b.calls == 1);
}

BOOST_AUTO_TEST_CASE(action_reply_builds_the_result_document) {
    struct sink_t {
        int calls = 0;
        pms_status status = 0;
        std::string json;
    } sink;
    pms_action_done done{[](void* u, pms_status s, pms_str j) {
                             auto* self = static_cast<sink_t*>(u);
                             ++self->calls;
                             self->status = s;
                             self->json = pms_test::str(j);
                         },
                         &sink};
    {
        sdk::action_reply r(done, nullptr);
        r.success("Connected to \"Hotel\"");
    }
    BOOST_TEST(sink.calls == 1);
    BOOST_TEST(sink.status == PMS_OK);
    BOOST_TEST(sink.json == "{\"level\":\"success\",\"message\":\"Connected to \\\"Hotel\\\"\"}");
    { sdk::action_reply dropped(done, nullptr); }
    BOOST_TEST(sink.calls == 2);
    BOOST_TEST(sink.status == PMS_CANCELLED);
}

BOOST_AUTO_TEST_CASE(inbound_reply_sends_once_and_503_when_dropped) {
    reply_sink a, b;
    {
        sdk::inbound_reply r(a.done(), nullptr);
        r.send(200, "application/json", "{\"status\":\"success\"}", {{"X-Trace", "1"}});
        r.json("{}"); // ignored
    }
    BOOST_TEST(a.calls == 1);
    BOOST_TEST(a.http_status == 200);
    BOOST_TEST(a.content_type == "application/json");
    BOOST_TEST(a.body == "{\"status\":\"success\"}");
    BOOST_TEST(a.headers == std::vector<std::string>{"X-Trace=1"});
    { sdk::inbound_reply dropped(b.done(), nullptr); }
    BOOST_TEST(b.calls == 1);
    BOOST_TEST(b.http_status == 503);
}

BOOST_AUTO_TEST_SUITE_END()

// ---- host.hpp: the synchronous services ------------------------------------------------------

BOOST_AUTO_TEST_SUITE(host)

BOOST_AUTO_TEST_CASE(host_fields_and_sync_services) {
    fake_host h;
    h.secrets["/api_token"] = "t0ken";
    sdk::host host(h.c_host());
    host.load_extensions();
    BOOST_TEST(host.property_id() == "hotel-1");
    BOOST_TEST(host.locale() == "ru-RU");
    BOOST_TEST(host.name() == "fake-host");

    host.info("hello");
    BOOST_TEST(logged(h, PMS_LOG_INFO, "hello"));
    BOOST_TEST(host.log_enabled(sdk::log_level::warning));
    BOOST_TEST(!host.log_enabled(sdk::log_level::debug));

    BOOST_TEST(host.now().time_since_epoch().count() == h.now_ms);
    BOOST_TEST(host.utc_offset(host.now()).count() == 180);
    BOOST_TEST(host.property_timezone() == "Europe/Moscow");

    BOOST_TEST(host.settings_json() == h.settings_json);
    BOOST_TEST(host.secret("/api_token").value() == "t0ken");
    BOOST_TEST(!host.secret("/missing").has_value());

    host.notify({PMS_NOTIFY_ERROR, "suspense:1", "Payment in suspense", "body", "F-1"});
    BOOST_TEST(h.notifications.size() == 1u);
    BOOST_TEST(host.resolve_notification("suspense:1"));
    BOOST_TEST(!host.resolve_notification("suspense:1"));
    BOOST_CHECK_THROW(host.notify({PMS_NOTIFY_INFO, "", "no key", "", ""}), boost::system::system_error);

    // The non-throwing forms return the host's status (issue 12).
    BOOST_TEST(host.try_notify({PMS_NOTIFY_WARNING, "suspense:2", "Again", "", ""}) == PMS_OK);
    BOOST_TEST(h.notifications.size() == 1u);
    BOOST_TEST(host.try_notify({PMS_NOTIFY_INFO, "", "no key", "", ""}) == PMS_INVALID_ARGUMENT);
    BOOST_TEST(host.try_resolve_notification("suspense:2") == PMS_OK);
    BOOST_TEST(host.try_resolve_notification("suspense:2") == PMS_NOT_FOUND);
    const sdk::host none; // no pms.notify/1 at all
    BOOST_TEST(none.try_notify({PMS_NOTIFY_INFO, "k", "t", "", ""}) == PMS_NOT_SUPPORTED);
    BOOST_TEST(none.try_resolve_notification("k") == PMS_NOT_SUPPORTED);

    BOOST_TEST(host.push_view("vs-1", "{}"));
    BOOST_TEST(!host.push_view("closed", "{}"));
    BOOST_TEST(h.pushed_views.size() == 1u);
}

BOOST_AUTO_TEST_CASE(missing_extension_is_not_supported_and_log_is_optional) {
    fake_host h;
    h.offer_log = false;
    h.offer_http = false;
    sdk::host host(h.c_host());
    host.load_extensions();
    host.info("dropped silently");
    BOOST_TEST(h.logs.empty());
    BOOST_TEST(host.http_ext() == nullptr);
    try {
        sdk::host::require(host.http_ext(), PMS_EXT_HTTP);
        BOOST_FAIL("no throw");
    } catch (const boost::system::system_error& e) {
        BOOST_TEST((e.code() == sdk::errc::not_supported));
    }
}

BOOST_AUTO_TEST_SUITE_END()

// ---- store.hpp ------------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(store)

BOOST_AUTO_TEST_CASE(get_put_erase_scan_batch) {
    fake_host h;
    sdk::host host(h.c_host());
    host.load_extensions();
    sdk::store st(host);

    BOOST_TEST(!st.get("link/1").has_value());
    st.put("link/1", std::string("a\0b", 3));
    BOOST_TEST(st.get("link/1").value() == std::string("a\0b", 3));
    st.put("link/2", "two");
    st.put("other", "x");

    std::vector<std::string> seen;
    st.scan("link/", [&](std::string_view k, std::string_view v) {
        seen.push_back(std::string(k) + "=" + std::string(v.substr(0, 1)));
    });
    BOOST_TEST(seen == (std::vector<std::string>{"link/1=a", "link/2=t"}));

    seen.clear();
    st.scan("", [&](std::string_view k, std::string_view) {
        seen.emplace_back(k);
        return false; // stop after the first
    });
    BOOST_TEST(seen.size() == 1u);

    BOOST_CHECK_THROW(st.scan("", [](std::string_view, std::string_view) -> bool {
                          throw std::runtime_error("visitor");
                      }),
                      std::runtime_error);

    sdk::store_batch b;
    b.put("link/3", "three").erase("link/1");
    st.write(b);
    BOOST_TEST(!st.get("link/1").has_value());
    BOOST_TEST(st.get("link/3").value() == "three");

    sdk::store_batch bad;
    bad.put("link/4", "four").put("", "empty key");
    try {
        st.write(bad);
        BOOST_FAIL("no throw");
    } catch (const boost::system::system_error& e) {
        BOOST_TEST((e.code() == sdk::errc::invalid_argument));
    }
    BOOST_TEST(!st.get("link/4").has_value()); // all or nothing

    st.erase("link/3");
    BOOST_TEST(!st.get("link/3").has_value());
    BOOST_CHECK_THROW(st.put("", "x"), boost::system::system_error);
}

BOOST_AUTO_TEST_SUITE_END()
