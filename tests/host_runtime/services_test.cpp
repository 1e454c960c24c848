// The host services as a plugin uses them: pms.store/1, pms.folio/1 (document, postings with the
// admin's mapping, idempotency), pms.mail/1 (outbox files), pms.notify/1 (dedupe + live
// subscribers), pms.clock/1, and the log redaction.
#include "harness.hpp"

#include "logger.hpp"

#include <pms/host/mail/rfc2047.hpp>
#include <pms/host/runtime/mail_transport.hpp>

#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <sstream>
#include <thread>

using namespace pms::host;
using namespace pms::host::test;
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

// The unfolded value of header `name` ("Subject") in `text`, or "" when missing.
std::string header_value(const std::string& message, const std::string& name) {
    const std::string text = "\r\n" + message; // the first header has no line before it
    const std::string key = "\r\n" + name + ": ";
    auto at = text.find(key);
    if (at == std::string::npos)
        return {};
    at += key.size();
    auto end = text.find("\r\n", at);
    while (end != std::string::npos && end + 2 < text.size() &&
           (text[end + 2] == ' ' || text[end + 2] == '\t'))
        end = text.find("\r\n", end + 2);
    return text.substr(at, end - at);
}

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

} // namespace

BOOST_AUTO_TEST_SUITE(services)

BOOST_AUTO_TEST_CASE(store_is_namespaced_atomic_and_refuses_calls_from_a_scan) {
    Harness h;
    h.enable("test.c-basic");
    h.enable("test.c-second");
    BOOST_CHECK_EQUAL(h.notify("test.c-basic", "store").body,
                      "batch=PMS_OK get=PMS_OK a=1 missing=PMS_NOT_FOUND scan=PMS_OK "
                      "empty_key=PMS_INVALID_ARGUMENT");
    BOOST_CHECK_EQUAL(h.logs.count("put inside scan -> PMS_INVALID_STATE"), 2u);
    auto& store = h.storage->plugin_store();
    BOOST_CHECK(store.get({"test.c-basic", h.seed.property}, "a") ==
                std::optional<StoreBytes>{"1"});
    BOOST_CHECK(!store.get({"test.c-second", h.seed.property}, "a"));
    BOOST_CHECK(!store.get({"test.c-basic", PropertyId{h.seed.property.value + 1}}, "a"));
}

BOOST_AUTO_TEST_CASE(the_folio_document_follows_the_schema) {
    Harness h;
    h.enable("test.c-basic");
    const InboundReply r =
        h.notify("test.c-basic", "folio", std::to_string(h.seed.main_folio.value));
    BOOST_REQUIRE_EQUAL(r.http_status, 200);
    const json::object doc = json::parse(r.body).as_object();
    BOOST_CHECK_EQUAL(doc.at("schema").as_string(), "pms.folio/1");
    BOOST_CHECK_EQUAL(doc.at("folio_id").as_string(), std::to_string(h.seed.main_folio.value));
    BOOST_CHECK_EQUAL(doc.at("folio_number").as_string(), "30682277");
    BOOST_CHECK_EQUAL(doc.at("status").as_string(), "open");
    BOOST_CHECK_EQUAL(doc.at("property_id").as_string(), std::to_string(h.seed.property.value));
    BOOST_CHECK_EQUAL(doc.at("currency").as_string(), "RUB");
    BOOST_CHECK(doc.at("legal_entity").as_object().contains("name"));
    BOOST_CHECK(doc.at("guest").as_object().contains("email"));
    BOOST_CHECK_EQUAL(doc.at("totals").as_object().at("charges_minor").as_int64(),
                      demo_main_folio_total_minor);
    const auto& lines = doc.at("lines").as_array();
    BOOST_REQUIRE(!lines.empty());
    for (const auto& l : lines) {
        const std::string vat{l.as_object().at("vat_code").as_string()};
        BOOST_CHECK_MESSAGE(vat == "none" || vat.rfind("vat", 0) == 0, vat);
        BOOST_CHECK_EQUAL(l.as_object().at("quantity").as_string(), "1");
    }
    BOOST_CHECK_EQUAL(h.notify("test.c-basic", "folio", "987654").body, "PMS_NOT_FOUND");
}

