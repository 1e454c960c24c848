// Request validation (see validation.hpp).
#include "invoicebox/sim/validation.hpp"

#include "invoicebox/sim/ids.hpp"

#include "invoicebox/sim/amount.hpp"
#include "invoicebox/sim/basket_rules.hpp"

#include <algorithm>
#include <array>
#include <charconv>

namespace invoicebox::sim {


namespace {

// Thrown inside this file only; every entry point turns it into an Expected error.
struct Reject {
    ApiError error;
};

[[noreturn]] void reject_field(const std::string& field, const std::string& message,
                               const std::string& code = "wrong_value") {
    throw Reject{ApiError::validation(field, message, code)};
}

std::string path_of(std::string_view base, std::string_view key) {
    return base.empty() ? std::string(key) : std::string(base) + "." + std::string(key);
}

// Present and not null.
const JsonValue* member(const JsonObject& o, std::string_view key) {
    const auto* v = o.find(key);
    return (v && !v->is_null()) ? v : nullptr;
}

void check_length(const std::string& s, std::size_t max, const std::string& field) {
    if (utf8_length(s) > max) {
        reject_field(field, "longer than " + std::to_string(max) + " characters");
    }
}

std::optional<std::string> opt_string(const JsonObject& o, std::string_view key,
                                      std::string_view base, std::size_t max) {
    const auto* v = member(o, key);
    if (!v) {
        return std::nullopt;
    }
    const auto* s = v->if_string();
    if (!s) {
        reject_field(path_of(base, key), "must be a string");
    }
    check_length(*s, max, path_of(base, key));
    return *s;
}

std::string req_string(const JsonObject& o, std::string_view key, std::string_view base,
                       std::size_t max) {
    auto s = opt_string(o, key, base, max);
    if (!s) {
        reject_field(path_of(base, key), "is required", "required");
    }
    if (s->empty()) {
        reject_field(path_of(base, key), "must not be empty");
    }
    return *s;
}

// A string, or a number kept as its text (measureCode was an int in 2021, shopId is in the SDK).
std::optional<std::string> opt_string_or_number(const JsonObject& o, std::string_view key,
                                                std::string_view base, std::size_t max) {
    const auto* v = member(o, key);
    if (!v) {
        return std::nullopt;
    }
    if (const auto* n = v->if_number()) {
        return n->text;
    }
    return opt_string(o, key, base, max);
}

std::int64_t req_amount(const JsonObject& o, std::string_view key, std::string_view base) {
    const auto* v = member(o, key);
    const std::string field = path_of(base, key);
    if (!v) {
        reject_field(field, "is required", "required");
    }
    const auto* n = v->if_number();
    if (!n) {
        reject_field(field, "must be a number");
    }
    // amount.hpp: the value must be whole kopecks; float noise is refused, not rounded.
    const auto minor = read_amount(n->text);
    if (!minor) {
        reject_field(field, minor.error() == AmountError::too_precise
                                ? "must have at most two decimals"
                                : "is not a valid amount");
    }
    if (*minor < 0) {
        reject_field(field, "must not be negative");
    }
    return *minor;
}

void opt_object(const JsonObject& o, std::string_view key, std::string_view base) {
    const auto* v = member(o, key);
    if (v && !v->if_object()) {
        reject_field(path_of(base, key), "must be an object");
    }
}

void opt_bool(const JsonObject& o, std::string_view key) {
    const auto* v = member(o, key);
    if (v && !v->if_bool()) {
        reject_field(std::string(key), "must be a boolean");
    }
}

void check_url(const JsonObject& o, std::string_view key) {
    const auto url = opt_string(o, key, "", 1000);
    if (url && !(url->starts_with("http://") || url->starts_with("https://"))) {
        reject_field(std::string(key), "must be an absolute http(s) URL");
    }
}

std::string read_currency(const JsonObject& o) {
    const auto text = req_string(o, "currencyId", "", 3);
    if (!known_currency(text)) {
        throw Reject{
            ApiError::business("wrong_currency", "Unknown currency " + text, "currencyId")};
    }
    return text;
}

Instant read_expiration(const JsonObject& o, Instant now) {
    const auto* v = member(o, "expirationDate");
    if (!v) {
        reject_field("expirationDate", "is required", "required");
    }
    const auto* s = v->if_string();
    const auto t = s ? parse_rfc3339(*s) : std::nullopt;
    if (!t) {
        throw Reject{ApiError::business("wrong_expiration_date",
                                        "expirationDate must be an RFC 3339 date-time with offset",
                                        "expirationDate")};
    }
    if (*t <= now) {
        throw Reject{ApiError::business("wrong_expiration_date",
                                        "expirationDate must be in the future", "expirationDate")};
    }
    return *t;
}

void check_customer(const JsonObject& o, bool required) {
    const auto* v = member(o, "customer");
    if (!v) {
        if (required) {
            reject_field("customer", "is required", "required");
        }
        return;
    }
    const auto* c = v->if_object();
    if (!c) {
        reject_field("customer", "must be an object");
    }
    if (const auto type = opt_string(*c, "type", "customer", 10);
        type && *type != "private" && *type != "legal") {
        reject_field("customer.type", "must be private or legal");
    }
    opt_string(*c, "name", "customer", 500);
    opt_string_or_number(*c, "phone", "customer", 100);
    opt_string(*c, "email", "customer", 100);
    opt_string_or_number(*c, "vatNumber", "customer", 20);
    opt_string_or_number(*c, "taxRegistrationReasonCode", "customer", 9);
    opt_string(*c, "registrationAddress", "customer", 1000);
}

bool valid_item_type(const JsonValue& v) {
    if (const auto* s = v.if_string()) {
        return *s == "service" || *s == "commodity";
    }
    if (const auto* n = v.if_number()) {
        int code = 0;
        const auto* b = n->text.data();
        const auto* e = b + n->text.size();
        const auto r = std::from_chars(b, e, code);
        return r.ec == std::errc{} && r.ptr == e &&
               ((code >= 1 && code <= 27) || (code >= 30 && code <= 33));
    }
    return false;
}

// Checks the members InvoiceBox requires of a basket item beyond what the reader needs, and
// returns the item with its amounts and quantity re-formatted.
JsonObject normalise_item(const JsonObject& item, const std::string& base) {
    opt_string_or_number(item, "sku", base, 500);
    if (!member(item, "sku")) {
        reject_field(base + ".sku", "is required", "required");
    }
    req_string(item, "name", base, 500);
    opt_string(item, "groupName", base, 500);
    req_string(item, "measure", base, 10);
    if (!opt_string_or_number(item, "measureCode", base, 4)) {
        reject_field(base + ".measureCode", "is required", "required");
    }
    const auto* type = member(item, "type");
    if (!type) {
        reject_field(base + ".type", "is required", "required");
    }
    if (!valid_item_type(*type)) {
        reject_field(base + ".type", "must be service, commodity or a tag 1212 code");
    }
    static constexpr std::array<std::string_view, 4> payment_types{"full_prepayment", "prepayment",
                                                                   "advance", "full_payment"};
    const auto payment = req_string(item, "paymentType", base, 32);
    if (std::find(payment_types.begin(), payment_types.end(), payment) == payment_types.end()) {
        reject_field(base + ".paymentType", "unknown payment type");
    }
    req_string(item, "vatCode", base, 20);
    // Every member the five reconciliation rules read is required (§4.1).
    for (const char* key : {"quantity", "amount", "amountWoVat", "totalAmount", "totalVatAmount"}) {
        if (!member(item, key)) {
            reject_field(base + "." + key, "is required", "required");
        }
    }
    if (member(item, "category") && !member(item, "categoryType")) {
        reject_field(base + ".categoryType", "is required with category", "required");
    }
    if (const auto sd = opt_string(item, "serviceDate", base, 10);
        sd && !parse_rfc3339(*sd, true)) {
        reject_field(base + ".serviceDate", "must be a date YYYY-MM-DD");
    }

    JsonObject out;
    for (const auto& [key, value] : item.members) {
        if (key == "amount" || key == "amountWoVat" || key == "totalAmount" ||
            key == "totalVatAmount" || key == "excise") {
            if (value.is_null() && key == "excise") {
                out.emplace(key, value);
                continue;
            }
            out.emplace(key, json_amount(req_amount(item, key, base)));
        } else if (key == "quantity") {
            const auto* n = value.if_number();
            const auto q = n ? read_quantity(n->text)
                             : Expected<std::int64_t, AmountError>(
                                   unexpected(AmountError::not_a_number));
            if (!q) {
                reject_field(base + ".quantity", "must be a number with at most six decimals");
            }
            out.emplace(key, JsonNumber{write_scaled(*q, quantity_decimals)});
        } else if (key == "availableAmount" || key == "availableVatAmount") {
            // Response-only members of the refundable-items list: not part of a request.
        } else {
            out.emplace(key, value);
        }
    }
    return out;
}

// Validates `basketItems`, returns the normalised array and the parsed items.
std::pair<JsonArray, std::vector<BasketLine>> read_basket(const JsonObject& o,
                                                                  const std::string&) {
    const auto* v = member(o, "basketItems");
    if (!v) {
        reject_field("basketItems", "is required", "required");
    }
    const auto* arr = v->if_array();
    if (!arr) {
        reject_field("basketItems", "must be an array");
    }
    JsonArray normalised;
    for (std::size_t i = 0; i < arr->size(); ++i) {
        const std::string base = "basketItems[" + std::to_string(i) + "]";
        const auto* item = (*arr)[i].if_object();
        if (!item) {
            reject_field(base, "must be an object");
        }
        normalised.emplace_back(normalise_item(*item, base));
    }
    auto items = basket_lines(JsonValue(normalised));
    if (!items) {
        reject_field("basketItems", items.error());
    }
    return {std::move(normalised), std::move(items).value()};
}

void reconcile(const std::vector<BasketLine>& items, std::int64_t amount, std::int64_t vat) {
    if (const auto f = check_reconciliation(items, amount, vat)) {
        throw Reject{ApiError::business(f->code, f->message, f->field)};
    }
}

template <class T, class F>
Expected<T, ApiError> guarded(F&& f) {
    try {
        return f();
    } catch (Reject& r) {
        return unexpected(std::move(r.error));
    }
}

const JsonObject& body_object(const JsonValue& body) {
    const auto* o = body.if_object();
    if (!o) {
        throw Reject{ApiError::bad_request("The request body must be a JSON object")};
    }
    return *o;
}

// Copies the members named in `keys` from `in` to `out` in the order they arrived, with
// amounts and the basket replaced by their normalised forms.
void copy_members(JsonObject& out, const JsonObject& in,
                  std::initializer_list<std::string_view> keys, std::int64_t amount,
                  std::int64_t vat, const JsonArray* basket, std::optional<Instant> expires) {
    for (const auto& [key, value] : in.members) {
        if (std::find(keys.begin(), keys.end(), key) == keys.end() || out.contains(key)) {
            continue;
        }
        if (key == "amount") {
            out.emplace(key, json_amount(amount));
        } else if (key == "vatAmount") {
            out.emplace(key, json_amount(vat));
        } else if (key == "basketItems" && basket) {
            out.emplace(key, *basket);
        } else if (key == "expirationDate" && expires) {
            out.emplace(key, format_rfc3339(*expires));
        } else if (const auto* last = in.find(key); !last->is_null()) {
            out.emplace(key, *last); // duplicates: the last one counts, as in PHP
        }
    }
}

} // namespace

std::size_t utf8_length(std::string_view s) noexcept {
    std::size_t n = 0;
    for (const char c : s) {
        if ((static_cast<unsigned char>(c) & 0xc0) != 0x80) {
            ++n;
        }
    }
    return n;
}

Expected<OrderInput, ApiError> validate_create_order(const JsonValue& body, Instant now) {
    return guarded<OrderInput>([&]() -> OrderInput {
        const auto& o = body_object(body);
        OrderInput in;
        in.merchant_id = req_string(o, "merchantId", "", 36);
        if (!looks_like_uuid(in.merchant_id)) {
            reject_field("merchantId", "must be a UUID");
        }
        in.merchant_order_id = req_string(o, "merchantOrderId", "", 256);
        opt_string(o, "merchantOrderIdVisible", "", 256);
        req_string(o, "description", "", 1000);
        in.currency = read_currency(o);
        if (const auto lang = opt_string(o, "languageId", "", 2);
            lang && *lang != "ru" && *lang != "en") {
            throw Reject{ApiError::business("language_not_found", "Unknown language " + *lang,
                                            "languageId")};
        }
        in.amount_minor = req_amount(o, "amount", "");
        in.vat_minor = req_amount(o, "vatAmount", "");
        in.expires_at = read_expiration(o, now);
        check_customer(o, true);
        for (auto key : {"notificationUrl", "successUrl", "failUrl", "returnUrl"}) {
            check_url(o, key);
        }
        for (auto key : {"metaData", "invoiceSetting", "orderSetting"}) {
            opt_object(o, key, "");
        }
        opt_bool(o, "processable");
        in.container_id = opt_string(o, "orderContainerId", "", 36);
        opt_string(o, "parentId", "", 36);
        opt_string(o, "userAccountId", "", 36);
        opt_string_or_number(o, "shopId", "", 36);
        auto [basket, items] = read_basket(o, in.currency);
        reconcile(items, in.amount_minor, in.vat_minor);
        in.items = std::move(items);
        copy_members(in.fields, o, {"merchantId",      "merchantOrderId", "merchantOrderIdVisible",
                                    "description",     "amount",          "vatAmount",
                                    "currencyId",      "languageId",      "expirationDate",
                                    "basketItems",     "customer",        "metaData",
                                    "notificationUrl", "successUrl",      "failUrl",
                                    "returnUrl",       "invoiceSetting",  "orderSetting",
                                    "parentId",        "shopId",          "userAccountId",
                                    "processable"},
                     in.amount_minor, in.vat_minor, &basket, in.expires_at);
        return in;
    });
}

Expected<Order, ApiError> validate_update_order(const Order& current, const JsonValue& body,
                                                    Instant now) {
    return guarded<Order>([&]() -> Order {
        const auto& o = body_object(body);
        Order next = current;
        if (member(o, "description")) {
            req_string(o, "description", "", 1000);
        }
        if (member(o, "amount")) {
            next.amount_minor = req_amount(o, "amount", "");
        }
        if (member(o, "vatAmount")) {
            next.vat_minor = req_amount(o, "vatAmount", "");
        }
        if (member(o, "expirationDate")) {
            next.expires_at = read_expiration(o, now);
        }
        check_customer(o, false);
        opt_object(o, "metaData", "");
        opt_string_or_number(o, "shopId", "", 36);
        JsonArray basket;
        const bool has_basket = member(o, "basketItems") != nullptr;
        if (has_basket) {
            auto [b, items] = read_basket(o, next.currency);
            basket = std::move(b);
            next.items = std::move(items);
        }
        reconcile(next.items, next.amount_minor, next.vat_minor);
        JsonObject changed;
        copy_members(changed, o,
                     {"description", "amount", "vatAmount", "expirationDate", "basketItems",
                      "metaData", "customer", "shopId"},
                     next.amount_minor, next.vat_minor, has_basket ? &basket : nullptr,
                     next.expires_at);
        for (auto& [key, value] : changed.members) {
            set_member(next.fields, key, std::move(value));
        }
        return next;
    });
}

Expected<std::string, ApiError> refund_parent_id(const JsonValue& body) {
    return guarded<std::string>(
        [&]() -> std::string { return req_string(body_object(body), "parentId", "", 36); });
}

Expected<Refund, ApiError> validate_create_refund(const JsonValue& body,
                                                      const Order& parent) {
    return guarded<Refund>([&]() -> Refund {
        const auto& o = body_object(body);
        Refund r;
        r.parent_id = req_string(o, "parentId", "", 36);
        r.merchant_id = parent.merchant_id;
        r.merchant_order_id = req_string(o, "merchantOrderId", "", 100);
        req_string(o, "description", "", 1000);
        r.currency = parent.currency;
        r.amount_minor = req_amount(o, "amount", "");
        r.vat_minor = req_amount(o, "vatAmount", "");
        if (const auto status = opt_string(o, "status", "", 10)) {
            if (*status != "created" && *status != "draft") {
                reject_field("status", "must be created or draft");
            }
            r.status = *status == "draft" ? RefundStatus::draft : RefundStatus::created;
        }
        auto [basket, items] = read_basket(o, r.currency);
        reconcile(items, r.amount_minor, r.vat_minor);
        r.items = std::move(items);
        copy_members(
            r.fields, o,
            {"parentId", "merchantOrderId", "description", "amount", "vatAmount", "basketItems"},
            r.amount_minor, r.vat_minor, &basket, std::nullopt);
        set_member(r.fields, "currencyId", r.currency);
        return r;
    });
}

} // namespace invoicebox::sim
