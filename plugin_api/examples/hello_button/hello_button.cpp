// hello_button — an example PMS plugin written with the C++ SDK only (pms/plugin_sdk/*.hpp).
//
// It has the three faces a payment plugin has, without the payment:
//  - a folio button «Поздороваться»: the click reads the folio (pms.folio/1) and greets its
//    guest by name, counts the clicks per folio in the plugin's store (pms.store/1) and shows
//    the last ping it received; the dialog's «Ещё раз» button does it again;
//  - a settings page (pms.settings-schema/1): the greeting and whether to show the counter;
//  - a notification route (pms.notification-sink/1): POST /hooks/<plugin>/<property>/ping
//    records the request body and answers {"recorded": true, "pings": N}.
//
// What crosses the boundary is only the C ABI: the SDK's base class turns the member functions
// below into C function tables, and each hook runs inside a try/catch (trampoline.hpp), so no
// C++ exception, std::string or Boost type ever reaches the host. That is why this module may
// be built with another compiler and standard library (clang++ -stdlib=libc++) than the host.
//
// The dialog is built with the SDK's typed pms.view/1 builder (view.hpp) and the folio read
// with its typed pms.folio/1 reader (folio_document.hpp); Boost.JSON is left for the plugin's
// own documents (settings, view events, pings).
//
// Every hook runs on this instance's strand: no locking anywhere in this file.
#include <pms/plugin_sdk/entry.hpp> // exactly one .cpp of the module includes it
#include <pms/plugin_sdk/sdk.hpp>

#include <boost/json.hpp> // compiled in json_impl.cpp

#include <charconv>
#include <cstdint>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace json = boost::json;
namespace view = pms::sdk::view;

constexpr std::string_view default_greeting = "Здравствуйте";

// The store keys. Prefixes keep the two kinds of records apart, so a scan("clicks/") would see
// only counters.
std::string clicks_key(std::string_view folio_id) {
    return "clicks/" + std::string(folio_id);
}
constexpr std::string_view last_ping_key = "ping/last";
constexpr std::string_view ping_count_key = "ping/count";

// A counter stored as decimal text; a missing or unreadable record counts as 0. from_chars does
// not throw: a damaged counter is not worth failing a greeting for.
std::uint64_t read_count(const std::optional<std::string>& text) {
    std::uint64_t n = 0;
    if (text && !text->empty())
        if (auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), n);
            ec != std::errc{} || end != text->data() + text->size())
            n = 0;
    return n;
}

// A member of a JSON object, or nullptr when `v` is no object or lacks it.
const json::value* member(const json::value& v, std::string_view key) {
    const auto* obj = v.if_object();
    return obj != nullptr ? obj->if_contains(key) : nullptr;
}

// A string member of a JSON object, or `fallback` when absent or not a string. Documents from
// the host may gain members in later minors; a reader looks up what it needs and ignores the rest.
std::string string_member(const json::value& v, std::string_view key, std::string_view fallback) {
    if (const auto* m = member(v, key))
        if (const auto* s = m->if_string())
            return std::string(s->begin(), s->end());
    return std::string(fallback);
}

class hello_button : public pms::sdk::plugin<hello_button> {
  public:
    // The descriptor. The id is reverse-DNS and stable forever: the host keys enablement,
    // settings and the store by it. The manifest (plugin.json.in) repeats id and capabilities,
    // and the loader refuses the module when the two disagree.
    static constexpr pms::sdk::plugin_info info{
        .id = "com.example.pms.hello-button",
        .name = "Hello button",
        .vendor = "Example vendor",
        .version = "1.0.0",
        .description = "Example plugin: greets the guest of a folio, counts clicks, records pings",
        .url = "",
        .support_url = "",
        .flags = 0};
    using plugin::plugin;

    // ---- pms.folio-button/1 ------------------------------------------------------------------

    // Read once by the host (the SDK caches it), so it must not depend on settings.
    std::vector<pms::sdk::button> buttons() {
        return {{"hello", "Поздороваться", "", "Поприветствовать гостя по имени"}};
    }

