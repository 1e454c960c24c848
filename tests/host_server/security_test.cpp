// The staff door's trust boundary (issue 8), against the real pms-host: every row of the route
// table is guarded (anonymous 401, a role without the row's permission 403); state changes need
// JSON from the host's own origin (no cross-site form or fetch); a Host the host does not serve
// is refused (DNS rebinding); identity comes from the session only; sessions (cookie
// attributes, sign-out, restart, idle expiry, sign-in throttling, disabled users); view
// sessions answer only to their opener; live-event stream caps hold under a flood while
// /hooks/... still answers; the /hooks-only listener; the security headers.
//
// Timing: nothing asserts a duration except bounded waits; measured times are printed with
// BOOST_TEST_MESSAGE (run with --log_level=message, as ctest does, to see them).
#include "host_process.hpp"

#include <pms/host/server/host_server.hpp>
#include <pms/host/storage/sqlite_storage.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <thread>

namespace json = boost::json;
using namespace std::chrono_literals;
using pms::test::EventStream;
using pms::test::HostOptions;
using pms::test::HostProcess;
using pms::test::HttpReply;
using pms::test::raw_exchange;
using pms::test::raw_request_text;
using pms::test::RawHttp;
using pms::test::RawReply;
using pms::test::run_pms_host;
using pms::test::staff_headers;
using Clock = std::chrono::steady_clock;

namespace {

const std::string fixture_id = "test.pms.server-fixture";
// The fixture's plugin page (pms.admin-page/1) and the permission it declares.
const std::string fixture_page = "suspense";
const std::string fixture_page_permission = "suspense.manage";
// 64 hex digits, shaped like a real token, that no sign-in ever handed out.
const std::string forged_cookie =
    "pms_session=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

using HeaderList = std::vector<std::pair<std::string, std::string>>;

double ms_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

json::value json_of(const std::string& text) {
    boost::system::error_code ec;
    auto value = json::parse(text, ec);
    return ec ? json::value{} : value;
}

std::string error_code_of(const std::string& body) {
    const auto value = json_of(body);
    if (!value.is_object() || !value.as_object().contains("error"))
        return {};
    const auto& error = value.at("error");
    if (!error.is_object() || !error.as_object().contains("code"))
        return {};
    return std::string{error.at("code").as_string()};
}

HostOptions with_fixture(std::vector<std::string> more = {}) {
    HostOptions options;
    options.extra_args = {"--enable", fixture_id + ":1"};
    options.extra_args.insert(options.extra_args.end(), more.begin(), more.end());
    return options;
}

std::string local_host(const HostProcess& host) {
    return "127.0.0.1:" + std::to_string(host.port());
}

// One raw request as the browser on the host's own page would send it: our Host, and for a
// state change JSON and our Origin, unless `headers` says otherwise (a header given with an
// empty value is left out).
RawReply raw(HostProcess& host, const std::string& method, const std::string& path,
             const std::string& cookie, HeaderList headers = {}, std::string body = {},
             const std::string& source_address = {}) {
    const bool changes = method == "POST" || method == "PUT" || method == "PATCH" ||
                         method == "DELETE";
    auto has = [&headers](std::string_view name) {
        return std::any_of(headers.begin(), headers.end(),
                           [&](const auto& h) { return pms::net::iequals(h.first, name); });
    };
    std::string host_header = local_host(host);
    for (auto it = headers.begin(); it != headers.end();)
        if (pms::net::iequals(it->first, "Host")) {
            host_header = it->second;
            it = headers.erase(it);
        } else {
            ++it;
        }
    if (!cookie.empty() && !has("Cookie"))
        headers.emplace_back("Cookie", cookie);
    if (changes && !has("Content-Type"))
        headers.emplace_back("Content-Type", "application/json");
    if (changes && !has("Origin"))
        headers.emplace_back("Origin", host.base_url());
    if (changes && body.empty())
        body = "{}";
    headers.erase(std::remove_if(headers.begin(), headers.end(),
                                 [](const auto& h) { return h.second.empty(); }),
                  headers.end());
    return raw_exchange(host.port(), raw_request_text(method, path, host_header, headers, body),
                        20s, source_address);
}

std::string main_folio_id(HostProcess& host) {
    const auto reply = host.get("/api/properties/" + host.demo_property() + "/bookings/471887");
    BOOST_TEST_REQUIRE(reply.status == 200, reply.body);
    for (const auto& a : reply.json.at("accounts").as_array())
        if (a.at("is_main").as_bool())
            return std::string{a.at("id").as_string()};
    BOOST_FAIL("no main account");
    return {};
}

std::string click_path(HostProcess& host, const std::string& folio) {
    return "/api/properties/" + host.demo_property() + "/folios/" + folio + "/buttons/" +
           fixture_id + "/fixture-dialog/click";
}

// Opens the fixture's dialog as the staff session of `cookie`; returns the reply.
HttpReply click_as(HostProcess& host, const std::string& folio, const std::string& cookie,
                   pms::net::Headers extra = {}, json::object body = {}) {
    extra.push_back({"Cookie", cookie});
    return host.post_json(click_path(host, folio), body, std::move(extra));
}

HttpReply get_as(HostProcess& host, const std::string& path, const std::string& cookie) {
    return host.request("GET", path, {}, {{"Cookie", cookie}});
}

std::string view_text(const HttpReply& reply) {
    return std::string{reply.json.at("view").at("elements").at(0).at("text").as_string()};
}

// The permissions of each role as the contract (architecture §8) states them.
const std::map<std::string, std::set<std::string>>& contract_permissions() {
    static const std::map<std::string, std::set<std::string>> table{
        {"frontdesk", {"folio.view", "link.manage"}},
        {"accountant", {"folio.view", "link.manage", "suspense.manage", "refund.manage"}},
        {"admin",
         {"folio.view", "link.manage", "suspense.manage", "refund.manage", "integrations.admin",
          "users.admin"}}};
    return table;
}

std::set<std::string> permissions_in(const json::value& session) {
    std::set<std::string> out;
    for (const auto& p : session.at("permissions").as_array())
        out.insert(std::string{p.as_string()});
    return out;
}

// The payment kind's mapped type id, or "" when unmapped.
std::string mapped_payment_type(HostProcess& host) {
    const auto reply = host.get("/api/properties/" + host.demo_property() + "/plugins/" +
                                fixture_id + "/payment-mapping");
    BOOST_TEST_REQUIRE(reply.status == 200, reply.body);
    for (const auto& k : reply.json.at("kinds").as_array())
        if (k.at("code").as_string() == "payment")
            return k.at("mapping").is_null()
                       ? std::string{}
                       : std::string{k.at("mapping").at("type_id").as_string()};
    return {};
}

struct PaymentChoice {
    std::string category, card, online;
};

PaymentChoice payment_choice(HostProcess& host) {
    const auto reply = host.get("/api/properties/" + host.demo_property() + "/payment-categories");
    BOOST_TEST_REQUIRE(reply.status == 200, reply.body);
    PaymentChoice out;
    for (const auto& c : reply.json.at("categories").as_array()) {
        if (c.at("name").as_string() != "Безналичный расчёт")
            continue;
        out.category = std::string{c.at("id").as_string()};
        for (const auto& t : c.at("types").as_array()) {
            if (t.at("name").as_string() == "Банковская карта")
                out.card = std::string{t.at("id").as_string()};
            if (t.at("name").as_string() == "Онлайн-оплата (ссылка)")
                out.online = std::string{t.at("id").as_string()};
        }
    }
    BOOST_TEST_REQUIRE(!out.card.empty());
    BOOST_TEST_REQUIRE(!out.online.empty());
    return out;
}

std::string mapping_body(const PaymentChoice& choice, const std::string& type) {
    return json::serialize(json::object{
        {"mappings", json::array{json::object{
                         {"kind", "payment"}, {"category_id", choice.category}, {"type_id", type}}}}});
}

} // namespace

BOOST_AUTO_TEST_SUITE(security)

