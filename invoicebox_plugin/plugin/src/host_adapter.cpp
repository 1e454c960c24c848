// HostPorts over the host's services through the C++ SDK (host_adapter.hpp). This file only
// translates between the workflow's types (host_ports.hpp) and the SDK's; it marshals no C
// struct and calls no host table itself.
#include "host_adapter.hpp"

#include <utility>

namespace invoicebox::plugin {

namespace pr = invoicebox::protocol;
namespace sdk = pms::sdk;

HostAdapter::HostAdapter(const sdk::host& host, const sdk::executor& ex, std::string mirrored_prefix)
    : host_(host), store_(host), async_store_(host, ex), ex_(ex), folio_(host, ex), http_(host, ex), mail_(host, ex),
      scan_mirror_(std::move(mirrored_prefix)) {}

// The host drains the instance before destroy, so no wait is pending by now; the timers'
// destructors would cancel any that were.
HostAdapter::~HostAdapter() = default;

std::optional<std::string> HostAdapter::store_get(std::string_view key) {
    try {
        return read_cache_.get_through(key, [&] { return store_.get(key); });
    } catch (const std::exception& e) {
        throw StoreError(e.what());
    }
}

namespace {

sdk::store_batch batch_of(const std::vector<StoreOp>& ops) {
    sdk::store_batch b;
    for (const auto& op : ops) {
        if (op.kind == StoreOp::Kind::put)
            b.put(op.key, op.value);
        else
            b.erase(op.key);
    }
    return b;
}

} // namespace

void HostAdapter::store_write(const std::vector<StoreOp>& ops) {
    read_cache_.write_started(ops);
    scan_mirror_.write_started(ops);
    try {
        store_.write(batch_of(ops));
    } catch (const std::exception& e) {
        read_cache_.write_finished(ops, false);
        scan_mirror_.write_finished(ops, false);
        throw StoreError(e.what());
    }
    read_cache_.write_finished(ops, true);
    scan_mirror_.write_finished(ops, true);
}

void HostAdapter::store_write_async(std::vector<StoreOp> ops, std::function<void(std::optional<std::string>)> done) {
    // The SDK copies the batch into the host before async_write returns, and completes once on
    // the strand (a start the host refuses included). The adapter outlives the completion: the
    // host runs every started batch's completion before deactivate.
    // The completion keeps `ops`: what a durable batch wrote stays in the read cache.
    read_cache_.write_started(ops);
    scan_mirror_.write_started(ops);
    auto batch = batch_of(ops);
    async_store_.async_write(std::move(batch), [this, ops = std::move(ops), done = std::move(done)](sdk::error_code ec) {
        read_cache_.write_finished(ops, !ec);
        scan_mirror_.write_finished(ops, !ec);
        if (ec)
            done("pms.store/2 write: " + ec.message());
        else
            done(std::nullopt);
    });
}

void HostAdapter::store_scan(std::string_view prefix, const std::function<bool(std::string_view, std::string_view)>& visit) {
    try {
        scan_mirror_.scan(prefix, visit, [&](const StoreScanMirror::Visit& through) {
            store_.scan(prefix, [&](std::string_view k, std::string_view v) { return through(k, v); });
        });
    } catch (const std::exception& e) {
        throw StoreError(e.what());
    }
}

std::optional<std::string> HostAdapter::get_folio(std::string_view folio_id, pms_status& status) {
    std::string out;
    status = folio_.try_get_folio_json(folio_id, out);
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

/// A failed pms.http/1 request as the protocol layer's TransportError.
pr::TransportError transport_error_of(pms_status s, const sdk::http_response& r) {
    // A refused start sent nothing, whatever the status (PMS_CANCELLED while draining too).
    if (!r.started)
        return pr::TransportError{pr::TransportFailure::connect_failed, false,
                                  std::string("not started: ") + pms_status_name(s)};
    pr::TransportError e;
    e.request_may_have_been_sent = r.outcome_unknown;
    e.failure = s == PMS_TIMEOUT     ? pr::TransportFailure::timeout
                : s == PMS_CANCELLED ? pr::TransportFailure::cancelled
                : e.request_may_have_been_sent ? pr::TransportFailure::connection_dropped
                                               : pr::TransportFailure::connect_failed;
    e.detail = std::string(pms_status_name(s)) + " " + r.error_message;
    return e;
}

pms_notify_level notify_level_of(StaffAlert::Level level) {
    switch (level) {
    case StaffAlert::Level::success: return PMS_NOTIFY_SUCCESS;
    case StaffAlert::Level::warning: return PMS_NOTIFY_WARNING;
    case StaffAlert::Level::error: return PMS_NOTIFY_ERROR;
    case StaffAlert::Level::info: break;
    }
    return PMS_NOTIFY_INFO;
}

} // namespace

void HostAdapter::post_payment(const PaymentPosting& p, std::function<void(PostOutcome, const PostingResult&)> done) {
    sdk::payment_posting posting;
    posting.folio_id = p.folio_id;
    posting.amount_minor = p.amount_minor;
    posting.currency = p.currency;
    posting.payment_kind = p.kind;
    posting.idempotency_key = p.idempotency_key;
    posting.provider_reference = p.provider_reference;
    posting.description = p.description;
    posting.occurred_at_utc_ms = p.occurred_at_utc_ms;
    folio_.async_post_payment(posting, [cb = std::move(done)](sdk::error_code, sdk::posting_result r) {
        // r.status keeps PMS_DUPLICATE (ec folds it into success), which post_outcome_of wants.
        PostingResult res;
        res.is_repeat = r.is_repeat;
        res.posting_id = std::move(r.posting_id);
        res.category = std::move(r.category);
        res.type = std::move(r.type);
        // The workflow quotes this to staff: the host's text, else the status' name (also for
        // a start the host refused, where the SDK's own text would be new wording).
        if (r.started)
            res.error_message = std::move(r.error_message);
        if (res.error_message.empty() && !PMS_STATUS_IS_SUCCESS(r.status))
            res.error_message = pms_status_name(r.status);
        cb(post_outcome_of(r.status, res.is_repeat), res);
    });
}

void HostAdapter::http_send(const pr::HttpRequest& request, std::string url, std::chrono::milliseconds timeout,
                            std::function<void(pr::HttpOutcome)> done) {
    sdk::http_request req;
    req.method = std::string(pr::to_string(request.method));
    req.url = std::move(url);
    req.headers.reserve(request.headers.size());
    for (const auto& h : request.headers)
        req.headers.push_back({h.name, h.value});
    req.body = request.body;
    req.total_timeout = timeout;
    http_.async_send(req, [cb = std::move(done)](sdk::error_code ec, sdk::http_response r) {
        if (!ec) {
            pr::HttpResponse resp;
            resp.status = r.http_status;
            resp.headers.reserve(r.headers.size());
            for (auto& h : r.headers)
                resp.headers.push_back({std::move(h.name), std::move(h.value)});
            resp.body = std::move(r.body);
            cb(pr::HttpOutcome(std::move(resp)));
            return;
        }
        cb(pr::HttpOutcome(pr::unexpected(transport_error_of(sdk::to_status(ec), r))));
    });
}

void HostAdapter::send_mail(const MailMessage& m, std::function<void(MailOutcome, std::string)> done) {
    sdk::mail_message msg;
    msg.to = m.to;
    msg.to_name = m.to_name;
    msg.subject = m.subject;
    msg.text_body = m.text_body;
    msg.html_body = m.html_body; // empty: the host sends text only
    mail_.async_send(msg, [cb = std::move(done)](sdk::error_code ec, std::string text) {
        const pms_status s = sdk::to_status(ec);
        cb(mail_outcome_of(s), PMS_STATUS_IS_SUCCESS(s) ? std::string() : (text.empty() ? pms_status_name(s) : std::move(text)));
    });
}

bool HostAdapter::raise_alert(const StaffAlert& a) {
    sdk::staff_notification n;
    n.level = notify_level_of(a.level);
    n.dedupe_key = a.dedupe_key;
    n.title = a.title;
    n.body = a.body;
    n.folio_id = a.folio_id;
    const pms_status s = host_.try_notify(n);
    if (s == PMS_OK || s == PMS_NOT_SUPPORTED) // a host without pms.notify/1 shows no alerts
        return true;
    host_.warning("staff notification not raised: " + a.dedupe_key);
    return false;
}

void HostAdapter::resolve_alert(std::string_view key) {
    // PMS_NOT_FOUND (already resolved) and a host without pms.notify/1 are both fine.
    (void)host_.try_resolve_notification(key);
}

std::int64_t HostAdapter::now_utc_ms() { return host_.now().time_since_epoch().count(); }

int HostAdapter::utc_offset_minutes(std::int64_t at) {
    if (host_.clock_ext() == nullptr)
        return 0;
    return static_cast<int>(host_.utc_offset(std::chrono::sys_time<std::chrono::milliseconds>(std::chrono::milliseconds(at))).count());
}

std::string HostAdapter::property_timezone() {
    if (host_.clock_ext() == nullptr)
        return {};
    return std::string(host_.property_timezone());
}

std::uint64_t HostAdapter::start_timer(std::chrono::milliseconds delay, std::function<void(bool)> fn) {
    const std::uint64_t id = ++last_timer_id_;
    auto t = std::make_unique<sdk::timer>(ex_);
    t->expires_after(delay);
    // Completes once, never inline: with an empty ec when the delay passed, with an error when
    // cancelled, when the instance drains, or when the host refused to start it.
    t->async_wait([this, id, fn = std::move(fn)](sdk::error_code ec) {
        timers_.erase(id);
        fn(static_cast<bool>(ec));
    });
    timers_.emplace(id, std::move(t));
    return id;
}

void HostAdapter::cancel_timer(std::uint64_t id) {
    if (auto it = timers_.find(id); it != timers_.end())
        it->second->cancel();
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