BOOST_AUTO_TEST_CASE(postings_apply_the_mapping_and_are_idempotent) {
    Harness h;
    h.enable("test.c-basic");
    const std::string folio = std::to_string(h.seed.main_folio.value);
    const std::string key = "test.c-basic:payment:ord-1";

    BOOST_CHECK_EQUAL(h.notify("test.c-basic", "post", folio + " 150000 " + key + " 1").body,
                      "ok=0 dup=0 conflict=0 other=1 last=PMS_NO_MAPPING posting=");
    BOOST_CHECK(!h.storage->folios().find_payment(key));

    h.map_kind("test.c-basic", "payment");
    const std::string first =
        h.notify("test.c-basic", "post", folio + " 150000 " + key + " 1").body;
    BOOST_CHECK_MESSAGE(first.rfind("ok=1 dup=0 conflict=0 other=0 last=PMS_OK posting=", 0) == 0,
                        first);
    const std::string again =
        h.notify("test.c-basic", "post", folio + " 150000 " + key + " 1").body;
    BOOST_CHECK_MESSAGE(
        again.rfind("ok=0 dup=1 conflict=0 other=0 last=PMS_DUPLICATE posting=", 0) == 0, again);
    BOOST_CHECK_EQUAL(first.substr(first.find("posting=")), again.substr(again.find("posting=")));
    const std::string conflict = h.notify("test.c-basic", "post", folio + " 99 " + key + " 1").body;
    BOOST_CHECK_MESSAGE(conflict.find("conflict=1") != std::string::npos, conflict);

    const auto payment = h.storage->folios().find_payment(key);
    BOOST_REQUIRE(payment);
    BOOST_CHECK_EQUAL(payment->amount.minor, 150000);
    BOOST_CHECK(payment->category == h.seed.cashless);
    BOOST_CHECK(payment->type == h.seed.online_link);
    BOOST_CHECK_EQUAL(payment->posted_by_plugin, "test.c-basic");
    // Logs a hotel can keep: the posting at info, in the host's words (folio, amount, the
    // admin's category and type); its repeat (nothing changed) at debug only; a refusal's reason.
    const std::string posted_money = "150000 RUB (minor units) to folio " + folio + " as «" +
                                     payment->category_name + "» / «" + payment->type_name + "»";
    const std::string posting_id = std::to_string(payment->id.value);
    BOOST_CHECK_EQUAL(h.logs.count(LogLevel::info, "posted " + posted_money + ", posting " + posting_id +
                                                       ", key " + key),
                      1u);
    BOOST_CHECK_EQUAL(h.logs.count(LogLevel::info, "repeat of posting"), 0u);
    BOOST_CHECK_EQUAL(h.logs.count(LogLevel::debug, "repeat of posting " + posting_id + ", " + posted_money +
                                                        ", key " + key),
                      1u);
    BOOST_CHECK_EQUAL(h.logs.count(LogLevel::warning, "payment of 150000 RUB (minor units) to folio " + folio +
                                                          " not posted, key " + key + ": PMS_NO_MAPPING"),
                      1u);

    // A refund (outgoing kind) is stored negative.
    h.map_kind("test.c-basic", "refund");
    const std::string refund_key = "test.c-basic:refund:ord-1";
    const std::string refund =
        h.notify("test.c-basic", "post", folio + " 5000 " + refund_key + " 1 refund").body;
    BOOST_CHECK_MESSAGE(refund.find("ok=1") != std::string::npos, refund);
    BOOST_CHECK_EQUAL(h.storage->folios().find_payment(refund_key)->amount.minor, -5000);

    // A kind the plugin never declared is refused at the call.
    BOOST_CHECK_EQUAL(h.notify("test.c-basic", "post", folio + " 5000 k 1 tip").body, "rejected");
    BOOST_CHECK_EQUAL(h.logs.count(LogLevel::plugin_misbehaving, "kind 'tip'"), 1u);
    // A folio that does not exist.
    const std::string missing =
        h.notify("test.c-basic", "post", "424242 100 test.c-basic:payment:x 1").body;
    BOOST_CHECK_MESSAGE(missing.find("last=PMS_NOT_FOUND") != std::string::npos, missing);
    // A folio of another property is unknown to this property's instance: checked where the
    // posting is written, in its transaction, so it posts nothing there.
    auto& folios = h.storage->folios();
    const auto elsewhere = folios.ensure_property({"Другой отель", "Europe/Moscow", 180}).id;
    const auto entity = folios.ensure_legal_entity({elsewhere, "ООО «Другой»", "7700000001"}).id;
    const auto booking = folios.ensure_booking({elsewhere, "900001", {"Гость Другой", ""}}).id;
    const auto foreign = folios.ensure_folio({booking, entity, "90000001", "RUB", true, {}}).id;
    const std::string foreign_key = "test.c-basic:payment:foreign";
    const std::string refused =
        h.notify("test.c-basic", "post", std::to_string(foreign.value) + " 100 " + foreign_key + " 1").body;
    BOOST_CHECK_MESSAGE(refused.find("last=PMS_NOT_FOUND") != std::string::npos, refused);
    BOOST_CHECK(!folios.find_payment(foreign_key));
    BOOST_CHECK(folios.payments_of_folio(foreign).empty());
    BOOST_CHECK_EQUAL(h.logs.count(LogLevel::warning, "payment of 100 RUB (minor units) to folio " +
                                                          std::to_string(foreign.value) + " not posted, key " +
                                                          foreign_key + ": PMS_NOT_FOUND: no folio " +
                                                          std::to_string(foreign.value) + " in property " +
                                                          std::to_string(h.seed.property.value)),
                      1u);

    // The folio document now lists the postings.
    const json::object doc = json::parse(h.notify("test.c-basic", "folio", folio).body).as_object();
    BOOST_CHECK_EQUAL(doc.at("payments").as_array().size(), 2u);
    BOOST_CHECK_EQUAL(doc.at("totals").as_object().at("paid_minor").as_int64(), 150000 - 5000);
}