// ---- the route table ----------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(every_route_of_the_table_is_guarded) {
    const auto table = pms::host::server::HostServer::routes();
    BOOST_TEST_REQUIRE(!table.empty(), "HostServer::routes() is empty");
    BOOST_TEST_MESSAGE("route table: " << table.size() << " rows");

    HostProcess host{with_fixture()};
    const std::string property = host.demo_property();
    const std::string folio = main_folio_id(host);

    // Real ids for every placeholder: a notification raised by the fixture, a staff account
    // the walk may disable and re-password, a view session per staff session.
    BOOST_TEST_REQUIRE(
        host.request("POST", "/hooks/" + fixture_id + "/" + property + "/notify", "{}").status ==
        200);
    // The fixture's raise() is queued behind the store writer: listed once durable.
    auto notes = host.get("/api/properties/" + property + "/notifications");
    for (int i = 0; i < 500 && notes.status == 200 && notes.json.at("notifications").as_array().empty(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        notes = host.get("/api/properties/" + property + "/notifications");
    }
    BOOST_TEST_REQUIRE(notes.status == 200, notes.body);
    BOOST_TEST_REQUIRE(!notes.json.at("notifications").as_array().empty());
    const std::string notification{notes.json.at("notifications").at(0).at("id").as_string()};
    const auto added = host.post_json("/api/users", json::object{{"login", "walk-target"},
                                                                 {"name", "Walk Target"},
                                                                 {"role", "front_desk"},
                                                                 {"password", "walk-pass-1"}});
    BOOST_TEST_REQUIRE(added.status == 201, added.body);

    std::map<std::string, std::string> cookies{{"admin", host.cookie()},
                                               {"frontdesk", host.extra_session("frontdesk")},
                                               {"accountant", host.extra_session("accountant")}};
    // The server's idea of each role is the contract's.
    for (const auto& [login, cookie] : cookies) {
        const auto session = get_as(host, "/api/session", cookie);
        BOOST_TEST_REQUIRE(session.status == 200, session.body);
        BOOST_TEST(session.json.at("login").as_string() == login);
        BOOST_TEST((permissions_in(session.json) == contract_permissions().at(login)), login);
    }
    std::map<std::string, std::string> views;
    for (const auto& [login, cookie] : cookies) {
        const auto click = click_as(host, folio, cookie);
        BOOST_TEST_REQUIRE(click.status == 200, click.body);
        views[login] = std::string{click.json.at("session_id").as_string()};
    }

    auto expand = [&](const std::string& pattern, const std::string& login) {
        const std::map<std::string, std::string> values{
            {"property", property},        {"folio", folio},
            {"plugin", fixture_id},        {"button", "fixture-dialog"},
            {"action", "check"},           {"number", "471887"},
            {"id", notification},          {"login", "walk-target"},
            {"page", fixture_page},
            {"session", views.count(login) ? views.at(login) : views.at("admin")}};
        std::string path = "/api/";
        std::size_t pos = 0;
        while (pos < pattern.size()) {
            const auto open = pattern.find('{', pos);
            if (open == std::string::npos) {
                path += pattern.substr(pos);
                break;
            }
            const auto close = pattern.find('}', open);
            BOOST_TEST_REQUIRE(close != std::string::npos, pattern);
            path += pattern.substr(pos, open - pos);
            const auto name = pattern.substr(open + 1, close - open - 1);
            const auto value = values.find(name);
            // A new placeholder must be given a real value here before the walk passes.
            BOOST_TEST_REQUIRE((value != values.end()), "no value for {" << name << "} in " << pattern);
            path += value->second;
            pos = close + 1;
        }
        return path;
    };
    // "page": the permission the page {plugin}/{page} declares (the fixture's: suspense.manage).
    const std::set<std::string> known_access{"public",          "signed_in",     "folio.view",
                                             "link.manage",     "suspense.manage",
                                             "refund.manage",   "integrations.admin",
                                             "users.admin",     "page"};
    auto needed = [&](const std::string& access) {
        return access == "page" ? fixture_page_permission : access;
    };

    std::size_t public_rows = 0;
    std::size_t checks = 0;
    // Anonymous, and with a forged token: 401 for everything but the public rows.
    for (const auto& row : table) {
        BOOST_TEST_REQUIRE(known_access.count(row.access) == 1,
                           row.method << " " << row.pattern << ": access '" << row.access << "'");
        const std::string path = expand(row.pattern, "admin");
        for (const std::string& cookie : {std::string{}, forged_cookie}) {
            const auto reply = raw(host, row.method, path, cookie);
            ++checks;
            if (row.access == "public") {
                BOOST_TEST((reply.status != 401 && reply.status != 403 && reply.status != 0),
                           row.method << " " << path << " (public) -> " << reply.status);
            } else {
                BOOST_TEST(reply.status == 401, row.method << " " << path << " anonymous -> "
                                                           << reply.status << " " << reply.body);
                BOOST_TEST(error_code_of(reply.body) == "not_signed_in", row.method << " " << path);
            }
        }
        public_rows += row.access == "public" ? 1 : 0;
    }
    BOOST_TEST(public_rows == 2u, "public rows: GET health and POST session only");

    // Each role: 403 (naming the permission) where it lacks the row's permission, through to
    // the handler (neither 401/403 nor an unrouted 404/405, nor a 5xx) where it has it.
    for (const std::string login : {"frontdesk", "accountant", "admin"}) {
        const auto& has = contract_permissions().at(login);
        for (const auto& row : table) {
            const bool allowed = row.access == "public" || row.access == "signed_in" ||
                                 has.count(needed(row.access)) == 1;
            std::string cookie = cookies.at(login);
            // A row that ends the caller's session is walked with a session of its own.
            const bool signs_out = row.method == "DELETE" && row.pattern == "session";
            if (signs_out)
                cookie = host.extra_session(login);
            const std::string path = expand(row.pattern, login);
            const auto reply = raw(host, row.method, path, cookie);
            ++checks;
            const std::string what = login + " " + row.method + " " + path + " [" + row.access +
                                     "] -> " + std::to_string(reply.status) + " " +
                                     reply.body.substr(0, 200);
            if (allowed) {
                BOOST_TEST((reply.status >= 200 && reply.status < 500), what);
                BOOST_TEST((reply.status != 401 && reply.status != 403 && reply.status != 405),
                           what);
                BOOST_TEST(error_code_of(reply.body) != "no_such_route", what);
            } else {
                BOOST_TEST(reply.status == 403, what);
                const auto body = json_of(reply.body);
                BOOST_TEST_REQUIRE(body.is_object(), what);
                BOOST_TEST(body.at("error").at("code").as_string() == "forbidden", what);
                BOOST_TEST(body.at("error").at("permission").as_string() == needed(row.access), what);
            }
            if (signs_out)
                BOOST_TEST(get_as(host, "/api/session", cookie).status == 401, what);
        }
        // The walk did not cost the role its own session.
        BOOST_TEST(get_as(host, "/api/session", cookies.at(login)).status == 200, login);
    }

    // Paths that name no route: 401 to an anonymous caller (nothing learnt), 404 once signed in.
    for (const auto& [method, path] :
         std::vector<std::pair<std::string, std::string>>{{"GET", "/api/no-such-thing"},
                                                          {"GET", "/api/users/a/b/c/d"},
                                                          {"POST", "/api/no-such-thing"},
                                                          {"GET", "/api"}}) {
        auto reply = raw(host, method, path, {});
        BOOST_TEST(reply.status == 401, method << " " << path << " -> " << reply.status);
        BOOST_TEST(error_code_of(reply.body) == "not_signed_in");
        reply = raw(host, method, path, cookies.at("frontdesk"));
        BOOST_TEST(reply.status == 404, method << " " << path << " -> " << reply.status);
        BOOST_TEST(error_code_of(reply.body) == "no_such_route");
    }
    BOOST_TEST_MESSAGE("route walk: " << checks << " guarded requests");
}

// A plugin page answers to the permission it declares (suspense.manage for the fixture's page),
// checked by the route table's guard: the front desk neither sees it in the list nor reaches
// any of its routes (403 naming the permission, before the page session is even looked up);
// an accountant does. An unknown page is 404 for everyone signed in; a page session of one
// staff member is nobody else's.
BOOST_AUTO_TEST_CASE(a_plugin_page_answers_to_its_declared_permission) {
    HostProcess host{with_fixture()};
    const std::string pages = "/api/properties/" + host.demo_property() + "/pages";
    const std::string base = pages + "/" + fixture_id + "/" + fixture_page;
    const std::string frontdesk = host.extra_session("frontdesk");
    const std::string accountant = host.extra_session("accountant");

    auto listed = [&](const std::string& cookie) {
        const auto reply = get_as(host, pages, cookie);
        BOOST_TEST_REQUIRE(reply.status == 200, reply.body);
        for (const auto& p : reply.json.at("pages").as_array())
            if (p.at("page_id").as_string() == fixture_page)
                return true;
        return false;
    };
    BOOST_TEST(!listed(frontdesk));
    BOOST_TEST(listed(accountant));
    BOOST_TEST(listed(host.cookie())); // admin

    auto forbidden = [&](const RawReply& reply, const std::string& what) {
        BOOST_TEST(reply.status == 403, what << " -> " << reply.status << " " << reply.body);
        const auto body = json_of(reply.body);
        BOOST_TEST_REQUIRE(body.is_object(), what);
        BOOST_TEST(body.at("error").at("code").as_string() == "forbidden", what);
        BOOST_TEST(body.at("error").at("permission").as_string() == fixture_page_permission, what);
    };
    forbidden(raw(host, "GET", base, frontdesk), "front desk GET page");
    forbidden(raw(host, "POST", base + "/open", frontdesk), "front desk open");

    const auto opened = raw(host, "POST", base + "/open", accountant);
    BOOST_TEST_REQUIRE(opened.status == 200, opened.body);
    const auto view = json_of(opened.body);
    const std::string session{view.at("session_id").as_string()};
    BOOST_TEST(view.at("view").at("elements").at(0).at("text").as_string() ==
               "page suspense by accountant");

    // The front desk cannot drive the accountant's page session either: 403 for the page.
    forbidden(raw(host, "POST", base + "/views/" + session + "/events", frontdesk, {},
                  R"({"action":"refresh"})"),
              "front desk event");
    forbidden(raw(host, "POST", base + "/views/" + session + "/close", frontdesk), "front desk close");
    forbidden(raw(host, "GET", base + "/views/" + session, frontdesk), "front desk reload");
    // Nor through the dialogs' routes, which front desk may use for its own dialogs.
    BOOST_TEST(raw(host, "GET", "/api/properties/" + host.demo_property() + "/views/" + session,
                   frontdesk)
                   .status == 404);
    // The admin has the permission but did not open it: it does not exist for them.
    BOOST_TEST(raw(host, "GET", base + "/views/" + session, host.cookie()).status == 404);
    // The opener works it.
    const auto event = raw(host, "POST", base + "/views/" + session + "/events", accountant, {},
                           R"({"action":"refresh"})");
    BOOST_TEST_REQUIRE(event.status == 200, event.body);
    BOOST_TEST(json_of(event.body).at("view").at("elements").at(0).at("text").as_string() ==
               "page event by accountant on suspense, page ok");

    // An unknown page, or an unknown plugin: 404 after sign-in, 401 before.
    for (const std::string& path : {pages + "/" + fixture_id + "/no-such-page",
                                    pages + "/no.such.plugin/" + fixture_page}) {
        const auto unknown = raw(host, "GET", path, frontdesk);
        BOOST_TEST(unknown.status == 404, path << " -> " << unknown.status);
        BOOST_TEST(error_code_of(unknown.body) == "unknown_page", path);
        BOOST_TEST(raw(host, "GET", path, {}).status == 401, path);
    }
}

