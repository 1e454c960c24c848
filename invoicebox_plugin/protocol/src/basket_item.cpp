// BasketItem JSON codec.
#include "invoicebox/protocol/basket_item.hpp"

#include "invoicebox/protocol/detail/json_fields.hpp"
#include "invoicebox/protocol/detail/try.hpp"

namespace invoicebox::protocol {

using namespace detail;

Expected<BasketItem, DecodeError> read_basket_item(const JsonValue& v, Currency c,
                                                   std::string_view path) {
    const auto* o = v.if_object();
    if (!o)
        return unexpected(DecodeError{std::string(path), "expected an object"});
    BasketItem it;
    IB_TRY(sku, opt_string_or_number(*o, "sku", path));
    IB_TRY(name, req_string(*o, "name", path));
    IB_TRY(group, opt_string(*o, "groupName", path));
    IB_TRY(measure, opt_string(*o, "measure", path));
    IB_TRY(measure_code, opt_string_or_number(*o, "measureCode", path));
    IB_TRY(origin, opt_string(*o, "originCountry", path));
    IB_TRY(origin_code, opt_string_or_number(*o, "originCountryCode", path));
    IB_TRY(qty, req_quantity(*o, "quantity", path));
    IB_TRY(amount, req_money(*o, "amount", c, path));
    IB_TRY(wo_vat, req_money(*o, "amountWoVat", c, path));
    IB_TRY(total, req_money(*o, "totalAmount", c, path));
    IB_TRY(total_vat, req_money(*o, "totalVatAmount", c, path));
    IB_TRY(excise, opt_money(*o, "excise", c, path));
    IB_TRY(vat, req_string(*o, "vatCode", path));
    IB_TRY(service_date, opt_string(*o, "serviceDate", path));
    IB_TRY(payment_type, opt_string(*o, "paymentType", path));
    IB_TRY(available, opt_money(*o, "availableAmount", c, path));
    IB_TRY(available_vat, opt_money(*o, "availableVatAmount", c, path));

    it.sku = sku.value_or("");
    it.name = std::move(name);
    it.group_name = std::move(group);
    it.measure = measure.value_or("");
    it.measure_code = measure_code.value_or("");
    it.origin_country = std::move(origin);
    it.origin_country_code = std::move(origin_code);
    it.quantity = qty;
    it.amount = amount;
    it.amount_wo_vat = wo_vat;
    it.total_amount = total;
    it.total_vat_amount = total_vat;
    it.excise = excise;
    it.vat_code = VatCode::parse(vat);
    if (const auto* t = present(*o, "type")) {
        if (const auto* s = t->if_string())
            it.type = ItemType{*s, false};
        else if (const auto* n = t->if_number())
            it.type = ItemType{n->text, true};
        else
            return unexpected(DecodeError{join_path(path, "type"), "expected a string or number"});
    }
    it.service_date = std::move(service_date);
    if (payment_type)
        it.payment_type = PaymentType{*payment_type};
    it.available_amount = available;
    it.available_vat_amount = available_vat;
    if (const auto* m = present(*o, "metaData"))
        it.meta_data = *m;
    return it;
}

Expected<std::vector<BasketItem>, DecodeError> read_basket_items(const JsonValue& v, Currency c,
                                                                 std::string_view path) {
    const auto* a = v.if_array();
    if (!a)
        return unexpected(DecodeError{std::string(path), "expected an array"});
    std::vector<BasketItem> items;
    items.reserve(a->size());
    for (std::size_t i = 0; i < a->size(); ++i) {
        auto item = read_basket_item((*a)[i], c, index_path(path, i));
        if (!item)
            return unexpected(std::move(item).error());
        items.push_back(std::move(item).value());
    }
    return items;
}

void write_basket_item(JsonWriter& w, const BasketItem& it) {
    w.begin_object();
    w.member("sku", it.sku);
    w.member("name", it.name);
    w.member_opt("groupName", it.group_name);
    w.member("measure", it.measure);
    w.member("measureCode", it.measure_code);
    w.member_opt("originCountry", it.origin_country);
    w.member_opt("originCountryCode", it.origin_country_code);
    w.key("quantity").quantity(it.quantity);
    w.member_amount("amount", it.amount);
    w.member_amount("amountWoVat", it.amount_wo_vat);
    w.member_amount("totalAmount", it.total_amount);
    w.member_amount("totalVatAmount", it.total_vat_amount);
    if (it.excise)
        w.member_amount("excise", *it.excise);
    w.member("vatCode", it.vat_code.wire());
    w.key("type");
    if (it.type.numeric)
        w.number_text(it.type.value);
    else
        w.string(it.type.value);
    w.member_opt("serviceDate", it.service_date);
    w.member("paymentType", it.payment_type.value);
    if (it.available_amount)
        w.member_amount("availableAmount", *it.available_amount);
    if (it.available_vat_amount)
        w.member_amount("availableVatAmount", *it.available_vat_amount);
    if (it.meta_data)
        w.key("metaData").value(*it.meta_data);
    w.end_object();
}

void write_basket_items(JsonWriter& w, const std::vector<BasketItem>& items) {
    w.begin_array();
    for (const auto& it : items)
        write_basket_item(w, it);
    w.end_array();
}

} // namespace invoicebox::protocol
