// Tests of view.hpp: the "pms.view/1" builder writes what view-v1.md describes, escapes every
// text, leaves defaults out, and refuses what the host would refuse.
#include <pms/plugin_sdk/view.hpp> // first: the header under test is self-contained

#define BOOST_TEST_MODULE pms_plugin_sdk_view
#include <boost/test/unit_test.hpp>

#include <boost/json.hpp>

#include <stdexcept>
#include <string>

namespace v = pms::sdk::view;
namespace bj = boost::json;

namespace {

bj::object parse(const std::string& text) { return bj::parse(text).as_object(); }

} // namespace

BOOST_AUTO_TEST_CASE(minimal_document_is_exact) {
    v::document doc("Hello");
    BOOST_TEST(doc.to_json() == R"({"schema":"pms.view/1","title":"Hello","elements":[]})");
    doc.size = v::dialog_size::small;
    doc.busy = true;
    BOOST_TEST(doc.to_json() ==
               R"({"schema":"pms.view/1","title":"Hello","size":"small","elements":[],"busy":true})");
}

BOOST_AUTO_TEST_CASE(every_element_type) {
    v::document doc("Платёжная ссылка");
    doc.add(v::text_element{.text = "Здравствуйте, \"Иван\"\n", .style = v::text_style::heading})
        .add(v::notice_element{.level = v::notice_level::warning, .title = "Ссылка истекла", .text = "Создайте новую."})
        .add(v::value_element{.label = "Ссылка", .value = "https://pay.example/abc", .kind = v::value_kind::pay_url,
                              .copy = true, .id = "link"})
        .add(v::fields_element{.items = {{.label = "Статус", .value = "Оплачена", .tone = v::cell_tone::success},
                                         {.label = "Сумма", .value = "15 500,00 ₽"}}});
    v::table_element table{.id = "links",
                           .columns = {{.key = "amount", .label = "Сумма", .align = v::column_align::right},
                                       {.key = "status", .label = "Статус"}},
                           .rows = {{.key = "order-17",
                                     .cells = {{"amount", {"15 500,00 ₽"}},
                                               {"status", {.text = "Оплачена", .tone = v::cell_tone::success}}},
                                     .actions = {{.id = "copy", .label = "Копировать", .copy_text = "https://pay"},
                                                 {.id = "cancel", .label = "Отменить", .style = v::button_style::danger,
                                                  .confirm = "Отменить ссылку?"}}}},
                           .empty_text = "Ссылок нет"};
    doc.add(std::move(table));
    v::form_element form{.id = "create"};
    form.fields.push_back({.type = v::field_type::money, .name = "amount", .label = "Сумма", .value = "15500.00",
                           .required = true, .currency = "RUB", .min = "0.01", .max = "15500.00"});
    form.fields.push_back({.type = v::field_type::text, .name = "email", .label = "E-mail", .value = "a@b.c",
                           .error = "Не адрес", .input = v::text_input::email, .max_length = 254});
    form.fields.push_back({.type = v::field_type::textarea, .name = "comment", .label = "Комментарий", .rows = 3});
    form.fields.push_back({.type = v::field_type::select, .name = "lifetime", .label = "Срок", .value = "72h",
                           .options = {{"24h", "1 день"}, {"72h", "3 дня"}}});
    form.fields.push_back({.type = v::field_type::checkbox, .name = "send_mail", .label = "Отправить", .checked = true});
    doc.add(std::move(form));
    doc.buttons.push_back({.id = "create", .label = "Создать", .style = v::button_style::primary, .submit = true});
    doc.buttons.push_back({.id = "close", .label = "Закрыть", .close = true});

    const auto o = parse(doc.to_json());
    BOOST_TEST(o.at("schema").as_string() == "pms.view/1");
    BOOST_TEST(o.at("title").as_string() == "Платёжная ссылка");
    BOOST_TEST(!o.contains("size"));
    BOOST_TEST(!o.contains("busy"));
    const auto& el = o.at("elements").as_array();
    BOOST_TEST_REQUIRE(el.size() == 6u);
    BOOST_TEST(el[0].at("type").as_string() == "text");
    BOOST_TEST(el[0].at("text").as_string() == "Здравствуйте, \"Иван\"\n"); // escaped and back
    BOOST_TEST(el[0].at("style").as_string() == "heading");
    BOOST_TEST(el[1].at("level").as_string() == "warning");
    BOOST_TEST(el[1].at("title").as_string() == "Ссылка истекла");
    BOOST_TEST(el[2].at("kind").as_string() == "pay_url");
    BOOST_TEST(el[2].at("copy").as_bool());
    BOOST_TEST(el[2].at("id").as_string() == "link");
    BOOST_TEST(el[3].at("items").as_array()[0].at("tone").as_string() == "success");
    BOOST_TEST(!el[3].at("items").as_array()[1].as_object().contains("tone"));
    const auto& t = el[4].as_object();
    BOOST_TEST(t.at("columns").as_array()[0].at("align").as_string() == "right");
    BOOST_TEST(!t.at("columns").as_array()[1].as_object().contains("align"));
    const auto& r = t.at("rows").as_array()[0];
    BOOST_TEST(r.at("key").as_string() == "order-17");
    BOOST_TEST(r.at("cells").at("amount").as_string() == "15 500,00 ₽"); // a plain cell is a string
    BOOST_TEST(r.at("cells").at("status").at("tone").as_string() == "success");
    BOOST_TEST(r.at("actions").as_array()[0].at("copy_text").as_string() == "https://pay");
    BOOST_TEST(r.at("actions").as_array()[1].at("confirm").as_string() == "Отменить ссылку?");
    BOOST_TEST(t.at("empty_text").as_string() == "Ссылок нет");
    const auto& f = el[5].at("fields").as_array();
    BOOST_TEST(f[0].at("value").is_string()); // money is text, never a JSON number
    BOOST_TEST(f[0].at("value").as_string() == "15500.00");
    BOOST_TEST(f[0].at("currency").as_string() == "RUB");
    BOOST_TEST(f[0].at("required").as_bool());
    BOOST_TEST(!f[0].as_object().contains("input"));
    BOOST_TEST(f[1].at("input").as_string() == "email");
    BOOST_TEST(f[1].at("max_length").as_int64() == 254);
    BOOST_TEST(f[1].at("error").as_string() == "Не адрес");
    BOOST_TEST(f[2].at("rows").as_int64() == 3);
    BOOST_TEST(!f[2].as_object().contains("value"));
    BOOST_TEST(f[3].at("options").as_array()[1].at("label").as_string() == "3 дня");
    BOOST_TEST(f[4].at("value").as_bool());
    const auto& b = o.at("buttons").as_array();
    BOOST_TEST(b[0].at("style").as_string() == "primary");
    BOOST_TEST(b[0].at("submit").as_bool());
    BOOST_TEST(!b[1].as_object().contains("style")); // secondary is the default
    BOOST_TEST(b[1].at("close").as_bool());
}

