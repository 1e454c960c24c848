// Chaos, counted (issue 11): N orders created through the real pms-host, the real
// invoicebox_plugin.so and the real invoicebox-sim, and paid, while
//   - the simulator injects 10 % 5xx (500/502/503/504, half of them after applying the request),
//     10 % dropped connections (half after applying), 10 % latency beyond the plugin's 20 s
//     request timeout, 30 % duplicated and 30 % reordered notifications, with its rate limit at
//     its real value (100 requests / 30 s per shop) unless CHAOS_RATE_LIMIT says otherwise;
//   - the host is SIGKILLed at random moments (every 2–6 s of uptime) and restarted after a random
//     pause (0.2–3 s), on the same port.
// Every random choice comes from one seed, printed first (`CHAOS_SEED=…` replays it; the fault
// victims replay exactly, the kill moments as times). After a quiet period without faults or kills
// (the poller and start-up recovery finish the work) it counts and prints a table:
//   exactly N postings, N «Получена оплата» staff alerts, 0 orders created twice at InvoiceBox
//   (per merchantOrderId, and per order of the test), 0 links in a non-final state, and every
//   notification the host answered `success` posted.
//
// Knobs (environment): CHAOS_N (default 20), CHAOS_SEED, CHAOS_WORKERS (staff working at once,
// default min(8, N)), CHAOS_RATE_LIMIT ("N/SECONDS" or "0"; default: the simulator's real limit),
// CHAOS_QUIET_SECONDS (the settling budget, default 150), CHAOS_KILLS=0 (no kills, to separate
// fault bugs from crash bugs), CHAOS_FAULTS=0 (no simulator faults). The long run:
// `scripts/chaos.sh 1000`.
#include "harness.hpp"

#include <boost/test/unit_test.hpp>

#include <sqlite3.h>

#include <atomic>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <future>
#include <iomanip>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <sstream>

using namespace ibe2e;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

std::string env_or(const char* name, const std::string& def) {
    const char* v = std::getenv(name);
    return v && *v ? std::string(v) : def;
}

double seconds_since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

/// A blocking HTTP client that keeps nothing (the harness's Http keeps every body, too much
/// for a thousand orders). The staff cookie is passed explicitly.
class Client {
  public:
    Client() {
        work_.emplace(ioc_.get_executor());
        thread_ = std::thread([this] { ioc_.run(); });
        pms::net::ClientOptions o;
        o.total_timeout = 60s;
        o.max_idle_per_origin = 4;
        client_ = std::make_unique<pms::net::HttpClient>(ioc_, o);
    }
    ~Client() {
        client_->shutdown();
        work_.reset();
        ioc_.stop();
        thread_.join();
        client_.reset();
    }
    Reply request(const std::string& method, const std::string& url, const std::string& body,
                  const std::string& cookie = {}, std::chrono::milliseconds timeout = 45s) {
        pms::net::ClientRequest req;
        req.method = method;
        req.url = url;
        if (method != "GET") {
            req.headers.push_back({"Content-Type", "application/json"});
            const auto s = url.find("://");
            req.headers.push_back({"Origin", url.substr(0, url.find('/', s + 3))});
        }
        if (!cookie.empty())
            req.headers.push_back({"Cookie", cookie});
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
        if (auto set = r.header("Set-Cookie"); set && set->rfind("pms_session=", 0) == 0)
            last_cookie_ = std::string(set->substr(0, set->find(';')));
        boost::system::error_code ec;
        auto parsed = json::parse(reply.body, ec);
        if (!ec)
            reply.json = std::move(parsed);
        return reply;
    }
    /// The last `pms_session=…` the server set.
    const std::string& last_cookie() const { return last_cookie_; }

  private:
    boost::asio::io_context ioc_;
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
    std::thread thread_;
    std::unique_ptr<pms::net::HttpClient> client_;
    std::string last_cookie_;
};

// ---- the host's database, read directly (the API lists at most 500 rows) -------------------

