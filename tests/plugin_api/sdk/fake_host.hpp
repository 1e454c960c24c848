// tests/plugin_api/sdk/fake_host.hpp — an in-test C host for the SDK tests.
//
// It implements every host extension of plugin API v1 through the C tables, the way a real
// host would, but single-threaded and deterministic:
//  - "the strand" is a FIFO queue that the test runs explicitly (run()); nothing completes
//    inline from a starting call;
//  - time is manual (advance()); timers become due only when the test advances the clock;
//  - HTTP requests, mail and postings wait in lists until the test completes them;
//  - drain() does what the host does before deactivate: refuses new operations, cancels every
//    pending one and delivers each completion (PMS_CANCELLED), posted tasks included.
// Counters let tests prove exactly-once delivery; ASan/LSan prove nothing leaks.
#pragma once

#include <pms/plugin_api/pms_plugin_api.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pms_test {

inline std::string str(pms_str s) { return s.data ? std::string(s.data, s.len) : std::string(); }
inline std::string str(pms_bytes b) {
    return b.data ? std::string(reinterpret_cast<const char*>(b.data), b.len) : std::string();
}
inline pms_str view(const std::string& s) { return pms_str{s.data(), s.size()}; }
inline pms_bytes bytes(const std::string& s) {
    return pms_bytes{reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

class fake_host {
public:
    // ---- knobs ------------------------------------------------------------------------------
    bool offer_http = true;
    bool offer_executor = true;
    bool offer_log = true;
    bool draining = false;    // new ops refused with PMS_UNAVAILABLE, posts complete CANCELLED
    bool deactivated = false; // even post() refused
    pms_status timer_start_result = PMS_OK; // force a refusal

    // ---- observations -----------------------------------------------------------------------
    struct log_line {
        pms_log_level level;
        std::string text;
    };
    std::vector<log_line> logs;
    std::size_t posts = 0, tasks_run = 0, timer_cancels = 0, http_cancels = 0;

    struct http_call {
        std::uint64_t id;
        std::uint32_t flags;
        std::string method, url, body;
        std::vector<std::pair<std::string, std::string>> headers;
        std::uint32_t connect_timeout_ms, total_timeout_ms;
        std::uint64_t max_response_bytes;
        pms_http_done done;
    };
    std::vector<http_call> http_pending;

    struct mail_call {
        std::string to, to_name, subject, text_body, html_body, reply_to;
        pms_mail_done done;
    };
    std::vector<mail_call> mail_pending;

    std::map<std::string, std::string> kv;
    std::map<std::string, std::string> folios; // folio id -> JSON
    struct posting {
        std::string payload;
        std::string posting_id;
    };
    std::map<std::string, posting> postings; // idempotency key -> first posting
    std::string settings_json = "{\"shop_id\":\"s-1\"}";
    std::map<std::string, std::string> secrets;
    std::vector<std::pair<std::string, std::string>> pushed_views;
    /// Views pushed through pms.admin-page/1 (since 1.2), apart from the dialogs' pushes.
    std::vector<std::pair<std::string, std::string>> pushed_page_views;
    /// What pms.property/1 get_property writes; `offer_property` false = a host older than 1.2.
    std::string property_json = "{\"schema\":\"pms.property/1\",\"property_id\":\"hotel-1\","
                                "\"name\":\"Hotel\",\"legal_entities\":[]}";
    bool offer_property = true;
    std::vector<std::string> notifications;
    std::int64_t now_ms = 1'700'000'000'000;

    fake_host() {
        host_.struct_size = sizeof(pms_host);
        host_.api = PMS_VERSION_INIT;
        host_.host_data = this;
        host_.name = "fake-host";
        host_.vendor = "tests";
        host_.version = "0.0.1";
        host_.property_id = "hotel-1";
        host_.locale = "ru-RU";
        host_.get_extension = &get_extension;
    }
    fake_host(const fake_host&) = delete;
    fake_host& operator=(const fake_host&) = delete;

    /// Releases whatever is still pending as a real host would at shutdown (so LSan stays
    /// quiet when a test ends early): drains, then runs the queue.
    ~fake_host() {
        drain();
        run();
    }

    const pms_host* c_host() const noexcept { return &host_; }

    // ---- the strand -------------------------------------------------------------------------

    /// Runs queued completions until the queue is empty; returns how many ran.
    std::size_t run() {
        std::size_t n = 0;
        while (!queue_.empty()) {
            auto f = std::move(queue_.front());
            queue_.pop_front();
            f();
            ++n;
        }
        return n;
    }
    /// Runs at most one queued completion.
    bool run_one() {
        if (queue_.empty())
            return false;
        auto f = std::move(queue_.front());
        queue_.pop_front();
        f();
        return true;
    }
    std::size_t queued() const noexcept { return queue_.size(); }

    /// Moves the clock; due timers are queued (in due order) with PMS_OK.
    void advance(std::int64_t ms) {
        now_ms += ms;
        std::stable_sort(timers_.begin(), timers_.end(),
                         [](const timer& a, const timer& b) { return a.due < b.due; });
        while (!timers_.empty() && timers_.front().due <= now_ms) {
            timer t = timers_.front();
            timers_.erase(timers_.begin());
            enqueue([t] { t.task.fn(t.task.user, PMS_OK); });
        }
    }
    std::size_t pending_timers() const noexcept { return timers_.size(); }

    /// What the host does before deactivate: refuse new operations, cancel and deliver all.
    void drain() {
        draining = true;
        for (auto& t : timers_)
            enqueue([t] { t.task.fn(t.task.user, PMS_CANCELLED); });
        timers_.clear();
        auto http = std::move(http_pending);
        http_pending.clear();
        for (auto& c : http)
            complete_http_transport(c, PMS_CANCELLED, false);
        auto mail = std::move(mail_pending);
        mail_pending.clear();
        for (auto& m : mail)
            enqueue([d = m.done] { d.fn(d.user, PMS_CANCELLED, pms_str{"draining", 8}); });
    }

    // ---- completing HTTP --------------------------------------------------------------------

    void complete_http(std::size_t index, int http_status, std::string body,
                       std::vector<std::pair<std::string, std::string>> headers = {}) {
        http_call c = http_pending.at(index);
        http_pending.erase(http_pending.begin() + static_cast<std::ptrdiff_t>(index));
        enqueue([c, http_status, body = std::move(body), headers = std::move(headers)] {
            std::vector<pms_header> h;
            for (auto& [n, v] : headers)
                h.push_back({view(n), view(v)});
            pms_http_response r{};
            r.struct_size = sizeof r;
            r.status = PMS_OK;
            r.http_status = http_status;
            r.headers = h.empty() ? nullptr : h.data();
            r.header_count = h.size();
            r.body = bytes(body);
            r.elapsed_ms = 12;
            c.done.fn(c.done.user, &r);
        });
    }
    void fail_http(std::size_t index, pms_status status, bool outcome_unknown) {
        http_call c = http_pending.at(index);
        http_pending.erase(http_pending.begin() + static_cast<std::ptrdiff_t>(index));
        complete_http_transport(c, status, outcome_unknown);
    }

    // ---- completing mail --------------------------------------------------------------------

    void complete_mail(std::size_t index, pms_status status, std::string error_text) {
        mail_call m = mail_pending.at(index);
        mail_pending.erase(mail_pending.begin() + static_cast<std::ptrdiff_t>(index));
        enqueue([d = m.done, status, e = std::move(error_text)] { d.fn(d.user, status, view(e)); });
    }

private:
    struct timer {
        std::uint64_t id;
        std::int64_t due;
        pms_task task;
    };

    void enqueue(std::function<void()> f) { queue_.push_back(std::move(f)); }

    void complete_http_transport(const http_call& c, pms_status status, bool outcome_unknown) {
        enqueue([c, status, outcome_unknown] {
            const std::string msg = pms_status_name(status);
            pms_http_response r{};
            r.struct_size = sizeof r;
            r.status = status;
            r.outcome_unknown = outcome_unknown ? 1u : 0u;
            r.error_message = view(msg);
            c.done.fn(c.done.user, &r);
        });
    }

    static fake_host& self(const pms_host* h) { return *static_cast<fake_host*>(h->host_data); }

    // ---- pms.log/1 ---------------------------------------------------------------------------
    static void log_log(const pms_host* h, pms_log_level level, pms_str msg) {
        self(h).logs.push_back({level, str(msg)});
    }
    static std::int32_t log_enabled(const pms_host*, pms_log_level level) {
        return level >= PMS_LOG_INFO ? 1 : 0;
    }

    // ---- pms.executor/1 ----------------------------------------------------------------------
    static pms_status ex_post(const pms_host* h, pms_task task) {
        auto& s = self(h);
        if (task.fn == nullptr)
            return PMS_INVALID_ARGUMENT;
        if (s.deactivated)
            return PMS_UNAVAILABLE;
        ++s.posts;
        s.enqueue([&s, task] {
            ++s.tasks_run;
            task.fn(task.user, s.draining ? PMS_CANCELLED : PMS_OK);
        });
        return PMS_OK;
    }
    static pms_status ex_timer_start(const pms_host* h, std::uint64_t delay_ms, pms_task task,
                                     std::uint64_t* id) {
        auto& s = self(h);
        if (task.fn == nullptr || id == nullptr)
            return PMS_INVALID_ARGUMENT;
        if (s.timer_start_result != PMS_OK)
            return s.timer_start_result;
        if (s.draining || s.deactivated)
            return PMS_UNAVAILABLE;
        *id = s.next_id_++;
        s.timers_.push_back({*id, s.now_ms + static_cast<std::int64_t>(delay_ms), task});
        return PMS_OK;
    }
    static pms_status ex_timer_cancel(const pms_host* h, std::uint64_t id) {
        auto& s = self(h);
        ++s.timer_cancels;
        auto it = std::find_if(s.timers_.begin(), s.timers_.end(),
                               [id](const timer& t) { return t.id == id; });
        if (it == s.timers_.end())
            return PMS_NOT_FOUND;
        timer t = *it;
        s.timers_.erase(it);
        s.enqueue([t] { t.task.fn(t.task.user, PMS_CANCELLED); });
        return PMS_OK;
    }

    // ---- pms.clock/1 -------------------------------------------------------------------------
    static std::int64_t clock_now(const pms_host* h) { return self(h).now_ms; }
    static std::int32_t clock_offset(const pms_host*, std::int64_t) { return 180; }
    static const char* clock_tz(const pms_host*) { return "Europe/Moscow"; }

    // ---- pms.http/1 --------------------------------------------------------------------------
    static pms_status http_request(const pms_host* h, const pms_http_request* r, pms_http_done done,
                                   std::uint64_t* op_id) {
        auto& s = self(h);
        if (r == nullptr || done.fn == nullptr || r->struct_size < sizeof(pms_http_request))
            return PMS_INVALID_ARGUMENT;
        if (s.draining)
            return PMS_UNAVAILABLE;
        http_call c{};
        c.id = s.next_id_++;
        c.flags = r->flags;
        c.method = str(r->method);
        c.url = str(r->url);
        c.body = str(r->body);
        for (std::size_t i = 0; i < r->header_count; ++i)
            c.headers.emplace_back(str(r->headers[i].name), str(r->headers[i].value));
        c.connect_timeout_ms = r->connect_timeout_ms;
        c.total_timeout_ms = r->total_timeout_ms;
        c.max_response_bytes = r->max_response_bytes;
        c.done = done;
        if (op_id != nullptr)
            *op_id = c.id;
        s.http_pending.push_back(std::move(c));
        return PMS_OK;
    }
    static pms_status http_cancel(const pms_host* h, std::uint64_t id) {
        auto& s = self(h);
        ++s.http_cancels;
        for (std::size_t i = 0; i < s.http_pending.size(); ++i)
            if (s.http_pending[i].id == id) {
                s.fail_http(i, PMS_CANCELLED, false);
                return PMS_OK;
            }
        return PMS_NOT_FOUND;
    }

    // ---- pms.store/1 -------------------------------------------------------------------------
    static pms_status store_get(const pms_host* h, pms_str key, const pms_writer* out) {
        auto& s = self(h);
        auto it = s.kv.find(str(key));
        if (it == s.kv.end())
            return PMS_NOT_FOUND;
        // Two chunks, to prove the writer appends.
        const std::string& v = it->second;
        const std::size_t half = v.size() / 2;
        pms_status st = out->write(out->ctx, v.data(), half);
        if (st != PMS_OK)
            return st;
        return out->write(out->ctx, v.data() + half, v.size() - half);
    }
    static pms_status store_put(const pms_host* h, pms_str key, pms_bytes value) {
        if (key.len == 0)
            return PMS_INVALID_ARGUMENT;
        self(h).kv[str(key)] = str(value);
        return PMS_OK;
    }
    static pms_status store_erase(const pms_host* h, pms_str key) {
        self(h).kv.erase(str(key));
        return PMS_OK;
    }
    static pms_status store_scan(const pms_host* h, pms_str prefix, pms_store_visitor v) {
        const std::string p = str(prefix);
        for (auto& [k, val] : self(h).kv)
            if (k.compare(0, p.size(), p) == 0)
                if (v.fn(v.user, view(k), bytes(val)) == PMS_SCAN_STOP)
                    break;
        return PMS_OK;
    }
    static pms_status store_batch(const pms_host* h, const pms_store_op* ops, std::size_t n) {
        auto copy = self(h).kv;
        for (std::size_t i = 0; i < n; ++i) {
            if (ops[i].key.len == 0)
                return PMS_INVALID_ARGUMENT; // nothing applied
            if (ops[i].kind == PMS_STORE_PUT)
                copy[str(ops[i].key)] = str(ops[i].value);
            else if (ops[i].kind == PMS_STORE_ERASE)
                copy.erase(str(ops[i].key));
            else
                return PMS_INVALID_ARGUMENT;
        }
        self(h).kv = std::move(copy);
        return PMS_OK;
    }

    // ---- pms.folio/1 -------------------------------------------------------------------------
    static pms_status folio_get(const pms_host* h, pms_str id, const pms_writer* out) {
        auto& s = self(h);
        auto it = s.folios.find(str(id));
        if (it == s.folios.end())
            return PMS_NOT_FOUND;
        return out->write(out->ctx, it->second.data(), it->second.size());
    }
    static pms_status folio_post(const pms_host* h, const pms_payment_posting* p,
                                 pms_posting_done done, std::uint64_t* op_id) {
        auto& s = self(h);
        if (p == nullptr || done.fn == nullptr || p->idempotency_key.len == 0 || p->amount.minor <= 0)
            return PMS_INVALID_ARGUMENT;
        if (s.draining)
            return PMS_UNAVAILABLE;
        if (op_id != nullptr)
            *op_id = s.next_id_++;
        const std::string key = str(p->idempotency_key);
        const std::string payload = str(p->folio_id) + "|" + std::to_string(p->amount.minor) +
                                    p->amount.currency + "|" + str(p->payment_kind);
        pms_status status = PMS_OK;
        std::string posting_id;
        if (!s.folios.count(str(p->folio_id))) {
            status = PMS_NOT_FOUND;
        } else if (auto it = s.postings.find(key); it != s.postings.end()) {
            status = it->second.payload == payload ? PMS_DUPLICATE : PMS_CONFLICT;
            if (status == PMS_DUPLICATE)
                posting_id = it->second.posting_id;
        } else {
            posting_id = "P-" + std::to_string(s.postings.size() + 1);
            s.postings[key] = {payload, posting_id};
        }
        s.enqueue([done, status, posting_id] {
            const std::string cat = "card", type = "invoicebox";
            pms_posting_result r{};
            r.struct_size = sizeof r;
            r.is_repeat = status == PMS_DUPLICATE ? 1u : 0u;
            if (status == PMS_OK || status == PMS_DUPLICATE) {
                r.posting_id = view(posting_id);
                r.category = view(cat);
                r.type = view(type);
            }
            done.fn(done.user, status, &r);
        });
        return PMS_OK;
    }

    // ---- pms.mail/1 --------------------------------------------------------------------------
    static pms_status mail_send(const pms_host* h, const pms_mail_message* m, pms_mail_done done,
                                std::uint64_t* op_id) {
        auto& s = self(h);
        if (m == nullptr || done.fn == nullptr || m->to.len == 0)
            return PMS_INVALID_ARGUMENT;
        if (s.draining)
            return PMS_UNAVAILABLE;
        if (op_id != nullptr)
            *op_id = s.next_id_++;
        s.mail_pending.push_back({str(m->to), str(m->to_name), str(m->subject), str(m->text_body),
                                  str(m->html_body), str(m->reply_to), done});
        return PMS_OK;
    }

    // ---- pms.notify/1 ------------------------------------------------------------------------
    static pms_status notify_raise(const pms_host* h, const pms_staff_notification* n) {
        if (n == nullptr || n->dedupe_key.len == 0)
            return PMS_INVALID_ARGUMENT;
        self(h).notifications.push_back(str(n->dedupe_key) + ":" + str(n->title));
        return PMS_OK;
    }
    static pms_status notify_resolve(const pms_host* h, pms_str key) {
        auto& v = self(h).notifications;
        const std::string k = str(key) + ":";
        auto it = std::find_if(v.begin(), v.end(),
                               [&](const std::string& s) { return s.rfind(k, 0) == 0; });
        if (it == v.end())
            return PMS_NOT_FOUND;
        v.erase(it);
        return PMS_OK;
    }

    // ---- pms.settings/1 ----------------------------------------------------------------------
    static pms_status settings_get(const pms_host* h, const pms_writer* out) {
        const std::string& j = self(h).settings_json;
        return out->write(out->ctx, j.data(), j.size());
    }
    static pms_status settings_secret(const pms_host* h, pms_str key, const pms_writer* out) {
        auto& s = self(h);
        auto it = s.secrets.find(str(key));
        if (it == s.secrets.end())
            return PMS_NOT_FOUND;
        return out->write(out->ctx, it->second.data(), it->second.size());
    }

    // ---- pms.folio-button/1 (host twin) ------------------------------------------------------
    static pms_status push_view(const pms_host* h, pms_str session, pms_str json) {
        if (str(session) == "closed")
            return PMS_NOT_FOUND;
        self(h).pushed_views.emplace_back(str(session), str(json));
        return PMS_OK;
    }

    // ---- pms.admin-page/1 (host twin) and pms.property/1, since 1.2 ---------------------------
    static pms_status push_page_view(const pms_host* h, pms_str session, pms_str json) {
        if (str(session) == "closed")
            return PMS_NOT_FOUND;
        self(h).pushed_page_views.emplace_back(str(session), str(json));
        return PMS_OK;
    }
    static pms_status property_get(const pms_host* h, const pms_writer* out) {
        const std::string& j = self(h).property_json;
        return out->write(out->ctx, j.data(), j.size());
    }

    static const void* get_extension(const pms_host* h, const char* id) {
        static const pms_host_log log{&log_log, &log_enabled};
        static const pms_host_executor executor{&ex_post, &ex_timer_start, &ex_timer_cancel};
        static const pms_host_clock clock{&clock_now, &clock_offset, &clock_tz};
        static const pms_host_http http{&http_request, &http_cancel};
        static const pms_host_store store{&store_get, &store_put, &store_erase, &store_scan,
                                          &store_batch};
        static const pms_host_folio folio{&folio_get, &folio_post};
        static const pms_host_mail mail{&mail_send};
        static const pms_host_notify notify{&notify_raise, &notify_resolve};
        static const pms_host_settings settings{&settings_get, &settings_secret};
        static const pms_host_folio_button folio_button{&push_view};
        static const pms_host_admin_page admin_page{&push_page_view};
        static const pms_host_property property{&property_get};
        auto& s = self(h);
        const std::string_view i(id);
        if (i == PMS_EXT_LOG)
            return s.offer_log ? &log : nullptr;
        if (i == PMS_EXT_EXECUTOR)
            return s.offer_executor ? &executor : nullptr;
        if (i == PMS_EXT_CLOCK)
            return &clock;
        if (i == PMS_EXT_HTTP)
            return s.offer_http ? &http : nullptr;
        if (i == PMS_EXT_STORE)
            return &store;
        if (i == PMS_EXT_FOLIO)
            return &folio;
        if (i == PMS_EXT_MAIL)
            return &mail;
        if (i == PMS_EXT_NOTIFY)
            return &notify;
        if (i == PMS_EXT_SETTINGS)
            return &settings;
        if (i == PMS_HOOK_FOLIO_BUTTON)
            return &folio_button;
        if (i == PMS_HOOK_ADMIN_PAGE)
            return s.offer_property ? &admin_page : nullptr;
        if (i == PMS_EXT_PROPERTY)
            return s.offer_property ? &property : nullptr;
        return nullptr;
    }

    pms_host host_{};
    std::deque<std::function<void()>> queue_;
    std::vector<timer> timers_;
    std::uint64_t next_id_ = 1;
};

/// True when some log line at `level` contains `needle`.
inline bool logged(const fake_host& h, pms_log_level level, std::string_view needle) {
    for (const auto& l : h.logs)
        if (l.level == level && l.text.find(needle) != std::string::npos)
            return true;
    return false;
}

} // namespace pms_test
