// A fake host for the workflow tests: in-memory store (with injectable write failures), a folio
// with idempotent postings, an outbox, staff alerts by dedupe key, one injected clock, timers,
// and HTTP answered by the simulator's engine in-process. Completions are queued and run by
// run(), never inline, so tests decide the interleaving.
#pragma once

#include <invoicebox/plugin/host_ports.hpp>
#include <invoicebox/plugin/link_repository.hpp>
#include <invoicebox/plugin/store_read_cache.hpp>
#include <invoicebox/plugin/store_scan_mirror.hpp>

#include <invoicebox/sim/engine.hpp>

#include <deque>
#include <memory>
#include <map>
#include <set>

namespace test {

using namespace invoicebox::plugin;
namespace pr = invoicebox::protocol;

inline constexpr const char* merchant = "3f2b8c9e-1a2b-4c3d-9e8f-7a6b5c4d3e2f";
inline constexpr const char* token = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";
inline constexpr const char* api_key = "s3cr3t-notify-key";

class FakeHost : public HostPorts {
  public:
    std::map<std::string, std::string> store;
    bool fail_writes = false;
    std::string folio_json;
    bool folio_closed_on_post = false;
    bool no_mapping = false;
    struct Posted {
        PaymentPosting p;
        std::string id;
    };
    std::map<std::string, Posted> postings; // idempotency key -> posting
    int post_calls = 0;
    std::vector<MailMessage> outbox;
    std::map<std::string, std::pair<StaffAlert, int>> alerts; // dedupe key -> (alert, raises)
    std::vector<std::string> logs;
    std::int64_t now = 1747047780000; // 2025-05-12T11:03:00Z
    std::deque<std::function<void()>> queue;
    struct Timer {
        std::int64_t due;
        std::function<void(bool)> fn;
    };
    std::map<std::uint64_t, Timer> timers;
    std::uint64_t next_timer = 1;
    std::unique_ptr<invoicebox::sim::Engine> engine;
    int lose_next_http_responses = 0; // the server handles the request, the answer is lost
    int http_calls = 0;

    FakeHost() {
        invoicebox::sim::EngineConfig c;
        c.accounts.push_back({merchant, token, api_key});
        c.public_url = "http://sim.test";
        c.notification_url = "";
        engine = std::make_unique<invoicebox::sim::Engine>(
            c, [this] { return invoicebox::sim::Instant(std::chrono::milliseconds(now)); },
            [this] { return std::chrono::steady_clock::time_point(std::chrono::milliseconds(now)); });
    }

