// SettingsSchema (src/settings_schema.hpp) on its own: the "x-secret-bound-to" keyword is
// checked when a plugin hands its schema over, and a candidate that changes a bound field is
// told which secrets must be typed again.
#include "settings_schema.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>

#include <optional>
#include <string>
#include <variant>
#include <vector>

using pms::host::detail::SettingsSchema;
namespace json = boost::json;

namespace {

// A schema with `token` (and an override item's token) declared as given.
std::string schema_with(const std::string& token, const std::string& item_token = R"({"type":"string","x-secret":true})") {
    return R"({"$id":"t/settings/1","type":"object","properties":{)"
           R"("url":{"type":"string","title":"Адрес API","default":"https://a.example"},)"
           R"("flavour":{"type":"string","title":"Версия API","enum":["v3","l3"]},)"
           R"("key":{"type":"string","x-secret":true},)"
           R"("group":{"type":"object","properties":{"x":{"type":"string"}}},)"
           R"("token":)" + token + "," +
           R"("items":{"type":"array","items":{"type":"object","properties":{)"
           R"("entity":{"type":"string","title":"Юрлицо"},"token":)" + item_token + "}}}}}";
}

std::string refusal(const std::string& text) {
    auto parsed = SettingsSchema::parse(text);
    return std::holds_alternative<std::string>(parsed) ? std::get<std::string>(parsed) : "";
}

SettingsSchema parse_ok(const std::string& text) {
    auto parsed = SettingsSchema::parse(text);
    if (auto* error = std::get_if<std::string>(&parsed))
        BOOST_FAIL(*error);
    return std::get<SettingsSchema>(std::move(parsed));
}

json::object obj(const char* text) { return json::parse(text).as_object(); }

} // namespace

BOOST_AUTO_TEST_SUITE(settings_schema)

BOOST_AUTO_TEST_CASE(the_bound_to_keyword_is_checked) {
    parse_ok(schema_with(R"({"type":"string","x-secret":true,"x-secret-bound-to":["url","flavour"]})",
                         R"({"type":"string","x-secret":true,"x-secret-bound-to":["url","entity"]})"));

    auto has = [](const std::string& error, const std::string& part) {
        BOOST_CHECK_MESSAGE(error.find(part) != std::string::npos, error);
    };
    has(refusal(schema_with(R"({"type":"string","x-secret-bound-to":["url"]})")),
        "only allowed on an \"x-secret\" string at /token");
    has(refusal(schema_with(R"({"type":"string","x-secret":true,"x-secret-bound-to":"url"})")),
        "must be a non-empty array of field names at /token");
    has(refusal(schema_with(R"({"type":"string","x-secret":true,"x-secret-bound-to":[]})")),
        "must be a non-empty array of field names at /token");
    has(refusal(schema_with(R"({"type":"string","x-secret":true,"x-secret-bound-to":[1]})")),
        "must hold field names at /token");
    has(refusal(schema_with(R"({"type":"string","x-secret":true,"x-secret-bound-to":["nope"]})")),
        "names \"nope\", which is not a field of this object or an enclosing one, at /token");
    // A JSON Pointer is not a name.
    has(refusal(schema_with(R"({"type":"string","x-secret":true,"x-secret-bound-to":["/url"]})")),
        "names \"/url\"");
    has(refusal(schema_with(R"({"type":"string","x-secret":true,"x-secret-bound-to":["key"]})")),
        "names the secret \"key\" at /token");
    has(refusal(schema_with(R"({"type":"string","x-secret":true,"x-secret-bound-to":["group"]})")),
        "names \"group\", which is not a scalar field, at /token");
    has(refusal(schema_with(R"({"type":"string","x-secret":true,"x-secret-bound-to":["items"]})")),
        "which is not a scalar field");
    // The root cannot see into an item.
    has(refusal(schema_with(R"({"type":"string","x-secret":true,"x-secret-bound-to":["entity"]})")),
        "names \"entity\"");
    // Inside an item: checked the same way.
    has(refusal(schema_with(R"({"type":"string","x-secret":true})",
                            R"({"type":"string","x-secret-bound-to":["url"]})")),
        "only allowed on an \"x-secret\" string at /items/items/token");
    has(refusal(schema_with(R"({"type":"string","x-secret":true})",
                            R"({"type":"string","x-secret":true,"x-secret-bound-to":["token"]})")),
        "names the secret \"token\" at /items/items/token");
}

