// HostPorts over the host's C services (host_adapter.hpp).
#include "host_adapter.hpp"

#include <pms/plugin_sdk/strings.hpp>

#include <memory>

namespace invoicebox::plugin {

namespace pr = invoicebox::protocol;
using pms::sdk::to_pms_bytes;
using pms::sdk::to_pms_str;
using pms::sdk::to_string_view;

namespace {

template <class Fn>
struct Holder {
    Fn fn;
};

pms_status appending_write(void* ctx, const char* data, std::size_t len) {
    static_cast<std::string*>(ctx)->append(data, len);
    return PMS_OK;
}

} // namespace

std::optional<std::string> HostAdapter::store_get(std::string_view key) {
    try {
        return store_.get(key);
    } catch (const std::exception& e) {
        throw StoreError(e.what());
    }
}

void HostAdapter::store_write(const std::vector<StoreOp>& ops) {
    pms::sdk::store_batch b;
    for (const auto& op : ops) {
        if (op.kind == StoreOp::Kind::put)
            b.put(op.key, op.value);
        else
            b.erase(op.key);
    }
    try {
        store_.write(b);
    } catch (const std::exception& e) {
        throw StoreError(e.what());
    }
}

void HostAdapter::store_scan(std::string_view prefix, const std::function<bool(std::string_view, std::string_view)>& visit) {
    try {
        store_.scan(prefix, [&](std::string_view k, std::string_view v) { return visit(k, v); });
    } catch (const std::exception& e) {
        throw StoreError(e.what());
    }
}

std::optional<std::string> HostAdapter::get_folio(std::string_view folio_id, pms_status& status) {
    const auto* ext = host_.folio_ext();
    if (ext == nullptr) {
        status = PMS_NOT_SUPPORTED;
        return std::nullopt;
    }
    std::string out;
    pms_writer w{&out, &appending_write};
    status = ext->get_folio(host_.c_host(), to_pms_str(folio_id), &w);
    if (status != PMS_OK)
        return std::nullopt;
    return out;
}

std::optional<std::string> HostAdapter::property_json() {
    if (host_.property_ext() == nullptr)
        return std::nullopt; // a host older than 1.2
    try {
        return host_.property_json();
    } catch (const std::exception& e) {
        host_.warning(std::string("property could not be read: ") + e.what());
        return std::nullopt;
    }
}

void HostAdapter::post(std::function<void(bool)> fn) {
    const auto* ex = host_.executor_ext();
    auto* h = new Holder<std::function<void(bool)>>{std::move(fn)};
    pms_task t{[](void* user, pms_status) {
                   std::unique_ptr<Holder<std::function<void(bool)>>> p(static_cast<Holder<std::function<void(bool)>>*>(user));
                   p->fn(true);
               },
               h};
    if (ex == nullptr || ex->post(host_.c_host(), t) != PMS_OK) {
        delete h; // draining: nobody will read the answer
    }
}

namespace {

/// The C statuses of pms.folio/1 post_payment in the workflow's words (host_ports.hpp).
PostOutcome post_outcome_of(pms_status s, bool is_repeat) {
    if (s == PMS_DUPLICATE)
        return PostOutcome::repeat;
    if (PMS_STATUS_IS_SUCCESS(s))
        return is_repeat ? PostOutcome::repeat : PostOutcome::posted;
    switch (s) {
    case PMS_FOLIO_CLOSED: return PostOutcome::folio_closed;
    case PMS_NO_MAPPING: return PostOutcome::no_mapping;
    case PMS_CURRENCY_MISMATCH: return PostOutcome::currency_mismatch;
    case PMS_NOT_FOUND: return PostOutcome::folio_missing;
    case PMS_CONFLICT: return PostOutcome::conflict;
    case PMS_INVALID_ARGUMENT: return PostOutcome::rejected;
    default: return PostOutcome::failed; // storage, cancelled, not supported: may pass
    }
}

MailOutcome mail_outcome_of(pms_status s) {
    if (PMS_STATUS_IS_SUCCESS(s))
        return MailOutcome::sent;
    return s == PMS_CANCELLED ? MailOutcome::interrupted : MailOutcome::refused;
}

} // namespace

void HostAdapter::post_payment(const PaymentPosting& p, std::function<void(PostOutcome, const PostingResult&)> user_done) {
    std::function<void(pms_status, const PostingResult&)> done =
        [cb = std::move(user_done)](pms_status s, const PostingResult& r) {
            PostingResult res = r;
            if (res.error_message.empty() && !PMS_STATUS_IS_SUCCESS(s))
                res.error_message = pms_status_name(s);
            cb(post_outcome_of(s, r.is_repeat), res);
        };
    using H = Holder<std::function<void(pms_status, const PostingResult&)>>;
    const auto* ext = host_.folio_ext();
    pms_payment_posting c{};
    c.struct_size = sizeof c;
    c.folio_id = to_pms_str(p.folio_id);
    c.amount.minor = p.amount_minor;
    std::snprintf(c.amount.currency, sizeof c.amount.currency, "%.3s", p.currency.c_str());
    c.payment_kind = to_pms_str(p.kind);
    c.idempotency_key = to_pms_str(p.idempotency_key);
    c.provider_reference = to_pms_str(p.provider_reference);
    c.description = to_pms_str(p.description);
    c.occurred_at_utc_ms = p.occurred_at_utc_ms;
    auto* h = new H{std::move(done)};
    auto fn = [](void* user, pms_status s, const pms_posting_result* r) {
        std::unique_ptr<H> p(static_cast<H*>(user));
        PostingResult res;
        if (r != nullptr) {
            res.is_repeat = r->is_repeat != 0;
            res.posting_id.assign(to_string_view(r->posting_id));
            res.category.assign(to_string_view(r->category));
            res.type.assign(to_string_view(r->type));
            res.error_message.assign(to_string_view(r->error_message));
        }
        p->fn(s, res);
    };
    const pms_status s = ext ? ext->post_payment(host_.c_host(), &c, pms_posting_done{fn, h}, nullptr) : PMS_NOT_SUPPORTED;
    if (s != PMS_OK) {
        std::unique_ptr<H> own(h);
        post([cb = std::move(own->fn), s](bool) { cb(s, PostingResult{}); });
    }
}

void HostAdapter::http_send(const pr::HttpRequest& request, std::string url, std::chrono::milliseconds timeout,
                            std::function<void(pr::HttpOutcome)> done) {
    using H = Holder<std::function<void(pr::HttpOutcome)>>;
    const auto* ext = host_.http_ext();
    const std::string method(pr::to_string(request.method));
    std::vector<pms_header> headers;
    for (const auto& hd : request.headers)
        headers.push_back({to_pms_str(hd.name), to_pms_str(hd.value)});
    pms_http_request c{};
    c.struct_size = sizeof c;
    c.method = to_pms_str(method);
    c.url = to_pms_str(url);
    c.headers = headers.empty() ? nullptr : headers.data();
    c.header_count = headers.size();
    c.body = to_pms_bytes(request.body);
    c.total_timeout_ms = static_cast<std::uint32_t>(timeout.count());
    auto* h = new H{std::move(done)};
    auto fn = [](void* user, const pms_http_response* r) {
        std::unique_ptr<H> p(static_cast<H*>(user));
        if (r != nullptr && r->status == PMS_OK) {
            pr::HttpResponse resp;
            resp.status = r->http_status;
            for (std::size_t i = 0; i < r->header_count; ++i)
                resp.headers.push_back({std::string(to_string_view(r->headers[i].name)),
                                        std::string(to_string_view(r->headers[i].value))});
            resp.body.assign(to_string_view(r->body));
            p->fn(pr::HttpOutcome(std::move(resp)));
            return;
        }
        pr::TransportError e;
        const pms_status s = r ? r->status : PMS_PROTOCOL_ERROR;
        e.request_may_have_been_sent = r ? r->outcome_unknown != 0 : true;
        e.failure = s == PMS_TIMEOUT     ? pr::TransportFailure::timeout
                    : s == PMS_CANCELLED ? pr::TransportFailure::cancelled
                    : e.request_may_have_been_sent ? pr::TransportFailure::connection_dropped
                                                   : pr::TransportFailure::connect_failed;
        e.detail = std::string(pms_status_name(s)) + (r ? " " + std::string(to_string_view(r->error_message)) : "");
        p->fn(pr::HttpOutcome(pr::unexpected(std::move(e))));
    };
    const pms_status s = ext ? ext->request(host_.c_host(), &c, pms_http_done{fn, h}, nullptr) : PMS_NOT_SUPPORTED;
    if (s != PMS_OK) {
        std::unique_ptr<H> own(h);
        post([cb = std::move(own->fn), s](bool) {
            cb(pr::HttpOutcome(pr::unexpected(
                pr::TransportError{pr::TransportFailure::connect_failed, false, std::string("not started: ") + pms_status_name(s)})));
        });
    }
}

void HostAdapter::send_mail(const MailMessage& m, std::function<void(MailOutcome, std::string)> user_done) {
    std::function<void(pms_status, std::string)> done = [cb = std::move(user_done)](pms_status s, std::string text) {
        cb(mail_outcome_of(s), PMS_STATUS_IS_SUCCESS(s) ? std::string() : (text.empty() ? pms_status_name(s) : text));
    };
    using H = Holder<std::function<void(pms_status, std::string)>>;
    const auto* ext = host_.mail_ext();
    pms_mail_message c{};
    c.struct_size = sizeof c;
    c.to = to_pms_str(m.to);
    c.to_name = to_pms_str(m.to_name);
    c.subject = to_pms_str(m.subject);
    c.text_body = to_pms_str(m.text_body);
    c.html_body = to_pms_str(m.html_body); // empty: the host sends text only
    auto* h = new H{std::move(done)};
    auto fn = [](void* user, pms_status s, pms_str text) {
        std::unique_ptr<H> p(static_cast<H*>(user));
        p->fn(s, std::string(to_string_view(text)));
    };
    const pms_status s = ext ? ext->send(host_.c_host(), &c, pms_mail_done{fn, h}, nullptr) : PMS_NOT_SUPPORTED;
    if (s != PMS_OK) {
        std::unique_ptr<H> own(h);
        post([cb = std::move(own->fn), s](bool) { cb(s, pms_status_name(s)); });
    }
}

void HostAdapter::raise_alert(const StaffAlert& a) {
    const auto* ext = host_.notify_ext();
    if (ext == nullptr)
        return;
    pms_staff_notification n{};
    n.struct_size = sizeof n;
    n.level = a.level == StaffAlert::Level::success ? PMS_NOTIFY_SUCCESS
              : a.level == StaffAlert::Level::warning ? PMS_NOTIFY_WARNING
              : a.level == StaffAlert::Level::error   ? PMS_NOTIFY_ERROR
                                                      : PMS_NOTIFY_INFO;
    n.dedupe_key = to_pms_str(a.dedupe_key);
    n.title = to_pms_str(a.title);
    n.body = to_pms_str(a.body);
    n.folio_id = to_pms_str(a.folio_id);
    if (ext->raise(host_.c_host(), &n) != PMS_OK)
        host_.warning("staff notification not raised: " + a.dedupe_key);
}

void HostAdapter::resolve_alert(std::string_view key) {
    if (const auto* ext = host_.notify_ext())
        ext->resolve(host_.c_host(), to_pms_str(key));
}

std::int64_t HostAdapter::now_utc_ms() { return host_.now().time_since_epoch().count(); }

int HostAdapter::utc_offset_minutes(std::int64_t at) {
    const auto* c = host_.clock_ext();
    return c ? c->utc_offset_minutes(host_.c_host(), at) : 0;
}

std::string HostAdapter::property_timezone() {
    const auto* c = host_.clock_ext();
    if (c == nullptr || c->property_timezone == nullptr)
        return {};
    const char* zone = c->property_timezone(host_.c_host());
    return zone ? std::string(zone) : std::string();
}

std::uint64_t HostAdapter::start_timer(std::chrono::milliseconds delay, std::function<void(bool)> fn) {
    using H = Holder<std::function<void(bool)>>;
    const auto* ex = host_.executor_ext();
    auto* h = new H{std::move(fn)};
    pms_task t{[](void* user, pms_status s) {
                   std::unique_ptr<H> p(static_cast<H*>(user));
                   p->fn(s != PMS_OK);
               },
               h};
    std::uint64_t id = 0;
    if (ex == nullptr || ex->timer_start(host_.c_host(), static_cast<std::uint64_t>(std::max<std::int64_t>(0, delay.count())), t, &id) != PMS_OK) {
        std::unique_ptr<H> own(h);
        post(std::move(own->fn));
        return 0;
    }
    return id;
}

void HostAdapter::cancel_timer(std::uint64_t id) {
    if (const auto* ex = host_.executor_ext(); ex && id != 0)
        ex->timer_cancel(host_.c_host(), id);
}

void HostAdapter::log(LogLevel level, std::string_view text) {
    switch (level) {
    case LogLevel::debug: host_.debug(text); break;
    case LogLevel::info: host_.info(text); break;
    case LogLevel::warning: host_.warning(text); break;
    case LogLevel::error: host_.error(text); break;
    }
}

bool HostAdapter::push_view(std::string_view session, std::string_view json) {
    try {
        return host_.push_view(session, json);
    } catch (const std::exception& e) {
        host_.warning(std::string("push_view failed: ") + e.what());
        return false;
    }
}

bool HostAdapter::push_page_view(std::string_view session, std::string_view json) {
    try {
        return host_.push_page_view(session, json);
    } catch (const std::exception& e) {
        // Not fatal: the page shows the change at its next event or reopen.
        host_.warning(std::string("push_page_view failed: ") + e.what());
        return false;
    }
}

} // namespace invoicebox::plugin