struct LinkRow {
    std::string moid, description, state, ib_status, posting, order_id;
};
struct DbSnapshot {
    bool ok = false;
    std::vector<LinkRow> links;
    std::vector<std::pair<std::string, std::string>> payments; // idempotency key, provider reference
    std::size_t paid_alerts = 0;  // «Получена оплата», not the suspense ones
    std::size_t suspense_alerts = 0;
    std::size_t all_alerts = 0;
};

DbSnapshot read_db(const fs::path& file) {
    DbSnapshot out;
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
        sqlite3_close(db);
        return out;
    }
    sqlite3_busy_timeout(db, 5000);
    auto each = [&](const char* sql, const std::function<void(sqlite3_stmt*)>& row) {
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) != SQLITE_OK)
            return false;
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW)
            row(st);
        sqlite3_finalize(st);
        return rc == SQLITE_DONE;
    };
    auto text = [](sqlite3_stmt* st, int i) {
        const auto* p = static_cast<const char*>(sqlite3_column_blob(st, i));
        return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(st, i))) : std::string{};
    };
    bool ok = sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr) == SQLITE_OK;
    ok = ok && each("SELECT value FROM plugin_store", [&](sqlite3_stmt* st) {
        const auto v = text(st, 0);
        const auto brace = v.find('{');
        if (brace == std::string::npos)
            return;
        boost::system::error_code ec;
        auto j = json::parse(std::string_view(v).substr(brace), ec);
        if (ec || !j.is_object())
            return;
        const auto& o = j.as_object();
        auto s = [&](const char* k) {
            const auto* x = o.if_contains(k);
            return x && x->is_string() ? std::string(x->as_string()) : std::string{};
        };
        if (!o.contains("merchant_order_id") || !o.contains("state") || !o.contains("posting"))
            return;
        out.links.push_back({s("merchant_order_id"), s("description"), s("state"), s("ib_status"), s("posting"),
                             s("order_id")});
    });
    ok = ok && each("SELECT idempotency_key, provider_reference FROM payments", [&](sqlite3_stmt* st) {
        out.payments.emplace_back(text(st, 0), text(st, 1));
    });
    ok = ok && each("SELECT title, body FROM notifications", [&](sqlite3_stmt* st) {
        const auto t = text(st, 0) + " " + text(st, 1);
        ++out.all_alerts;
        if (t.find("Получена оплата") != std::string::npos) {
            if (t.find("не проведена") == std::string::npos)
                ++out.paid_alerts;
            else
                ++out.suspense_alerts;
        }
    });
    sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
    sqlite3_close(db);
    out.ok = ok;
    return out;
}

/// Adds `extra` open folios to the demo property, each a copy of folio `main_id` (same booking,
/// legal entity and lines, number 90000000 + k), so that the orders of a long run spread over
/// stays the way a hotel's do (tens of links per folio, not a thousand on one). Written straight
/// into the host's database while it runs (WAL; the host reads folios from the database).
/// Returns the new folio ids.
std::vector<std::string> add_folios(const fs::path& file, const std::string& main_id, int extra) {
    std::vector<std::string> ids;
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
        sqlite3_close(db);
        throw std::runtime_error("cannot open " + file.string());
    }
    sqlite3_busy_timeout(db, 10000);
    auto exec = [&](const std::string& sql) {
        char* err = nullptr;
        if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
            const std::string what = err ? err : "?";
            sqlite3_free(err);
            sqlite3_close(db);
            throw std::runtime_error(sql + ": " + what);
        }
    };
    exec("BEGIN IMMEDIATE");
    for (int k = 1; k <= extra; ++k) {
        exec("INSERT INTO folios (property_id, booking_id, legal_entity_id, number, currency, is_main, created_at_ms) "
             "SELECT property_id, booking_id, legal_entity_id, '" + std::to_string(90000000 + k) +
             "', currency, 0, created_at_ms FROM folios WHERE id = " + main_id);
        const auto id = std::to_string(sqlite3_last_insert_rowid(db));
        exec("INSERT INTO folio_lines (folio_id, description, amount_minor, vat_code, service_date, created_at_ms) "
             "SELECT " + id + ", description, amount_minor, vat_code, service_date, created_at_ms FROM folio_lines "
             "WHERE folio_id = " + main_id + " ORDER BY id");
        ids.push_back(id);
    }
    exec("COMMIT");
    sqlite3_close(db);
    return ids;
}

