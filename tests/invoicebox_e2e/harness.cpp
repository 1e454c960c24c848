// See harness.hpp.
#include "harness.hpp"

#include "mime_reader.hpp"

#include <boost/test/unit_test.hpp>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <csignal>
#include <fstream>
#include <future>
#include <iostream>
#include <sstream>
#include <stdexcept>

namespace ibe2e {

namespace fs = std::filesystem;

namespace {
/// The binaries under test: compiled-in paths, overridable by environment (to run this suite
/// against another build tree's binaries).
std::string path_of(const char* env, const char* compiled) {
    const char* v = std::getenv(env);
    return v && *v ? std::string(v) : std::string(compiled);
}
std::string host_exe() { return path_of("IB_E2E_HOST_EXE", IB_E2E_HOST_EXE); }
std::string sim_exe() { return path_of("IB_E2E_SIM_EXE", IB_E2E_SIM_EXE); }
std::string plugins_dir() { return path_of("IB_E2E_PLUGINS_DIR", IB_E2E_PLUGINS_DIR); }
} // namespace

// ---- Http ----------------------------------------------------------------------------------

std::string Reply::describe() const {
    std::string s = "HTTP " + std::to_string(status);
    if (ec)
        s += " (" + ec.message() + ")";
    s += ": " + body.substr(0, 1500);
    return s;
}

Http::Http() {
    work_.emplace(ioc_.get_executor());
    thread_ = std::thread([this] { ioc_.run(); });
    pms::net::ClientOptions o;
    o.total_timeout = 40s;
    o.max_idle_per_origin = 8;
    client_ = std::make_unique<pms::net::HttpClient>(ioc_, o);
}

Http::~Http() {
    client_->shutdown();
    work_.reset();
    ioc_.stop();
    if (thread_.joinable())
        thread_.join();
    client_.reset();
}

Reply Http::request(const std::string& method, const std::string& url, const std::string& body,
                    pms::net::Headers headers, std::chrono::milliseconds timeout) {
    pms::net::ClientRequest req;
    req.method = method;
    req.url = url;
    req.headers = std::move(headers);
    const bool changes = method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
    if ((!body.empty() || changes) && !pms::net::find_header(req.headers, "Content-Type"))
        req.headers.push_back({"Content-Type", "application/json"});
    // The origin: scheme://authority of the URL.
    const auto scheme_end = url.find("://");
    const auto path_start = scheme_end == std::string::npos ? std::string::npos : url.find('/', scheme_end + 3);
    const std::string origin = url.substr(0, path_start);
    if (changes && !pms::net::find_header(req.headers, "Origin"))
        req.headers.push_back({"Origin", origin});
    {
        std::lock_guard lock(mutex_);
        if (auto c = cookies_.find(origin); c != cookies_.end() && !pms::net::find_header(req.headers, "Cookie"))
            req.headers.push_back({"Cookie", c->second});
    }
    req.body = body;
    req.total_timeout = timeout;
    auto promise = std::make_shared<std::promise<pms::net::ClientResponse>>();
    auto future = promise->get_future();
    client_->async_send(std::move(req), [promise](pms::net::ClientResponse r) { promise->set_value(std::move(r)); });
    Reply reply;
    if (future.wait_for(timeout + 5s) != std::future_status::ready) {
        reply.ec = std::make_error_code(std::errc::timed_out);
        return reply;
    }
    auto r = future.get();
    reply.ec = r.ec;
    reply.status = r.status;
    reply.body = std::move(r.body);
    reply.outcome_unknown = r.outcome_unknown;
    {
        std::lock_guard lock(mutex_);
        bodies_ += reply.body;
        bodies_ += '\n';
        if (auto set = r.header("Set-Cookie"); set && set->rfind("pms_session=", 0) == 0) {
            const std::string cookie{set->substr(0, set->find(';'))};
            if (cookie == "pms_session=")
                cookies_.erase(origin);
            else
                cookies_[origin] = cookie;
        }
    }
    boost::system::error_code ec;
    auto parsed = json::parse(reply.body, ec);
    if (!ec)
        reply.json = std::move(parsed);
    return reply;
}

Reply Http::post(const std::string& url, const json::value& body, std::chrono::milliseconds timeout) {
    return request("POST", url, json::serialize(body), {}, timeout);
}

Reply Http::put(const std::string& url, const json::value& body) { return request("PUT", url, json::serialize(body)); }

std::string Http::cookie_for(const std::string& origin) const {
    std::lock_guard lock(mutex_);
    const auto c = cookies_.find(origin);
    return c == cookies_.end() ? std::string{} : c->second;
}

void Http::forget_cookies() {
    std::lock_guard lock(mutex_);
    cookies_.clear();
}

std::string Http::all_bodies() const {
    std::lock_guard lock(mutex_);
    return bodies_;
}

// ---- processes ----------------------------------------------------------------------------

std::unique_ptr<pms::test::ChildProcess> start_logged(const fs::path& program, std::vector<std::string> args,
                                                      const fs::path& stderr_file,
                                                      std::vector<std::pair<std::string, std::string>> env) {
    pms::test::ChildProcess::Options o;
    o.program = "/bin/sh";
    o.args = {"-c", "exec \"$0\" \"$@\" 2>>\"$IB_E2E_STDERR\"", program.string()};
    o.args.insert(o.args.end(), args.begin(), args.end());
    o.env = std::move(env);
    o.env.emplace_back("IB_E2E_STDERR", stderr_file.string());
    o.first_line_timeout = 30s;
    o.stop_grace = 15s;
    return std::make_unique<pms::test::ChildProcess>(std::move(o));
}

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

World::World(SimOptions sim) {
    host_port_ = pms::test::find_free_port();
    std::vector<std::string> args{"--listen", "127.0.0.1:0",
                                  "--merchant-id", merchant_id,
                                  "--token", api_token,
                                  "--api-key", api_key,
                                  "--account", std::string(foreign_merchant_id) + ":" + foreign_token + ":" + foreign_key,
                                  "--state", (dir.path() / "sim-state.json").string(),
                                  "--notification-url", hook_url()};
    args.insert(args.end(), sim.extra_args.begin(), sim.extra_args.end());
    sim_ = start_logged(sim_exe(), args, dir.path() / "sim.stderr");
    sim_url_ = sim_->first_line();
    while (!sim_url_.empty() && (sim_url_.back() == '/' || sim_url_.back() == '\r'))
        sim_url_.pop_back();
    if (sim_url_.rfind("http://", 0) != 0)
        throw std::runtime_error("unexpected simulator first line: " + sim_url_);
    fs::create_directories(dir.path() / "data");
}

World::~World() {
    if (host_)
        host_->stop(SIGTERM, 15s);
    if (sim_)
        sim_->stop(SIGTERM, 10s);
    if (std::getenv("IB_E2E_SHOW_LOGS")) {
        std::cerr << "---- pms-host stderr ----\n" << host_log() << "---- invoicebox-sim stderr ----\n" << sim_log()
                  << "---- end ----\n";
    }
}

std::string World::hook_url() const {
    return "http://127.0.0.1:" + std::to_string(host_port_) + "/hooks/" + plugin_id + "/1/";
}

// Secrets reach the host from files (never argv, where ps would show them).
std::string World::secret_file(const std::string& name, const std::string& value) {
    const auto path = dir.path() / ("secret-" + name);
    std::ofstream(path, std::ios::binary | std::ios::trunc) << value << "\n";
    fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
    return path.string();
}

std::vector<std::string> World::host_args(const HostStart& start) {
    const std::string p = std::string(plugin_id) + ":1:";
    std::vector<std::string> args{"--listen", "127.0.0.1:" + std::to_string(host_port_),
            "--data", (dir.path() / "data").string(),
            "--plugins", plugins_dir(),
            "--seed-demo",
            "--log-level", "debug",
            "--enable", std::string(plugin_id) + ":1",
            "--setting", p + "merchant_id=" + merchant_id,
            "--secret", p + "api_token=@" + secret_file("api_token", start.token),
            "--secret", p + "api_key=@" + secret_file("api_key", api_key),
            "--setting", p + "api_base_url=" + sim_url_,
            "--setting", p + "legal_entity_id=" + superhotel_legal_entity_id, // the main shop sells for «Суперотель»
            "--setting", p + "api_host_confirmed=127.0.0.1", // the plugin asks to confirm a non-InvoiceBox host
            "--setting", p + "notification_url=" + hook_url(),
            "--setting", p + "hotel_name=Гранд Отель Суперотель",
            "--setting", p + "poll_interval_seconds=10"};
    args.insert(args.end(), start.extra_args.begin(), start.extra_args.end());
    return args;
}

bool World::start_host(const HostStart& start) {
    std::vector<std::pair<std::string, std::string>> env;
    if (!start.failpoint.empty())
        env.emplace_back("PMS_FAILPOINT", start.failpoint);
    ++host_runs_;
    std::ofstream(dir.path() / "host.stderr", std::ios::app)
        << "==== host run " << host_runs_ << " failpoint=" << start.failpoint << " ====\n";
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    for (;;) {
        try {
            host_ = start_logged(host_exe(), host_args(start), dir.path() / "host.stderr", env);
            break;
        } catch (const std::exception& e) {
            host_.reset();
            if (!start.expect_listening)
                return false;
            // The port may still be held for a moment after a kill: retry briefly.
            if (std::chrono::steady_clock::now() > deadline ||
                host_log().find("cannot listen") == std::string::npos)
                throw std::runtime_error(std::string("pms-host did not start: ") + e.what() + "\n" + host_log());
            std::this_thread::sleep_for(300ms);
        }
    }
    if (!signed_in_) {
        sign_in();
        signed_in_ = true;
    }
    if (folio_id_.empty()) {
        auto r = http.get(api("/bookings/" + std::string(booking_number)));
        if (r.status != 200)
            throw std::runtime_error("booking 471887: " + r.describe());
        for (const auto& a : r.json.at("accounts").as_array())
            if (a.at("number").as_string() == folio_number)
                folio_id_ = std::string(a.at("id").as_string());
        if (folio_id_.empty())
            throw std::runtime_error("no account 30682277 in booking 471887");
    }
    return true;
}

void World::sign_in(const std::string& login) {
    auto r = http.post(host_url() + "/api/session", json::object{{"login", login}, {"password", "demo"}});
    if (r.status != 200)
        throw std::runtime_error("sign-in as " + login + ": " + r.describe());
}

int World::stop_host(int signal) {
    if (!host_)
        return -1;
    const int st = host_->stop(signal, 15s);
    host_.reset();
    return st;
}

std::optional<int> World::wait_host_exit(std::chrono::milliseconds timeout) {
    if (!host_)
        return std::nullopt;
    auto st = host_->wait_exit(timeout);
    if (st)
        host_.reset();
    return st;
}

bool World::host_running() { return host_ && host_->running(); }

void World::restart_host(int signal, const HostStart& start) {
    stop_host(signal);
    start_host(start);
}

// ---- host API ----------------------------------------------------------------------------

void World::map_payment_kind() {
    const std::string url = api("/plugins/" + std::string(plugin_id) + "/payment-mapping");
    auto r = http.get(url);
    BOOST_REQUIRE_MESSAGE(r.status == 200, "GET payment-mapping: " + r.describe());
    std::string cat, type;
    for (const auto& c : r.json.at("categories").as_array())
        for (const auto& t : c.at("types").as_array())
            if (t.at("name").as_string() == "Онлайн-оплата (ссылка)") {
                cat = std::string(c.at("id").as_string());
                type = std::string(t.at("id").as_string());
            }
    BOOST_REQUIRE_MESSAGE(!cat.empty(), "no type «Онлайн-оплата (ссылка)» in the demo: " + r.body);
    auto put = http.put(url, json::object{{"mappings", json::array{json::object{
                                                             {"kind", "payment"}, {"category_id", cat}, {"type_id", type}}}}});
    BOOST_REQUIRE_MESSAGE(put.status == 200, "PUT payment-mapping: " + put.describe());
}

void World::map_payment_and_refund_kinds() {
    const std::string url = api("/plugins/" + std::string(plugin_id) + "/payment-mapping");
    auto r = http.get(url);
    BOOST_REQUIRE_MESSAGE(r.status == 200, "GET payment-mapping: " + r.describe());
    std::string cat, type;
    for (const auto& c : r.json.at("categories").as_array())
        for (const auto& t : c.at("types").as_array())
            if (t.at("name").as_string() == "Онлайн-оплата (ссылка)") {
                cat = std::string(c.at("id").as_string());
                type = std::string(t.at("id").as_string());
            }
    BOOST_REQUIRE_MESSAGE(!cat.empty(), "no type «Онлайн-оплата (ссылка)» in the demo: " + r.body);
    json::array mappings;
    for (const char* kind : {"payment", "refund"})
        mappings.push_back(json::object{{"kind", kind}, {"category_id", cat}, {"type_id", type}});
    auto put = http.put(url, json::object{{"mappings", std::move(mappings)}});
    BOOST_REQUIRE_MESSAGE(put.status == 200, "PUT payment-mapping: " + put.describe());
}

json::object World::folio() {
    auto r = http.get(api("/folios/" + folio_id_));
    BOOST_REQUIRE_MESSAGE(r.status == 200 && r.json.is_object(), "GET folio: " + r.describe());
    return r.json.as_object();
}

std::vector<json::object> World::payments() {
    std::vector<json::object> out;
    const auto f = folio();
    for (const auto& p : f.at("payments").as_array())
        out.push_back(p.as_object());
    return out;
}

std::int64_t World::balance_due() { return folio().at("totals").at("balance_due_minor").to_number<std::int64_t>(); }

std::vector<json::object> World::notifications() {
    auto r = http.get(api("/notifications?limit=500"));
    BOOST_REQUIRE_MESSAGE(r.status == 200, "GET notifications: " + r.describe());
    std::vector<json::object> out;
    for (const auto& n : r.json.at("notifications").as_array())
        out.push_back(n.as_object());
    return out;
}

std::size_t World::count_paid_notifications() {
    std::size_t n = 0;
    for (const auto& x : notifications()) {
        const std::string text = std::string(x.at("title").as_string()) + " " + std::string(x.at("body").as_string());
        // The paid alert, not the suspense alerts that also begin «Получена оплата … но она не проведена».
        if (text.find("Получена оплата") != std::string::npos && text.find("не проведена") == std::string::npos)
            ++n;
    }
    return n;
}

std::vector<fs::path> World::outbox_files() {
    std::vector<fs::path> out;
    const auto d = dir.path() / "data" / "outbox";
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(d, ec); !ec && it != fs::recursive_directory_iterator(); ++it)
        if (it->is_regular_file() && it->path().extension() == ".eml")
            out.push_back(it->path());
    return out;
}

