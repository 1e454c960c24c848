// Folio lines -> InvoiceBox basket (receipt_basket.hpp).
#include <invoicebox/plugin/receipt_basket.hpp>

#include <invoicebox/plugin/formatting.hpp>
#include <invoicebox/plugin/message_template.hpp>

#include <invoicebox/protocol/quantity.hpp>

namespace invoicebox::plugin {

namespace pr = invoicebox::protocol;

std::optional<pr::VatCode> vat_from_folio(std::string_view code) {
    using K = pr::KnownVatCode;
    if (code == "none")
        return pr::VatCode(K::vat_none);
    if (code == "vat0")
        return pr::VatCode(K::vat0);
    if (code == "vat5")
        return pr::VatCode(K::vat5);
    if (code == "vat7")
        return pr::VatCode(K::vat7);
    if (code == "vat10")
        return pr::VatCode(K::vat10);
    if (code == "vat20")
        return pr::VatCode(K::vat20);
    if (code == "vat22")
        return pr::VatCode(K::vat22);
    return std::nullopt;
}

std::string item_name(const Settings& s, const Folio& f, const FolioLine& line) {
    const std::string hotel = !s.hotel_name.empty() ? s.hotel_name : f.legal_entity_name;
    std::string description = line.description;
    if (description.empty())
        description = line.category == "accommodation" ? "Проживание" : "Услуги гостиницы";
    std::string name = render_template(s.item_name_template,
                                       {{"description", description},
                                        {"date", format_iso_date_ru(line.date)},
                                        {"arrival", format_iso_date_ru(f.arrival)},
                                        {"departure", format_iso_date_ru(f.departure)},
                                        {"booking", f.booking_number},
                                        {"hotel", hotel}});
    // Placeholders with empty values leave dangling separators: ", , Отель" -> ", Отель".
    for (std::string::size_type p; (p = name.find(", ,")) != std::string::npos;)
        name.erase(p, 2);
    while (name.size() >= 2 && name.compare(name.size() - 2, 2, ", ") == 0)
        name.erase(name.size() - 2);
    if (name.size() > 300)
        name.resize(300);
    return name;
}

ReceiptResult build_receipt_basket(const Settings& s, const Folio& f, std::int64_t amount_minor) {
    ReceiptResult r;
    const auto currency = pr::currency_from_alpha(f.currency).value_or(pr::Currency::rub);
    std::vector<pr::BasketLine> lines;
    std::int64_t total = 0;
    std::int64_t negative = 0;
    for (const auto& l : f.lines) {
        if (l.amount_minor < 0) {
            negative += -l.amount_minor;
            continue;
        }
        if (l.amount_minor == 0)
            continue;
        auto vat = vat_from_folio(l.vat_code.empty() ? s.vat_code : l.vat_code);
        if (!vat) {
            r.error = ReceiptError::unknown_vat;
            r.message = "У строки счёта «" + l.description + "» неизвестная ставка НДС «" + l.vat_code +
                        "»: чек не может быть сформирован. Исправьте ставку в счёте.";
            return r;
        }
        pr::BasketLine bl;
        bl.sku = l.line_id.empty() ? "line-" + std::to_string(lines.size() + 1) : l.line_id;
        bl.name = item_name(s, f, l);
        if (l.category == "accommodation") {
            bl.measure = "сут";
            bl.measure_code = "359";
        }
        auto q = pr::parse_quantity(l.quantity);
        bl.quantity = q ? *q : pr::Quantity::units(1);
        if (bl.quantity.millionths <= 0)
            bl.quantity = pr::Quantity::units(1);
        bl.total = pr::Money::of(l.amount_minor, currency);
        bl.vat_code = *vat;
        bl.type = pr::ItemType::service();
        bl.payment_type = pr::PaymentType{s.receipt_payment_type};
        if (l.date.size() == 10)
            bl.service_date = l.date;
        total += l.amount_minor;
        lines.push_back(std::move(bl));
    }
    // Corrections (negative lines) reduce what can be charged: spread them over the positive
    // lines before building, so each receipt line shows what the guest actually pays for it.
    if (negative > 0 && total > negative) {
        std::vector<std::int64_t> weights;
        for (const auto& l : lines)
            weights.push_back(l.total.minor);
        const auto cut = pr::allocate_proportionally(weights, negative);
        for (std::size_t i = 0; i < lines.size(); ++i) {
            lines[i].total.minor -= cut[i];
            lines[i].quantity = pr::Quantity::units(1); // the unit price no longer applies
        }
        total -= negative;
    }
    if (lines.empty() || total <= 0) {
        r.error = ReceiptError::no_lines;
        r.message = "В счёте нет начислений, по которым можно сформировать чек";
        return r;
    }
    if (amount_minor > total) {
        r.error = ReceiptError::amount_too_large;
        r.message = "Сумма ссылки " + format_money_ru(amount_minor, f.currency) + " больше суммы начислений по счёту " +
                    format_money_ru(total, f.currency);
        return r;
    }
    auto built = amount_minor == total ? pr::build_basket(lines)
                                       : pr::build_partial_basket(lines, pr::Money::of(amount_minor, currency));
    if (!built) {
        r.error = ReceiptError::invalid;
        r.message = "Не удалось сформировать чек по строкам счёта (" + std::string(pr::to_string(built.error().error)) + ")";
        return r;
    }
    r.basket = std::move(built).value();
    return r;
}

} // namespace invoicebox::plugin