    // Taking the reply by value makes this member its owner: whatever happens below, it answers
    // exactly once — show() here, or PMS_INTERNAL by itself if an exception unwinds through.
    // Everything used here is synchronous (folio read, settings, store), so the answer is
    // given before the hook returns; a plugin that calls out over HTTP would co_spawn a
    // coroutine and move the reply into it (plugin_api/README.md, "The C++ SDK in one page").
    void on_click(std::string_view button_id, std::string_view /*view_session_id*/,
                  const pms::sdk::folio_context& ctx, pms::sdk::view_reply reply) {
        if (button_id != "hello")
            return reply.fail(PMS_NOT_FOUND);
        reply.show(greet(ctx.folio_id));
    }

    // Buttons of the dialog: «Ещё раз» greets again; «Сбой (пример)» throws on purpose.
    void on_view_event(const pms::sdk::view_event& event, pms::sdk::view_reply reply) {
        json::error_code ec;
        const json::value doc = json::parse(event.event_json, ec);
        const std::string action = ec ? std::string() : string_member(doc, "action", "");
        if (action == "again")
            return reply.show(greet(event.context.folio_id));
        if (action == "boom")
            // Deliberately NOT caught here, to show what the SDK does with a plugin bug: the
            // exception stops in the SDK's trampoline and never unwinds into the host (the C
            // frames there have no handlers, and a host built with another standard library
            // would not even know its type); the reply this member took answers PMS_INTERNAL
            // as the exception unwinds (reply.hpp), and the host logs the exception's text as
            // PLUGIN_MISBEHAVING. Staff see a generic error; the dialog stays usable.
            throw std::runtime_error("hello_button: the «Сбой» button failed on purpose");
        reply.fail(PMS_NOT_SUPPORTED);
    }

    // ---- pms.settings-schema/1 ---------------------------------------------------------------

