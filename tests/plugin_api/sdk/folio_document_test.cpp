// Tests of folio_document.hpp: the "pms.folio/1" reader takes the schema's example as it is,
// reads amounts as exact int64 minor units, ignores unknown members, and refuses a malformed
// document with an error that says where.
#include <pms/plugin_sdk/folio_document.hpp> // first: the header under test is self-contained

#define BOOST_TEST_MODULE pms_plugin_sdk_folio_document
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <limits>
#include <string>

namespace sdk = pms::sdk;

namespace {

// The example of plugin_api/schema/folio-v1.md, plus members a later minor might add.
const std::string example = R"({
  "schema": "pms.folio/1",
  "folio_id": "F-1001-1",
  "folio_number": "1001/1",
  "status": "open",
  "property_id": "hotel-1",
  "currency": "RUB",
  "is_main": true,
  "legal_entity": {"id": "le-main", "name": "ООО «Отель»", "tax_id": "7701234567"},
  "booking": {"id": "B-1001", "number": "1001", "arrival": "2025-05-12", "departure": "2025-05-14"},
  "guest": {"name": "Иван \u041f\u0435\u0442\u0440\u043e\u0432", "email": "ivan@example.org", "phone": "79001112233"},
  "lines": [
    {"line_id": "L1", "date": "2025-05-12", "description": "Проживание, стандарт",
     "quantity": "2", "unit_amount_minor": 650000, "amount_minor": 1300000,
     "vat_code": "vat20", "category": "accommodation"},
    {"line_id": "L2", "description": "Коррекция", "quantity": "0.5", "amount_minor": -250000,
     "vat_code": "none", "future": {"nested": [1, 2.5, null]}}
  ],
  "payments": [
    {"posting_id": "P-55", "amount_minor": 500000, "direction": "incoming",
     "category": "card", "type": "invoicebox", "posted_at": "2025-05-12T11:04:00Z",
     "idempotency_key": "ru.invoicebox.pms.payment-link:payment:ord-17", "provider_reference": "x"},
    {"posting_id": "P-56", "amount_minor": 1000, "direction": "outgoing"}
  ],
  "totals": {"charges_minor": 1050000, "paid_minor": 499000, "balance_due_minor": 551000}
})";

std::string with(std::string text, const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    BOOST_TEST_REQUIRE(at != std::string::npos, from);
    return text.replace(at, from.size(), to);
}

// The error of read_folio_document, which must fail.
std::string error_of(const std::string& json) {
    std::string error = "stale";
    const auto f = sdk::read_folio_document(json, &error);
    BOOST_TEST(!f.has_value());
    return error;
}

} // namespace

BOOST_AUTO_TEST_CASE(reads_the_schema_example) {
    const sdk::folio_document f = sdk::parse_folio_document(example);
    BOOST_TEST(f.folio_id == "F-1001-1");
    BOOST_TEST(f.folio_number == "1001/1");
    BOOST_TEST(!f.closed);
    BOOST_TEST(f.property_id == "hotel-1");
    BOOST_TEST(f.currency == "RUB");
    BOOST_TEST(f.legal_entity.id == "le-main");
    BOOST_TEST(f.legal_entity.name == "ООО «Отель»");
    BOOST_TEST(f.legal_entity.tax_id == "7701234567");
    BOOST_TEST(f.booking.number == "1001");
    BOOST_TEST(f.booking.departure == "2025-05-14");
    BOOST_TEST(f.guest.name == "Иван Петров"); // \u escapes decoded to UTF-8
    BOOST_TEST(f.guest.phone == "79001112233");
    BOOST_TEST_REQUIRE(f.lines.size() == 2u);
    BOOST_TEST(f.lines[0].quantity == "2");
    BOOST_TEST(f.lines[0].unit_amount_minor.value() == 650000);
    BOOST_TEST(f.lines[0].amount_minor == 1300000);
    BOOST_TEST(f.lines[0].category == "accommodation");
    BOOST_TEST(!f.lines[1].unit_amount_minor.has_value()); // optional members stay empty
    BOOST_TEST(f.lines[1].date.empty());
    BOOST_TEST(f.lines[1].quantity == "0.5");
    BOOST_TEST(f.lines[1].amount_minor == -250000);
    BOOST_TEST_REQUIRE(f.payments.size() == 2u);
    BOOST_TEST((f.payments[0].direction == sdk::folio_payment::direction_type::incoming));
    BOOST_TEST(f.payments[0].idempotency_key == "ru.invoicebox.pms.payment-link:payment:ord-17");
    BOOST_TEST((f.payments[1].direction == sdk::folio_payment::direction_type::outgoing));
    BOOST_TEST(f.payments[1].posted_at.empty());
    BOOST_TEST(f.totals.charges_minor == 1050000);
    BOOST_TEST(f.totals.paid_minor == 499000);
    BOOST_TEST(f.totals.balance_due_minor == 551000);

    BOOST_TEST(sdk::parse_folio_document(with(example, R"("status": "open")", R"("status": "closed")")).closed);
}

