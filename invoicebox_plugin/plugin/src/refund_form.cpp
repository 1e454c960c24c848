// The refund form's arithmetic (refund_form.hpp).
#include <invoicebox/plugin/refund_form.hpp>

#include <invoicebox/plugin/formatting.hpp>

namespace invoicebox::plugin {

namespace pr = invoicebox::protocol;

std::int64_t available_of(const pr::BasketItem& item) {
    return item.available_amount ? item.available_amount->minor : item.total_amount.minor;
}

RefundBasketResult build_refund_basket(const std::vector<pr::BasketItem>& refundable, bool full,
                                       const std::vector<RefundLineInput>& lines) {
    RefundBasketResult out;
    // (item, amount) pairs to refund.
    std::vector<std::pair<const pr::BasketItem*, std::int64_t>> parts;
    if (full) {
        for (const auto& it : refundable)
            if (available_of(it) > 0)
                parts.emplace_back(&it, available_of(it));
    } else {
        for (const auto& l : lines) {
            std::string text = l.amount_text;
            if (text.find_first_not_of(' ') == std::string::npos)
                continue;
            const auto amount = parse_staff_money(text);
            if (!amount) {
                out.field_errors[l.field] = "Укажите сумму цифрами, например 10 000,00";
                continue;
            }
            if (*amount == 0)
                continue;
            const pr::BasketItem* item = nullptr;
            for (const auto& it : refundable)
                if (it.sku == l.sku)
                    item = &it;
            if (!item || available_of(*item) <= 0) {
                out.field_errors[l.field] = "По этой позиции возвращать больше нечего";
                continue;
            }
            if (*amount > available_of(*item)) {
                out.field_errors[l.field] = "Больше доступного к возврату (" +
                                            format_money_ru(available_of(*item), std::string(pr::alpha_code(
                                                                                      item->total_amount.currency))) +
                                            ")";
                continue;
            }
            parts.emplace_back(item, *amount);
        }
    }
    if (!out.field_errors.empty()) {
        out.message = "Проверьте выделенные поля";
        return out;
    }
    if (parts.empty()) {
        out.message = full ? "По этой оплате возвращать больше нечего" : "Укажите сумму возврата хотя бы по одной позиции";
        return out;
    }
    pr::Basket b;
    const auto currency = parts.front().first->total_amount.currency;
    b.amount = pr::Money::of(0, currency);
    b.vat_amount = pr::Money::of(0, currency);
    for (const auto& [item, amount] : parts) {
        pr::BasketItem line = *item;
        line.available_amount.reset();
        line.available_vat_amount.reset();
        if (amount != item->total_amount.minor) {
            // A part of the line: one unit priced at the part, VAT at the line's own code.
            pr::BasketLine bl;
            bl.sku = item->sku;
            bl.name = item->name;
            bl.group_name = item->group_name;
            bl.measure = item->measure;
            bl.measure_code = item->measure_code;
            bl.quantity = pr::Quantity::units(1);
            bl.total = pr::Money::of(amount, currency);
            bl.vat_code = item->vat_code;
            bl.type = item->type;
            bl.payment_type = item->payment_type;
            bl.service_date = item->service_date;
            auto made = pr::make_basket_item(bl);
            if (!made) {
                out.message = "Позицию «" + item->name + "» нельзя вернуть: неизвестная ставка НДС " +
                              std::string(item->vat_code.wire());
                return out;
            }
            made->meta_data = item->meta_data;
            line = std::move(*made);
        }
        b.amount.minor += line.total_amount.minor;
        b.vat_amount.minor += line.total_vat_amount.minor;
        b.items.push_back(std::move(line));
    }
    out.basket = std::move(b);
    return out;
}

} // namespace invoicebox::plugin
