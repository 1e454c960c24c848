// Refund model codec and validation.
#include "invoicebox/protocol/refund.hpp"

#include "invoicebox/protocol/detail/json_fields.hpp"
#include "invoicebox/protocol/detail/try.hpp"
#include "invoicebox/protocol/order_request.hpp"

namespace invoicebox::protocol {

using namespace detail;

void CreateRefundRequest::set_basket(const Basket& b) {
    basket_items = b.items;
    amount = b.amount;
    vat_amount = b.vat_amount;
}

std::optional<ApiError> validate(const CreateRefundRequest& r) {
    auto invalid = [](std::string msg, std::string field) {
        ApiError e;
        e.kind = ErrorKind::invalid_request;
        e.code = "wrong_value";
        e.message = std::move(msg);
        e.fields.push_back(FieldError{std::move(field), "wrong_value", ""});
        return e;
    };
    if (r.parent_id.empty())
        return invalid("parentId is empty", "parentId");
    if (r.merchant_order_id.empty() || r.merchant_order_id.str().size() > max_merchant_order_id)
        return invalid("merchantOrderId must have 1 to 100 characters", "merchantOrderId");
    if (r.description.empty() || r.description.size() > max_description)
        return invalid("description must have 1 to 1000 characters", "description");
    const auto violations = check_basket(r.basket_items, r.amount, r.vat_amount);
    if (!violations.empty()) {
        ApiError e;
        e.kind = ErrorKind::invalid_request;
        e.code = std::string(violations.front().code());
        e.message = std::string(describe(violations.front().rule));
        for (const auto& v : violations)
            e.fields.push_back(
                FieldError{v.field, std::string(v.code()), std::string(describe(v.rule))});
        return e;
    }
    return std::nullopt;
}

namespace {

// Every typed field; `raw` is left to the caller (copied or moved in).
Expected<Refund, DecodeError> read_refund_fields(const JsonValue& v, Currency currency,
                                                 std::string_view path) {
    const auto* o = v.if_object();
    if (!o)
        return unexpected(DecodeError{std::string(path), "expected a refund object"});
    IB_TRY(currency_text, opt_string(*o, "currencyId", path));
    if (currency_text) {
        const auto c = currency_from_alpha(*currency_text);
        if (!c)
            return unexpected(DecodeError{join_path(path, "currencyId"),
                                          "unsupported currency: " + *currency_text});
        currency = *c;
    }
    IB_TRY(id, req_string(*o, "id", path));
    IB_TRY(parent, opt_string(*o, "parentId", path));
    IB_TRY(moid, opt_string_or_number(*o, "merchantOrderId", path));
    IB_TRY(merchant, opt_string(*o, "merchantId", path));
    IB_TRY(description, opt_string(*o, "description", path));
    IB_TRY(amount, req_money(*o, "amount", currency, path));
    IB_TRY(vat, opt_money(*o, "vatAmount", currency, path));
    IB_TRY(status, opt_string(*o, "status", path));
    Refund r;
    r.id = RefundId(std::move(id));
    r.parent_id = OrderId(parent.value_or(""));
    r.merchant_order_id = MerchantOrderId(moid.value_or(""));
    if (merchant)
        r.merchant_id = MerchantId(std::move(*merchant));
    r.description = std::move(description);
    r.amount = amount;
    r.vat_amount = vat;
    if (const auto* items = present(*o, "basketItems")) {
        IB_TRY(parsed, read_basket_items(*items, currency, join_path(path, "basketItems")));
        r.basket_items = std::move(parsed);
    }
    if (const auto* t = present(*o, "createdAt"); t && t->if_string())
        r.created_at = parse_timestamp(*t->if_string());
    r.status = RefundStatus(status.value_or("created"));
    return r;
}

} // namespace

Expected<Refund, DecodeError> read_refund(const JsonValue& v, Currency currency,
                                          std::string_view path) {
    auto r = read_refund_fields(v, currency, path);
    if (r)
        r->raw = v;
    return r;
}

Expected<Refund, DecodeError> read_refund(JsonValue&& v, Currency currency, std::string_view path) {
    auto r = read_refund_fields(v, currency, path);
    if (r)
        r->raw = std::move(v);
    return r;
}

void write_refund(JsonWriter& w, const Refund& r) {
    w.begin_object();
    w.member("id", r.id.str());
    w.member("parentId", r.parent_id.str());
    w.member_opt("description", r.description);
    w.member("merchantOrderId", r.merchant_order_id.str());
    if (r.merchant_id)
        w.member("merchantId", r.merchant_id->str());
    w.member_amount("amount", r.amount);
    if (r.vat_amount)
        w.member_amount("vatAmount", *r.vat_amount);
    w.member("currencyId", alpha_code(r.amount.currency));
    w.key("basketItems");
    write_basket_items(w, r.basket_items);
    if (r.created_at)
        w.member("createdAt", format_timestamp(*r.created_at));
    w.member("status", r.status.wire());
    w.end_object();
}

void write_create_refund_request(JsonWriter& w, const CreateRefundRequest& r) {
    w.begin_object();
    w.member("parentId", r.parent_id.str());
    w.member("merchantOrderId", r.merchant_order_id.str());
    w.member_amount("amount", r.amount);
    w.member_amount("vatAmount", r.vat_amount);
    w.key("basketItems");
    write_basket_items(w, r.basket_items);
    w.member("description", r.description);
    if (r.status)
        w.member("status", r.status->wire());
    w.end_object();
}

std::string create_refund_body(const CreateRefundRequest& r) {
    JsonWriter w;
    write_create_refund_request(w, r);
    return w.take();
}

Expected<CreateRefundRequest, DecodeError> read_create_refund_request(const JsonValue& v,
                                                                      Currency currency) {
    const auto* o = v.if_object();
    if (!o)
        return unexpected(DecodeError{"", "expected an object"});
    IB_TRY(parent, req_string(*o, "parentId", ""));
    IB_TRY(moid, req_string(*o, "merchantOrderId", ""));
    IB_TRY(description, req_string(*o, "description", ""));
    IB_TRY(amount, req_money(*o, "amount", currency, ""));
    IB_TRY(vat, req_money(*o, "vatAmount", currency, ""));
    IB_TRY(status, opt_string(*o, "status", ""));
    const auto* items_v = present(*o, "basketItems");
    if (!items_v)
        return unexpected(DecodeError{"basketItems", "missing"});
    IB_TRY(items, read_basket_items(*items_v, currency, "basketItems"));
    CreateRefundRequest r;
    r.parent_id = OrderId(std::move(parent));
    r.merchant_order_id = MerchantOrderId(std::move(moid));
    r.description = std::move(description);
    r.amount = amount;
    r.vat_amount = vat;
    r.basket_items = std::move(items);
    if (status)
        r.status = RefundStatus(std::move(*status));
    return r;
}

} // namespace invoicebox::protocol
