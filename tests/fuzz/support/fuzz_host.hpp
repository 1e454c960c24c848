// FuzzHost: an in-memory HostPorts for the plugin targets (notification, view_event), so that the
// fuzzer drives the real LinkService / LinkDialog without a host process, sockets or clock.
//
// Why not tests/invoicebox_plugin/fake_host.hpp: that fake answers HTTP with the simulator's
// engine, which is being rewritten (issue 11) and would tie this build to it. Here InvoiceBox is a
// stub that echoes a create request back as the created order, so a link can be made and then
// paid by a fuzzed notification.
//
// Everything is deterministic: a virtual clock that moves only when a timer fires, a fixed merchantOrderId prefix (seeded into the
// store's meta record), and completions run in FIFO order by drain(), never inline (the contract
// of host_ports.hpp).
#pragma once

#include <invoicebox/plugin/host_ports.hpp>
#include <invoicebox/plugin/settings.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>

namespace fuzz {

/// The folio every plugin target works on: account 30682277 with 67 680,00 RUB due (the same
/// shape as the plugin tests' fixture).
inline constexpr std::string_view folio_doc =
    R"({"schema":"pms.folio/1","folio_id":"F-1","folio_number":"30682277","status":"open",)"
    R"("property_id":"hotel-1","currency":"RUB","legal_entity":{"id":"le-main","name":"ООО «Отель»","tax_id":""},)"
    R"("booking":{"id":"B-1","number":"471887","arrival":"2025-05-12","departure":"2025-05-14"},)"
    R"("guest":{"name":"Иван Петров","email":"ivan@example.org","phone":""},)"
    R"("lines":[{"line_id":"L1","date":"2025-05-12","description":"Проживание, стандарт","quantity":"2",)"
    R"("unit_amount_minor":2884000,"amount_minor":5768000,"vat_code":"vat20","category":"accommodation"},)"
    R"({"line_id":"L2","date":"2025-05-13","description":"Завтрак","quantity":"2","unit_amount_minor":500000,)"
    R"("amount_minor":1000000,"vat_code":"vat10","category":"food"}],)"
    R"("payments":[],"totals":{"charges_minor":6768000,"paid_minor":0,"balance_due_minor":6768000}})";

/// The shop the plugin targets are configured with; seeds sign with api_key.
inline constexpr std::string_view merchant_id = "3f2b8c9e-1a2b-4c3d-9e8f-7a6b5c4d3e2f";
inline constexpr std::string_view api_token = "fuzz-token";
inline constexpr std::string_view api_key = "fuzz-signing-key";
/// The first link's merchantOrderId: prefix + folio + sequence (link_repository.cpp).
inline constexpr std::string_view first_moid = "FUZZ00-F-1-1";

class FuzzHost final : public invoicebox::plugin::HostPorts {
  public:
    FuzzHost() {
        // A fixed installation prefix: merchantOrderIds in the seeds stay valid run after run.
        store_["v1/meta"] = R"({"v":1,"prefix":"FUZZ00","next_seq":0})";
    }

    using Store = std::map<std::string, std::string, std::less<>>;
    /// The store, to start later hosts from the same state (creating the link once per process
    /// instead of once per input: it is most of an input's cost).
    const Store& store() const noexcept { return store_; }
    void restore(Store s) { store_ = std::move(s); }

    /// Runs queued completions until none is left (they may queue more), then fires the earliest
    /// timer, moving the clock to its deadline, and so on: time passes only when nothing else
    /// is left to do, so rate-limiter waits and retry back-offs complete in order.
    void drain() {
        for (;;) {
            while (!queue_.empty()) {
                auto fn = std::move(queue_.front());
                queue_.pop_front();
                fn();
            }
            if (timers_.empty())
                return;
            auto it = timers_.begin();
            for (auto t = timers_.begin(); t != timers_.end(); ++t)
                if (t->second.due < it->second.due)
                    it = t;
            auto timer = std::move(it->second);
            timers_.erase(it);
            now_ms_ = std::max(now_ms_, timer.due);
            // A workflow that keeps re-arming timers without end is a hang: libFuzzer's -timeout
            // reports it.
            timer.fn(false);
        }
    }

