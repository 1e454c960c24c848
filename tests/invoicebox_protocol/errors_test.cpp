// ApiError classification: both error body shapes, every documented code, 429 Retry-After,
// 5xx, non-JSON bodies and transport failures.
#include "invoicebox/protocol/api_error.hpp"

#include "fixtures.hpp"
#include "invoicebox/protocol/json_reader.hpp"

#include <boost/test/unit_test.hpp>

using namespace invoicebox::protocol;
using namespace invoicebox::protocol::test;

BOOST_AUTO_TEST_SUITE(errors)

BOOST_AUTO_TEST_CASE(nested_shape_81) {
    const auto e =
        error_from_response(response(422, std::string(error_422_81), {{"x-request-id", "req-42"}}));
    BOOST_TEST((e.kind == ErrorKind::validation));
    BOOST_TEST(e.http_status == 422);
    BOOST_TEST(e.code == "wrong_total_amount");
    BOOST_TEST(e.is(ApiErrorCode::wrong_total_amount));
    BOOST_TEST(e.message == "Order total does not match basket");
    BOOST_TEST_REQUIRE(e.fields.size() == 1u);
    BOOST_TEST((e.fields[0] == FieldError{"amount", "wrong_value", ""}));
    BOOST_TEST(e.request_id == "req-42");
    BOOST_TEST(!e.outcome_unknown);
    BOOST_TEST(describe(e).find("wrong_total_amount") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(flat_shape) {
    const auto e =
        error_from_response(response(401, R"({"code":"unauthorized","message":"Unauthorized"})"));
    BOOST_TEST((e.kind == ErrorKind::unauthorized));
    BOOST_TEST(e.is(ApiErrorCode::unauthorized));
    BOOST_TEST(e.message == "Unauthorized");
    const auto f = error_from_response(
        response(403, R"({"error":{"message":"Forbidden","code":"forbidden","fields":[]}})"));
    BOOST_TEST((f.kind == ErrorKind::forbidden));
    BOOST_TEST(f.fields.empty());
    const auto s = error_from_response(response(400, R"({"error":"bad things"})"));
    BOOST_TEST((s.kind == ErrorKind::bad_request));
    BOOST_TEST(s.message == "bad things");
}

BOOST_AUTO_TEST_CASE(every_documented_code_round_trips_through_the_writer) {
    BOOST_TEST(documented_errors().size() == 12u);
    for (const auto& d : documented_errors()) {
        std::vector<FieldError> fields;
        if (!d.field.empty())
            fields.push_back({std::string(d.field), "wrong_value", ""});
        const auto body = write_error_body(d.wire, d.meaning, fields);
        const auto e = error_from_response(response(d.http_status, body));
        BOOST_TEST((e.known_code() == d.code), d.wire);
        BOOST_TEST(e.fields == fields);
        BOOST_TEST(e.message == d.meaning);
        const auto expected_kind = d.http_status == 401   ? ErrorKind::unauthorized
                                   : d.http_status == 403 ? ErrorKind::forbidden
                                                          : ErrorKind::validation;
        BOOST_TEST((e.kind == expected_kind), d.wire);
        BOOST_TEST(find_documented_error(d.code) == &d);
    }
    BOOST_TEST((api_error_code_from_wire("invoice_already_paid") == ApiErrorCode::other));
}

BOOST_AUTO_TEST_CASE(rate_limited_with_retry_after) {
    const auto e = error_from_response(response(429, "", {{"Retry-After", "17"}}));
    BOOST_TEST((e.kind == ErrorKind::rate_limited));
    BOOST_TEST(e.retry_after->count() == 17);
    BOOST_TEST(!e.outcome_unknown);
    BOOST_TEST(e.message == "HTTP 429");
    const auto d = error_from_response(
        response(429, "{}", {{"retry-after", "Wed, 21 Oct 2015 07:28:00 GMT"}}));
    BOOST_TEST(!d.retry_after.has_value());
    BOOST_TEST(format_timestamp(*d.retry_after_date) == "2015-10-21T07:28:00+00:00");
    BOOST_TEST(!parse_retry_after("soon").delay.has_value());
    BOOST_TEST(!parse_retry_after("-5").delay.has_value());
    BOOST_TEST(!parse_retry_after("Wed, 21 Foo 2015 07:28:00 GMT").date.has_value());
}

BOOST_AUTO_TEST_CASE(server_errors_and_html) {
    const auto e = error_from_response(response(502, "<html><body>502 Bad Gateway</body></html>"));
    BOOST_TEST((e.kind == ErrorKind::server_error));
    BOOST_TEST(e.outcome_unknown);
    BOOST_TEST(e.message.find("502 Bad Gateway") != std::string::npos);
    const auto other = error_from_response(response(409, ""));
    BOOST_TEST((other.kind == ErrorKind::http_other));
    BOOST_TEST((error_from_response(response(404, "")).kind == ErrorKind::not_found));
}

BOOST_AUTO_TEST_CASE(transport_failures) {
    const auto t = error_from_transport({TransportFailure::timeout, true, "read timed out"});
    BOOST_TEST((t.kind == ErrorKind::transport));
    BOOST_TEST((*t.transport == TransportFailure::timeout));
    BOOST_TEST(t.outcome_unknown);
    BOOST_TEST(t.http_status == 0);
    const auto dropped = error_from_transport(
        {TransportFailure::connection_dropped, true, "unexpected eof while reading"});
    BOOST_TEST(dropped.outcome_unknown);
    const auto refused =
        error_from_transport({TransportFailure::connect_failed, false, "connection refused"});
    BOOST_TEST(!refused.outcome_unknown);
    const auto unsent = error_from_transport({TransportFailure::other, false, ""});
    BOOST_TEST(!unsent.outcome_unknown);
    BOOST_TEST(unsent.message == "transport error");
}

BOOST_AUTO_TEST_SUITE_END()