/// A link is final when it failed to be created (staff made another), or was paid and posted
/// (or put in suspense), or canceled/expired. Everything else is work left undone.
bool link_final(const LinkRow& l) {
    if (l.state == "failed")
        return true;
    if (l.state != "open")
        return false; // creating
    if (l.posting == "posted" || l.posting == "suspense")
        return true;
    if (l.posting == "pending")
        return false;
    return l.ib_status == "canceled" || l.ib_status == "cancelled" || l.ib_status == "expired";
}

// ---- the run --------------------------------------------------------------------------------

struct Order {
    std::string description;
    std::string amount; // "1.23"
    std::atomic<int> submits{0};
    Clock::time_point last_submit_end{};
};

std::string amount_text(std::int64_t minor) {
    std::ostringstream s;
    s << minor / 100 << '.' << std::setw(2) << std::setfill('0') << minor % 100;
    return s.str();
}

/// What the monitor last saw, per order description.
struct Seen {
    std::map<std::string, std::vector<LinkRow>> links;          // description -> link records
    std::map<std::string, std::vector<json::object>> sim_orders; // description -> orders at the sim
    bool valid = false;
};

} // namespace

BOOST_AUTO_TEST_SUITE(chaos)

BOOST_AUTO_TEST_CASE(run) {
    const auto t_start = Clock::now();
    const std::uint64_t seed = std::stoull(env_or("CHAOS_SEED", std::to_string(std::random_device{}() ^
                                                                                (std::uint64_t(std::random_device{}()) << 32))));
    const int n = std::stoi(env_or("CHAOS_N", "20"));
    const int workers = std::stoi(env_or("CHAOS_WORKERS", std::to_string(std::min(8, n))));
    // About 20 orders per folio by default (a long stay with many partial payments is a few
    // tens of links; one folio with a thousand is not a hotel).
    const int folio_count = std::max(1, std::stoi(env_or("CHAOS_FOLIOS", std::to_string(std::max(1, n / 20)))));
    const std::string rate_limit = env_or("CHAOS_RATE_LIMIT", "");
    const int quiet_budget = std::stoi(env_or("CHAOS_QUIET_SECONDS", "150"));
    const bool kills = env_or("CHAOS_KILLS", "1") != "0";
    const bool faults = env_or("CHAOS_FAULTS", "1") != "0";
    std::cout << "CHAOS_SEED=" << seed << " CHAOS_N=" << n << " workers=" << workers
              << " rate_limit=" << (rate_limit.empty() ? "real (100/30)" : rate_limit) << " kills=" << kills
              << " faults=" << faults << " folios=" << folio_count << "\n  replay: CHAOS_SEED=" << seed << " CHAOS_N=" << n << std::endl;

    std::mt19937_64 rng(seed);
    SimOptions so;
    if (!rate_limit.empty())
        so.extra_args = {"--rate-limit", rate_limit};
    World w(so);
    w.start_host();
    w.map_payment_kind();
    const fs::path db_file = w.dir.path() / "data" / "pms-host.sqlite3";
    std::vector<std::string> folio_ids{w.folio_id()};
    for (auto& id : add_folios(db_file, w.folio_id(), folio_count - 1))
        folio_ids.push_back(std::move(id));
    std::cout << "  world: " << w.dir.path() << " host " << w.host_url() << " sim " << w.sim_url() << std::endl;

    // The orders: a unique description each (the test's own key, shown at the sim and in the PMS).
    const std::string tag = std::to_string(seed % 100000);
    std::vector<std::unique_ptr<Order>> orders;
    std::map<std::string, int> index_of;
    for (int i = 0; i < n; ++i) {
        auto o = std::make_unique<Order>();
        o->description = "Хаос " + tag + " заказ " + std::to_string(i + 1);
        o->amount = amount_text(100 + i % 900); // 1.00 … 9.99 ₽: far below the folio's balance
        index_of[o->description] = i;
        orders.push_back(std::move(o));
    }

    // The fault mix, every selector seeded from the run's seed.
    auto sub = [&] { return static_cast<std::int64_t>(rng() >> 2); };
    const json::object fault_mix{
        {"error", json::object{{"rate", 0.1}, {"seed", sub()}, {"status", json::array{500, 502, 503, 504}}, {"afterShare", 0.5}}},
        {"drop", json::object{{"rate", 0.1}, {"seed", sub()}, {"afterShare", 0.5}}},
        {"latency", json::object{{"rate", 0.1}, {"seed", sub()}, {"ms", 21000}}}, // the plugin gives up after 20 s
        {"duplicateNotifications", json::object{{"rate", 0.3}, {"seed", sub()}}},
        {"outOfOrder", json::object{{"rate", 0.3}, {"seed", sub()}, {"holdMs", 3000}}}};
    if (faults)
        w.sim_faults(fault_mix);
    std::cout << "  faults: " << json::serialize(faults ? json::value(fault_mix) : json::value(json::object{})) << std::endl;
    // The kill schedule: its own generator, so the kill times do not depend on the order count.
    std::mt19937_64 kill_rng(seed ^ 0x6b696c6cULL);

    std::atomic<bool> creating{true};
    std::atomic<bool> give_up{false};
    std::atomic<bool> stop{false};
    std::atomic<int> kills_done{0}, host_restart_failures{0}, pays{0};
    std::mutex mu;
    Seen seen;

    // The monitor: reads the host's records, the simulator's orders, and pays every test order
    // InvoiceBox holds unpaid (the guest pays whatever link reached InvoiceBox).
    std::thread monitor([&] {
        Client c;
        while (!stop) {
            Seen s;
            const auto db = read_db(db_file); // first the PMS, then the simulator (see the worker)
            auto r = c.request("GET", w.sim_url() + "/__sim/orders", {});
            if (db.ok && r.status == 200 && r.json.is_object()) {
                for (const auto& l : db.links)
                    s.links[l.description].push_back(l);
                for (const auto& o : r.json.at("data").as_array()) {
                    const auto& ob = o.as_object();
                    const std::string d(ob.at("description").as_string());
                    if (!index_of.count(d))
                        continue;
                    s.sim_orders[d].push_back(ob);
                    if (ob.at("status").as_string() == "created") {
                        auto p = c.request("POST", w.sim_url() + "/__sim/orders/" + std::string(ob.at("id").as_string()) + "/pay", "{}");
                        if (p.status == 200)
                            ++pays;
                    }
                }
                s.valid = true;
                std::lock_guard lock(mu);
                seen = std::move(s);
            }
            std::this_thread::sleep_for(700ms);
        }
    });

    // Staff: each worker takes orders from a shared counter and sees each one through: create
    // the link; if the PMS holds no live link for it and InvoiceBox no order (the attempt died
    // with the host or failed for certain), create it again, as a person would.
    std::atomic<int> next{0};
    std::atomic<int> done_orders{0};
    // How the staff's requests fared: count, answered 200, and time spent, per step.
    struct StepStats {
        std::atomic<long> calls{0}, ok{0}, ms{0};
        void add(const Reply& r, Clock::time_point t0) {
            ++calls;
            ok += r.status == 200;
            ms += static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count());
        }
        std::string text() const {
            return std::to_string(ok.load()) + "/" + std::to_string(calls.load()) + " ok, avg " +
                   std::to_string(calls ? ms / calls : 0) + " ms";
        }
    } st_click, st_form, st_submit;
    auto staff = [&] {
        Client c;
        // Each worker is its own staff session (the host caps open dialogs per session at 8);
        // sessions are stored, so one sign-in outlives every kill.
        std::string cookie;
        while (cookie.empty() && !stop && !give_up) {
            auto r = c.request("POST", w.host_url() + "/api/session", R"({"login":"admin","password":"demo"})");
            if (r.status == 200)
                cookie = c.last_cookie();
            else
                std::this_thread::sleep_for(300ms);
        }
        for (;;) {
            const int i = next++;
            if (i >= n)
                return;
            auto& o = *orders[static_cast<std::size_t>(i)];
            const std::string& folio_id = folio_ids[static_cast<std::size_t>(i) % folio_ids.size()];
            Clock::time_point last_end{};
            auto pause = 6000ms;
            while (!stop && !give_up) {
                bool have_order = false, live_link = false;
                bool fresh = false;
                {
                    std::lock_guard lock(mu);
                    if (seen.valid) {
                        have_order = seen.sim_orders.count(o.description) > 0;
                        if (auto it = seen.links.find(o.description); it != seen.links.end())
                            for (const auto& l : it->second)
                                live_link = live_link || l.state != "failed";
                    }
                }
                if (have_order)
                    break; // the monitor pays it; posting is the host's job from here
                // Wait after our last attempt for the record/monitor to catch up: 6 s when the
                // submit reached the host, 0.5 s when the host was not there to open the dialog.
                fresh = last_end != Clock::time_point{} && Clock::now() - last_end < pause;
                if (!live_link && !fresh) {
                    ++o.submits;
                    auto t0 = Clock::now();
                    auto click = c.request("POST", w.api("/folios/" + folio_id + "/buttons/" + plugin_id + "/" + button_id + "/click"),
                                           R"({"locale":"ru-RU"})", cookie);
                    st_click.add(click, t0);
                    pause = click.status == 200 ? 6000ms : 500ms;
                    if (click.status == 200 && click.json.is_object()) {
                        const std::string session(click.json.at("session_id").as_string());
                        auto ev = [&](const json::object& body) {
                            return c.request("POST", w.api("/views/" + session + "/events"), json::serialize(body), cookie);
                        };
                        t0 = Clock::now();
                        auto form = ev({{"kind", "button"}, {"action", "create"}, {"values", json::object{}}});
                        st_form.add(form, t0);
                        t0 = Clock::now();
                        if (form.status == 200)
                            st_submit.add(ev({{"kind", "button"},
                                {"action", "submit_create_force"},
                                {"values", json::object{{"amount", o.amount},
                                                        {"description", o.description},
                                                        {"message_template", "Оплата: {link}"},
                                                        {"lifetime", "72h"},
                                                        {"send_mail", false}}}}), t0);
                        c.request("POST", w.api("/views/" + session + "/close"), "{}", cookie, 5s);
                    }
                    last_end = Clock::now();
                    continue;
                }
                std::this_thread::sleep_for(300ms);
            }
            ++done_orders;
        }
    };
    std::vector<std::thread> staff_threads;
    std::thread killer;
    // Whatever throws below, every thread stops and is joined (a joinable thread's destructor
    // would abort the runner).
    struct Joiner {
        std::function<void()> f;
        ~Joiner() { f(); }
    } joiner{[&] {
        stop = true;
        give_up = true;
        creating = false;
        for (auto& t : staff_threads)
            if (t.joinable())
                t.join();
        if (killer.joinable())
            killer.join();
        if (monitor.joinable())
            monitor.join();
    }};
    for (int k = 0; k < workers; ++k)
        staff_threads.emplace_back(staff);

    // The killer: SIGKILL after 2–6 s of uptime, restart after 0.2–3 s, while orders are made.
    killer = std::thread([&] {
        if (!kills)
            return;
        std::uniform_int_distribution<int> up(2000, 6000), down(200, 3000);
        while (creating) {
            if (!w.host_running())
                break;
            const auto until = Clock::now() + std::chrono::milliseconds(up(kill_rng));
            while (creating && Clock::now() < until)
                std::this_thread::sleep_for(50ms);
            if (!creating)
                break;
            w.stop_host(SIGKILL);
            ++kills_done;
            std::this_thread::sleep_for(std::chrono::milliseconds(down(kill_rng)));
            for (int attempt = 0;; ++attempt) {
                try {
                    w.start_host();
                    break;
                } catch (const std::exception& e) {
                    ++host_restart_failures;
                    std::cout << "  host restart failed: " << std::string(e.what()).substr(0, 300) << std::endl;
                    if (attempt > 5)
                        return;
                }
            }
        }
    });

    // The creation phase has a budget: an order whose link never leaves «Создаётся» would
    // otherwise hold its worker for ever (the counts then show it).
    const int create_budget = std::stoi(env_or("CHAOS_CREATE_SECONDS", std::to_string(45 + n)));
    while (done_orders < n && seconds_since(t_start) < create_budget)
        std::this_thread::sleep_for(200ms);
    if (done_orders < n) {
        std::cout << "  creation budget of " << create_budget << " s spent with " << done_orders << "/" << n
                  << " orders at InvoiceBox" << std::endl;
        give_up = true;
    }
    for (auto& t : staff_threads)
        t.join();
    const double create_secs = seconds_since(t_start);
    // The chaos goes on while the orders are paid and their notifications come (each order is
    // paid by the monitor once it is at InvoiceBox), at least CHAOS_MIN_SECONDS in all.
    const int min_chaos = std::stoi(env_or("CHAOS_MIN_SECONDS", "40"));
    auto all_paid = [&] {
        std::lock_guard lock(mu);
        std::size_t paid = 0;
        for (const auto& [d, os] : seen.sim_orders)
            for (const auto& o : os)
                paid += o.at("status").as_string() == "completed";
        return paid >= static_cast<std::size_t>(n);
    };
    while (!give_up && (seconds_since(t_start) < min_chaos || !all_paid()) &&
           seconds_since(t_start) < create_budget)
        std::this_thread::sleep_for(200ms);
    const double chaos_secs = seconds_since(t_start);
    creating = false;
    killer.join();
    std::cout << "  every order reached InvoiceBox after " << std::fixed << std::setprecision(1) << create_secs
              << " s; chaos ended after " << chaos_secs << " s; host kills: " << kills_done << std::endl;

    // The quiet period: no faults, no kills; the simulator's retries, the poller and start-up
    // recovery finish the work.
    w.sim_faults(json::object{});
    std::string fault_stats = "(none)";
    if (auto fs = w.http.get(w.sim_url() + "/__sim/faults/stats"); fs.status == 200 && fs.json.is_object())
        fault_stats = json::serialize(fs.json.at("data"));
    std::cout << "  injected: " << fault_stats << std::endl;
    if (!w.host_running())
        w.start_host();
    const auto t_quiet = Clock::now();
    auto settled = [&] {
        auto db = read_db(db_file);
        if (!db.ok)
            return false;
        for (const auto& l : db.links)
            if (!link_final(l))
                return false;
        auto h = w.http.get(w.sim_url() + "/__sim/health");
        if (h.status != 200 || !h.json.is_object())
            return false;
        const auto& hd = h.json.as_object().contains("data") ? h.json.at("data") : h.json;
        if (hd.at("pendingNotifications").to_number<std::int64_t>() != 0)
            return false;
        std::lock_guard lock(mu);
        std::size_t completed = 0;
        for (const auto& [d, os] : seen.sim_orders)
            for (const auto& o : os)
                completed += o.at("status").as_string() == "completed";
        return db.payments.size() >= completed && db.paid_alerts >= completed;
    };
    bool quiet_ok = false;
    try {
        quiet_ok = World::wait_until(settled, std::chrono::seconds(quiet_budget));
    } catch (const std::exception& e) {
        std::cout << "  settling check threw: " << e.what() << std::endl;
    }
    const double quiet_secs = seconds_since(t_quiet);
    std::this_thread::sleep_for(1s);
    stop = true;
    monitor.join();
    std::cout << "  quiet period " << quiet_secs << " s; stopping the host" << std::endl;
    w.stop_host(SIGTERM);

    // ---- the counts
    const auto db = read_db(db_file);
    BOOST_REQUIRE_MESSAGE(db.ok, "cannot read " + db_file.string());
    const auto sim_all = w.sim_orders();
    std::map<std::string, int> per_moid, per_desc;
    std::set<std::string> completed_ids;
    std::size_t completed = 0;
    for (const auto& o : sim_all) {
        const std::string d(o.at("description").as_string());
        if (!index_of.count(d))
            continue;
        ++per_moid[std::string(o.at("merchantOrderId").as_string())];
        ++per_desc[d];
        if (o.at("status").as_string() == "completed") {
            ++completed;
            completed_ids.insert(std::string(o.at("id").as_string()));
        }
    }
    std::size_t moid_twice = 0, desc_twice = 0, desc_missing = 0;
    for (const auto& [m, k] : per_moid)
        moid_twice += k > 1;
    for (const auto& o : orders) {
        const auto k = per_desc[o->description];
        desc_twice += k > 1;
        desc_missing += k == 0;
    }
    // Postings per InvoiceBox order (the plugin puts the order id in the key or the reference).
    std::map<std::string, int> posted_per_order;
    std::size_t postings_unmatched = 0;
    for (const auto& [key, ref] : db.payments) {
        bool matched = false;
        for (const auto& id : completed_ids)
            if (key.find(id) != std::string::npos || ref.find(id) != std::string::npos) {
                ++posted_per_order[id];
                matched = true;
                break;
            }
        postings_unmatched += !matched;
    }
    std::size_t posted_twice = 0, paid_unposted = 0;
    for (const auto& id : completed_ids) {
        posted_twice += posted_per_order[id] > 1;
        paid_unposted += posted_per_order[id] == 0;
    }
    std::size_t stuck = 0, failed_links = 0;
    std::ostringstream stuck_list;
    for (const auto& l : db.links) {
        failed_links += l.state == "failed";
        if (!link_final(l)) {
            ++stuck;
            if (stuck <= 10)
                stuck_list << "    " << l.moid << " state=" << l.state << " ib_status=" << l.ib_status
                           << " posting=" << l.posting << " order=" << l.order_id << "\n";
        }
    }
    // Acknowledged notifications: the host answered 200 {"status":"success"} to a `completed`.
    std::set<std::string> acked;
    for (const auto& a : w.sim_notifications()) {
        if (a.at("orderStatus").as_string() != "completed")
            continue;
        const auto* ans = a.if_contains("answer");
        if (!ans || !ans->is_object())
            continue;
        const auto* st = ans->as_object().if_contains("httpStatus");
        const auto* body = ans->as_object().if_contains("body");
        if (st && st->to_number<int>() == 200 && body && body->is_string() &&
            std::string(body->as_string()).find("\"success\"") != std::string::npos)
            acked.insert(std::string(a.at("orderId").as_string()));
    }
    std::size_t acked_unposted = 0;
    for (const auto& id : acked)
        acked_unposted += posted_per_order[id] == 0;

    const double total_secs = seconds_since(t_start);
    std::ostringstream table;
    auto line = [&](const std::string& what, std::size_t got, const std::string& want, bool ok) {
        std::size_t width = 0; // in characters, not bytes (the Cyrillic words)
        for (unsigned char ch : what)
            width += (ch & 0xC0) != 0x80;
        table << "  | " << what << std::string(width < 52 ? 52 - width : 0, ' ') << " | " << std::right << std::setw(6) << got << " | "
              << std::setw(8) << want << " | " << (ok ? "ok  " : "FAIL") << " |\n";
    };
    const auto N = static_cast<std::size_t>(n);
    table << "\n  chaos: CHAOS_SEED=" << seed << " CHAOS_N=" << n << " workers=" << workers
          << " rate_limit=" << (rate_limit.empty() ? "100/30" : rate_limit) << " folios=" << folio_count << "\n"
          << "  creating " << std::fixed << std::setprecision(1) << create_secs << " s, quiet " << quiet_secs
          << " s (settled: " << (quiet_ok ? "yes" : "NO") << "), total " << total_secs << " s; host kills "
          << kills_done << ", staff submits " << [&] { int s = 0; for (auto& o : orders) s += o->submits; return s; }()
          << ", payments at the sim " << pays << "\n  injected: " << fault_stats << "\n  staff requests: click "
          << st_click.text() << "; create form " << st_form.text() << "; submit " << st_submit.text() << "\n";
    table << "  | " << std::left << std::setw(52) << "count" << " | " << std::setw(6) << "got" << " | " << std::setw(8)
          << "expected" << " | " << "    |\n";
    line("orders paid at InvoiceBox (completed)", completed, std::to_string(N), completed == N);
    line("postings on the folio", db.payments.size(), std::to_string(N), db.payments.size() == N);
    line("staff alerts «Получена оплата» (notification rows)", db.paid_alerts, std::to_string(N), db.paid_alerts == N);
    line("merchantOrderIds created twice at InvoiceBox", moid_twice, "0", moid_twice == 0);
    line("test orders with more than one InvoiceBox order", desc_twice, "0", desc_twice == 0);
    line("test orders that never reached InvoiceBox", desc_missing, "0", desc_missing == 0);
    line("paid orders posted more than once", posted_twice, "0", posted_twice == 0);
    line("paid orders not posted", paid_unposted, "0", paid_unposted == 0);
    line("postings matching no paid order", postings_unmatched, "0", postings_unmatched == 0);
    line("links in a non-final state", stuck, "0", stuck == 0);
    line("acknowledged (success) notifications not posted", acked_unposted, "0", acked_unposted == 0);
    line("orders with an acknowledged notification (info)", acked.size(), "-", true);
    line("links failed for certain, created again (info)", failed_links, "-", true);
    line("suspense alerts (info)", db.suspense_alerts, "0", db.suspense_alerts == 0);
    line("all notification rows (info)", db.all_alerts, "-", true);
    std::cout << table.str() << stuck_list.str() << std::flush;

    const bool pass = completed == N && db.payments.size() == N && db.paid_alerts == N && moid_twice == 0 &&
                      desc_twice == 0 && desc_missing == 0 && posted_twice == 0 && paid_unposted == 0 &&
                      postings_unmatched == 0 && stuck == 0 && acked_unposted == 0 && db.suspense_alerts == 0;
    if (!pass) {
        const auto log = w.host_log();
        std::cout << "---- host log tail ----\n" << log.substr(log.size() > 6000 ? log.size() - 6000 : 0)
                  << "\n---- replay: CHAOS_SEED=" << seed << " CHAOS_N=" << n << " ----" << std::endl;
        if (std::getenv("CHAOS_KEEP")) {
            const auto keep = fs::temp_directory_path() / ("chaos-" + std::to_string(seed));
            std::error_code ec;
            fs::copy(w.dir.path(), keep, fs::copy_options::recursive, ec);
            std::cout << "kept the world in " << keep << std::endl;
        }
    }
    BOOST_CHECK_MESSAGE(pass, "chaos counts failed (CHAOS_SEED=" + std::to_string(seed) + ")" + table.str());
}

BOOST_AUTO_TEST_SUITE_END()