// The default transport: HostMailTransport over pms::host::mail::OutboxTransport.
BOOST_AUTO_TEST_CASE(mail_goes_to_the_outbox_as_rfc5322) {
    Harness h;
    h.enable("test.c-basic");
    BOOST_CHECK_EQUAL(h.notify("test.c-basic", "mail", "guest@example.org").body, "status=PMS_OK ");
    const fs::path outbox = h.data_dir / "outbox";
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(outbox))
        files.push_back(e.path());
    BOOST_REQUIRE_EQUAL(files.size(), 1u);
    BOOST_CHECK_EQUAL(files[0].extension(), ".eml");
    const std::string text = read_file(files[0]);
    BOOST_CHECK(text.find("\r\nMIME-Version: 1.0\r\n") != std::string::npos);
    BOOST_CHECK(text.find("multipart/alternative") != std::string::npos);
    BOOST_CHECK(text.find("Content-Type: text/plain; charset=UTF-8") != std::string::npos);
    BOOST_CHECK(text.find("Content-Type: text/html; charset=UTF-8") != std::string::npos);
    BOOST_CHECK(text.find("To: =?UTF-8?B?") != std::string::npos);
    BOOST_CHECK(text.find("<guest@example.org>") != std::string::npos);
    // The subject decodes back to the original UTF-8.
    const std::string subject = header_value(text, "Subject");
    BOOST_CHECK(subject.find("=?UTF-8?") != std::string::npos);
    BOOST_CHECK_EQUAL(pms::host::mail::decode_header_words(subject).value_or("<undecodable>"),
                      "Ссылка на оплату счёта №1001 — гостиница «Север»");
    // The sender is the runtime's, the Date comes from the runtime's clock.
    BOOST_CHECK(header_value(text, "From").find("<pms-host@localhost>") != std::string::npos);
    BOOST_CHECK(!header_value(text, "Date").empty());
    BOOST_CHECK(!header_value(text, "Message-ID").empty());
    BOOST_CHECK_EQUAL(h.notify("test.c-basic", "mail", "not-an-address").body,
                      "rejected PMS_INVALID_ARGUMENT");
}

