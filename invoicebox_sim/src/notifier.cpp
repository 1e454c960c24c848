// Notification queue, attempts and retries (see notifier.hpp).
#include "invoicebox/sim/notifier.hpp"

#include "invoicebox/sim/model.hpp"

#include "invoicebox/sim/json.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace invoicebox::sim {


namespace {

// A fault-injected signature is a correct HMAC under a key the shop does not have.
constexpr std::string_view wrong_key = "invoicebox-sim-wrong-key";
// Out-of-order deliveries leave this far apart so the receiver sees them in the chosen order.
constexpr Millis reorder_gap{100};
constexpr Millis notification_timeout{20'000};

std::string member_string(const JsonObject& o, std::string_view key) {
    const auto* v = o.find(key);
    const auto* s = v ? v->if_string() : nullptr;
    return s ? *s : std::string{};
}

std::optional<std::int64_t> member_int(const JsonObject& o, std::string_view key) {
    const auto* v = o.find(key);
    const auto* n = v ? v->if_number() : nullptr;
    if (!n) {
        return std::nullopt;
    }
    std::int64_t out = 0;
    const auto r = std::from_chars(n->text.data(), n->text.data() + n->text.size(), out);
    if (r.ec != std::errc{}) {
        return std::nullopt;
    }
    return out;
}

} // namespace

AnswerVerdict classify_answer(const DeliveryAnswer& a) {
    using Kind = AnswerVerdict::Kind;
    if (!a.responded) {
        return {Kind::retry, a.error.empty() ? "no_answer" : a.error};
    }
    if (a.http_status != 200) {
        return {Kind::retry, "http_" + std::to_string(a.http_status)};
    }
    const auto doc = parse_json(a.body);
    if (!doc) {
        return {Kind::retry, "invalid_json"};
    }
    const auto* o = doc->if_object();
    const auto* status = o ? o->find("status") : nullptr;
    const auto* s = status ? status->if_string() : nullptr;
    if (!s) {
        return {Kind::retry, "invalid_answer"};
    }
    if (*s == "success") {
        return {Kind::success, "success"};
    }
    if (*s != "error") {
        return {Kind::retry, "invalid_answer"};
    }
    const auto* code = o->find("code");
    const auto* c = code ? code->if_string() : nullptr;
    if (!c || c->empty() || *c == "out_of_service") {
        return {Kind::retry, "out_of_service"};
    }
    return {Kind::final_error, *c};
}

Notifier::Notifier(RetrySchedule schedule, double time_scale)
    : schedule_(std::move(schedule)), time_scale_(time_scale) {}

Millis Notifier::scaled(Millis d) const {
    return Millis{
        static_cast<std::int64_t>(std::llround(static_cast<double>(d.count()) * time_scale_))};
}

std::string_view Notifier::state_name(State s) {
    switch (s) {
    case State::held:
        return "held";
    case State::waiting:
        return "waiting";
    case State::in_flight:
        return "in_flight";
    case State::delivered:
        return "delivered";
    case State::rejected:
        return "rejected";
    case State::gave_up:
        return "gave_up";
    case State::skipped:
        return "skipped";
    }
    return "unknown";
}

std::uint64_t Notifier::enqueue(NotificationSpec spec, Instant now, FaultModel& faults) {
    Notification n;
    n.id = next_notification_id_++;
    n.created_at = now;
    n.due = now;
    if (spec.url.empty()) {
        n.state = State::skipped;
    } else if (faults.reorder_window() > 0) {
        n.state = State::held;
        held_.push_back(n.id);
    } else if (const auto delay = spec.probe ? std::nullopt : faults.reorder_delay()) {
        n.due = now + *delay; // later notifications overtake this one
    }
    n.spec = std::move(spec);
    const auto id = n.id;
    notifications_.emplace(id, std::move(n));
    return id;
}

void Notifier::flush_held(Instant now) {
    Millis offset{0};
    for (auto it = held_.rbegin(); it != held_.rend(); ++it) {
        auto& n = notifications_.at(*it);
        n.state = State::waiting;
        n.due = now + offset;
        offset += reorder_gap;
    }
    held_.clear();
}

std::vector<Delivery> Notifier::take_due(Instant now, FaultModel& faults) {
    const std::size_t window = faults.reorder_window();
    if (!held_.empty()) {
        if (window == 0) {
            // The fault was switched off: release in arrival order.
            for (auto id : held_) {
                auto& n = notifications_.at(id);
                n.state = State::waiting;
                n.due = now;
            }
            held_.clear();
        } else if (held_.size() >= window) {
            flush_held(now);
        }
    }

    std::vector<Notification*> due;
    for (auto& [id, n] : notifications_) {
        if (n.state == State::waiting && n.due <= now) {
            due.push_back(&n);
        }
    }
    std::stable_sort(due.begin(), due.end(),
                     [](const Notification* a, const Notification* b) { return a->due < b->due; });

    std::vector<Delivery> out;
    for (auto* n : due) {
        n->state = State::in_flight;
        ++n->attempts;
        const bool wrong = faults.wrong_signature();
        const bool duplicate = faults.duplicate_notification();
        const std::string signature = wrong ? sign_body(wrong_key, n->spec.body) : n->spec.signature;
        for (int copy = 0; copy < (duplicate ? 2 : 1); ++copy) {
            Attempt a;
            a.id = next_attempt_id_++;
            a.notification_id = n->id;
            a.attempt = n->attempts;
            a.duplicate = copy > 0;
            a.wrong_signature = wrong;
            a.signature = signature;
            a.sent_at = now;
            attempt_index_[a.id] = attempts_.size();
            out.push_back(
                Delivery{a.id, n->spec.url, n->spec.body, signature, scaled(notification_timeout)});
            attempts_.push_back(std::move(a));
        }
    }
    return out;
}

void Notifier::complete(std::uint64_t attempt_id, const DeliveryAnswer& answer, Instant now) {
    const auto idx = attempt_index_.find(attempt_id);
    if (idx == attempt_index_.end()) {
        return; // reset in the meantime
    }
    auto& a = attempts_[idx->second];
    if (a.answered) {
        return;
    }
    a.answered = true;
    a.answer = answer;
    const auto verdict = classify_answer(answer);
    a.reason = verdict.reason;
    auto n = notifications_.find(a.notification_id);
    if (a.duplicate || n == notifications_.end() || n->second.state != State::in_flight) {
        // A duplicate's answer is logged but does not steer the retries.
        a.outcome = verdict.kind == AnswerVerdict::Kind::success ? "delivered" : "ignored";
        return;
    }
    auto& note = n->second;
    switch (verdict.kind) {
    case AnswerVerdict::Kind::success:
        note.state = State::delivered;
        a.outcome = "delivered";
        return;
    case AnswerVerdict::Kind::final_error:
        note.state = State::rejected;
        a.outcome = "rejected";
        return;
    case AnswerVerdict::Kind::retry:
        break;
    }
    const auto delay = note.spec.probe ? std::nullopt : schedule_.delay_after(note.attempts);
    if (!delay) {
        note.state = State::gave_up;
        a.outcome = "gave_up";
        return;
    }
    note.state = State::waiting;
    note.due = now + scaled(*delay);
    a.outcome = "retry";
    a.next_attempt_at = note.due;
}

std::optional<Instant> Notifier::next_due() const {
    std::optional<Instant> best;
    for (const auto& [id, n] : notifications_) {
        if (n.state == State::waiting && (!best || n.due < *best)) {
            best = n.due;
        }
    }
    return best;
}

std::size_t Notifier::pending() const {
    return static_cast<std::size_t>(
        std::count_if(notifications_.begin(), notifications_.end(), [](const auto& kv) {
            const auto s = kv.second.state;
            return s == State::held || s == State::waiting || s == State::in_flight;
        }));
}

JsonArray Notifier::describe_attempts(const std::string& order_id) const {
    JsonArray out;
    auto describe = [](const Notification& n, JsonObject& o) {
        o.emplace("notificationId", json_int(static_cast<std::int64_t>(n.id)));
        o.emplace("orderId", n.spec.order_id);
        o.emplace("merchantOrderId", n.spec.merchant_order_id);
        o.emplace("orderStatus", n.spec.order_status);
        o.emplace("probe", n.spec.probe);
        o.emplace("url", n.spec.url);
        o.emplace("notificationState", std::string(state_name(n.state)));
    };
    // Skipped notifications (no URL) and held ones have no attempt yet; list them too so a
    // test sees every status change.
    std::vector<std::pair<std::uint64_t, JsonObject>> rows;
    for (const auto& [id, n] : notifications_) {
        if (!order_id.empty() && n.spec.order_id != order_id) {
            continue;
        }
        if (n.attempts == 0) {
            JsonObject o;
            describe(n, o);
            o.emplace("attempt", json_int(0));
            o.emplace("body", n.spec.body);
            o.emplace("signature", n.spec.signature);
            o.emplace("outcome", std::string(state_name(n.state)));
            rows.emplace_back(0, std::move(o));
        }
    }
    for (const auto& a : attempts_) {
        const auto it = notifications_.find(a.notification_id);
        if (it == notifications_.end() ||
            (!order_id.empty() && it->second.spec.order_id != order_id)) {
            continue;
        }
        const auto& n = it->second;
        JsonObject o;
        o.emplace("seq", json_int(static_cast<std::int64_t>(a.id)));
        describe(n, o);
        o.emplace("attempt", json_int(a.attempt));
        o.emplace("duplicate", a.duplicate);
        o.emplace("wrongSignature", a.wrong_signature);
        o.emplace("sentAt", format_rfc3339(a.sent_at));
        o.emplace("body", n.spec.body);
        o.emplace("signature", a.signature);
        if (a.answered) {
            JsonObject ans;
            if (a.answer.responded) {
                ans.emplace("httpStatus", json_int(a.answer.http_status));
                ans.emplace("body", a.answer.body);
            } else {
                ans.emplace("error", a.answer.error);
            }
            o.emplace("answer", std::move(ans));
        } else {
            o.emplace("answer", nullptr);
        }
        o.emplace("outcome", a.outcome);
        if (!a.reason.empty()) {
            o.emplace("reason", a.reason);
        }
        if (a.next_attempt_at) {
            o.emplace("nextAttemptAt", format_rfc3339(*a.next_attempt_at));
        }
        rows.emplace_back(a.id, std::move(o));
    }
    for (auto& r : rows) {
        out.emplace_back(std::move(r.second));
    }
    return out;
}

JsonArray Notifier::save_pending() const {
    JsonArray out;
    for (const auto& [id, n] : notifications_) {
        if (n.state != State::held && n.state != State::waiting && n.state != State::in_flight) {
            continue;
        }
        JsonObject o;
        o.emplace("orderId", n.spec.order_id);
        o.emplace("merchantOrderId", n.spec.merchant_order_id);
        o.emplace("orderStatus", n.spec.order_status);
        o.emplace("merchantId", n.spec.merchant_id);
        o.emplace("url", n.spec.url);
        o.emplace("body", n.spec.body);
        o.emplace("signature", n.spec.signature);
        o.emplace("probe", n.spec.probe);
        o.emplace("attempts", json_int(n.attempts));
        o.emplace("dueMs", json_int(n.due.time_since_epoch().count()));
        out.emplace_back(std::move(o));
    }
    return out;
}

void Notifier::restore_pending(const JsonArray& saved, Instant now) {
    for (const auto& v : saved) {
        const auto* o = v.if_object();
        if (!o) {
            continue;
        }
        Notification n;
        n.id = next_notification_id_++;
        n.spec.order_id = member_string(*o, "orderId");
        n.spec.merchant_order_id = member_string(*o, "merchantOrderId");
        n.spec.order_status = member_string(*o, "orderStatus");
        n.spec.merchant_id = member_string(*o, "merchantId");
        n.spec.url = member_string(*o, "url");
        n.spec.body = member_string(*o, "body");
        n.spec.signature = member_string(*o, "signature");
        const auto* probe = o->find("probe");
        n.spec.probe = probe && probe->if_bool() && *probe->if_bool();
        n.attempts = static_cast<int>(member_int(*o, "attempts").value_or(0));
        n.due = std::max(now, Instant{Millis{member_int(*o, "dueMs").value_or(0)}});
        n.created_at = now;
        n.state = State::waiting;
        const auto id = n.id;
        notifications_.emplace(id, std::move(n));
    }
}

void Notifier::reset() {
    notifications_.clear();
    held_.clear();
    attempts_.clear();
    attempt_index_.clear();
}

} // namespace invoicebox::sim