    std::optional<std::string> store_get(std::string_view key) override {
        auto it = store_.find(std::string(key));
        if (it == store_.end())
            return std::nullopt;
        return it->second;
    }
    void store_write(const std::vector<invoicebox::plugin::StoreOp>& ops) override {
        for (const auto& op : ops) {
            if (op.kind == invoicebox::plugin::StoreOp::Kind::put)
                store_[op.key] = op.value;
            else
                store_.erase(op.key);
        }
    }
    /// Applied at once (reads see it, as the host's read-through does), completed later.
    void store_write_async(std::vector<invoicebox::plugin::StoreOp> ops,
                           std::function<void(std::optional<std::string>)> done) override {
        store_write(ops);
        queue_.push_back([done = std::move(done)] { done(std::nullopt); });
    }
    void store_scan(std::string_view prefix,
                    const std::function<bool(std::string_view, std::string_view)>& visit) override {
        for (auto it = store_.lower_bound(std::string(prefix)); it != store_.end(); ++it) {
            if (std::string_view(it->first).substr(0, prefix.size()) != prefix)
                break;
            if (!visit(it->first, it->second))
                break;
        }
    }
    std::optional<std::string> get_folio(std::string_view folio_id, pms_status& status) override {
        if (folio_id != "F-1") {
            status = PMS_NOT_FOUND;
            return std::nullopt;
        }
        status = PMS_OK;
        return std::string(folio_doc);
    }
    void post_payment(const invoicebox::plugin::PaymentPosting& posting,
                      std::function<void(invoicebox::plugin::PostOutcome, const invoicebox::plugin::PostingResult&)> done) override {
        ++postings;
        queue_.push_back([done = std::move(done), key = posting.idempotency_key] {
            invoicebox::plugin::PostingResult r;
            r.posting_id = "P-" + key;
            done(invoicebox::plugin::PostOutcome::posted, r);
        });
    }
    void http_send(const invoicebox::protocol::HttpRequest& request, std::string,
                   std::chrono::milliseconds,
                   std::function<void(invoicebox::protocol::HttpOutcome)> done) override {
        invoicebox::protocol::HttpResponse r;
        r.status = 200;
        r.headers.push_back({"Content-Type", "application/json"});
        if (request.method == invoicebox::protocol::HttpMethod::post && request.body.size() > 2 &&
            request.body.front() == '{') {
            // Create: the request echoed back with what InvoiceBox adds. JSON lookups see the
            // last duplicate member, so the added members go last.
            r.body = R"({"data":)" + request.body.substr(0, request.body.size() - 1) +
                     R"(,"id":"ord-1","status":"created","paymentUrl":"https:\/\/pay.test\/ord-1",)"
                     R"("createdAt":"2025-05-12T10:00:00+00:00"}})";
        } else {
            // Lookups, refresh, cancel: an empty page (nothing found).
            r.body = R"({"data":[],"extendedData":[],"metaData":{"totalCount":0,"pageSize":100,"page":1}})";
        }
        queue_.push_back([done = std::move(done), r = std::move(r)] { done(r); });
    }
    void send_mail(const invoicebox::plugin::MailMessage&,
                   std::function<void(invoicebox::plugin::MailOutcome, std::string)> done) override {
        queue_.push_back([done = std::move(done)] { done(invoicebox::plugin::MailOutcome::sent, std::string()); });
    }
    bool raise_alert(const invoicebox::plugin::StaffAlert&) override {
        ++alerts;
        return true;
    }
    void resolve_alert(std::string_view) override {}
    std::int64_t now_utc_ms() override { return now_ms_; }
    int utc_offset_minutes(std::int64_t) override { return 180; }
    std::uint64_t start_timer(std::chrono::milliseconds delay, std::function<void(bool)> fn) override {
        timers_.emplace(++next_timer_, Timer{now_ms_ + delay.count(), std::move(fn)});
        return next_timer_;
    }
    void cancel_timer(std::uint64_t id) override {
        if (auto it = timers_.find(id); it != timers_.end()) {
            auto fn = std::move(it->second.fn);
            timers_.erase(it);
            queue_.push_back([fn = std::move(fn)] { fn(true); });
        }
    }
    void log(invoicebox::plugin::LogLevel, std::string_view text) override {
        // FUZZ_TRACE=1: the plugin's log, to see why a set-up or an input went where it went.
        static const bool trace = std::getenv("FUZZ_TRACE") != nullptr;
        if (trace)
            std::fprintf(stderr, "plugin log: %.*s\n", static_cast<int>(text.size()), text.data());
    }
    bool push_view(std::string_view, std::string_view view_json) override {
        last_pushed.assign(view_json);
        return true;
    }

    int postings = 0;
    int alerts = 0;
    std::string last_pushed;

  private:
    Store store_;
    std::deque<std::function<void()>> queue_;
    struct Timer {
        std::int64_t due = 0;
        std::function<void(bool)> fn;
    };
    std::map<std::uint64_t, Timer> timers_;
    std::int64_t now_ms_ = 1747044000000; // 2025-05-12T10:00:00Z
    std::uint64_t next_timer_ = 0;
};

/// Settings of a complete main shop plus one legal-entity override, so notifications on both
/// routes ("notify" and "notify/le/le-2") reach a configured shop.
inline invoicebox::plugin::Settings settings() {
    invoicebox::plugin::Settings s;
    s.shop.legal_entity_id = "le-main";
    s.shop.main = true;
    s.shop.merchant_id = std::string(merchant_id);
    s.shop.api_token = std::string(api_token);
    s.shop.api_key = std::string(api_key);
    s.shop.base_url = "http://sim.test";
    invoicebox::plugin::ShopConfig other = s.shop;
    other.main = false;
    other.legal_entity_id = "le-2";
    other.merchant_id = "11111111-2222-3333-4444-555555555555";
    s.overrides.push_back(other);
    s.notification_url = "http://pms.test/hooks/ru.invoicebox.pms.payment-link/hotel-1/notify";
    s.message_template = invoicebox::plugin::default_message_template();
    s.mail_subject = "Оплата";
    s.item_name_template = invoicebox::plugin::default_item_name_template();
    s.hotel_name = "Берёзка";
    return s;
}

} // namespace fuzz
