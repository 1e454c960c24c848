// Tests of plugin.hpp and entry.hpp: a C++ plugin class turned into the C ABI, driven through
// the exported entry exactly as the host drives a loaded module (in-process, no dlopen).
#include <pms/plugin_sdk/entry.hpp> // first: the header under test is self-contained

#include "fake_host.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>

#define BOOST_TEST_MODULE pms_plugin_sdk_plugin
#include <boost/test/unit_test.hpp>

#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace asio = boost::asio;
namespace sdk = pms::sdk;
using pms_test::fake_host;
using pms_test::logged;

namespace {

int module_inits = 0;
int module_deinits = 0;

// A plugin with every hook; its behaviour is steered by the test through `mode`.
class full_plugin : public sdk::plugin<full_plugin> {
public:
    static constexpr sdk::plugin_info info{.id = "com.example.pms.full",
                                           .name = "Full",
                                           .vendor = "Example",
                                           .version = "1.2.3",
                                           .description = "every hook",
                                           .url = "https://example.com",
                                           .support_url = "",
                                           .flags = PMS_PLUGIN_FLAG_UNLOADABLE};
    using plugin::plugin;

    static pms_status module_init(const pms_host_info&) {
        ++module_inits;
        return PMS_OK;
    }
    static void module_deinit() { ++module_deinits; }

    std::string mode;
    int settings_changes = 0, mapping_changes = 0;
    std::vector<std::string> closed_sessions;

    pms_status activate() {
        if (mode == "throw-activate")
            throw std::runtime_error("activate failed");
        return mode == "refuse-activate" ? PMS_UNAVAILABLE : PMS_OK;
    }

    // pms.folio-button/1
    std::vector<sdk::button> buttons() {
        return {{"payment-link", "Payment link", "link", "Create a payment link"},
                {"refresh", "Refresh", "refresh", ""}};
    }
    bool is_button_enabled(std::string_view id, const sdk::folio_context& ctx) {
        return id == "payment-link" && ctx.folio_id == "F-1";
    }
    void on_click(std::string_view button_id, std::string_view session,
                  const sdk::folio_context& ctx, sdk::view_reply reply) {
        if (mode == "throw-before")
            throw std::runtime_error("before taking the reply");
        if (mode == "throw-after") {
            sdk::view_reply taken = std::move(reply);
            throw std::runtime_error("after taking the reply");
        }
        if (mode == "coroutine") {
            // Typical shape: a coroutine that does I/O, then answers.
            asio::co_spawn(get_executor(), click_flow(std::move(reply)), asio::detached);
            return;
        }
        // Answer later, from the strand.
        asio::post(get_executor(), [reply = std::move(reply), id = std::string(button_id),
                                    s = std::string(session), user = ctx.staff_user_name]() mutable {
            reply.show("{\"schema\":\"pms.view/1\",\"title\":\"" + id + "/" + s + "/" + user + "\"}");
        });
    }
    sdk::awaitable<void> click_flow(sdk::view_reply reply) {
        sdk::http_request req;
        req.url = "https://api.example/x";
        auto [ec, res] = co_await http().async_send(req, asio::as_tuple(sdk::use_awaitable));
        if (ec) {
            reply.fail(sdk::to_status(ec));
            co_return;
        }
        reply.show(res.body);
    }
    void on_view_event(const sdk::view_event& ev, sdk::view_reply reply) {
        if (ev.event_json.find("\"close\"") != std::string::npos)
            reply.close();
        else
            reply.show("{\"event\":" + ev.event_json + ",\"staff\":\"" + ev.context.staff_user_id + "\"}");
    }
    void on_view_closed(std::string_view session) { closed_sessions.emplace_back(session); }