// API 1.3: "x-prefill" on a field the host fills in, "x-check" on the connection check action.
BOOST_AUTO_TEST_CASE(the_prefill_and_check_keywords_are_checked) {
    auto has = [](const std::string& error, const std::string& part) {
        BOOST_CHECK_MESSAGE(error.find(part) != std::string::npos, error);
    };
    parse_ok(schema_with(R"({"type":"string","format":"uri","x-prefill":"notification_url"})"));
    has(refusal(schema_with(R"({"type":"string","x-prefill":"public_url"})")),
        "\"x-prefill\" must be \"notification_url\" at /token");
    has(refusal(schema_with(R"({"type":"integer","x-prefill":"notification_url"})")),
        "only allowed on a non-secret string at /token");
    has(refusal(schema_with(R"({"type":"string","x-secret":true,"x-prefill":"notification_url"})")),
        "only allowed on a non-secret string at /token");

    const std::string base = R"({"$id":"t/settings/1","type":"object","properties":{},"x-actions":)";
    parse_ok(base + R"([{"id":"check","label":"Проверить","x-check":true},{"id":"other"}]})");
    has(refusal(base + R"([{"id":"a","x-check":"yes"}]})"), "must be true or false");
    has(refusal(base + R"([{"id":"a","x-check":true},{"id":"b","x-check":true}]})"),
        "at most one of");
}

BOOST_AUTO_TEST_CASE(changed_bound_fields_are_reported_per_secret) {
    const auto schema = parse_ok(
        schema_with(R"({"type":"string","x-secret":true,"title":"API токен","x-secret-bound-to":["url","flavour"]})",
                    R"({"type":"string","x-secret":true,"x-secret-bound-to":["url","entity"]})"));
    const auto saved = obj(R"({"url":"https://a.example","flavour":"v3","items":[{"entity":"1"}]})");

    // Nothing changed (a missing url is its default, "" is blank).
    BOOST_CHECK(schema.rebound_secrets(obj(R"({"flavour":"v3","url":""})"), saved).empty());
    BOOST_CHECK(schema.rebound_secrets(obj(R"({"url":"https://a.example","flavour":"v3","token":"",)"
                                           R"("items":[{"entity":"1","token":""}]})"),
                                       saved)
                    .empty());

    // The root url moved: the root token and the item's, which inherits it.
    auto moved = schema.rebound_secrets(
        obj(R"({"url":"http://evil.example","flavour":"v3","token":"typed","items":[{"entity":"1"}]})"),
        saved);
    BOOST_REQUIRE_EQUAL(moved.size(), 2u);
    BOOST_CHECK_EQUAL(moved[0].secret, "/token");
    BOOST_CHECK(!moved[0].left_blank);
    BOOST_CHECK(moved[0].changed == std::vector<std::string>{"/url"});
    BOOST_CHECK_EQUAL(moved[0].message, "Введите «API токен» заново: изменено поле «Адрес API»");
    BOOST_CHECK_EQUAL(moved[1].secret, "/items/0/token");
    BOOST_CHECK(moved[1].left_blank);
    // No title: the property name stands in.
    BOOST_CHECK_EQUAL(moved[1].message, "Введите «token» заново: изменено поле «Адрес API»");

    // Two fields at once; an item beyond the saved ones counts as changed.
    auto both = schema.rebound_secrets(
        obj(R"({"url":"http://evil.example","flavour":"l3","items":[{"entity":"1"},{"entity":"2"}]})"),
        saved);
    BOOST_REQUIRE_EQUAL(both.size(), 3u);
    BOOST_CHECK_EQUAL(both[0].message,
                      "Введите «API токен» заново: изменены поля «Адрес API», «Версия API»");
    BOOST_CHECK_EQUAL(both[2].secret, "/items/1/token");
    BOOST_CHECK((both[2].changed == std::vector<std::string>{"/url", "/items/1/entity"}));

    // A secret that is not bound is never reported, whatever changed.
    const auto root_only = schema.rebound_secrets(obj(R"({"url":"http://evil.example","key":""})"), saved);
    BOOST_REQUIRE_EQUAL(root_only.size(), 1u);
    BOOST_CHECK_EQUAL(root_only[0].secret, "/token");

    // with_secrets() leaves a withheld secret blank and fills the others.
    const auto filled = schema.with_secrets(
        obj(R"({"token":"","key":""})"),
        [](const std::string& ptr) -> std::optional<std::string> { return "stored" + ptr; },
        {"/token"});
    BOOST_CHECK_EQUAL(json::serialize(filled), R"({"token":"","key":"stored/key"})");
}

BOOST_AUTO_TEST_SUITE_END()