// A view action marked "permission" (view-v1.md, 1.5): the host decides, not the browser. The
// fixture's dialog marks a footer button and a row action with refund.manage: the front desk
// (folio.view + link.manage) neither sees them (first view, re-read) nor triggers them (403, the
// plugin never hears of it), even after a later view no longer shows them; an accountant sees
// and uses both. Unmarked actions work for both.
BOOST_AUTO_TEST_CASE(a_view_action_answers_to_its_permission) {
    HostProcess host{with_fixture()};
    const std::string folio = main_folio_id(host);
    const std::string views = "/api/properties/" + host.demo_property() + "/views/";
    auto has_id = [](const std::string& body, const std::string& id) {
        return body.find("\"id\":\"" + id + "\"") != std::string::npos;
    };
    for (const auto& [login, may] : {std::pair{std::string{"frontdesk"}, false}, std::pair{std::string{"accountant"}, true}}) {
        BOOST_TEST_CONTEXT(login) {
            const std::string cookie = host.extra_session(login);
            const auto opened = raw(host, "POST", click_path(host, folio), cookie);
            BOOST_TEST_REQUIRE(opened.status == 200, opened.body);
            const auto doc = json_of(opened.body);
            const std::string session{doc.at("session_id").as_string()};
            BOOST_TEST(has_id(opened.body, "next"));
            BOOST_TEST(has_id(opened.body, "history"));
            BOOST_TEST(has_id(opened.body, "refund") == may);
            BOOST_TEST(has_id(opened.body, "refund_row") == may);
            const auto reread = raw(host, "GET", views + session, cookie);
            BOOST_TEST_REQUIRE(reread.status == 200, reread.body);
            BOOST_TEST(has_id(reread.body, "refund") == may);
            BOOST_TEST(has_id(reread.body, "refund_row") == may);

            const auto button = raw(host, "POST", views + session + "/events", cookie, {},
                                    R"({"kind":"button","action":"refund"})");
            const auto row = raw(host, "POST", views + session + "/events", cookie, {},
                                 R"({"kind":"row_action","action":"refund_row","table":"t","row_key":"r1"})");
            if (may) {
                BOOST_TEST(button.status == 200, button.body);
                BOOST_TEST(json_of(button.body).at("view").at("title").as_string() == "Fixture step 2");
                BOOST_TEST(row.status == 200, row.body);
            } else {
                for (const auto* reply : {&button, &row}) {
                    BOOST_TEST(reply->status == 403, reply->body);
                    BOOST_TEST(error_code_of(reply->body) == "forbidden");
                }
                // An unmarked action goes through; the next view (step 2) shows no guarded
                // action, and the guarded one stays refused all the same.
                const auto next = raw(host, "POST", views + session + "/events", cookie, {},
                                      R"({"kind":"button","action":"next","values":{"amount":"1550.00"}})");
                BOOST_TEST_REQUIRE(next.status == 200, next.body);
                BOOST_TEST(json_of(next.body).at("view").at("title").as_string() == "Fixture step 2");
                const auto again = raw(host, "POST", views + session + "/events", cookie, {},
                                       R"({"kind":"button","action":"refund"})");
                BOOST_TEST(again.status == 403, again.body);
            }
        }
    }
}

// ---- CSRF ---------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(state_changes_need_json_from_the_hosts_own_origin) {
    HostProcess host{with_fixture()};
    const std::string mapping =
        "/api/properties/" + host.demo_property() + "/plugins/" + fixture_id + "/payment-mapping";
    const auto choice = payment_choice(host);
    const std::string cookie = host.cookie();

    // The admin maps the payment kind to «Онлайн-оплата» the normal way.
    auto reply = raw(host, "PUT", mapping, cookie, {}, mapping_body(choice, choice.online));
    BOOST_TEST_REQUIRE(reply.status == 200, reply.body);
    BOOST_TEST_REQUIRE(mapped_payment_type(host) == choice.online);
    const std::string attack = mapping_body(choice, choice.card);

    // <form enctype="text/plain"> (and the other form encodings) posted by another site: the
    // browser sends the cookie (were SameSite absent) but cannot send JSON. 415, unchanged.
    for (const std::string type :
         {"text/plain", "text/plain; charset=utf-8", "application/x-www-form-urlencoded",
          "multipart/form-data; boundary=x", "application/jsonx", "text/plain; application/json"}) {
        for (const std::string method : {"POST", "PUT"}) {
            reply = raw(host, method, mapping, cookie, {{"Content-Type", type}}, attack);
            BOOST_TEST(reply.status == 415, method << " " << type << " -> " << reply.status);
            BOOST_TEST(error_code_of(reply.body) == "unsupported_media_type", type);
        }
    }
    // No Content-Type at all.
    reply = raw_exchange(host.port(),
                         raw_request_text("POST", mapping, local_host(host),
                                          {{"Cookie", cookie}, {"Origin", host.base_url()}},
                                          attack));
    BOOST_TEST(reply.status == 415, reply.status);
    BOOST_TEST(mapped_payment_type(host) == choice.online);

    // JSON, but not from this host's own pages: 403 bad_origin, unchanged.
    const std::string port = std::to_string(host.port());
    const std::vector<HeaderList> foreign{
        {{"Origin", "http://attacker.example"}},
        {{"Origin", "http://127.0.0.1:" + std::to_string(host.port() == 65535 ? 1 : host.port() + 1)}},
        {{"Origin", "http://localhost:" + port}}, // another name: not the Host we were sent to
        {{"Origin", "http://127.0.0.1:" + port + ".attacker.example"}},
        {{"Origin", "http://127.0.0.1:" + port + "@attacker.example"}},
        {{"Origin", "http://attacker.example/http://127.0.0.1:" + port}},
        {{"Origin", "ftp://127.0.0.1:" + port}},
        {{"Origin", "null"}},
        {{"Origin", ""}},                                     // neither Origin nor Referer
        {{"Origin", ""}, {"Referer", "http://attacker.example/http://127.0.0.1:" + port + "/"}},
        {{"Origin", ""}, {"Referer", "http://attacker.example/?u=http://127.0.0.1:" + port}},
        // An opaque origin is an Origin: a Referer cannot vouch for it.
        {{"Origin", "null"}, {"Referer", host.base_url() + "/"}},
        {{"Origin", "http://attacker.example"}, {"Referer", host.base_url() + "/"}},
    };
    for (const auto& headers : foreign) {
        std::string what;
        for (const auto& [n, v] : headers)
            what += n + ": '" + v + "' ";
        reply = raw(host, "PUT", mapping, cookie, headers, attack);
        BOOST_TEST(reply.status == 403, what << "-> " << reply.status << " " << reply.body);
        BOOST_TEST(error_code_of(reply.body) == "bad_origin", what);
    }
    BOOST_TEST(mapped_payment_type(host) == choice.online);

    // A same-origin Referer without Origin (older clients) is enough.
    reply = raw(host, "PUT", mapping, cookie,
                {{"Origin", ""}, {"Referer", host.base_url() + "/#/admin/plugins"}}, attack);
    BOOST_TEST(reply.status == 200, reply.body);
    BOOST_TEST(mapped_payment_type(host) == choice.card);

    // Sign-out and sign-in are state changes too (logout and login CSRF).
    reply = raw(host, "DELETE", "/api/session", cookie, {{"Content-Type", "text/plain"}});
    BOOST_TEST(reply.status == 415);
    reply = raw(host, "DELETE", "/api/session", cookie, {{"Origin", "http://attacker.example"}});
    BOOST_TEST(reply.status == 403);
    BOOST_TEST(get_as(host, "/api/session", cookie).status == 200);
    reply = raw(host, "POST", "/api/session", {}, {{"Origin", "http://attacker.example"}},
                R"({"login":"admin","password":"demo"})");
    BOOST_TEST(reply.status == 403);
    BOOST_TEST(!reply.header("Set-Cookie").has_value());
    reply = raw(host, "POST", "/api/session", {}, {{"Content-Type", "text/plain"}},
                R"({"login":"admin","password":"demo"})");
    BOOST_TEST(reply.status == 415);
    BOOST_TEST(!reply.header("Set-Cookie").has_value());
    // Reading needs no Origin.
    BOOST_TEST(raw(host, "GET", "/api/session", cookie).status == 200);
}

