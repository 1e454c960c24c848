// Order and refund records and their JSON forms (see model.hpp).
#include "invoicebox/sim/model.hpp"

#include "invoicebox/sim/amount.hpp"

#include <array>
#include <charconv>

namespace invoicebox::sim {


namespace {

constexpr std::array order_status_names{"created", "completed", "expired", "canceled"};
constexpr std::array refund_status_names{"draft", "created", "completed", "canceled"};

std::string string_member(const JsonObject& o, std::string_view key) {
    const auto* v = o.find(key);
    const auto* s = v ? v->if_string() : nullptr;
    return s ? *s : std::string{};
}

JsonValue instant_ms(Instant t) {
    return json_int(t.time_since_epoch().count());
}

std::optional<std::int64_t> int_of(const JsonValue* v) {
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
    r.currency = r.field("currencyId");
    if (!known_currency(r.currency)) {
        return "unknown currencyId";
    }
    const auto* amount = r.fields.find("amount");
    const auto* vat = r.fields.find("vatAmount");
    if (!amount || !amount->if_number() || !vat || !vat->if_number()) {
        return "amount or vatAmount missing";
    }
    auto a = read_amount(amount->if_number()->text);
    auto v = read_amount(vat->if_number()->text);
    if (!a || !v) {
        return "bad amount";
    }
    r.amount_minor = *a;
    r.vat_minor = *v;
    const auto* items = r.fields.find("basketItems");
    if (!items) {
        return "basketItems missing";
    }
    // The state file holds baskets that passed validation; read them with the same reader.
    auto parsed = basket_lines(*items);
    if (!parsed) {
        return parsed.error();
    }
    r.items = std::move(parsed).value();
    return std::nullopt;
}

} // namespace

Expected<std::vector<BasketLine>, std::string> basket_lines(const JsonValue& items) {
    const auto* arr = items.if_array();
    if (!arr) {
        return unexpected(std::string("basketItems is not an array"));
    }
    std::vector<BasketLine> out;
    for (std::size_t i = 0; i < arr->size(); ++i) {
        const std::string base = "basketItems[" + std::to_string(i) + "]";
        const auto* o = (*arr)[i].if_object();
        if (!o) {
            return unexpected(base + " is not an object");
        }
        BasketLine line;
        auto text = [&](std::string_view key) -> std::optional<std::string> {
            const auto* v = o->find(key);
            if (v && v->if_string()) {
                return *v->if_string();
            }
            if (v && v->if_number()) {
                return v->if_number()->text; // sku may be a number
            }
            return std::nullopt;
        };
        auto money = [&](std::string_view key, std::int64_t& to) {
            const auto* v = o->find(key);
            const auto* n = v ? v->if_number() : nullptr;
            auto m = n ? read_amount(n->text) : Expected<std::int64_t, AmountError>(
                                                    unexpected(AmountError::not_a_number));
            if (m) {
                to = *m;
            }
            return m.has_value();
        };
        const auto* q = o->find("quantity");
        const auto qty = q && q->if_number()
                             ? read_quantity(q->if_number()->text)
                             : Expected<std::int64_t, AmountError>(
                                   unexpected(AmountError::not_a_number));
        const auto sku = text("sku");
        const auto vat = text("vatCode");
        if (!sku || !vat || !qty || !money("amount", line.amount) ||
            !money("amountWoVat", line.amount_wo_vat) ||
            !money("totalAmount", line.total_amount) ||
            !money("totalVatAmount", line.total_vat_amount)) {
            return unexpected(base + " lacks a readable sku, vatCode, quantity or amount");
        }
        line.sku = *sku;
        line.vat_code = *vat;
        line.quantity = *qty;
        out.push_back(std::move(line));
    }
    return out;
}

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

JsonValue json_int(std::int64_t v) {
    return JsonNumber{std::to_string(v)};
}

void set_member(JsonObject& o, std::string_view key, JsonValue v) {
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

void RenderedRow::refer_if_present(const JsonObject& from, std::string_view key) {
    if (const auto* v = from.find(key)) {
        refer(key, *v);
    }
}

const JsonValue* RenderedRow::find(std::string_view key) const noexcept {
    for (auto it = members_.rbegin(); it != members_.rend(); ++it) {
        if (it->key == key) {
            return &it->value();
        }
    }
    return nullptr;
}

void RenderedRow::refer_rest(const JsonObject& from) {
    for (const auto& [key, value] : from.members) {
        if (!find(key)) {
            refer(key, value);
        }
    }
}

JsonObject RenderedRow::to_object() const {
    JsonObject out;
    out.members.reserve(members_.size());
    for (const auto& m : members_) {
        out.emplace(std::string(m.key), m.value());
    }
    return out;
}

void append_json(std::string& out, const RenderedRow& row) {
    out.push_back('{');
    bool first = true;
    for (const auto& m : row.members_) {
        append_json_member(out, first, m.key, m.value());
    }
    out.push_back('}');
}

RenderedRow order_row(const Order& o, std::string_view public_base, OrderView view) {
    RenderedRow out;
    out.members_.reserve(32);
    const auto& f = o.fields;
    out.make("id", o.id);
    out.refer_if_present(f, "description");
    out.make("currencyId", o.currency);
    out.make("amount", json_amount(o.amount_minor));
    out.make("vatAmount", json_amount(o.vat_minor));
    out.refer_if_present(f, "basketItems");
    out.make("orderContainerId", o.container_id);
    out.make("merchantId", o.merchant_id);
    out.make("status", std::string(to_string(o.status)));
    out.make("subtype", "order");
    if (view == OrderView::api) {
        out.make("processingStatus", "");
    }
    out.make("createdAt", format_rfc3339(o.created_at));
    if (o.paid_at) {
        out.make("paidAt", format_rfc3339(*o.paid_at));
    }
    out.make("merchantOrderId", o.merchant_order_id);
    if (const auto* v = f.find("merchantOrderIdVisible")) {
        out.refer("merchantOrderIdVisible", *v);
    } else {
        out.make("merchantOrderIdVisible", o.merchant_order_id);
    }
    out.make("expirationDate", format_rfc3339(o.expires_at));
    out.make("fileIds", JsonArray{});
    out.refer_if_present(f, "successUrl");
    out.refer_if_present(f, "failUrl");
    out.refer_if_present(f, "returnUrl");
    out.refer_if_present(f, "notificationUrl");
    out.make("paymentUrl", std::string(public_base) + payment_path(o.container_id));
    if (const auto* v = f.find("customer")) {
        out.refer("customer", *v);
    } else {
        out.make("customer", JsonObject{});
    }
    if (const auto* v = f.find("languageId")) {
        out.refer("languageId", *v);
    } else {
        out.make("languageId", "ru");
    }
    if (const auto* v = f.find("processable")) {
        out.refer("processable", *v);
    } else {
        out.make("processable", true);
    }
    out.refer_rest(f);
    return out;
}

JsonObject render_order(const Order& o, std::string_view public_base, OrderView view) {
    return order_row(o, public_base, view).to_object();
}

RenderedRow refund_row(const Refund& r) {
    RenderedRow out;
    out.members_.reserve(16);
    const auto& f = r.fields;
    out.make("id", r.id);
    out.make("parentId", r.parent_id);
    out.refer_if_present(f, "description");
    out.make("merchantOrderId", r.merchant_order_id);
    out.make("merchantId", r.merchant_id);
    out.make("amount", json_amount(r.amount_minor));
    out.make("vatAmount", json_amount(r.vat_minor));
    out.make("currencyId", r.currency);
    out.refer_if_present(f, "basketItems");
    out.make("createdAt", format_rfc3339(r.created_at));
    out.make("status", std::string(to_string(r.status)));
    out.refer_rest(f);
    return out;
}

JsonObject render_refund(const Refund& r) {
    return refund_row(r).to_object();
}

JsonObject order_to_state(const Order& o) {
    JsonObject out;
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

Expected<Order, std::string> order_from_state(const JsonValue& v) {
    const auto* o = v.if_object();
    if (!o) {
        return unexpected(std::string("order is not an object"));
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
        return unexpected("order " + r.id + ": incomplete record");
    }
    r.status = *status;
    r.created_at = Instant{Millis{*created}};
    r.expires_at = Instant{Millis{*expires}};
    if (const auto paid = int_of(o->find("paidAtMs"))) {
        r.paid_at = Instant{Millis{*paid}};
    }
    r.fields = *fields->if_object();
    if (auto err = load_amounts(r)) {
        return unexpected("order " + r.id + ": " + *err);
    }
    return r;
}

JsonObject refund_to_state(const Refund& r) {
    JsonObject out;
    out.emplace("id", r.id);
    out.emplace("parentId", r.parent_id);
    out.emplace("merchantId", r.merchant_id);
    out.emplace("merchantOrderId", r.merchant_order_id);
    out.emplace("status", std::string(to_string(r.status)));
    out.emplace("createdAtMs", instant_ms(r.created_at));
    out.emplace("fields", r.fields);
    return out;
}

Expected<Refund, std::string> refund_from_state(const JsonValue& v) {
    const auto* o = v.if_object();
    if (!o) {
        return unexpected(std::string("refund is not an object"));
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
        return unexpected("refund " + r.id + ": incomplete record");
    }
    r.status = *status;
    r.created_at = Instant{Millis{*created}};
    r.fields = *fields->if_object();
    if (auto err = load_amounts(r)) {
        return unexpected("refund " + r.id + ": " + *err);
    }
    return r;
}

} // namespace invoicebox::sim
