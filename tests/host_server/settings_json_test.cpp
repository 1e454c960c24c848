// Settings documents against their schema: where the secrets are, stripping them, setting a
// value at a JSON Pointer with the schema's type (the command-line presets).
#include <pms/host/server/settings_json.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>

namespace json = boost::json;
using namespace pms::host::server;

namespace {

const json::object schema = json::parse(R"({
  "type": "object", "$id": "x/settings/1",
  "properties": {
    "shop_id": {"type": "string"},
    "api_token": {"type": "string", "x-secret": true},
    "retries": {"type": "integer"},
    "ratio": {"type": "number"},
    "live": {"type": "boolean"},
    "legal_entities": {"type": "array", "items": {"type": "object", "properties": {
        "legal_entity_id": {"type": "string"},
        "api_token": {"type": "string", "x-secret": true}}}}
  }})")
                                .as_object();

} // namespace

BOOST_AUTO_TEST_SUITE(settings_json)

BOOST_AUTO_TEST_CASE(secret_pointers_cover_root_and_array_items) {
    const auto values =
        json::parse(R"({"legal_entities": [{"legal_entity_id": "1"}, {}]})").as_object();
    const auto pointers = secret_pointers(schema, values);
    const std::vector<std::string> expected{"/api_token", "/legal_entities/0/api_token",
                                            "/legal_entities/1/api_token"};
    BOOST_TEST(pointers == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(strip_secrets_removes_every_secret) {
    auto values = json::parse(R"({"shop_id": "s", "api_token": "T1",
        "legal_entities": [{"legal_entity_id": "1", "api_token": "T2"}]})")
                      .as_object();
    strip_secrets(schema, values);
    const auto text = json::serialize(values);
    BOOST_TEST(text.find("T1") == std::string::npos);
    BOOST_TEST(text.find("T2") == std::string::npos);
    BOOST_TEST(values.at("shop_id").as_string() == "s");
}

BOOST_AUTO_TEST_CASE(schema_at_follows_properties_and_items) {
    BOOST_TEST(schema_at(schema, "/retries")->at("type").as_string() == "integer");
    BOOST_TEST(schema_at(schema, "/legal_entities/3/api_token")->at("x-secret").as_bool());
    BOOST_TEST(schema_at(schema, "/nope") == nullptr);
    BOOST_TEST(schema_at(schema, "/legal_entities/x/api_token") == nullptr);
}

BOOST_AUTO_TEST_CASE(coerce_by_schema_type) {
    BOOST_TEST(coerce_to_schema_type(schema_at(schema, "/retries"), "7")->as_int64() == 7);
    BOOST_TEST(!coerce_to_schema_type(schema_at(schema, "/retries"), "7x"));
    BOOST_TEST(coerce_to_schema_type(schema_at(schema, "/live"), "true")->as_bool());
    BOOST_TEST(!coerce_to_schema_type(schema_at(schema, "/live"), "maybe"));
    BOOST_TEST(coerce_to_schema_type(schema_at(schema, "/shop_id"), "007")->as_string() == "007");
    BOOST_TEST(coerce_to_schema_type(nullptr, "plain")->as_string() == "plain");
    BOOST_TEST(coerce_to_schema_type(schema_at(schema, "/ratio"), "0.5")->is_number());
}

BOOST_AUTO_TEST_CASE(set_at_pointer_builds_the_path) {
    json::object doc;
    BOOST_TEST(set_at_pointer(doc, "shop_id", "a"));
    BOOST_TEST(set_at_pointer(doc, "/legal_entities/0/merchant_id", "m"));
    BOOST_TEST(set_at_pointer(doc, "/legal_entities/1/api_token", "t"));
    BOOST_TEST(set_at_pointer(doc, "/a~1b", 1));
    BOOST_TEST(json::serialize(doc) ==
               R"({"shop_id":"a","legal_entities":[{"merchant_id":"m"},{"api_token":"t"}],"a/b":1})");
    BOOST_TEST(!set_at_pointer(doc, "/shop_id/x", 1)); // crosses a scalar
}

// An index names an existing element or the next one (RFC 6901's append), never a gap: padding
// up to "/legal_entities/99999999999/…" made pms-host allocate 10^11 objects at start-up.
BOOST_AUTO_TEST_CASE(set_at_pointer_refuses_an_index_past_the_end) {
    json::object doc;
    BOOST_TEST(!set_at_pointer(doc, "/legal_entities/1/api_token", "t"));
    BOOST_TEST(!set_at_pointer(doc, "/legal_entities/99999999999/api_key", "k"));
    BOOST_TEST(set_at_pointer(doc, "/legal_entities/0/api_key", "k"));
    BOOST_TEST(!set_at_pointer(doc, "/legal_entities/2/api_key", "k"));
    BOOST_TEST(doc.at("legal_entities").as_array().size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