    // The host renders the settings page in «Стыковки» from this schema, checks the values
    // against it and stores them per property; plugin code only reads them
    // (host().settings_json()). $id ends in a revision: when the shape changes, bump it and migrate
    // in activate().
    std::string settings_schema() {
        return R"({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "com.example.pms.hello-button/settings/1",
  "type": "object",
  "title": "Hello button",
  "properties": {
    "greeting": {"type": "string", "title": "Приветствие", "default": "Здравствуйте",
                 "description": "Слова перед именем гостя", "minLength": 1, "maxLength": 80},
    "show_clicks": {"type": "boolean", "title": "Показывать счётчик нажатий", "default": true}
  },
  "x-order": ["greeting", "show_clicks"]
})";
    }

    // ---- pms.notification-sink/1 -------------------------------------------------------------

    // POST /hooks/com.example.pms.hello-button/<property>/ping. The route has no staff session:
    // a real plugin checks the provider's signature first and answers 401/403 without
    // recording anything when it fails.
    //
    // The body is recorded as received and interpreted only when it is read (on the next
    // click). That is the rule a payment plugin follows for provider notifications: answer
    // "received" once the bytes are durable, so that a bug in parsing can never lose one.
    void on_notification(const pms::sdk::inbound_request& request, pms::sdk::inbound_reply reply) {
        std::string_view path = request.path;
        if (!path.empty() && path.front() == '/')
            path.remove_prefix(1);
        if (path != "ping")
            return reply.json(R"({"error":"unknown route"})", 404);
        if (request.method != "POST")
            return reply.send(405, "application/json", R"({"error":"POST only"})",
                              {{"Allow", "POST"}});

        const auto st = store();
        const std::uint64_t pings = read_count(st.get(ping_count_key)) + 1;
        // One atomic batch: the body and the count are stored together or not at all. A store
        // failure throws; the reply then answers 503 by itself and the provider retries.
        pms::sdk::store_batch batch;
        batch.put(std::string(last_ping_key), request.body)
            .put(std::string(ping_count_key), std::to_string(pings));
        st.write(batch);

        json::object answer;
        answer["recorded"] = true;
        answer["pings"] = pings;
        reply.json(json::serialize(answer));
    }

  private:
    // The greeting dialog (a "pms.view/1" document) for one folio. The builder escapes every
    // text, whatever the guest's name contains, and writes only the schema's members.
    std::string greet(const std::string& folio_id) {
        // The folio document. nullopt = no such folio (e.g. deleted since the button was shown).
        const auto folio_json = folio().get_folio_json(folio_id);
        if (!folio_json)
            return notice_view(view::notice_level::error, "Счёт не найден",
                               "Счёт " + folio_id + " больше не существует.");
        // The non-throwing reader: the host writes a valid document, and should it not, the
        // greeting goes on without the guest's name (the reason goes to the log).
        std::string folio_error;
        const auto folio = pms::sdk::read_folio_document(*folio_json, &folio_error);
        if (!folio)
            host().warning(folio_error);
        const std::string name = folio ? folio->guest.name : "";
        const std::string number = folio ? folio->folio_number : folio_id;

        // Settings as saved (defaults before the first save are the schema's).
        json::error_code ec;
        const json::value settings = json::parse(host().settings_json(), ec);
        const std::string greeting =
            string_member(ec ? json::value() : settings, "greeting", default_greeting);
        bool show_clicks = true;
        if (!ec)
            if (const auto* b = member(settings, "show_clicks"); b != nullptr && b->is_bool())
                show_clicks = b->as_bool();

        // Count this click. put() is durable when it returns.
        const auto st = store();
        const std::uint64_t clicks = read_count(st.get(clicks_key(folio_id))) + 1;
        st.put(clicks_key(folio_id), std::to_string(clicks));

        view::document doc("Hello button");
        doc.size = view::dialog_size::small;
        doc.add(view::text_element{.text = greeting + ", " + (name.empty() ? "гость" : name) + "!",
                                   .style = view::text_style::heading});
        view::fields_element fields;
        fields.items.push_back({.label = "Счёт", .value = number});
        if (show_clicks)
            fields.items.push_back({.label = "Нажатий на этом счёте", .value = std::to_string(clicks)});
        doc.add(std::move(fields));
        doc.elements.push_back(last_ping_element());
        doc.buttons.push_back({.id = "again", .label = "Ещё раз", .style = view::button_style::primary});
        doc.buttons.push_back({.id = "boom", .label = "Сбой (пример)", .style = view::button_style::danger});
        doc.buttons.push_back({.id = "close", .label = "Закрыть", .close = true});
        return doc.to_json();
    }

    // The last recorded ping, read from its raw bytes. This is where a throw is caught inside
    // the plugin: the throwing json::parse and at() report a malformed ping as an exception,
    // and a broken record must not cost the greeting, so the dialog says what is wrong instead.
    // (The exception is thrown and caught within this module's own runtime: nothing of it is
    // visible to the host.)
    view::element last_ping_element() {
        const auto raw = store().get(last_ping_key);
        if (!raw)
            return view::text_element{.text = "Пингов ещё не было", .style = view::text_style::muted};
        try {
            // parse throws system_error on malformed JSON; at() out_of_range without "message";
            // as_string() invalid_argument when it is no string.
            const json::value ping = json::parse(*raw);
            const json::string& message = ping.at("message").as_string();
            return view::text_element{.text = "Последний пинг: " + std::string(message.begin(), message.end())};
        } catch (const std::exception& e) {
            return view::notice_element{
                .level = view::notice_level::warning,
                .title = "Последний пинг не прочитан",
                .text = std::string("Запись сохранена, но это не JSON с полем message (") + e.what() + ")"};
        }
    }

    static std::string notice_view(view::notice_level level, std::string title, std::string text) {
        view::document doc("Hello button");
        doc.add(view::notice_element{.level = level, .title = std::move(title), .text = std::move(text)});
        return doc.to_json();
    }
};

} // namespace

// The exported entry, the factory and reference-counted module init/deinit for this class.
PMS_DECLARE_PLUGIN_ENTRY(hello_button);