// ---- the dialog ----------------------------------------------------------------------------

namespace {
} // namespace

World::View World::click() {
    View v;
    v.reply = http.post(api("/folios/" + folio_id_ + "/buttons/" + plugin_id + "/" + button_id + "/click"),
                        json::object{{"locale", "ru-RU"}}, 45s);
    BOOST_REQUIRE_MESSAGE(v.reply.status == 200 && v.reply.json.is_object(), "click: " + v.reply.describe());
    v.session = std::string(v.reply.json.at("session_id").as_string());
    v.view = v.reply.json.at("view");
    return v;
}

World::View World::event(const std::string& session, const json::object& ev, std::chrono::milliseconds timeout) {
    json::object body = ev;
    if (!body.contains("kind"))
        body["kind"] = "button";
    View v;
    v.session = session;
    v.reply = http.post(api("/views/" + session + "/events"), body, timeout);
    if (v.reply.json.is_object())
        if (const auto* view = v.reply.json.as_object().if_contains("view"))
            v.view = *view;
    return v;
}

World::View World::open_create_form(const std::string& session) {
    auto v = event(session, json::object{{"action", "create"}, {"values", json::object{}}});
    BOOST_REQUIRE_MESSAGE(v.reply.status == 200, "«Создать ссылку»: " + v.reply.describe());
    return v;
}