    // pms.admin-page/1 (since 1.2): its own member names, so its sessions never reach the
    // folio button's on_view_event/on_view_closed.
    std::vector<std::string> closed_pages;
    std::vector<sdk::admin_page> admin_pages() {
        return {{"suspense", "Unposted payments", PMS_ADMIN_SECTION_FINANCE, "suspense.manage"},
                {"report", "Report", PMS_ADMIN_SECTION_REPORTS, "folio.view"}};
    }
    void on_page_open(std::string_view page_id, std::string_view session,
                      const sdk::page_context& ctx, sdk::view_reply reply) {
        if (mode == "throw-page")
            throw std::runtime_error("page failed");
        asio::post(get_executor(), [reply = std::move(reply), id = std::string(page_id),
                                    s = std::string(session), user = ctx.staff_user_name,
                                    page = ctx.page_id]() mutable {
            reply.show("{\"schema\":\"pms.view/1\",\"title\":\"" + id + "/" + s + "/" + user +
                       "/" + page + "\"}");
        });
    }
    void on_page_event(const sdk::page_event& ev, sdk::view_reply reply) {
        if (ev.event_json.find("\"close\"") != std::string::npos)
            return reply.close();
        host().push_page_view(ev.view_session_id, "{\"schema\":\"pms.view/1\",\"title\":\"pushed\"}");
        reply.show("{\"page_event\":" + ev.event_json + ",\"page\":\"" + ev.context.page_id + "\"}");
    }
    void on_page_closed(std::string_view session) { closed_pages.emplace_back(session); }

    // pms.settings-schema/1
    std::string settings_schema() { return "{\"type\":\"object\"}"; }
    std::optional<std::string> validate_settings(std::string_view json) {
        if (json.find("shop_id") == std::string_view::npos)
            return std::string("{\"fields\":{\"/shop_id\":\"Required\"}}");
        return std::nullopt;
    }
    void on_settings_changed() { ++settings_changes; }
    void run_settings_action(std::string_view action, std::string_view, sdk::action_reply reply) {
        if (action == "check_connection")
            reply.success("Connected");
        else
            throw std::invalid_argument("unknown action");
    }

    // pms.payment-types/1
    std::vector<sdk::payment_type> payment_types() {
        return {{"payment", "Payment", PMS_PAYMENT_INCOMING}, {"refund", "Refund", PMS_PAYMENT_OUTGOING}};
    }
    void on_mapping_changed() { ++mapping_changes; }

    // pms.notification-sink/1
    void on_notification(const sdk::inbound_request& req, sdk::inbound_reply reply) {
        if (req.body == "drop")
            return; // the reply answers 503 by itself
        reply.json("{\"status\":\"success\",\"path\":\"" + req.path + "\",\"sig\":\"" +
                   std::string(req.header("x-signature").value_or("")) + "\"}");
    }
};

// A second plugin in the same module with one hook only.
class small_plugin : public sdk::plugin<small_plugin> {
public:
    static constexpr sdk::plugin_info info{.id = "com.example.pms.small", .name = "Small",
                                           .vendor = "Example", .version = "0.1.0"};
    explicit small_plugin(const pms_host* host) : plugin(host) {
        if (std::strcmp(host->property_id, "explode") == 0)
            throw std::runtime_error("constructor failed");
    }
    std::vector<sdk::payment_type> payment_types() { return {{"payment", "Payment"}}; }
};

// A third one whose hook takes its reply by rvalue reference.
class rvalue_plugin : public sdk::plugin<rvalue_plugin> {
public:
    static constexpr sdk::plugin_info info{.id = "com.example.pms.rvalue", .name = "Rvalue",
                                           .vendor = "Example", .version = "0.1.0"};
    using plugin::plugin;
    void on_notification(const sdk::inbound_request& req, sdk::inbound_reply&& reply) {
        if (req.body == "throw")
            throw std::runtime_error("not taken");
        reply.json("{}");
    }
};

} // namespace

PMS_DECLARE_PLUGIN_ENTRY(full_plugin, small_plugin, rvalue_plugin);