// ---- Host ---------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(a_host_name_the_host_does_not_serve_is_refused) {
    pms::test::TempDir web{"pms-host-web"};
    std::filesystem::create_directories(web.path() / "root");
    std::ofstream{web.path() / "root" / "index.html"} << "<!doctype html><title>STAFF-UI</title>";
    HostProcess host{with_fixture({"--web-root", (web.path() / "root").string()})};
    const std::string cookie = host.cookie();
    const std::string port = std::to_string(host.port());

    // DNS rebinding: attacker.example resolves to 127.0.0.1, so the browser sends our cookie-less
    // requests there with Host (and Origin) attacker.example. Refused on every staff path.
    for (const auto& name : std::vector<std::string>{
             "attacker.example", "attacker.example:" + port, "127.0.0.1", "127.0.0.1:1",
             "localhost.attacker.example:" + port, "127.0.0.1:" + port + "@attacker.example"}) {
        for (const std::string path : {"/api/health", "/api/properties", "/index.html", "/",
                                       "/api/no-such-thing", "/js/app.js"}) {
            const auto reply = raw(host, "GET", path, cookie, {{"Host", name}});
            BOOST_TEST(reply.status == 421, name << " " << path << " -> " << reply.status);
            BOOST_TEST(error_code_of(reply.body) == "unknown_host", name << " " << path);
            BOOST_TEST(reply.body.find("STAFF-UI") == std::string::npos);
        }
        // Origin and Host agree, so only the Host rule stands between the page and a sign-in.
        const auto sign_in =
            raw(host, "POST", "/api/session", {}, {{"Host", name}, {"Origin", "http://" + name}},
                R"({"login":"admin","password":"demo"})");
        BOOST_TEST(sign_in.status == 421, name << " -> " << sign_in.status);
        BOOST_TEST(!sign_in.header("Set-Cookie").has_value());
    }

    // The names a loopback listener serves.
    for (const auto& name : std::vector<std::string>{"127.0.0.1:" + port, "localhost:" + port,
                                                     "[::1]:" + port, "LOCALHOST:" + port}) {
        BOOST_TEST(raw(host, "GET", "/api/health", {}, {{"Host", name}}).status == 200, name);
        const auto page = raw(host, "GET", "/index.html", {}, {{"Host", name}});
        BOOST_TEST(page.status == 200, name);
        BOOST_TEST(page.body.find("STAFF-UI") != std::string::npos);
    }

    // The notification door has no Host rule: the provider may call any public name.
    const auto hook = raw(host, "POST", "/hooks/" + fixture_id + "/" + host.demo_property() +
                                            "/probe",
                          {}, {{"Host", "attacker.example"}, {"Content-Type", "text/plain"},
                               {"Origin", "http://attacker.example"}},
                          "x");
    BOOST_TEST(hook.status == 200, hook.head);
    BOOST_TEST(hook.header("X-Fixture-Path").value_or("") == "probe");

    // --allow-host: a LAN name (with the port) works on every staff path; others still do not.
    const auto fixed_port = pms::test::find_free_port();
    const std::string lan = "pms.hotel.lan:" + std::to_string(fixed_port);
    HostOptions options = with_fixture({"--listen", "127.0.0.1:" + std::to_string(fixed_port),
                                        "--allow-host", lan, "--allow-host", "other.lan",
                                        "--web-root", (web.path() / "root").string()});
    HostProcess named{options};
    BOOST_TEST_REQUIRE(named.port() == fixed_port);
    BOOST_TEST(raw(named, "GET", "/api/health", {}, {{"Host", lan}}).status == 200);
    BOOST_TEST(raw(named, "GET", "/index.html", {}, {{"Host", lan}}).status == 200);
    BOOST_TEST(raw(named, "GET", "/api/properties", named.cookie(), {{"Host", lan}}).status == 200);
    auto reply = raw(named, "POST", "/api/properties/1/notifications/read-all", named.cookie(),
                     {{"Host", lan}, {"Origin", "http://" + lan}});
    BOOST_TEST(reply.status == 200, reply.body);
    // A name without a port is served at the listen port.
    BOOST_TEST(raw(named, "GET", "/api/health", {},
                   {{"Host", "other.lan:" + std::to_string(fixed_port)}})
                   .status == 200);
    const auto next_port = std::to_string(fixed_port == 65535 ? 1 : fixed_port + 1);
    for (const auto& name : std::vector<std::string>{
             "pms.hotel.lan:" + next_port, "pms.hotel.lan", "attacker.example",
             "evil.pms.hotel.lan:" + std::to_string(fixed_port)})
        BOOST_TEST(raw(named, "GET", "/api/health", {}, {{"Host", name}}).status == 421, name);
}

// ---- identity -----------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(the_staff_member_is_the_signed_in_one_never_a_claimed_one) {
    HostProcess host{with_fixture()};
    const std::string property = host.demo_property();
    const std::string folio = main_folio_id(host);
    const std::string frontdesk = host.extra_session("frontdesk");
    const auto claim = staff_headers("mallory", "Mallory%20Claimed");
    const json::object claimed_body{{"staff", {{"id", "mallory"}, {"name", "Mallory Claimed"}}},
                                    {"locale", "ru-RU"}};

    // The plugin sees the session's login as the staff user id (the fixture echoes it).
    auto click = click_as(host, folio, host.cookie(), claim, claimed_body);
    BOOST_TEST_REQUIRE(click.status == 200, click.body);
    BOOST_TEST(view_text(click) == "folio " + folio + " by admin");
    click = click_as(host, folio, frontdesk, claim, claimed_body);
    BOOST_TEST_REQUIRE(click.status == 200, click.body);
    BOOST_TEST(view_text(click) == "folio " + folio + " by frontdesk");
    const std::string view = std::string{click.json.at("session_id").as_string()};

    // View events likewise.
    auto headers = claim;
    headers.push_back({"Cookie", frontdesk});
    auto event_body = claimed_body;
    event_body["action"] = "next";
    event_body["values"] = json::object{{"amount", "1550.00"}};
    const auto event = host.post_json("/api/properties/" + property + "/views/" + view + "/events",
                                      event_body, headers);
    BOOST_TEST_REQUIRE(event.status == 200, event.body);
    BOOST_TEST(view_text(event) == "event by frontdesk, amount ok");

    // Admin actions: the audit actor is staff:<login>.
    const std::string plugin = "/api/properties/" + property + "/plugins/" + fixture_id;
    auto settings = json::object{{"values", {{"shop_id", "shop-id-1"}}}};
    settings["staff"] = claimed_body.at("staff");
    auto reply = host.put_json(plugin + "/settings", settings, claim);
    BOOST_TEST_REQUIRE(reply.status == 200, reply.body);
    reply = host.post_json(plugin + "/settings/actions/check",
                           json::object{{"values", {{"shop_id", "x"}}},
                                        {"staff", claimed_body.at("staff")}},
                           claim);
    BOOST_TEST_REQUIRE(reply.status == 200, reply.body);
    const auto choice = payment_choice(host);
    auto mapping = json_of(mapping_body(choice, choice.online)).as_object();
    mapping["staff"] = claimed_body.at("staff");
    reply = host.put_json(plugin + "/payment-mapping", mapping, claim);
    BOOST_TEST_REQUIRE(reply.status == 200, reply.body);
    BOOST_TEST(host.wait_for_log("saved by staff:admin", 5s));

    // Nothing the client claimed reached the log or the audit trail.
    const auto status = host.terminate(20s);
    BOOST_TEST_REQUIRE(status.has_value());
    BOOST_TEST(host.stderr_text().find("mallory") == std::string::npos);
    BOOST_TEST(host.stderr_text().find("Mallory") == std::string::npos);
    std::map<std::string, std::set<std::string>> actors; // action -> every actor of it
    {
        auto storage = pms::host::open_sqlite_storage(host.data_dir());
        pms::host::AuditQuery query;
        query.limit = 1000;
        for (const auto& e : storage->audit().list(query)) {
            BOOST_TEST(e.actor.find("mallory") == std::string::npos, e.action);
            BOOST_TEST(e.actor_name.find("Mallory") == std::string::npos, e.action);
            BOOST_TEST(e.details_json.find("mallory") == std::string::npos, e.action);
            actors[e.action].insert(e.actor);
        }
    }
    using Actors = std::set<std::string>;
    BOOST_TEST((actors["settings.save"] == Actors{"staff:admin"}));
    // The admin's own check, and the host's automatic connection check after the save (API 1.3
    // "x-check"): never anyone the client named.
    BOOST_TEST(actors["settings.action"].count("staff:admin") == 1u);
    for (const auto& actor : actors["settings.action"])
        BOOST_TEST((actor == "staff:admin" || actor == "host"), actor);
    BOOST_TEST((actors["payment_mapping.save"] == Actors{"staff:admin"}));
    for (const auto& actor : actors["session.sign_in"])
        BOOST_TEST(actor.rfind("staff:", 0) == 0u, actor);
}

