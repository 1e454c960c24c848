// Order and refund records and their JSON forms (see model.hpp).
#include "invoicebox/sim/model.hpp"

#include <array>
#include <charconv>

namespace invoicebox::sim {

namespace pr = invoicebox::protocol;

namespace {

constexpr std::array order_status_names{"created", "completed", "expired", "canceled"};
constexpr std::array refund_status_names{"draft", "created", "completed", "canceled"};

std::string string_member(const pr::JsonObject& o, std::string_view key) {
    const auto* v = o.find(key);
    const auto* s = v ? v->if_string() : nullptr;
    return s ? *s : std::string{};
}

// Appends the members of `from` that `out` does not have yet, in their order.
void append_rest(pr::JsonObject& out, const pr::JsonObject& from) {
    for (const auto& m : from.members) {
        if (!out.contains(m.first)) {
            out.members.push_back(m);
        }
    }
}

void copy_if_present(pr::JsonObject& out, const pr::JsonObject& from, std::string_view key) {
    if (const auto* v = from.find(key)) {
        out.emplace(std::string(key), *v);
    }
}

pr::JsonValue instant_ms(Instant t) {
    return json_int(t.time_since_epoch().count());
}

std::optional<std::int64_t> int_of(const pr::JsonValue* v) {
    const auto* n = v ? v->if_number() : nullptr;
    if (!n) {
        return std::nullopt;
    }
    std::int64_t out = 0;
    const auto* b = n->text.data();
    const auto* e = b + n->text.size();
    const auto r = std::from_chars(b, e, out);
    if (r.ec != std::errc{} || r.ptr != e) {
        return std::nullopt;
    }
    return out;
}

// Reads the money members shared by orders and refunds out of `fields`.
template <class Record>
std::optional<std::string> load_amounts(Record& r) {
    const auto currency = pr::currency_from_alpha(r.field("currencyId"));
    if (!currency) {
        return "unknown currencyId";
    }
    r.currency = *currency;
    const auto* amount = r.fields.find("amount");
    const auto* vat = r.fields.find("vatAmount");
    if (!amount || !amount->if_number() || !vat || !vat->if_number()) {
        return "amount or vatAmount missing";
    }
    auto a = pr::parse_amount_minor(amount->if_number()->text);
    auto v = pr::parse_amount_minor(vat->if_number()->text);
    if (!a || !v) {
        return "bad amount";
    }
    r.amount_minor = *a;
    r.vat_minor = *v;
    const auto* items = r.fields.find("basketItems");
    if (!items) {
        return "basketItems missing";
    }
    auto parsed = pr::read_basket_items(*items, r.currency, "basketItems");
    if (!parsed) {
        return parsed.error().path + ": " + parsed.error().message;
    }
    r.items = std::move(parsed).value();
    return std::nullopt;
}

} // namespace

std::string_view to_string(OrderStatus s) noexcept {
    return order_status_names[static_cast<std::size_t>(s)];
}

std::string_view to_string(RefundStatus s) noexcept {
    return refund_status_names[static_cast<std::size_t>(s)];
}

std::optional<OrderStatus> order_status_from(std::string_view s) noexcept {
    for (std::size_t i = 0; i < order_status_names.size(); ++i) {
        if (s == order_status_names[i]) {
            return static_cast<OrderStatus>(i);
        }
    }
    return std::nullopt;
}

std::optional<RefundStatus> refund_status_from(std::string_view s) noexcept {
    for (std::size_t i = 0; i < refund_status_names.size(); ++i) {
        if (s == refund_status_names[i]) {
            return static_cast<RefundStatus>(i);
        }
    }
    return std::nullopt;
}

std::string Order::field(std::string_view key) const {
    return string_member(fields, key);
}
std::string Refund::field(std::string_view key) const {
    return string_member(fields, key);
}

std::string payment_path(std::string_view container_id) {
    return "/order/" + std::string(container_id);
}

pr::JsonValue json_amount(std::int64_t minor) {
    return pr::JsonNumber{pr::format_amount(minor)};
}

pr::JsonValue json_int(std::int64_t v) {
    return pr::JsonNumber{std::to_string(v)};
}

void set_member(pr::JsonObject& o, std::string_view key, pr::JsonValue v) {
    bool replaced = false;
    auto& m = o.members;
    for (auto it = m.begin(); it != m.end();) {
        if (it->first == key) {
            if (!replaced) {
                it->second = std::move(v);
                replaced = true;
                ++it;
            } else {
                it = m.erase(it);
            }
        } else {
            ++it;
        }
    }
    if (!replaced) {
        m.emplace_back(std::string(key), std::move(v));
    }
}

pr::JsonObject render_order(const Order& o, std::string_view public_base, OrderView view) {
    pr::JsonObject out;
    const auto& f = o.fields;
    out.emplace("id", o.id);
    copy_if_present(out, f, "description");
    out.emplace("currencyId", std::string(pr::alpha_code(o.currency)));
    out.emplace("amount", json_amount(o.amount_minor));
    out.emplace("vatAmount", json_amount(o.vat_minor));
    copy_if_present(out, f, "basketItems");
    out.emplace("orderContainerId", o.container_id);
    out.emplace("merchantId", o.merchant_id);
    out.emplace("status", std::string(to_string(o.status)));
    out.emplace("subtype", "order");
    if (view == OrderView::api) {
        out.emplace("processingStatus", "");
    }
    out.emplace("createdAt", format_rfc3339(o.created_at));
    if (o.paid_at) {
        out.emplace("paidAt", format_rfc3339(*o.paid_at));
    }
    out.emplace("merchantOrderId", o.merchant_order_id);
    if (const auto* v = f.find("merchantOrderIdVisible")) {
        out.emplace("merchantOrderIdVisible", *v);
    } else {
        out.emplace("merchantOrderIdVisible", o.merchant_order_id);
    }
    out.emplace("expirationDate", format_rfc3339(o.expires_at));
    out.emplace("fileIds", pr::JsonArray{});
    copy_if_present(out, f, "successUrl");
    copy_if_present(out, f, "failUrl");
    copy_if_present(out, f, "returnUrl");
    copy_if_present(out, f, "notificationUrl");
    out.emplace("paymentUrl", std::string(public_base) + payment_path(o.container_id));
    if (const auto* v = f.find("customer")) {
        out.emplace("customer", *v);
    } else {
        out.emplace("customer", pr::JsonObject{});
    }
    if (const auto* v = f.find("languageId")) {
        out.emplace("languageId", *v);
    } else {
        out.emplace("languageId", "ru");
    }
    if (const auto* v = f.find("processable")) {
        out.emplace("processable", *v);
    } else {
        out.emplace("processable", true);
    }
    append_rest(out, f);
    return out;
}

pr::JsonObject render_refund(const Refund& r) {
    pr::JsonObject out;
    const auto& f = r.fields;
    out.emplace("id", r.id);
    out.emplace("parentId", r.parent_id);
    copy_if_present(out, f, "description");
    out.emplace("merchantOrderId", r.merchant_order_id);
    out.emplace("merchantId", r.merchant_id);
    out.emplace("amount", json_amount(r.amount_minor));
    out.emplace("vatAmount", json_amount(r.vat_minor));
    out.emplace("currencyId", std::string(pr::alpha_code(r.currency)));
    copy_if_present(out, f, "basketItems");
    out.emplace("createdAt", format_rfc3339(r.created_at));
    out.emplace("status", std::string(to_string(r.status)));
    append_rest(out, f);
    return out;
}

pr::JsonObject order_to_state(const Order& o) {
    pr::JsonObject out;
    out.emplace("id", o.id);
    out.emplace("orderContainerId", o.container_id);
    out.emplace("merchantId", o.merchant_id);
    out.emplace("merchantOrderId", o.merchant_order_id);
    out.emplace("status", std::string(to_string(o.status)));
    out.emplace("createdAtMs", instant_ms(o.created_at));
    if (o.paid_at) {
        out.emplace("paidAtMs", instant_ms(*o.paid_at));
    }
    out.emplace("expiresAtMs", instant_ms(o.expires_at));
    out.emplace("fields", o.fields);
    return out;
}

pr::Expected<Order, std::string> order_from_state(const pr::JsonValue& v) {
    const auto* o = v.if_object();
    if (!o) {
        return pr::unexpected(std::string("order is not an object"));
    }
    Order r;
    r.id = string_member(*o, "id");
    r.container_id = string_member(*o, "orderContainerId");
    r.merchant_id = string_member(*o, "merchantId");
    r.merchant_order_id = string_member(*o, "merchantOrderId");
    const auto status = order_status_from(string_member(*o, "status"));
    const auto created = int_of(o->find("createdAtMs"));
    const auto expires = int_of(o->find("expiresAtMs"));
    const auto* fields = o->find("fields");
    if (r.id.empty() || r.container_id.empty() || !status || !created || !expires || !fields ||
        !fields->if_object()) {
        return pr::unexpected("order " + r.id + ": incomplete record");
    }
    r.status = *status;
    r.created_at = Instant{Millis{*created}};
    r.expires_at = Instant{Millis{*expires}};
    if (const auto paid = int_of(o->find("paidAtMs"))) {
        r.paid_at = Instant{Millis{*paid}};
    }
    r.fields = *fields->if_object();
    if (auto err = load_amounts(r)) {
        return pr::unexpected("order " + r.id + ": " + *err);
    }
    return r;
}

pr::JsonObject refund_to_state(const Refund& r) {
    pr::JsonObject out;
    out.emplace("id", r.id);
    out.emplace("parentId", r.parent_id);
    out.emplace("merchantId", r.merchant_id);
    out.emplace("merchantOrderId", r.merchant_order_id);
    out.emplace("status", std::string(to_string(r.status)));
    out.emplace("createdAtMs", instant_ms(r.created_at));
    out.emplace("fields", r.fields);
    return out;
}

pr::Expected<Refund, std::string> refund_from_state(const pr::JsonValue& v) {
    const auto* o = v.if_object();
    if (!o) {
        return pr::unexpected(std::string("refund is not an object"));
    }
    Refund r;
    r.id = string_member(*o, "id");
    r.parent_id = string_member(*o, "parentId");
    r.merchant_id = string_member(*o, "merchantId");
    r.merchant_order_id = string_member(*o, "merchantOrderId");
    const auto status = refund_status_from(string_member(*o, "status"));
    const auto created = int_of(o->find("createdAtMs"));
    const auto* fields = o->find("fields");
    if (r.id.empty() || !status || !created || !fields || !fields->if_object()) {
        return pr::unexpected("refund " + r.id + ": incomplete record");
    }
    r.status = *status;
    r.created_at = Instant{Millis{*created}};
    r.fields = *fields->if_object();
    if (auto err = load_amounts(r)) {
        return pr::unexpected("refund " + r.id + ": " + *err);
    }
    return r;
}

} // namespace invoicebox::sim