namespace {

const pms_host_info host_info{sizeof(pms_host_info), PMS_VERSION_INIT, "fake-host", "tests", "0"};

struct loaded {
    const pms_plugin_entry& entry = pms_plugin_entry_v1;
    const pms_plugin_factory* factory = nullptr;
    loaded() {
        BOOST_REQUIRE(entry.init(&host_info, pms_str{"/x.so", 5}) == PMS_OK);
        factory = static_cast<const pms_plugin_factory*>(entry.get_factory(PMS_PLUGIN_FACTORY_ID));
        BOOST_REQUIRE(factory != nullptr);
    }
    ~loaded() { entry.deinit(); }
};

// An instance of full_plugin, created and initialised on a fake host.
struct instance : loaded {
    fake_host h;
    const pms_plugin* p = nullptr;
    instance() {
        p = factory->create(factory, h.c_host(), "com.example.pms.full");
        BOOST_REQUIRE(p != nullptr);
        BOOST_REQUIRE(p->init(p) == PMS_OK);
    }
    ~instance() {
        h.drain();
        h.run();
        p->destroy(p);
    }
    full_plugin& cpp() { return *static_cast<full_plugin*>(static_cast<sdk::plugin<full_plugin>*>(p->plugin_data)); }
    template <class T>
    const T* ext(const char* id) { return static_cast<const T*>(p->get_extension(p, id)); }
};

struct view_sink {
    int calls = 0;
    pms_status status = 12345;
    std::string json;
    pms_view_done done() {
        return {[](void* u, pms_status s, pms_str j) {
                    auto* self = static_cast<view_sink*>(u);
                    ++self->calls;
                    self->status = s;
                    self->json = pms_test::str(j);
                },
                this};
    }
};

pms_folio_context make_context(const std::string& folio) {
    static std::string property = "hotel-1", booking = "B-1", user = "u-17", name = "Anna", locale = "ru-RU";
    static std::string f;
    f = folio;
    return pms_folio_context{sizeof(pms_folio_context), pms_test::view(property), pms_test::view(f),
                             pms_test::view(booking), pms_test::view(user), pms_test::view(name),
                             pms_test::view(locale)};
}

} // namespace

BOOST_AUTO_TEST_SUITE(entry)