// The sender of plugin mail (issue 10): the property's name and no-reply@<public host> by
// default, the admin's mail settings once saved, the command line's sender over both.
BOOST_AUTO_TEST_CASE(mail_sender_comes_from_settings_then_defaults_never_localhost) {
    const auto only_mail = [](const fs::path& outbox) {
        std::vector<fs::path> files;
        for (const auto& e : fs::directory_iterator(outbox))
            files.push_back(e.path());
        BOOST_REQUIRE_EQUAL(files.size(), 1u);
        std::string text = read_file(files[0]);
        fs::remove(files[0]);
        return text;
    };
    {
        HarnessOptions o;
        o.tweak = [](RuntimeOptions& r) { r.mail_default_domain = "pms.grand.example"; };
        Harness h{o};
        h.enable("test.c-basic");
        const auto property_name = h.storage->folios().get_property(h.seed.property)->name;

        BOOST_CHECK_EQUAL(h.notify("test.c-basic", "mail", "guest@example.org").body,
                          "status=PMS_OK ");
        std::string from = header_value(only_mail(h.data_dir / "outbox"), "From");
        BOOST_CHECK_MESSAGE(from.find("<no-reply@pms.grand.example>") != std::string::npos, from);
        BOOST_CHECK(from.find("localhost") == std::string::npos);
        BOOST_CHECK_EQUAL(pms::host::mail::decode_header_words(from.substr(0, from.find(" <")))
                              .value_or("<undecodable>"),
                          property_name);
        const auto by_default = h.runtime->mail_sender(h.seed.property);
        BOOST_CHECK_EQUAL(by_default.source, "default");

        h.storage->settings().save_mail_sender(h.seed.property, "Бронирование «Север»",
                                               "booking@sever.example");
        BOOST_CHECK_EQUAL(h.notify("test.c-basic", "mail", "guest@example.org").body,
                          "status=PMS_OK ");
        from = header_value(only_mail(h.data_dir / "outbox"), "From");
        BOOST_CHECK_MESSAGE(from.find("<booking@sever.example>") != std::string::npos, from);
        BOOST_CHECK_EQUAL(pms::host::mail::decode_header_words(from.substr(0, from.find(" <")))
                              .value_or("<undecodable>"),
                          "Бронирование «Север»");
        BOOST_CHECK_EQUAL(h.runtime->mail_sender(h.seed.property).source, "settings");
    }
    {
        HarnessOptions o;
        o.tweak = [](RuntimeOptions& r) {
            r.mail_default_domain = "pms.grand.example";
            r.mail_from = "ops@relay.example";
            r.mail_from_name = "Ops";
            r.mail_from_fixed = true;
        };
        Harness h{o};
        h.enable("test.c-basic");
        h.storage->settings().save_mail_sender(h.seed.property, "Отель", "booking@sever.example");
        BOOST_CHECK_EQUAL(h.notify("test.c-basic", "mail", "guest@example.org").body,
                          "status=PMS_OK ");
        const std::string from = header_value(only_mail(h.data_dir / "outbox"), "From");
        BOOST_CHECK_MESSAGE(from.find("<ops@relay.example>") != std::string::npos, from);
        BOOST_CHECK_EQUAL(h.runtime->mail_sender(h.seed.property).source, "command_line");
        BOOST_CHECK_EQUAL(h.runtime->mail_sender(h.seed.property, true).address,
                          "booking@sever.example");
    }
}