BOOST_AUTO_TEST_CASE(control_characters_are_escaped) {
    v::document doc(std::string("a\x01") + "\\b");
    BOOST_TEST(doc.to_json().find(R"("title":"a\u0001\\b")") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(refuses_what_the_host_refuses) {
    v::document bad_button("x");
    bad_button.buttons.push_back({.id = "has space", .label = "?"});
    BOOST_CHECK_THROW(bad_button.to_json(), std::invalid_argument);

    v::document empty_id("x");
    empty_id.buttons.push_back({.id = "", .label = "?"});
    BOOST_CHECK_THROW(empty_id.to_json(), std::invalid_argument);

    v::document bad_field("x");
    bad_field.add(v::form_element{.fields = {{.name = "a/b", .label = "?"}}});
    BOOST_CHECK_THROW(bad_field.to_json(), std::invalid_argument);

    v::document money("x");
    money.add(v::form_element{.fields = {{.type = v::field_type::money, .name = "amount", .label = "?"}}});
    BOOST_CHECK_THROW(money.to_json(), std::invalid_argument); // no currency

    v::document rows("x");
    v::table_element t{.id = "t", .columns = {{.key = "a", .label = "A"}}};
    for (int i = 0; i < 501; ++i)
        t.rows.push_back({.key = "r" + std::to_string(i)});
    rows.add(t);
    BOOST_CHECK_THROW(rows.to_json(), std::invalid_argument);
    t.rows.pop_back();
    v::document ok("x");
    ok.add(std::move(t));
    BOOST_CHECK_NO_THROW(ok.to_json()); // 500 rows are fine

    v::document big("x");
    big.add(v::text_element{.text = std::string(v::max_document_bytes, 'a')});
    BOOST_CHECK_THROW(big.to_json(), std::invalid_argument);
}