BOOST_AUTO_TEST_CASE(entry_fields) {
    const pms_plugin_entry& e = pms_plugin_entry_v1;
    BOOST_TEST(e.struct_size == sizeof(pms_plugin_entry));
    BOOST_TEST(e.api.major == 1u);
    BOOST_TEST(e.api.minor == PMS_PLUGIN_API_VERSION_MINOR);
    BOOST_TEST(e.min_host_minor == PMS_PLUGIN_API_VERSION_MINOR);
    BOOST_TEST(std::string(e.build_key).find("boost=108100") != std::string::npos);
    BOOST_TEST(std::string(e.build_key).find("gcc-12") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(init_is_reference_counted) {
    const pms_plugin_entry& e = pms_plugin_entry_v1;
    const int inits = module_inits, deinits = module_deinits;
    BOOST_TEST(e.init(&host_info, pms_str{}) == PMS_OK);
    BOOST_TEST(e.init(&host_info, pms_str{}) == PMS_OK);
    BOOST_TEST(module_inits == inits + 1);
    e.deinit();
    BOOST_TEST(module_deinits == deinits);
    e.deinit();
    BOOST_TEST(module_deinits == deinits + 1);
    e.deinit(); // unbalanced: ignored
    BOOST_TEST(module_deinits == deinits + 1);
}

BOOST_AUTO_TEST_CASE(init_refuses_other_majors_and_newer_requirements) {
    const pms_plugin_entry& e = pms_plugin_entry_v1;
    pms_host_info other = host_info;
    other.api.major = 2;
    BOOST_TEST(e.init(&other, pms_str{}) == PMS_VERSION_MISMATCH);
    BOOST_TEST(e.init(nullptr, pms_str{}) == PMS_INVALID_ARGUMENT);
    pms_host_info newer_host = host_info;
    newer_host.api.minor = 7; // a newer host minor is fine
    BOOST_TEST(e.init(&newer_host, pms_str{}) == PMS_OK);
    e.deinit();
}

BOOST_AUTO_TEST_CASE(factory_lists_and_creates) {
    loaded m;
    BOOST_TEST(m.entry.get_factory("pms.plugin-factory/2") == nullptr);
    BOOST_TEST(m.factory->count(m.factory) == 3u);
    const pms_plugin_descriptor* d0 = m.factory->descriptor(m.factory, 0);
    const pms_plugin_descriptor* d1 = m.factory->descriptor(m.factory, 1);
    BOOST_TEST(m.factory->descriptor(m.factory, 3) == nullptr);
    BOOST_TEST(std::string(d0->id) == "com.example.pms.full");
    BOOST_TEST(std::string(d0->version) == "1.2.3");
    BOOST_TEST(d0->struct_size == sizeof(pms_plugin_descriptor));
    BOOST_TEST(d0->api.major == 1u);
    BOOST_TEST(d0->flags == PMS_PLUGIN_FLAG_UNLOADABLE);
    std::vector<std::string> caps;
    for (const char* const* c = d0->capabilities; *c != nullptr; ++c)
        caps.emplace_back(*c);
    BOOST_TEST(caps == (std::vector<std::string>{PMS_HOOK_FOLIO_BUTTON, PMS_HOOK_SETTINGS_SCHEMA,
                                                 PMS_HOOK_PAYMENT_TYPES, PMS_HOOK_NOTIFICATION_SINK,
                                                 PMS_HOOK_ADMIN_PAGE}));
    BOOST_TEST(std::string(d1->id) == "com.example.pms.small");
    BOOST_TEST(std::string(d1->capabilities[0]) == PMS_HOOK_PAYMENT_TYPES);
    BOOST_TEST(d1->capabilities[1] == nullptr);

    fake_host h;
    BOOST_TEST(m.factory->create(m.factory, h.c_host(), "com.example.pms.unknown") == nullptr);
    BOOST_TEST(h.logs.empty()); // create makes no host calls

    const pms_plugin* small = m.factory->create(m.factory, h.c_host(), "com.example.pms.small");
    BOOST_REQUIRE(small != nullptr);
    BOOST_TEST(small->desc == d1);
    BOOST_TEST(small->get_extension(small, PMS_HOOK_FOLIO_BUTTON) == nullptr);
    BOOST_TEST(small->get_extension(small, PMS_HOOK_PAYMENT_TYPES) != nullptr);
    BOOST_TEST(small->get_extension(small, PMS_HOOK_ADMIN_PAGE) == nullptr);
    small->destroy(small);
}

BOOST_AUTO_TEST_CASE(an_exception_before_taking_an_rvalue_reply_returns_internal) {
    loaded m;
    fake_host h;
    const pms_plugin* p = m.factory->create(m.factory, h.c_host(), "com.example.pms.rvalue");
    BOOST_REQUIRE(p != nullptr);
    BOOST_REQUIRE(p->init(p) == PMS_OK);
    const auto* ns = static_cast<const pms_plugin_notification_sink*>(
        p->get_extension(p, PMS_HOOK_NOTIFICATION_SINK));
    BOOST_REQUIRE(ns != nullptr);
    int calls = 0;
    pms_reply_done done{[](void* u, const pms_inbound_reply*) { ++*static_cast<int*>(u); }, &calls};
    const std::string body = "throw";
    pms_inbound_request req{};
    req.struct_size = sizeof req;
    req.body = pms_test::bytes(body);
    BOOST_TEST(ns->handle(p, &req, done) == PMS_INTERNAL);
    BOOST_TEST(calls == 0); // non-OK return: the host answers by itself, expects no reply
    BOOST_TEST(logged(h, PMS_LOG_PLUGIN_MISBEHAVING, "not taken"));
    const std::string ok = "ok";
    req.body = pms_test::bytes(ok);
    BOOST_TEST(ns->handle(p, &req, done) == PMS_OK);
    BOOST_TEST(calls == 1);
    p->destroy(p);
}

BOOST_AUTO_TEST_CASE(a_throwing_constructor_gives_null) {
    loaded m;
    fake_host h;
    struct explode_host : fake_host {};
    pms_host copy = *h.c_host();
    copy.property_id = "explode";
    BOOST_TEST(m.factory->create(m.factory, &copy, "com.example.pms.small") == nullptr);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(lifecycle)

BOOST_FIXTURE_TEST_CASE(activate_statuses_and_exceptions, instance) {
    BOOST_TEST(p->struct_size == sizeof(pms_plugin));
    BOOST_TEST(p->activate(p) == PMS_OK);
    p->deactivate(p);
    cpp().mode = "refuse-activate";
    BOOST_TEST(p->activate(p) == PMS_UNAVAILABLE);
    cpp().mode = "throw-activate";
    BOOST_TEST(p->activate(p) == PMS_INTERNAL);
    BOOST_TEST(logged(h, PMS_LOG_PLUGIN_MISBEHAVING, "activate: activate failed"));
}

BOOST_FIXTURE_TEST_CASE(init_gives_the_plugin_its_executor, instance) {
    int ran = 0;
    asio::post(cpp().get_executor(), [&] { ++ran; });
    BOOST_TEST(ran == 0);
    h.run();
    BOOST_TEST(ran == 1);
    BOOST_TEST(cpp().host().property_id() == "hotel-1");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(folio_button)

BOOST_FIXTURE_TEST_CASE(buttons_and_enabled_state, instance) {
    const auto* fb = ext<pms_plugin_folio_button>(PMS_HOOK_FOLIO_BUTTON);
    BOOST_REQUIRE(fb != nullptr);
    BOOST_TEST(fb->count(p) == 2u);
    pms_button_info info{};
    info.struct_size = sizeof info;
    BOOST_TEST(fb->get(p, 0, &info) == PMS_OK);
    BOOST_TEST(std::string(info.id) == "payment-link");
    BOOST_TEST(std::string(info.tooltip) == "Create a payment link");
    BOOST_TEST(fb->get(p, 2, &info) == PMS_INVALID_ARGUMENT);
    // An older host's smaller struct: later fields untouched.
    pms_button_info old{};
    old.struct_size = static_cast<std::uint32_t>(offsetof(pms_button_info, icon));
    BOOST_TEST(fb->get(p, 1, &old) == PMS_OK);
    BOOST_TEST(std::string(old.label) == "Refresh");
    BOOST_TEST(old.icon == nullptr);

    pms_folio_context c1 = make_context("F-1");
    BOOST_TEST(fb->is_enabled(p, "payment-link", &c1) == 1);
    pms_folio_context c2 = make_context("F-2");
    BOOST_TEST(fb->is_enabled(p, "payment-link", &c2) == 0);
}

BOOST_FIXTURE_TEST_CASE(click_answers_once_later, instance) {
    const auto* fb = ext<pms_plugin_folio_button>(PMS_HOOK_FOLIO_BUTTON);
    pms_folio_context ctx = make_context("F-1");
    view_sink sink;
    BOOST_TEST(fb->on_click(p, "payment-link", pms_str{"vs-1", 4}, &ctx, sink.done()) == PMS_OK);
    BOOST_TEST(sink.calls == 0);
    h.run();
    BOOST_TEST(sink.calls == 1);
    BOOST_TEST(sink.status == PMS_OK);
    BOOST_TEST(sink.json == "{\"schema\":\"pms.view/1\",\"title\":\"payment-link/vs-1/Anna\"}");
}

BOOST_FIXTURE_TEST_CASE(exception_in_on_click_answers_internal_once, instance) {
    // on_click takes the reply by value, so the reply is the member's as soon as it is
    // called: the exception unwinds it, it answers PMS_INTERNAL, and the hook returns PMS_OK.
    const auto* fb = ext<pms_plugin_folio_button>(PMS_HOOK_FOLIO_BUTTON);
    pms_folio_context ctx = make_context("F-1");
    view_sink sink;
    cpp().mode = "throw-before";
    BOOST_TEST(fb->on_click(p, "payment-link", pms_str{"vs-1", 4}, &ctx, sink.done()) == PMS_OK);
    h.run();
    BOOST_TEST(sink.calls == 1);
    BOOST_TEST(sink.status == PMS_INTERNAL);
    BOOST_TEST(logged(h, PMS_LOG_PLUGIN_MISBEHAVING, "before taking the reply"));
}

BOOST_FIXTURE_TEST_CASE(exception_after_taking_the_reply_answers_internal_once, instance) {
    const auto* fb = ext<pms_plugin_folio_button>(PMS_HOOK_FOLIO_BUTTON);
    pms_folio_context ctx = make_context("F-1");
    view_sink sink;
    cpp().mode = "throw-after";
    BOOST_TEST(fb->on_click(p, "payment-link", pms_str{"vs-1", 4}, &ctx, sink.done()) == PMS_OK);
    BOOST_TEST(sink.calls == 1);
    BOOST_TEST(sink.status == PMS_INTERNAL);
}

BOOST_FIXTURE_TEST_CASE(coroutine_click_with_http, instance) {
    const auto* fb = ext<pms_plugin_folio_button>(PMS_HOOK_FOLIO_BUTTON);
    pms_folio_context ctx = make_context("F-1");
    cpp().mode = "coroutine";
    view_sink ok, drained;
    BOOST_TEST(fb->on_click(p, "payment-link", pms_str{"vs-1", 4}, &ctx, ok.done()) == PMS_OK);
    h.run();
    BOOST_REQUIRE(h.http_pending.size() == 1u);
    h.complete_http(0, 200, "{\"schema\":\"pms.view/1\",\"title\":\"Link\"}");
    h.run();
    BOOST_TEST(ok.calls == 1);
    BOOST_TEST(ok.json == "{\"schema\":\"pms.view/1\",\"title\":\"Link\"}");

    // Drained while waiting: the click still gets exactly one answer, and the frame unwinds.
    BOOST_TEST(fb->on_click(p, "payment-link", pms_str{"vs-2", 4}, &ctx, drained.done()) == PMS_OK);
    h.run();
    h.drain();
    h.run();
    BOOST_TEST(drained.calls == 1);
    BOOST_TEST(drained.status == PMS_CANCELLED);
}

BOOST_FIXTURE_TEST_CASE(view_events_and_close, instance) {
    const auto* fb = ext<pms_plugin_folio_button>(PMS_HOOK_FOLIO_BUTTON);
    pms_folio_context ctx = make_context("F-1");
    const std::string ev_json = "{\"action\":\"create\"}";
    pms_view_event ev{sizeof(pms_view_event), pms_str{"vs-1", 4}, pms_test::view(ev_json), &ctx};
    view_sink sink;
    BOOST_TEST(fb->on_view_event(p, &ev, sink.done()) == PMS_OK);
    BOOST_TEST(sink.calls == 1); // answered synchronously: allowed for plugin completions
    BOOST_TEST(sink.json == "{\"event\":{\"action\":\"create\"},\"staff\":\"u-17\"}");
    const std::string close_json = "{\"action\":\"close\"}";
    ev.event_json = pms_test::view(close_json);
    view_sink closing;
    BOOST_TEST(fb->on_view_event(p, &ev, closing.done()) == PMS_OK);
    BOOST_TEST(closing.status == PMS_OK);
    BOOST_TEST(closing.json.empty());
    fb->on_view_closed(p, pms_str{"vs-1", 4});
    BOOST_TEST(cpp().closed_sessions == std::vector<std::string>{"vs-1"});
    BOOST_TEST(fb->on_view_event(p, &ev, pms_view_done{nullptr, nullptr}) == PMS_INVALID_ARGUMENT);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(admin_page)

pms_admin_page_context make_page_context(const std::string& page) {
    static std::string property = "hotel-1", user = "u-5", name = "Olga", locale = "ru-RU";
    static std::string pg;
    pg = page;
    return pms_admin_page_context{sizeof(pms_admin_page_context), pms_test::view(property),
                                  pms_test::view(pg),       pms_test::view(user),
                                  pms_test::view(name),     pms_test::view(locale)};
}

BOOST_FIXTURE_TEST_CASE(pages_are_listed_within_the_hosts_struct_size, instance) {
    const auto* ap = ext<pms_plugin_admin_page>(PMS_HOOK_ADMIN_PAGE);
    BOOST_REQUIRE(ap != nullptr);
    BOOST_TEST(ap->count(p) == 2u);
    pms_admin_page_info info{};
    info.struct_size = sizeof info;
    BOOST_TEST(ap->get(p, 0, &info) == PMS_OK);
    BOOST_TEST(std::string(info.id) == "suspense");
    BOOST_TEST(std::string(info.title) == "Unposted payments");
    BOOST_TEST(std::string(info.section) == PMS_ADMIN_SECTION_FINANCE);
    BOOST_TEST(std::string(info.permission) == "suspense.manage");
    BOOST_TEST(ap->get(p, 2, &info) == PMS_INVALID_ARGUMENT);
    BOOST_TEST(ap->get(p, 0, nullptr) == PMS_INVALID_ARGUMENT);
    // A host that knows a shorter struct: the fields beyond it stay untouched.
    pms_admin_page_info small{};
    small.struct_size = static_cast<std::uint32_t>(offsetof(pms_admin_page_info, section));
    BOOST_TEST(ap->get(p, 1, &small) == PMS_OK);
    BOOST_TEST(std::string(small.title) == "Report");
    BOOST_TEST(small.section == nullptr);
    BOOST_TEST(small.permission == nullptr);
}

BOOST_FIXTURE_TEST_CASE(open_answers_once_events_push_and_close, instance) {
    const auto* ap = ext<pms_plugin_admin_page>(PMS_HOOK_ADMIN_PAGE);
    pms_admin_page_context ctx = make_page_context("suspense");
    view_sink opened;
    BOOST_TEST(ap->on_open(p, "suspense", pms_str{"vs-9", 4}, &ctx, opened.done()) == PMS_OK);
    BOOST_TEST(opened.calls == 0);
    h.run();
    BOOST_TEST(opened.calls == 1);
    BOOST_TEST(opened.json == "{\"schema\":\"pms.view/1\",\"title\":\"suspense/vs-9/Olga/suspense\"}");

    const std::string ev_json = "{\"action\":\"post\",\"page_id\":\"suspense\"}";
    pms_admin_page_event ev{sizeof(pms_admin_page_event), pms_str{"vs-9", 4},
                            pms_test::view(ev_json), &ctx};
    view_sink next;
    BOOST_TEST(ap->on_view_event(p, &ev, next.done()) == PMS_OK);
    BOOST_TEST(next.calls == 1);
    BOOST_TEST(next.json == "{\"page_event\":" + ev_json + ",\"page\":\"suspense\"}");
    // The push went through the page twin, not the folio button's.
    BOOST_REQUIRE(h.pushed_page_views.size() == 1u);
    BOOST_TEST(h.pushed_page_views[0].first == "vs-9");
    BOOST_TEST(h.pushed_views.empty());

    const std::string close_json = "{\"action\":\"close\"}";
    ev.event_json = pms_test::view(close_json);
    view_sink closing;
    BOOST_TEST(ap->on_view_event(p, &ev, closing.done()) == PMS_OK);
    BOOST_TEST(closing.status == PMS_OK);
    BOOST_TEST(closing.json.empty());
    ap->on_view_closed(p, pms_str{"vs-9", 4});
    BOOST_TEST(cpp().closed_pages == std::vector<std::string>{"vs-9"});
    BOOST_TEST(cpp().closed_sessions.empty()); // never the folio button's member
    BOOST_TEST(ap->on_open(p, "suspense", pms_str{"vs-9", 4}, &ctx, pms_view_done{nullptr, nullptr}) ==
               PMS_INVALID_ARGUMENT);
}

BOOST_FIXTURE_TEST_CASE(exception_in_on_page_open_answers_internal_once, instance) {
    const auto* ap = ext<pms_plugin_admin_page>(PMS_HOOK_ADMIN_PAGE);
    pms_admin_page_context ctx = make_page_context("suspense");
    view_sink sink;
    cpp().mode = "throw-page";
    BOOST_TEST(ap->on_open(p, "suspense", pms_str{"vs-1", 4}, &ctx, sink.done()) == PMS_OK);
    h.run();
    BOOST_TEST(sink.calls == 1);
    BOOST_TEST(sink.status == PMS_INTERNAL);
    BOOST_TEST(logged(h, PMS_LOG_PLUGIN_MISBEHAVING, "page failed"));
}

BOOST_FIXTURE_TEST_CASE(the_property_document_and_an_older_host, instance) {
    BOOST_TEST(cpp().host().property_ext() != nullptr);
    BOOST_TEST(cpp().host().property_json() == h.property_json);
    // A host older than 1.2 offers neither: the wrappers say not_supported.
    fake_host old;
    old.offer_property = false;
    sdk::host older(old.c_host());
    older.load_extensions();
    BOOST_TEST(older.property_ext() == nullptr);
    BOOST_TEST(older.admin_page_ext() == nullptr);
    BOOST_CHECK_THROW((void)older.property_json(), boost::system::system_error);
    BOOST_CHECK_THROW((void)older.push_page_view("vs-1", "{}"), boost::system::system_error);
    BOOST_TEST(!cpp().host().push_page_view("closed", "{}"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(settings_schema)

BOOST_FIXTURE_TEST_CASE(schema_validate_actions, instance) {
    const auto* ss = ext<pms_plugin_settings_schema>(PMS_HOOK_SETTINGS_SCHEMA);
    BOOST_REQUIRE(ss != nullptr);
    sdk::string_writer schema;
    BOOST_TEST(ss->get_schema(p, schema.writer()) == PMS_OK);
    BOOST_TEST(schema.str() == "{\"type\":\"object\"}");

    sdk::string_writer errors;
    BOOST_TEST(ss->validate(p, pms_str{"{}", 2}, errors.writer()) == PMS_INVALID_ARGUMENT);
    BOOST_TEST(errors.str() == "{\"fields\":{\"/shop_id\":\"Required\"}}");
    const std::string good = "{\"shop_id\":\"s\"}";
    sdk::string_writer none;
    BOOST_TEST(ss->validate(p, pms_test::view(good), none.writer()) == PMS_OK);
    BOOST_TEST(none.str().empty());

    ss->on_settings_changed(p);
    BOOST_TEST(cpp().settings_changes == 1);

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
    BOOST_TEST(ss->run_action(p, "check_connection", pms_test::view(good), done) == PMS_OK);
    BOOST_TEST(sink.calls == 1);
    BOOST_TEST(sink.json == "{\"level\":\"success\",\"message\":\"Connected\"}");
    // The member takes the reply by value, so it has it when it throws: answered INTERNAL.
    BOOST_TEST(ss->run_action(p, "format_disk", pms_test::view(good), done) == PMS_OK);
    BOOST_TEST(sink.calls == 2);
    BOOST_TEST(sink.status == PMS_INTERNAL);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(payment_types)

BOOST_FIXTURE_TEST_CASE(kinds_and_mapping, instance) {
    const auto* pt = ext<pms_plugin_payment_types>(PMS_HOOK_PAYMENT_TYPES);
    BOOST_REQUIRE(pt != nullptr);
    BOOST_TEST(pt->count(p) == 2u);
    pms_payment_type_info info{};
    info.struct_size = sizeof info;
    BOOST_TEST(pt->get(p, 1, &info) == PMS_OK);
    BOOST_TEST(std::string(info.code) == "refund");
    BOOST_TEST(info.direction == PMS_PAYMENT_OUTGOING);
    BOOST_TEST(pt->get(p, 5, &info) == PMS_INVALID_ARGUMENT);
    BOOST_TEST(pt->get(p, 0, nullptr) == PMS_INVALID_ARGUMENT);
    pt->on_mapping_changed(p);
    BOOST_TEST(cpp().mapping_changes == 1);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(notification_sink)

BOOST_FIXTURE_TEST_CASE(handle_replies_exactly_once, instance) {
    const auto* ns = ext<pms_plugin_notification_sink>(PMS_HOOK_NOTIFICATION_SINK);
    BOOST_REQUIRE(ns != nullptr);
    struct sink_t {
        int calls = 0;
        int http_status = 0;
        std::string body;
    } sink;
    pms_reply_done done{[](void* u, const pms_inbound_reply* r) {
                            auto* self = static_cast<sink_t*>(u);
                            ++self->calls;
                            self->http_status = r->http_status;
                            self->body = pms_test::str(r->body);
                        },
                        &sink};
    const std::string method = "POST", path = "invoicebox/notify", body = "{\"id\":1}",
                      hname = "X-Signature", hvalue = "abc";
    pms_header hdr{pms_test::view(hname), pms_test::view(hvalue)};
    pms_inbound_request req{};
    req.struct_size = sizeof req;
    req.deadline_ms = 5000;
    req.method = pms_test::view(method);
    req.path = pms_test::view(path);
    req.headers = &hdr;
    req.header_count = 1;
    req.body = pms_test::bytes(body);
    BOOST_TEST(ns->handle(p, &req, done) == PMS_OK);
    BOOST_TEST(sink.calls == 1);
    BOOST_TEST(sink.http_status == 200);
    BOOST_TEST(sink.body == "{\"status\":\"success\",\"path\":\"invoicebox/notify\",\"sig\":\"abc\"}");

    const std::string drop = "drop";
    req.body = pms_test::bytes(drop);
    BOOST_TEST(ns->handle(p, &req, done) == PMS_OK);
    BOOST_TEST(sink.calls == 2);
    BOOST_TEST(sink.http_status == 503);
}

BOOST_AUTO_TEST_SUITE_END()