namespace {
/// The form field `name` of a view, or nullptr.
const json::object* form_field(const json::value& view, const std::string& name) {
    if (!view.is_object())
        return nullptr;
    const auto* els = view.as_object().if_contains("elements");
    if (!els || !els->is_array())
        return nullptr;
    for (const auto& e : els->as_array()) {
        if (!e.is_object())
            continue;
        const auto* fields = e.as_object().if_contains("fields");
        if (!fields || !fields->is_array())
            continue;
        for (const auto& f : fields->as_array())
            if (f.is_object() && f.as_object().contains("name") && f.at("name").as_string() == name)
                return &f.as_object();
    }
    return nullptr;
}
} // namespace

World::View World::create_link(const std::string& session, const std::string& amount, bool send_mail,
                               const std::string& lifetime, const std::string& action) {
    auto form = open_create_form(session);
    json::object values;
    for (const char* name : {"amount", "description", "message_template", "lifetime"}) {
        const auto* f = form_field(form.view, name);
        BOOST_REQUIRE_MESSAGE(f, std::string("the create form has no field ") + name + ": " + form.reply.body);
        values[name] = f->contains("value") ? f->at("value") : json::value("");
    }
    BOOST_REQUIRE_MESSAGE(form_field(form.view, "send_mail"), "the create form has no «Отправить пользователю»");
    values["amount"] = amount;
    values["send_mail"] = send_mail;
    if (!lifetime.empty())
        values["lifetime"] = lifetime;
    return event(session, json::object{{"action", action}, {"values", values}});
}