// ---- sessions -----------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(session_cookie_sign_out_and_restart) {
    HostOptions first_options;
    HostProcess first{first_options};
    const std::string admin = first.cookie();

    // The cookie: HttpOnly (no script reads it), SameSite=Strict (no other site sends it),
    // Path=/, a lifetime, and not Secure over plain http.
    const auto sign_in = first.post_json(
        "/api/session", json::object{{"login", "frontdesk"}, {"password", "demo"}}, {{"Cookie", ""}});
    BOOST_TEST_REQUIRE(sign_in.status == 200, sign_in.body);
    const std::string set_cookie{sign_in.header("Set-Cookie").value_or("")};
    BOOST_TEST_MESSAGE("Set-Cookie: pms_session=<token>" << set_cookie.substr(set_cookie.find(';')));
    BOOST_TEST(set_cookie.rfind("pms_session=", 0) == 0u, set_cookie);
    const std::string token = set_cookie.substr(12, set_cookie.find(';') - 12);
    BOOST_TEST(token.size() >= 32u);
    BOOST_TEST(set_cookie.find("; HttpOnly") != std::string::npos);
    BOOST_TEST(set_cookie.find("; SameSite=Strict") != std::string::npos);
    BOOST_TEST(set_cookie.find("; Path=/") != std::string::npos);
    BOOST_TEST(set_cookie.find("; Max-Age=") != std::string::npos);
    BOOST_TEST(set_cookie.find("Secure") == std::string::npos);
    BOOST_TEST(set_cookie.find("Domain") == std::string::npos);
    BOOST_TEST(sign_in.body.find(token) == std::string::npos, "the token is in the body");
    BOOST_TEST(sign_in.json.at("login").as_string() == "frontdesk");
    BOOST_TEST(sign_in.json.at("role").as_string() == "front_desk");
    const std::string frontdesk = "pms_session=" + token;

    auto session = get_as(first, "/api/session", admin);
    BOOST_TEST_REQUIRE(session.status == 200, session.body);
    BOOST_TEST(session.json.at("login").as_string() == "admin");
    BOOST_TEST(session.json.at("role").as_string() == "admin");
    BOOST_TEST(!session.json.at("role_name").as_string().empty());
    BOOST_TEST(!session.json.at("name").as_string().empty());
    BOOST_TEST((permissions_in(session.json) == contract_permissions().at("admin")));

    // Sign-out ends that session only: its cookie is useless afterwards.
    const std::string second = first.extra_session("admin");
    BOOST_TEST(get_as(first, "/api/session", second).status == 200);
    const auto out = first.request("DELETE", "/api/session", "",
                                   {{"Cookie", second}, {"Content-Type", "application/json"}});
    BOOST_TEST_REQUIRE(out.status == 200, out.body);
    const std::string cleared{out.header("Set-Cookie").value_or("")};
    BOOST_TEST(cleared.rfind("pms_session=;", 0) == 0u, cleared);
    BOOST_TEST(cleared.find("Max-Age=0") != std::string::npos, cleared);
    for (const std::string path : {"/api/session", "/api/properties"}) {
        const auto reply = get_as(first, path, second);
        BOOST_TEST(reply.status == 401, path);
        BOOST_TEST(error_code_of(reply.body) == "not_signed_in");
    }
    BOOST_TEST(first.request("DELETE", "/api/session", "",
                             {{"Cookie", second}, {"Content-Type", "application/json"}})
                   .status == 401);
    BOOST_TEST(get_as(first, "/api/session", admin).status == 200);
    BOOST_TEST(get_as(first, "/api/session", frontdesk).status == 200);

    // A restart on the same data keeps the sessions (and the ended one stays ended).
    const auto status = first.terminate(20s);
    BOOST_TEST_REQUIRE(status.has_value());
    BOOST_TEST(*status == 0);
    HostOptions again;
    again.data_dir = first.data_dir();
    again.sign_in_as = "";
    HostProcess restarted{again};
    session = get_as(restarted, "/api/session", admin);
    BOOST_TEST(session.status == 200, session.body);
    BOOST_TEST(session.json.at("login").as_string() == "admin");
    session = get_as(restarted, "/api/session", frontdesk);
    BOOST_TEST(session.status == 200, session.body);
    BOOST_TEST(session.json.at("role").as_string() == "front_desk");
    BOOST_TEST(get_as(restarted, "/api/session", second).status == 401);
    BOOST_TEST(get_as(restarted, "/api/properties", forged_cookie).status == 401);
}