BOOST_AUTO_TEST_CASE(mail_address_validation) {
    BOOST_CHECK(pms::host::mail_address_valid("no-reply@grand.example"));
    BOOST_CHECK(pms::host::mail_address_valid("pms-host@localhost"));
    for (const char* bad : {"", "no-at.example", "@grand.example", "a@", "a@b@c.example",
                            "a b@c.example", "a@host", "a@.example", "a@example.", "a@x..y",
                            "a@c.example\r\nBcc: x@y.example", "<a@c.example>"})
        BOOST_CHECK_MESSAGE(!pms::host::mail_address_valid(bad), bad);
}

// The composer itself (RFC 2047 words, MIME parts, dates) is tested in
// tests/host_mail/composer_test.cpp.

BOOST_AUTO_TEST_CASE(staff_notifications_are_deduplicated_and_fanned_out) {
    Harness h;
    h.enable("test.c-basic");
    std::mutex mutex;
    std::vector<std::pair<Notification, bool>> seen;
    Subscription sub = h.runtime->subscribe_notifications([&](const Notification& n, bool dup) {
        std::lock_guard lock(mutex);
        seen.emplace_back(n, dup);
    });
    BOOST_CHECK_EQUAL(h.notify("test.c-basic", "notify", "suspense:1").body, "PMS_OK");
    BOOST_CHECK_EQUAL(h.notify("test.c-basic", "notify", "suspense:1").body, "PMS_OK");
    BOOST_CHECK_EQUAL(h.notify("test.c-basic", "notify", "").body, "PMS_INVALID_ARGUMENT");
    // raise() returns once queued behind the store writer; staff see it once durable.
    for (int i = 0; i < 500; ++i) {
        {
            std::lock_guard lock(mutex);
            if (seen.size() >= 2)
                break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::lock_guard lock(mutex);
    BOOST_REQUIRE_EQUAL(seen.size(), 2u);
    BOOST_CHECK(!seen[0].second);
    BOOST_CHECK(seen[1].second);
    BOOST_CHECK_EQUAL(seen[0].first.dedupe_key, "test.c-basic:suspense:1");
    BOOST_CHECK_EQUAL(seen[0].first.title, "Fixture alert");
    BOOST_CHECK_EQUAL(seen[0].first.source, "test.c-basic");
    BOOST_CHECK(seen[0].first.level == NotificationLevel::warning);
    BOOST_CHECK_EQUAL(h.storage->notifications().list_newest(h.seed.property, 10).size(), 1u);
}

BOOST_AUTO_TEST_CASE(clock_and_zone_come_from_the_host) {
    Harness h;
    h.enable("test.c-basic");
    h.clock->set(from_utc_ms(1'750'000'000'000));
    BOOST_CHECK_EQUAL(h.notify("test.c-basic", "clock").body,
                      "now=1750000000000 offset=180 zone=Europe/Moscow");
}

BOOST_AUTO_TEST_CASE(log_redaction_masks_secrets_credentials_and_card_numbers) {
    pms::host::detail::Logger log{[](const LogLine&) {}, LogLevel::debug};
    log.set_secrets("p@1", {"s3cr3t-value", "abc"});
    BOOST_CHECK_EQUAL(log.redact("token s3cr3t-value used"), "token *** used");
    BOOST_CHECK_EQUAL(log.redact("abc is short"), "abc is short");
    BOOST_CHECK_EQUAL(log.redact("Authorization: Bearer eyJhbGciOi.x.y; next"),
                      "Authorization: Bearer ***; next");
    BOOST_CHECK_EQUAL(log.redact("authorization=Basic dXNlcjpwYXNz"), "authorization=Basic ***");
    BOOST_CHECK_EQUAL(log.redact("sent bearer abc.def to server"), "sent bearer *** to server");
    BOOST_CHECK_EQUAL(log.redact("card 4111111111111111 ok"), "card ****1111 ok");
    BOOST_CHECK_EQUAL(log.redact("order 1234567890123"), "order 1234567890123"); // not Luhn
    log.set_secrets("p@1", {});
    BOOST_CHECK_EQUAL(log.redact("token s3cr3t-value used"), "token s3cr3t-value used");
}

BOOST_AUTO_TEST_SUITE_END()