World::View World::refresh(const std::string& session) {
    return event(session, json::object{{"action", "refresh"}, {"values", json::object{}}});
}

std::vector<json::object> World::link_rows(const json::value& view) {
    std::vector<json::object> rows;
    if (!view.is_object() || !view.as_object().contains("elements"))
        return rows;
    for (const auto& e : view.at("elements").as_array())
        if (e.is_object() && e.as_object().contains("type") && e.at("type").as_string() == "table" &&
            e.as_object().contains("rows"))
            for (const auto& r : e.at("rows").as_array())
                rows.push_back(r.as_object());
    return rows;
}

std::string World::status_of(const json::object& row) {
    const auto& st = row.at("cells").at("status");
    if (st.is_string())
        return std::string(st.as_string());
    return std::string(st.at("text").as_string());
}

namespace {
void collect_text(const json::value& v, std::string& out) {
    if (v.is_string()) {
        out += v.as_string();
        out += '\n';
    } else if (v.is_array()) {
        for (const auto& x : v.as_array())
            collect_text(x, out);
    } else if (v.is_object()) {
        for (const auto& [k, x] : v.as_object())
            if (k == "text" || k == "title" || k == "error" || k == "message" || k == "cells" || k == "elements" ||
                k == "fields" || k == "rows" || k == "status" || k == "label" || k == "value" || x.is_object() ||
                x.is_array())
                collect_text(x, out);
    }
}
} // namespace