BOOST_AUTO_TEST_CASE(session_cookie_is_secure_behind_an_https_public_url) {
    HostOptions options;
    options.extra_args = {"--public-url", "https://pms.example.com"};
    options.sign_in_as = "";
    HostProcess host{options};
    const auto reply = host.sign_in("admin");
    BOOST_TEST_REQUIRE(reply.status == 200, reply.body);
    const std::string set_cookie{reply.header("Set-Cookie").value_or("")};
    BOOST_TEST(set_cookie.find("; Secure") != std::string::npos, set_cookie);
    BOOST_TEST(set_cookie.find("; HttpOnly") != std::string::npos);
    BOOST_TEST(set_cookie.find("; SameSite=Strict") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_idle_session_expires) {
    HostOptions options;
    options.extra_args = {"--session-idle", "2"};
    HostProcess host{options};
    // Activity keeps it alive well past the idle time (idle, not absolute, expiry).
    const auto started = Clock::now();
    while (Clock::now() - started < 4s) {
        const auto reply = host.get("/api/session");
        BOOST_TEST_REQUIRE(reply.status == 200, reply.body);
        std::this_thread::sleep_for(250ms);
    }
    // Then 3 s without a request (idle limit 2 s): gone, and it stays gone.
    std::this_thread::sleep_for(3s);
    auto reply = host.get("/api/session");
    BOOST_TEST(reply.status == 401, reply.body);
    BOOST_TEST(error_code_of(reply.body) == "not_signed_in");
    BOOST_TEST(host.get("/api/properties").status == 401);
    // A new sign-in works.
    BOOST_TEST_REQUIRE(host.sign_in("admin").status == 200);
    BOOST_TEST(host.get("/api/session").status == 200);
}

BOOST_AUTO_TEST_CASE(failed_sign_ins_say_nothing_and_are_throttled) {
    HostOptions options;
    options.sign_in_as = "";
    HostProcess host{options};
    auto attempt = [&host](const std::string& login, const std::string& password,
                           const std::string& from = {}) {
        return raw(host, "POST", "/api/session", {}, {},
                   json::serialize(json::object{{"login", login}, {"password", password}}), from);
    };

    // Unknown login and wrong password: the same answer, byte for byte.
    const auto wrong = attempt("admin", "not-the-password");
    const auto unknown = attempt("no-such-user", "not-the-password");
    BOOST_TEST(wrong.status == 401);
    BOOST_TEST(unknown.status == 401);
    BOOST_TEST(wrong.body == unknown.body);
    BOOST_TEST(error_code_of(wrong.body) == "invalid_credentials");
    BOOST_TEST((wrong.header("Content-Type") == unknown.header("Content-Type")));
    BOOST_TEST(!wrong.header("Set-Cookie").has_value());
    BOOST_TEST(!unknown.header("Set-Cookie").has_value());
    // A password typed into the login field never reaches the log; a real login's name may.
    BOOST_TEST(host.wait_for_log("sign-in refused for an unknown login", 5s));
    BOOST_TEST(host.stderr_text().find("no-such-user") == std::string::npos);
    BOOST_TEST(host.stderr_text().find("sign-in refused for login 'admin'") != std::string::npos);

    // Per client address: three more failures (five in all), then the 6th attempt is 429 with
    // Retry-After, whatever the login, a right password included; other addresses are not held.
    for (int i = 0; i < 3; ++i)
        BOOST_TEST(attempt("guess-" + std::to_string(i), "x-x-x-x").status == 401);
    auto refused = attempt("guess-9", "x-x-x-x");
    BOOST_TEST(refused.status == 429, refused.body);
    BOOST_TEST(error_code_of(refused.body) == "too_many_attempts");
    const auto retry_after = refused.header("Retry-After");
    BOOST_TEST_REQUIRE(retry_after.has_value());
    BOOST_TEST(std::stoi(*retry_after) > 0);
    BOOST_TEST(attempt("frontdesk", "demo").status == 429);
    BOOST_TEST(attempt("frontdesk", "demo", "127.0.0.2").status == 200);

    // Per login, from five different addresses: the 6th is refused even from a fresh address
    // and even with the right password; another login from there still signs in.
    for (int i = 0; i < 5; ++i)
        BOOST_TEST(attempt("accountant", "wrong-" + std::to_string(i),
                           "127.0.0." + std::to_string(11 + i))
                       .status == 401);
    refused = attempt("accountant", "demo", "127.0.0.20");
    BOOST_TEST(refused.status == 429, refused.body);
    BOOST_TEST(refused.header("Retry-After").has_value());
    BOOST_TEST(attempt("frontdesk", "demo", "127.0.0.21").status == 200);

    // After the wait the address may sign in again.
    const auto started = Clock::now();
    int status = 0;
    while (Clock::now() - started < std::chrono::seconds(std::stoi(*retry_after) + 10)) {
        status = attempt("frontdesk", "demo").status;
        if (status != 429)
            break;
        std::this_thread::sleep_for(250ms);
    }
    BOOST_TEST(status == 200);
    BOOST_TEST_MESSAGE("127.0.0.1 could sign in again after " << ms_since(started)
                                                              << " ms (Retry-After " << *retry_after
                                                              << " s)");
}

BOOST_AUTO_TEST_CASE(concurrent_failed_sign_ins_are_throttled_too) {
    HostOptions options;
    options.sign_in_as = "";
    HostProcess host{options};
    // Twelve wrong passwords for one login, sent together (from twelve addresses, so that only
    // the per-login rule applies) before any answer came back: at most five may be checked.
    std::vector<std::unique_ptr<RawHttp>> burst;
    const std::string body = R"({"login":"admin","password":"wrong-guess"})";
    for (int i = 0; i < 12; ++i) {
        burst.push_back(std::make_unique<RawHttp>(host.port(), "127.0.0." + std::to_string(30 + i)));
        burst.back()->send(raw_request_text(
            "POST", "/api/session", local_host(host),
            {{"Content-Type", "application/json"}, {"Origin", host.base_url()}}, body));
    }
    std::map<int, int> by_status;
    for (auto& connection : burst)
        ++by_status[connection->read_reply(30s).status];
    std::string summary;
    for (const auto& [status, n] : by_status)
        summary += " " + std::to_string(status) + "×" + std::to_string(n);
    BOOST_TEST_MESSAGE("12 concurrent wrong sign-ins for one login:" << summary);
    BOOST_TEST(by_status[401] <= 5, by_status[401] << " wrong passwords were checked, not 5");
    BOOST_TEST(by_status[401] + by_status[429] == 12);
    // The login is held afterwards (the right password too).
    const auto after = raw(host, "POST", "/api/session", {}, {},
                           R"({"login":"admin","password":"demo"})", "127.0.0.50");
    BOOST_TEST(after.status == 429, after.body);
}

BOOST_AUTO_TEST_CASE(a_user_disabled_from_the_command_line_loses_access_at_once) {
    HostProcess host{with_fixture()};
    const std::string property = host.demo_property();
    const std::string folio = main_folio_id(host);
    const std::string frontdesk = host.extra_session("frontdesk");

    // frontdesk has a dialog open and a live-event stream.
    const auto click = click_as(host, folio, frontdesk);
    BOOST_TEST_REQUIRE(click.status == 200, click.body);
    const std::string view{click.json.at("session_id").as_string()};
    EventStream theirs{host.port(), "/api/properties/" + property + "/events",
                       "Cookie: " + frontdesk + "\r\n"};
    BOOST_TEST_REQUIRE(theirs.wait_for("event: ready", 10s).has_value(), theirs.text());
    EventStream mine{host.port(), "/api/properties/" + property + "/events",
                     host.cookie_header_line()};
    BOOST_TEST_REQUIRE(mine.wait_for("event: ready", 10s).has_value(), mine.text());
    // Control: a provider notification pushes a view into frontdesk's open dialog, on their
    // stream only (a view belongs to its opener).
    BOOST_TEST_REQUIRE(
        host.request("POST", "/hooks/" + fixture_id + "/" + property + "/notify", "{}").status ==
        200);
    BOOST_TEST_REQUIRE(theirs.wait_for("\"session_id\":\"" + view + "\"", 10s).has_value(),
                       theirs.text());
    BOOST_TEST_REQUIRE(mine.wait_for("Fixture notification 1", 10s).has_value(), mine.text());
    BOOST_TEST(mine.text().find(view) == std::string::npos, mine.text());

    const auto disabled =
        run_pms_host({"user", "disable", "frontdesk", "--data", host.data_dir().string()});
    const auto done = Clock::now();
    BOOST_TEST_REQUIRE(disabled.exit_code.has_value(), disabled.output);
    BOOST_TEST_REQUIRE(*disabled.exit_code == 0, disabled.output);

    // Within a bounded wait (the host re-checks sessions every 500 ms): 401.
    int status = 200;
    double lost_ms = 0;
    while (Clock::now() - done < 3s) {
        status = get_as(host, "/api/session", frontdesk).status;
        if (status == 401) {
            lost_ms = ms_since(done);
            break;
        }
        std::this_thread::sleep_for(20ms);
    }
    BOOST_TEST(status == 401, "frontdesk still signed in 3 s after `user disable`");
    BOOST_TEST_MESSAGE("disabled user lost access " << lost_ms
                                                    << " ms after `pms-host user disable` exited");
    const bool closed = theirs.wait_closed(3s);
    BOOST_TEST(closed, "the disabled user's event stream is still open");
    BOOST_TEST_MESSAGE("their event stream closed " << ms_since(done) << " ms after it exited");
    BOOST_TEST(!mine.wait_closed(200ms), "the admin's stream closed too");
    BOOST_TEST(get_as(host, "/api/session", host.cookie()).status == 200);

    // The admin's stream lives on and still gets the property's notifications.
    const auto before = mine.text().size();
    BOOST_TEST_REQUIRE(
        host.request("POST", "/hooks/" + fixture_id + "/" + property + "/notify", "{}").status ==
        200);
    BOOST_TEST(mine.wait_for("Fixture notification 2", 10s, before).has_value(), mine.text());
    BOOST_TEST(mine.text().find(view) == std::string::npos, mine.text().substr(before));

    // Refused at sign-in while disabled (the same answer as a wrong password); enabling again
    // does not revive the old session.
    auto reply = host.post_json("/api/session",
                                json::object{{"login", "frontdesk"}, {"password", "demo"}},
                                {{"Cookie", ""}});
    BOOST_TEST(reply.status == 401);
    BOOST_TEST(reply.json.at("error").at("code").as_string() == "invalid_credentials");
    const auto enabled =
        run_pms_host({"user", "enable", "frontdesk", "--data", host.data_dir().string()});
    BOOST_TEST_REQUIRE(enabled.exit_code.value_or(-1) == 0, enabled.output);
    BOOST_TEST(get_as(host, "/api/session", frontdesk).status == 401);
    BOOST_TEST(host.extra_session("frontdesk") != frontdesk);
}

BOOST_AUTO_TEST_CASE(user_add_reads_the_password_from_stdin_only) {
    HostOptions options;
    options.sign_in_as = "";
    HostProcess host{options};
    const std::string data = host.data_dir().string();
    const std::string password = "Bob-Pass-2468";

    // No way to put a password on the command line (other users could read it with ps).
    auto result = run_pms_host({"user", "add", "bob", "--role", "front_desk", "--name", "Bob B",
                                "--password", password, "--data", data},
                               std::string{});
    BOOST_TEST(result.exit_code.value_or(-1) == 2, result.output);
    result = run_pms_host(
        {"user", "add", "bob", password, "--role", "front_desk", "--name", "Bob B", "--data", data},
        std::string{});
    BOOST_TEST(result.exit_code.value_or(-1) == 2, result.output);
    // No password on stdin: refused.
    result = run_pms_host(
        {"user", "add", "bob", "--role", "front_desk", "--name", "Bob B", "--data", data});
    BOOST_TEST(result.exit_code.value_or(0) != 0, result.output);
    result = run_pms_host({"user", "list", "--data", data});
    BOOST_TEST_REQUIRE(result.exit_code.value_or(-1) == 0, result.output);
    BOOST_TEST(result.output.find("bob") == std::string::npos, result.output);
    BOOST_TEST(host.sign_in("bob", password).status == 401);

    // One line on stdin (not a TTY), while the host runs.
    result = run_pms_host(
        {"user", "add", "bob", "--role", "front_desk", "--name", "Bob B", "--data", data},
        password + "\n");
    BOOST_TEST_REQUIRE(result.exit_code.value_or(-1) == 0, result.output);
    BOOST_TEST(result.output.find(password) == std::string::npos);
    result = run_pms_host({"user", "list", "--data", data});
    BOOST_TEST(result.output.find("bob\tfront_desk\tactive") != std::string::npos, result.output);
    BOOST_TEST(result.output.find(password) == std::string::npos);

    const auto reply = host.sign_in("bob", password);
    BOOST_TEST_REQUIRE(reply.status == 200, reply.body);
    BOOST_TEST(reply.json.at("role").as_string() == "front_desk");
    BOOST_TEST(reply.json.at("name").as_string() == "Bob B");
    BOOST_TEST(host.get("/api/users").status == 403);
    BOOST_TEST(host.stderr_text().find(password) == std::string::npos);
}

// ---- views --------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(a_view_answers_only_to_the_staff_session_that_opened_it) {
    HostProcess host{with_fixture()};
    const std::string property = host.demo_property();
    const std::string folio = main_folio_id(host);
    const std::string a = host.cookie();
    const std::string same_user_again = host.extra_session("admin");
    const std::string other_user = host.extra_session("frontdesk");

    const auto click = click_as(host, folio, a);
    BOOST_TEST_REQUIRE(click.status == 200, click.body);
    const std::string view_path =
        "/api/properties/" + property + "/views/" + std::string{click.json.at("session_id").as_string()};

    for (const auto& b : {same_user_again, other_user}) {
        const auto json_cookie = pms::net::Headers{{"Cookie", b}, {"Content-Type", "application/json"}};
        std::vector<std::pair<std::string, HttpReply>> replies{
            {"GET", get_as(host, view_path, b)},
            {"POST events",
             host.post_json(view_path + "/events", json::object{{"action", "next"}}, {{"Cookie", b}})},
            {"POST close", host.post_json(view_path + "/close", json::object{}, {{"Cookie", b}})},
            {"DELETE", host.request("DELETE", view_path, "", json_cookie)},
        };
        for (const auto& [what, reply] : replies) {
            BOOST_TEST(reply.status == 404, what << " -> " << reply.status << " " << reply.body);
            BOOST_TEST(error_code_of(reply.body) == "unknown_view", what);
        }
    }

    // Still open, and still A's.
    auto reply = get_as(host, view_path, a);
    BOOST_TEST_REQUIRE(reply.status == 200, reply.body);
    BOOST_TEST(reply.json.at("view").at("title").as_string() == "Fixture step 1");
    reply = host.post_json(view_path + "/events",
                           json::object{{"action", "next"}, {"values", {{"amount", "1550.00"}}}});
    BOOST_TEST_REQUIRE(reply.status == 200, reply.body);
    BOOST_TEST(view_text(reply) == "event by admin, amount ok");
    reply = host.post_json(view_path + "/close", json::object{});
    BOOST_TEST(reply.status == 200, reply.body);
    BOOST_TEST(get_as(host, view_path, a).status == 404);

    // Signing out closes one's views: they are gone for the next session of the same user.
    const auto second = click_as(host, folio, same_user_again);
    BOOST_TEST_REQUIRE(second.status == 200, second.body);
    const std::string second_path = "/api/properties/" + property + "/views/" +
                                    std::string{second.json.at("session_id").as_string()};
    BOOST_TEST(get_as(host, second_path, same_user_again).status == 200);
    BOOST_TEST(host.request("DELETE", "/api/session", "",
                            {{"Cookie", same_user_again}, {"Content-Type", "application/json"}})
                   .status == 200);
    BOOST_TEST(get_as(host, second_path, same_user_again).status == 401);
    BOOST_TEST(get_as(host, second_path, a).status == 404);
}