BOOST_AUTO_TEST_CASE(amounts_are_exact_int64) {
    // Beyond 2^53 a double would round; the reader keeps every digit.
    const auto f = sdk::parse_folio_document(
        with(example, R"("balance_due_minor": 551000)", R"("balance_due_minor": 9007199254740993)"));
    BOOST_TEST(f.totals.balance_due_minor == 9007199254740993LL);
    const auto g = sdk::parse_folio_document(
        with(example, R"("charges_minor": 1050000)", R"("charges_minor": -9223372036854775808)"));
    BOOST_TEST(g.totals.charges_minor == std::numeric_limits<std::int64_t>::min());
}

BOOST_AUTO_TEST_CASE(decimal_amounts_are_refused_by_name) {
    for (const char* bad : {"1300000.0", "1.3e6", "13000.5", "9223372036854775808"}) {
        const std::string err =
            error_of(with(example, R"("amount_minor": 1300000)", std::string(R"("amount_minor": )") + bad));
        BOOST_TEST(err.find("/lines/0/amount_minor") != std::string::npos, err);
        BOOST_TEST(err.find("expected an integer amount in minor units") != std::string::npos, err);
    }
    const std::string err = error_of(with(example, R"("paid_minor": 499000)", R"("paid_minor": "499000")"));
    BOOST_TEST(err == "pms.folio/1 document: /totals/paid_minor: expected an integer, got a string", err);
}

BOOST_AUTO_TEST_CASE(malformed_documents_give_a_clear_error) {
    struct bad_case {
        std::string json;
        std::string expected; // a part of what()
    };
    const bad_case cases[] = {
        {"", "not JSON: unexpected end of the document at offset 0"},
        {"{\"schema\": \"pms.folio/1\",", "not JSON: expected a member name at offset 25"},
        {"[1, 2]", "expected an object, got an array"},
        {example + "x", "not JSON: unexpected text after the document"},
        {"{\"a\": \"\x01\"}", "control character in a string"},
        {"{\"a\": \"\\ud800\"}", "unpaired surrogate"},
        {std::string(100, '[') + std::string(100, ']'), "nested too deeply"},
        {with(example, R"("schema": "pms.folio/1")", R"("schema": "pms.folio/2")"), "/schema: not \"pms.folio/1\""},
        {with(example, R"("folio_id": "F-1001-1",)", ""), "/folio_id: missing"},
        {with(example, R"("status": "open")", R"("status": "draft")"), "/status: expected \"open\" or \"closed\""},
        {with(example, R"("currency": "RUB")", R"("currency": "rub")"), "/currency: expected an ISO-4217 code"},
        {with(example, R"("guest": {)", R"("guest": 7, "x": {)"), "/guest: expected an object, got an integer"},
        {with(example, R"("quantity": "2")", R"("quantity": "2,5")"), "/lines/0/quantity: expected a decimal string"},
        {with(example, R"("quantity": "2")", R"("quantity": 2)"), "/lines/0/quantity: expected a string, got an integer"},
        {with(example, R"("direction": "outgoing")", R"("direction": "out")"), "/payments/1/direction"},
        {with(example, R"("posting_id": "P-56", )", ""), "/payments/1/posting_id: missing"},
        {with(example, R"("lines": [)", R"("lines": [7, )"), "/lines/0: expected an object, got an integer"},
    };
    for (const auto& c : cases) {
        const std::string err = error_of(c.json);
        BOOST_TEST(err.rfind("pms.folio/1 document: ", 0) == 0u, err);
        BOOST_TEST(err.find(c.expected) != std::string::npos, err << " -- want: " << c.expected);
    }
    // The throwing form carries the same text and the pointer.
    try {
        (void)sdk::parse_folio_document(with(example, R"("vat_code": "none", )", ""));
        BOOST_FAIL("no exception");
    } catch (const sdk::folio_document_error& e) {
        BOOST_TEST(e.pointer() == "/lines/1/vat_code");
        BOOST_TEST(std::string(e.what()) == "pms.folio/1 document: /lines/1/vat_code: missing");
    }
}

BOOST_AUTO_TEST_CASE(read_clears_the_error_on_success) {
    std::string error = "stale";
    BOOST_TEST(sdk::read_folio_document(example, &error).has_value());
    BOOST_TEST(error.empty());
    BOOST_TEST(sdk::read_folio_document(example).has_value()); // error is optional
}