std::string World::all_text(const json::value& view) {
    std::string out;
    collect_text(view, out);
    return out;
}

// ---- simulator ----------------------------------------------------------------------------

std::vector<json::object> World::sim_orders(const std::string& query) {
    auto r = http.get(sim_url_ + "/__sim/orders" + query);
    BOOST_REQUIRE_MESSAGE(r.status == 200, "GET /__sim/orders: " + r.describe());
    std::vector<json::object> out;
    for (const auto& o : r.json.at("data").as_array())
        out.push_back(o.as_object());
    return out;
}

std::optional<json::object> World::sim_order_by_moid(const std::string& moid) {
    auto all = sim_orders("?merchantOrderId=" + moid);
    if (all.empty())
        return std::nullopt;
    BOOST_CHECK_MESSAGE(all.size() == 1, "merchantOrderId " + moid + " has " + std::to_string(all.size()) + " orders");
    return all.front();
}

json::object World::sim_pay(const std::string& order_id, bool late) {
    auto r = http.post(sim_url_ + "/__sim/orders/" + order_id + "/pay",
                       late ? json::object{{"late", true}} : json::object{});
    BOOST_REQUIRE_MESSAGE(r.status == 200, "pay " + order_id + ": " + r.describe());
    return r.json.at("data").as_object();
}