BOOST_AUTO_TEST_CASE(open_views_are_capped_and_an_idle_one_is_closed) {
    // Idle time 2 s: short to wait for, long enough that the steps below, each a use, never
    // see a view closed for idleness on a busy machine.
    HostProcess host{with_fixture({"--max-views-per-session", "2", "--max-views", "3",
                                   "--view-idle", "2"})};
    const std::string property = host.demo_property();
    const std::string folio = main_folio_id(host);
    const std::string a = host.cookie();
    const std::string b = host.extra_session("frontdesk");
    auto path_of = [&](const HttpReply& reply) {
        return "/api/properties/" + property + "/views/" +
               std::string{reply.json.at("session_id").as_string()};
    };
    // A's own page hears that its dialog was taken away.
    EventStream a_events{host.port(), "/api/properties/" + property + "/events",
                         "Cookie: " + a + "\r\n"};
    BOOST_TEST_REQUIRE(a_events.wait_for("event: ready", 10s).has_value());

    const auto first = click_as(host, folio, a);
    BOOST_TEST_REQUIRE(first.status == 200, first.body);
    const auto second = click_as(host, folio, a);
    BOOST_TEST_REQUIRE(second.status == 200, second.body);
    // Looking at the first makes the second the least recently used.
    BOOST_TEST_REQUIRE(get_as(host, path_of(first), a).status == 200);
    // At A's own cap a click still opens: A's least recently used view is closed for it.
    const auto third = click_as(host, folio, a);
    BOOST_TEST_REQUIRE(third.status == 200, third.body);
    BOOST_TEST(get_as(host, path_of(second), a).status == 404);
    BOOST_TEST(get_as(host, path_of(first), a).status == 200);
    const std::string second_id{second.json.at("session_id").as_string()};
    const auto evicted_at = a_events.wait_for("\"session_id\":\"" + second_id + "\"", 10s);
    BOOST_TEST_REQUIRE(evicted_at.has_value(), "no event closed the evicted dialog");
    BOOST_TEST(a_events.wait_for("\"closed\":true,\"reason\":\"cap\",\"view\":null", 5s, *evicted_at)
                   .has_value(),
               a_events.text());
    BOOST_TEST(host.wait_for_log("closed the least recently used plugin view of admin", 5s));

    BOOST_TEST_REQUIRE(click_as(host, folio, b).status == 200); // another session: its own room
    // The total cap is shared: B may not push out A's views, so B is refused.
    const auto over_total = click_as(host, folio, b);
    BOOST_TEST(over_total.status == 503, over_total.body);
    BOOST_TEST(error_code_of(over_total.body) == "too_many_views");
    BOOST_TEST(get_as(host, path_of(first), a).status == 200);

    // Unused for longer than --view-idle: closed by the host (the plugin forgets it too).
    // Each look counts as use, so wait well past the idle time between looks.
    int status = 200;
    for (int i = 0; i < 5 && status == 200; ++i) {
        std::this_thread::sleep_for(4s);
        status = get_as(host, path_of(first), a).status;
    }
    BOOST_TEST(status == 404, "the idle view is still open");
    // A's page was told, so its dialog closes rather than failing on the next click.
    const std::string first_id{first.json.at("session_id").as_string()};
    const auto idle_at = a_events.wait_for("\"session_id\":\"" + first_id + "\"", 10s);
    BOOST_TEST_REQUIRE(idle_at.has_value(), a_events.text());
    BOOST_TEST(a_events.wait_for("\"reason\":\"idle\"", 5s, *idle_at).has_value(), a_events.text());
    // Room again for a new one.
    BOOST_TEST(click_as(host, folio, b).status == 200);
}

