// The refund form's arithmetic (refund_form.hpp).
#include <invoicebox/plugin/refund_form.hpp>

#include <invoicebox/plugin/formatting.hpp>

namespace invoicebox::plugin {

namespace pr = invoicebox::protocol;

namespace {

/// The length of a group separator at `s[i]` (space, U+00A0, U+202F in UTF-8), 0 when none.
std::size_t separator_at(std::string_view s, std::size_t i) {
    if (s[i] == ' ')
        return 1;
    if (s.substr(i, 2) == "\xC2\xA0")
        return 2;
    if (s.substr(i, 3) == "\xE2\x80\xAF")
        return 3;
    return 0;
}

} // namespace

std::optional<std::int64_t> parse_staff_money(std::string_view text) {
    while (!text.empty() && text.front() == ' ')
        text.remove_prefix(1);
    while (!text.empty() && text.back() == ' ')
        text.remove_suffix(1);
    if (text.empty())
        return std::nullopt;
    // The integer part: digits, optionally grouped by three (the first group 1-3 digits).
    std::string digits;
    std::size_t i = 0;
    std::size_t group = 0;
    bool grouped = false;
    while (i < text.size()) {
        const char c = text[i];
        if (c >= '0' && c <= '9') {
            digits += c;
            ++group;
            ++i;
            continue;
        }
        const auto sep = separator_at(text, i);
        if (sep == 0)
            break;
        // A separator closes a group: the first of 1-3 digits, every later one of exactly 3.
        if (group == 0 || group > 3 || (grouped && group != 3))
            return std::nullopt;
        grouped = true;
        group = 0;
        i += sep;
    }
    if (digits.empty() || group == 0 || (grouped && group != 3))
        return std::nullopt;
    if (digits.size() > 13)
        return std::nullopt;
    std::string normal = digits;
    if (i < text.size()) {
        if (text[i] != '.' && text[i] != ',')
            return std::nullopt;
        normal += '.';
        normal += text.substr(i + 1);
    }
    // What is left is "digits[.dd]": the form field's own strict reader.
    return parse_decimal_minor(normal);
}

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