std::vector<json::object> World::sim_notifications(const std::string& order_id) {
    auto r = http.get(sim_url_ + "/__sim/notifications" + (order_id.empty() ? "" : "?orderId=" + order_id));
    BOOST_REQUIRE_MESSAGE(r.status == 200, "GET /__sim/notifications: " + r.describe());
    std::vector<json::object> out;
    for (const auto& o : r.json.at("data").as_array())
        out.push_back(o.as_object());
    return out;
}

void World::sim_faults(const json::value& faults) {
    auto r = http.post(sim_url_ + "/__sim/faults", faults);
    BOOST_REQUIRE_MESSAGE(r.status == 200, "POST /__sim/faults: " + r.describe());
}

void World::sim_advance(double seconds) {
    auto r = http.post(sim_url_ + "/__sim/clock/advance", json::object{{"seconds", seconds}});
    BOOST_REQUIRE_MESSAGE(r.status == 200, "clock advance: " + r.describe());
}

void World::sim_config(const json::object& config) {
    auto r = http.post(sim_url_ + "/__sim/config", config);
    BOOST_REQUIRE_MESSAGE(r.status == 200, "POST /__sim/config: " + r.describe());
}

json::object World::sim_cabinet_refund(const std::string& order_id, std::int64_t amount_minor) {
    json::object body;
    if (amount_minor > 0)
        body["amountMinor"] = amount_minor;
    auto r = http.post(sim_url_ + "/__sim/orders/" + order_id + "/refund", body);
    BOOST_REQUIRE_MESSAGE(r.status == 200, "cabinet refund of " + order_id + ": " + r.describe());
    return r.json.at("data").as_object();
}

std::vector<json::object> World::sim_refunds() {
    auto r = http.get(sim_url_ + "/__sim/refunds");
    BOOST_REQUIRE_MESSAGE(r.status == 200, "GET /__sim/refunds: " + r.describe());
    std::vector<json::object> out;
    for (const auto& o : r.json.at("data").as_array())
        out.push_back(o.as_object());
    return out;
}

std::string World::host_log() const { return read_file(dir.path() / "host.stderr"); }
std::string World::sim_log() const { return read_file(dir.path() / "sim.stderr"); }

bool World::wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (pred())
            return true;
        std::this_thread::sleep_for(100ms);
    }
    return pred();
}

// ---- signatures and mail ---------------------------------------------------------------------

std::string sign(const std::string& key, const std::string& body) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(body.data()),
         body.size(), md, &len);
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < len; ++i) {
        out += hex[md[i] >> 4];
        out += hex[md[i] & 15];
    }
    return out;
}

namespace {
void collect_parts(const pms::host::mail::test::MimeEntity& e, std::string& out) {
    if (e.parts.empty()) {
        out += e.body;
        out += "\n";
    }
    for (const auto& p : e.parts)
        collect_parts(p, out);
}
} // namespace

Mail read_mail(const fs::path& eml) {
    const auto raw = read_file(eml);
    const auto m = pms::host::mail::test::parse_mime(raw);
    Mail mail;
    mail.to = m.header("to");
    mail.subject_raw = m.header("subject");
    collect_parts(m, mail.text);
    return mail;
}

} // namespace ibe2e