// ---- live-event stream caps ---------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(stream_caps_hold_under_a_flood_and_hooks_still_answer) {
    HostProcess host{with_fixture(
        {"--max-streams-per-session", "2", "--max-streams", "5", "--hooks-listen", "127.0.0.1:0"})};
    const std::string hooks_base = host.hooks_base_url();
    const auto hooks_port =
        static_cast<std::uint16_t>(std::stoi(hooks_base.substr(hooks_base.rfind(':') + 1)));
    const std::string property = host.demo_property();
    const std::string events = "/api/properties/" + property + "/events";
    const std::string hook = "/hooks/" + fixture_id + "/" + property + "/probe";
    auto stream_request = [&](const std::string& cookie) {
        // Keep-alive: a refused stream's connection must be closed by the host itself.
        return raw_request_text("GET", events, local_host(host),
                                cookie.empty() ? HeaderList{} : HeaderList{{"Cookie", cookie}},
                                {}, true);
    };
    auto open_stream = [&](const std::string& cookie) {
        auto connection = std::make_unique<RawHttp>(host.port());
        BOOST_TEST_REQUIRE(connection->send(stream_request(cookie)));
        return connection;
    };

    std::map<std::string, std::string> sessions{{"s1", host.cookie()},
                                                {"s2", host.extra_session("frontdesk")},
                                                {"s3", host.extra_session("accountant")}};
    std::vector<std::unique_ptr<RawHttp>> streams;
    auto expect_stream = [&](const std::string& name) {
        streams.push_back(open_stream(sessions.at(name)));
        const auto reply = streams.back()->read_reply(10s);
        BOOST_TEST_REQUIRE(reply.status == 200, name << ": " << reply.head);
    };
    auto expect_refusal = [&](const std::string& name, int status) {
        auto connection = open_stream(sessions.at(name));
        const auto reply = connection->read_reply(10s);
        BOOST_TEST(reply.status == status, name << ": " << reply.head);
        BOOST_TEST(reply.header("Connection").value_or("") == "close", reply.head);
        BOOST_TEST(connection->wait_closed(5s), "the refused connection stays open");
    };

    // Per staff session: the 3rd stream of s1 is 429.
    expect_stream("s1");
    expect_stream("s1");
    expect_refusal("s1", 429);
    // In total: 5 open, the 6th (of a session with room) is 503.
    expect_stream("s2");
    expect_stream("s2");
    expect_stream("s3");
    expect_refusal("s3", 503);

    // Signing out closes the session's streams and frees their slots.
    BOOST_TEST_REQUIRE(host.request("DELETE", "/api/session", "",
                                    {{"Cookie", sessions.at("s2")}, {"Content-Type", "application/json"}})
                           .status == 200);
    BOOST_TEST(streams[2]->wait_closed(5s), "s2's first stream survived its sign-out");
    BOOST_TEST(streams[3]->wait_closed(5s), "s2's second stream survived its sign-out");
    sessions.erase("s2");
    // 3 streams open now (s1 ×2, s3 ×1): room for 2 more.

    // The flood: 300 stream requests at once from s1 (full), s3 (room for 1), four fresh
    // sessions (room for 2 each, 2 in total) and anonymous callers, then a provider
    // notification while they are being answered.
    for (const std::string login : {"admin", "frontdesk", "accountant", "admin"})
        sessions["f" + std::to_string(sessions.size())] = host.extra_session(login);
    std::vector<std::string> names;
    for (const auto& [name, cookie] : sessions)
        names.push_back(name);
    names.push_back(""); // anonymous
    std::vector<std::pair<std::string, std::unique_ptr<RawHttp>>> flood;
    const auto flood_started = Clock::now();
    for (int i = 0; i < 300; ++i) {
        const std::string& name = names[static_cast<std::size_t>(i) % names.size()];
        auto connection = std::make_unique<RawHttp>(host.port());
        connection->send(stream_request(name.empty() ? std::string{} : sessions.at(name)));
        flood.emplace_back(name, std::move(connection));
    }
    // A provider connects afresh, like every other client in the flood: first to the
    // /hooks-only listener, then to the shared one. The flood holds its sockets open (more
    // than the listener's 256 connections), so the shared listener takes the provider's
    // connection only once the host let go of refused ones.
    auto provider = [&](std::uint16_t port) {
        const auto started = Clock::now();
        auto reply = raw_exchange(port,
                                  raw_request_text("POST", hook, "provider.example",
                                                   {{"Content-Type", "application/json"}}, "{}"),
                                  15s);
        return std::pair{std::move(reply), ms_since(started)};
    };
    const auto sent_ms = ms_since(flood_started);
    const auto [own_door, own_door_ms] = provider(hooks_port);
    const auto [shared_door, shared_door_ms] = provider(host.port());
    BOOST_TEST_MESSAGE("flood of 300 stream requests sent in "
                       << sent_ms << " ms; /hooks answered meanwhile: " << own_door.status
                       << " in " << own_door_ms << " ms on the /hooks-only listener, "
                       << shared_door.status << " in " << shared_door_ms
                       << " ms on the shared listener");
    for (const auto* reply : {&own_door, &shared_door}) {
        BOOST_TEST(reply->status == 200, reply->head);
        BOOST_TEST(reply->header("X-Fixture-Path").value_or("") == "probe",
                   "the plugin did not answer");
    }
    // The host answers a notification itself (503) after its 10 s hook deadline: it did not
    // come to that.
    BOOST_TEST(own_door_ms < 10'000.0);
    BOOST_TEST(shared_door_ms < 10'000.0);

    std::map<int, int> by_status;
    std::map<std::string, int> accepted_by;
    for (auto& [name, connection] : flood) {
        const auto reply = connection->read_reply(20s);
        ++by_status[reply.status];
        if (reply.status == 200)
            ++accepted_by[name];
        if (name.empty())
            BOOST_TEST(reply.status == 401);
        else
            BOOST_TEST((reply.status == 200 || reply.status == 429 || reply.status == 503),
                       name << ": " << reply.head);
    }
    std::string summary;
    for (const auto& [status, n] : by_status)
        summary += " " + std::to_string(status) + "×" + std::to_string(n);
    BOOST_TEST_MESSAGE("flood answers:" << summary << " (all answered after "
                                        << ms_since(flood_started) << " ms)");
    int accepted = 0;
    for (const auto& [name, n] : accepted_by) {
        accepted += n;
        const int before = name == "s1" ? 2 : name == "s3" ? 1 : 0;
        BOOST_TEST(before + n <= 2, "session " << name << " has " << before + n
                                               << " streams, cap 2");
    }
    BOOST_TEST(3 + accepted <= 5, 3 + accepted << " streams open, cap 5");
    BOOST_TEST(by_status[0] == 0, "some stream requests got no answer");

    // The host is still fine: hooks and the API answer, and every socket is closed.
    flood.clear();
    streams.clear();
    BOOST_TEST(host.request("POST", hook, "{}", {{"Cookie", ""}}).status == 200);
    BOOST_TEST(host.get("/api/health").status == 200);
}

// ---- two doors ----------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(the_hooks_listener_serves_hooks_only) {
    pms::test::TempDir web{"pms-host-web"};
    std::filesystem::create_directories(web.path() / "root");
    std::ofstream{web.path() / "root" / "index.html"} << "<!doctype html><title>STAFF-UI</title>";
    HostProcess host{with_fixture({"--hooks-listen", "127.0.0.1:0", "--hooks-public-url",
                                   "https://hooks.example.com/", "--web-root",
                                   (web.path() / "root").string()})};
    const std::string base = host.hooks_base_url();
    BOOST_TEST_MESSAGE("hooks listener: " << base);
    const std::string prefix = "http://127.0.0.1:";
    BOOST_TEST_REQUIRE(base.rfind(prefix, 0) == 0u, base);
    const auto hooks_port = static_cast<std::uint16_t>(std::stoi(base.substr(prefix.size())));
    BOOST_TEST_REQUIRE(hooks_port != host.port());
    const std::string property = host.demo_property();
    const std::string hook = "/hooks/" + fixture_id + "/" + property;

    auto on_hooks = [&](const std::string& method, const std::string& path,
                        HeaderList headers = {}, const std::string& body = {}) {
        if (std::none_of(headers.begin(), headers.end(),
                         [](const auto& h) { return h.first == "Host"; }))
            headers.insert(headers.begin(), {"Host", "hooks.example.com"});
        std::string host_header;
        for (auto it = headers.begin(); it != headers.end(); ++it)
            if (it->first == "Host") {
                host_header = it->second;
                headers.erase(it);
                break;
            }
        return raw_exchange(hooks_port,
                            raw_request_text(method, path, host_header, headers, body));
    };

    // /hooks/... reaches the plugin (any Host, no session, no Origin, any Content-Type).
    auto reply = on_hooks("POST", hook + "/echo", {{"Content-Type", "text/plain"}}, "ping-1");
    BOOST_TEST(reply.status == 202, reply.head);
    BOOST_TEST(reply.body == "ping-1");
    reply = on_hooks("GET", hook + "/probe", {{"Host", "attacker.example"}});
    BOOST_TEST(reply.status == 200, reply.head);
    BOOST_TEST(reply.header("X-Fixture-Path").value_or("") == "probe");

    // Nothing of the staff door is there, signed in or not.
    for (const std::string path : {"/api/health", "/api/properties", "/index.html", "/",
                                   "/api/session", "/hooksx", "/api/properties/1/events"}) {
        for (const std::string method : {"GET", "POST"}) {
            reply = on_hooks(method, path,
                             {{"Cookie", host.cookie()}, {"Content-Type", "application/json"},
                              {"Origin", "http://hooks.example.com"}},
                             method == "POST" ? R"({"login":"admin","password":"demo"})" : "");
            BOOST_TEST(reply.status == 404, method << " " << path << " -> " << reply.status);
            BOOST_TEST(reply.body.find("STAFF-UI") == std::string::npos);
            BOOST_TEST(!reply.header("Set-Cookie").has_value(), method << " " << path);
        }
    }
    // The staff door still serves the staff.
    BOOST_TEST(host.get("/api/health").status == 200);
    BOOST_TEST(host.get("/index.html").status == 200);

    // The notification URL shown to the admin is built from --hooks-public-url.
    const std::string expected = "https://hooks.example.com/hooks/" + fixture_id + "/" + property + "/";
    const auto plugins = host.get("/api/properties/" + property + "/plugins");
    BOOST_TEST_REQUIRE(plugins.status == 200, plugins.body);
    bool found = false;
    for (const auto& p : plugins.json.at("plugins").as_array())
        if (p.at("id").as_string() == fixture_id) {
            found = true;
            BOOST_TEST(p.at("notification_url").as_string() == expected);
        }
    BOOST_TEST(found);
    const auto page =
        host.get("/api/properties/" + property + "/plugins/" + fixture_id + "/settings");
    BOOST_TEST_REQUIRE(page.status == 200, page.body);
    BOOST_TEST(page.json.at("notification_url").as_string() == expected);

    // Without --hooks-public-url (and --public-url) it is the hooks listener's own address.
    HostProcess plain{with_fixture({"--hooks-listen", "127.0.0.1:0"})};
    const std::string plain_base = plain.hooks_base_url();
    const auto listed = plain.get("/api/properties/" + property + "/plugins");
    BOOST_TEST_REQUIRE(listed.status == 200, listed.body);
    for (const auto& p : listed.json.at("plugins").as_array())
        if (p.at("id").as_string() == fixture_id)
            BOOST_TEST(p.at("notification_url").as_string() ==
                       plain_base + "/hooks/" + fixture_id + "/" + property + "/");
}

// ---- headers ------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(staff_answers_forbid_framing_and_referrers) {
    pms::test::TempDir web{"pms-host-web"};
    std::filesystem::create_directories(web.path() / "root");
    std::ofstream{web.path() / "root" / "index.html"} << "<!doctype html><title>STAFF-UI</title>";
    HostProcess host{with_fixture({"--web-root", (web.path() / "root").string()})};
    const std::vector<std::pair<std::string, RawReply>> answers{
        {"api 200", raw(host, "GET", "/api/properties", host.cookie())},
        {"api public", raw(host, "GET", "/api/health", {})},
        {"api 401", raw(host, "GET", "/api/properties", {})},
        {"api 403", raw(host, "GET", "/api/users", host.extra_session("frontdesk"))},
        {"api 415", raw(host, "POST", "/api/session", {}, {{"Content-Type", "text/plain"}})},
        {"sign-in", raw(host, "POST", "/api/session", {}, {},
                        R"({"login":"admin","password":"demo"})")},
        {"static", raw(host, "GET", "/index.html", {})},
        {"static root", raw(host, "GET", "/", {})},
        {"static 404", raw(host, "GET", "/missing.js", {})},
        {"421", raw(host, "GET", "/", {}, {{"Host", "attacker.example"}})},
    };
    for (const auto& [what, reply] : answers) {
        BOOST_TEST_REQUIRE(reply.status != 0, what);
        const auto csp = reply.header("Content-Security-Policy");
        BOOST_TEST(csp.has_value(), what);
        BOOST_TEST(csp.value_or("").find("frame-ancestors 'none'") != std::string::npos,
                   what << ": " << csp.value_or(""));
        BOOST_TEST(reply.header("X-Frame-Options").value_or("") == "DENY", what);
        BOOST_TEST(reply.header("Referrer-Policy").value_or("") == "no-referrer", what);
    }
}

BOOST_AUTO_TEST_SUITE_END()