    /// The plugin's real read cache sits in front of this store as it does in front of the
    /// host's (HostAdapter), so every workflow test also checks that it never serves a stale
    /// value. `store` is the durable truth; tests read it directly, never write it.
    StoreReadCache read_cache;
    /// And the copy of the open-link index, as the host adapter keeps it (store_scan_mirror.hpp).
    StoreScanMirror scan_mirror{std::string(LinkRepository::open_index_prefix)};
    /// Reads that reached the store (the cache had nothing), by key: what a step costs the host.
    std::map<std::string, int, std::less<>> store_reads;
    std::optional<std::string> store_get(std::string_view key) override {
        return read_cache.get_through(key, [&]() -> std::optional<std::string> {
            ++store_reads[std::string(key)];
            auto it = store.find(std::string(key));
            if (it == store.end())
                return std::nullopt;
            return it->second;
        });
    }
    /// SQLite-style fault injection: counts batches; the `fail_write_at`-th batch from now
    /// (1-based; 0 = off) fails, as do all later ones while `fail_writes_after` is set.
    int store_writes = 0;
    int fail_write_at = 0;
    bool fail_writes_after = false;
    /// Fails the batches it returns true for (aims at one step, e.g. "mail attempted").
    std::function<bool(const std::vector<StoreOp>&)> fail_if;
    /// One write as the database sees it: counted, failed as injected, else applied.
    void apply_write(const std::vector<StoreOp>& ops) {
        ++store_writes;
        if (fail_if && fail_if(ops))
            throw StoreError("injected by predicate");
        if (fail_write_at > 0 && store_writes >= fail_write_at && (store_writes == fail_write_at || fail_writes_after))
            throw StoreError("injected at write " + std::to_string(store_writes));
        if (fail_writes)
            throw StoreError("injected");
        for (const auto& op : ops) {
            if (op.kind == StoreOp::Kind::put)
                store[op.key] = op.value;
            else
                store.erase(op.key);
        }
    }
    void store_write(const std::vector<StoreOp>& ops) override {
        read_cache.write_started(ops);
        scan_mirror.write_started(ops);
        try {
            apply_write(ops);
        } catch (const StoreError&) {
            read_cache.write_finished(ops, false);
            scan_mirror.write_finished(ops, false);
            throw;
        }
        read_cache.write_finished(ops, true);
        scan_mirror.write_finished(ops, true);
    }
    /// As the host's pms.store/2 seen from the plugin: the batch is visible to reads from the
    /// start (applied at once here; the host reads through its pending batches), it fails or
    /// succeeds as store_write() would (the same fault injection, counted the same), and its
    /// completion is queued, so it runs in start order and never inline. `async_writes` counts
    /// them apart.
    int async_writes = 0;
    void store_write_async(std::vector<StoreOp> ops, std::function<void(std::optional<std::string>)> done) override {
        ++async_writes;
        read_cache.write_started(ops);
        scan_mirror.write_started(ops);
        std::optional<std::string> error;
        try {
            apply_write(ops);
        } catch (const StoreError& e) {
            error = e.what();
        }
        queue.push_back([this, ops = std::move(ops), done = std::move(done), error] {
            read_cache.write_finished(ops, !error);
            scan_mirror.write_finished(ops, !error);
            done(error);
        });
    }
    int store_scans = 0; ///< scans that reached the store, to count what a read costs
    void store_scan(std::string_view prefix, const std::function<bool(std::string_view, std::string_view)>& visit) override {
        scan_mirror.scan(prefix, visit, [&](const StoreScanMirror::Visit& through) {
            ++store_scans;
            for (auto it = store.lower_bound(std::string(prefix)); it != store.end() && it->first.starts_with(prefix); ++it)
                if (!through(it->first, it->second))
                    break;
        });
    }
    /// The property document pms.property/1 gives; nullopt plays a host older than 1.2.
    std::optional<std::string> property;
    int property_reads = 0;
    std::optional<std::string> property_json() override {
        ++property_reads;
        return property;
    }
    /// A property document with these (id, name) legal entities.
    static std::string property_with(const std::vector<std::pair<std::string, std::string>>& entities) {
        std::string doc = R"({"schema":"pms.property/1","property_id":"hotel-1","name":"Суперотель","legal_entities":[)";
        for (std::size_t i = 0; i < entities.size(); ++i)
            doc += (i ? "," : "") + std::string(R"({"id":")") + entities[i].first + R"(","name":")" + entities[i].second +
                   R"(","tax_id":"77000000)" + std::to_string(i) + R"("})";
        return doc + "]}";
    }
    /// When not empty, get_folio answers by id from here (PMS_NOT_FOUND for others), else
    /// every id reads folio_json. `folio_read_status` other than PMS_OK fails every read.
    std::map<std::string, std::string> folios_by_id;
    pms_status folio_read_status = PMS_OK;
    int folio_reads = 0;
    std::optional<std::string> get_folio(std::string_view id, pms_status& status) override {
        ++folio_reads;
        status = folio_read_status;
        if (status != PMS_OK)
            return std::nullopt;
        if (folios_by_id.empty())
            return folio_json;
        auto it = folios_by_id.find(std::string(id));
        if (it == folios_by_id.end()) {
            status = PMS_NOT_FOUND;
            return std::nullopt;
        }
        return it->second;
    }
    void post_payment(const PaymentPosting& p, std::function<void(PostOutcome, const PostingResult&)> done) override {
        ++post_calls;
        queue.push_back([this, p, done] {
            PostingResult r;
            if (folio_closed_on_post)
                return done(PostOutcome::folio_closed, r);
            if (no_mapping)
                return done(PostOutcome::no_mapping, r);
            auto it = postings.find(p.idempotency_key);
            if (it != postings.end()) {
                // As the host: the same key with another payload is a conflict, not a repeat.
                const auto& q = it->second.p;
                if (q.folio_id != p.folio_id || q.amount_minor != p.amount_minor || q.currency != p.currency ||
                    q.kind != p.kind) {
                    r.error_message = "idempotency key already used";
                    return done(PostOutcome::conflict, r);
                }
                r.is_repeat = true;
                r.posting_id = it->second.id;
                return done(PostOutcome::repeat, r);
            }
            const std::string id = "P-" + std::to_string(postings.size() + 1);
            postings[p.idempotency_key] = Posted{p, id};
            r.posting_id = id;
            r.category = "card";
            r.type = "invoicebox";
            done(PostOutcome::posted, r);
        });
    }
    /// Sees every request before the simulator does (e.g. to read the store at that moment).
    std::function<void(const pr::HttpRequest&)> on_http;
    /// The server handles the request, its answer is lost (an unknown outcome), when true.
    std::function<bool(const pr::HttpRequest&)> lose_if;
    void http_send(const pr::HttpRequest& request, std::string, std::chrono::milliseconds,
                   std::function<void(pr::HttpOutcome)> done) override {
        ++http_calls;
        if (on_http)
            on_http(request);
        invoicebox::sim::SimRequest r;
        r.method = std::string(pr::to_string(request.method));
        r.target = request.target;
        for (const auto& h : request.headers)
            r.headers.emplace_back(h.name, h.value);
        r.body = request.body;
        auto reply = engine->handle(r);
        const bool lose = lose_next_http_responses > 0 || (lose_if && lose_if(request));
        if (lose && lose_next_http_responses > 0)
            --lose_next_http_responses;
        queue.push_back([reply, done, lose] {
            if (lose)
                return done(pr::HttpOutcome(pr::unexpected(pr::TransportError{pr::TransportFailure::timeout, true, "lost"})));
            pr::HttpResponse resp;
            resp.status = reply.status;
            for (const auto& [k, v] : reply.headers)
                resp.headers.push_back({k, v});
            resp.body = reply.body;
            done(pr::HttpOutcome(std::move(resp)));
        });
    }
    /// When set, the host refuses every mail with this text (an SMTP refusal): nothing is sent.
    std::optional<std::string> refuse_mail;
    void send_mail(const MailMessage& m, std::function<void(MailOutcome, std::string)> done) override {
        if (refuse_mail) {
            queue.push_back([done, why = *refuse_mail] { done(MailOutcome::refused, why); });
            return;
        }
        outbox.push_back(m);
        queue.push_back([done] { done(MailOutcome::sent, ""); });
    }
    /// While set, every alert is refused (pms.notify/1's PMS_STORAGE_ERROR): none is kept.
    bool refuse_alerts = false;
    bool raise_alert(const StaffAlert& a) override {
        if (refuse_alerts)
            return false;
        auto& slot = alerts[a.dedupe_key];
        slot.first = a;
        ++slot.second;
        return true;
    }
    std::vector<std::string> resolved_alerts; // dedupe keys, in order
    void resolve_alert(std::string_view key) override { resolved_alerts.emplace_back(key); }
    std::int64_t now_utc_ms() override { return now; }
    int utc_offset_minutes(std::int64_t) override { return offset_minutes; }
    int offset_minutes = 180;
    std::string timezone = "Europe/Moscow"; ///< pms.clock/1 property_timezone
    std::string property_timezone() override { return timezone; }
    std::uint64_t start_timer(std::chrono::milliseconds d, std::function<void(bool)> fn) override {
        const auto id = next_timer++;
        timers[id] = Timer{now + d.count(), std::move(fn)};
        return id;
    }
    void cancel_timer(std::uint64_t id) override {
        auto it = timers.find(id);
        if (it == timers.end())
            return;
        auto fn = std::move(it->second.fn);
        timers.erase(it);
        queue.push_back([fn] { fn(true); });
    }
    void log(LogLevel, std::string_view text) override { logs.emplace_back(text); }
    /// Folio-dialog pushes by view session, in order.
    std::vector<std::pair<std::string, std::string>> pushes;
    bool push_view(std::string_view session, std::string_view json) override {
        pushes.emplace_back(session, json);
        return true;
    }
    /// Admin-page pushes by session; sessions listed in closed_pages answer false (closed).
    std::vector<std::pair<std::string, std::string>> page_pushes;
    std::set<std::string> closed_pages;
    bool push_page_view(std::string_view session, std::string_view json) override {
        if (closed_pages.count(std::string(session)))
            return false;
        page_pushes.emplace_back(session, json);
        return true;
    }
    std::string last_push_to(std::string_view session) const {
        for (auto it = page_pushes.rbegin(); it != page_pushes.rend(); ++it)
            if (it->first == session)
                return it->second;
        return {};
    }
    std::size_t pushes_to(std::string_view session) const {
        std::size_t n = 0;
        for (const auto& p : page_pushes)
            n += p.first == session;
        return n;
    }

    /// Runs queued completions and due timers (advancing the clock to them) until idle, but
    /// never past `max_advance_ms` of simulated time.
    /// Runs queued completions one at a time until `done()` holds (or the queue is empty);
    /// timers do not fire. For a step whose answer comes from a completion (a notification's
    /// reply once its record is durable) when the test must stop right after that answer.
    void run_until(const std::function<bool()>& done) {
        while (!done() && !queue.empty()) {
            auto f = std::move(queue.front());
            queue.pop_front();
            f();
        }
    }
    void run(std::int64_t max_advance_ms = 120'000) {
        const auto limit = now + max_advance_ms;
        for (int guard = 0; guard < 100000; ++guard) {
            if (!queue.empty()) {
                auto f = std::move(queue.front());
                queue.pop_front();
                f();
                continue;
            }
            auto next = timers.end();
            for (auto it = timers.begin(); it != timers.end(); ++it)
                if (next == timers.end() || it->second.due < next->second.due)
                    next = it;
            if (next == timers.end() || next->second.due > limit)
                return;
            now = std::max(now, next->second.due);
            auto fn = std::move(next->second.fn);
            timers.erase(next);
            fn(false);
        }
    }

    invoicebox::sim::SimReply sim_call(const std::string& method, const std::string& target, const std::string& body = "{}") {
        invoicebox::sim::SimRequest r;
        r.method = method;
        r.target = target;
        r.body = body;
        r.headers.emplace_back("Content-Type", "application/json");
        return engine->handle(r);
    }
};

} // namespace test
