// Payment page HTML (see payment_page.hpp).
#include "invoicebox/sim/payment_page.hpp"

namespace invoicebox::sim {

namespace {

// Moscow time (UTC+3 all year since 2014): the zone a Russian payment page shows.
constexpr std::chrono::minutes moscow_offset{180};

std::string_view currency_symbol(std::string_view currency) {
    if (currency == "RUB") {
        return "₽";
    }
    if (currency == "USD") {
        return "$";
    }
    if (currency == "EUR") {
        return "€";
    }
    if (currency == "GBP") {
        return "£";
    }
    if (currency == "CNY") {
        return "¥";
    }
    return currency;
}

constexpr std::string_view page_head = R"(<!DOCTYPE html>
<html lang="ru">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>)";

constexpr std::string_view page_style = R"(</title>
<style>
body{margin:0;background:#f2f4f7;font-family:"DejaVu Sans",Arial,sans-serif;color:#1d2433}
main{max-width:560px;margin:40px auto;background:#fff;border-radius:12px;padding:32px;
box-shadow:0 2px 12px rgba(0,0,0,.08)}
.brand{color:#6b7385;font-size:14px;margin:0 0 8px}
h1{font-size:24px;margin:0 0 24px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:10px 20px;margin:0 0 24px}
dt{color:#6b7385}dd{margin:0}
.amount{font-size:22px;font-weight:bold}
.nowrap{white-space:nowrap}
.order{border-top:1px solid #e3e6ec;padding-top:16px;margin-top:16px}
button{background:#2b6ef2;color:#fff;border:0;border-radius:8px;padding:14px 28px;font-size:18px;
cursor:pointer}
.state{font-size:18px;font-weight:bold;margin:0 0 16px}
.ok{color:#1a7f37}.bad{color:#b42318}
</style>
</head>
<body>
<main>
<p class="brand">Инвойсбокс · тестовый симулятор</p>
)";

constexpr std::string_view page_tail = "</main>\n</body>\n</html>\n";

std::string status_text(std::string_view status) {
    if (status == "completed") {
        return "Счёт оплачен";
    }
    if (status == "expired") {
        return "Срок оплаты счёта истёк";
    }
    if (status == "canceled") {
        return "Счёт отменён";
    }
    return "Ожидает оплаты";
}

void append_order(std::string& out, const PageOrder& o, bool several) {
    if (several) {
        out += "<div class=\"order\">\n";
    }
    out += "<dl>\n";
    out += "<dt>Назначение платежа</dt><dd class=\"description\">" + html_escape(o.description) +
           "</dd>\n";
    out += "<dt>Номер заказа</dt><dd class=\"order-number\">" + html_escape(o.number) + "</dd>\n";
    out += "<dt>Сумма</dt><dd class=\"amount\"><span class=\"nowrap\">" +
           html_escape(format_ru_amount(o.amount_minor, o.currency)) + "</span></dd>\n";
    out += "<dt>Оплатить до</dt><dd class=\"due\">" +
           format_ru_datetime(o.expires_at, moscow_offset) + " (МСК)</dd>\n";
    out += "<dt>Статус</dt><dd class=\"status\" data-status=\"" + html_escape(o.status) + "\">" +
           status_text(o.status) + "</dd>\n";
    out += "</dl>\n";
    if (several) {
        out += "</div>\n";
    }
}

// Only an absolute http(s) address becomes a link: the URLs come from the shop's request, and a
// `javascript:` or `data:` one must never be something the payer clicks. The API already refuses
// them at creation; this keeps the page safe whatever reached the store (a fault, an old file).
bool is_web_url(std::string_view url) {
    return (url.starts_with("https://") && url.size() > 8) || (url.starts_with("http://") && url.size() > 7);
}

// «Вернуться в магазин» when the order names where to go for this outcome: successUrl once paid,
// failUrl when it can no longer be paid, returnUrl for either when the specific one is absent.
// Nothing when the shop sent none: the payer stays here.
void append_back_link(std::string& out, const PageOrder& o, bool paid) {
    const std::string& specific = paid ? o.success_url : o.fail_url;
    const std::string& url = specific.empty() ? o.return_url : specific;
    if (!is_web_url(url)) {
        return;
    }
    out += "<p><a id=\"back\" class=\"back\" href=\"" + html_escape(url) + "\">Вернуться в магазин</a></p>\n";
}

std::string begin_page(std::string_view title) {
    std::string out(page_head);
    out += html_escape(title);
    out += page_style;
    return out;
}

} // namespace

std::string format_ru_amount(std::int64_t minor, std::string_view currency) {
    const bool negative = minor < 0;
    const std::uint64_t abs_minor =
        negative ? static_cast<std::uint64_t>(-(minor + 1)) + 1 : static_cast<std::uint64_t>(minor);
    const std::string whole = std::to_string(abs_minor / 100);
    std::string grouped;
    for (std::size_t i = 0; i < whole.size(); ++i) {
        if (i > 0 && (whole.size() - i) % 3 == 0) {
            grouped.push_back(' ');
        }
        grouped.push_back(whole[i]);
    }
    const unsigned cents = static_cast<unsigned>(abs_minor % 100);
    std::string out = negative ? "-" : "";
    out += grouped;
    out += ',';
    out.push_back(static_cast<char>('0' + cents / 10));
    out.push_back(static_cast<char>('0' + cents % 10));
    out += ' ';
    out += currency_symbol(currency);
    return out;
}

std::string html_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        case '\'':
            out += "&#39;";
            break;
        default:
            out.push_back(c);
        }
    }
    return out;
}

std::string render_payment_page(std::string_view shop_name, const std::vector<PageOrder>& orders,
                                std::string_view pay_action) {
    std::string out = begin_page("Оплата счёта — " + std::string(shop_name));
    out += "<h1>Оплата счёта</h1>\n";
    out += "<dl>\n<dt>Магазин</dt><dd class=\"shop\">" + html_escape(shop_name) + "</dd>\n</dl>\n";
    std::int64_t payable = 0;
    std::string currency = orders.empty() ? "RUB" : orders.front().currency;
    bool any_payable = false;
    for (const auto& o : orders) {
        append_order(out, o, orders.size() > 1);
        if (o.status == "created") {
            payable += o.amount_minor;
            any_payable = true;
        }
    }
    if (any_payable) {
        if (orders.size() > 1) {
            out += "<p class=\"amount\">Итого к оплате: <span class=\"nowrap\">" +
                   html_escape(format_ru_amount(payable, currency)) + "</span></p>\n";
        }
        out += "<form method=\"post\" action=\"" + html_escape(pay_action) + "\">\n";
        out += "<button type=\"submit\" id=\"pay\">Оплатить счёт</button>\n</form>\n";
    } else if (!orders.empty()) {
        const auto& s = orders.front().status;
        out += std::string("<p class=\"state ") + (s == "completed" ? "ok" : "bad") + "\">" +
               status_text(s) + "</p>\n";
    }
    if (!orders.empty()) {
        const auto& o = orders.front();
        if (any_payable) {
            // Before paying, only the general way back (InvoiceBox shows returnUrl there).
            if (is_web_url(o.return_url)) {
                out += "<p><a class=\"back\" href=\"" + html_escape(o.return_url) +
                       "\">Вернуться в магазин</a></p>\n";
            }
        } else {
            // Opened again after the outcome: the same way back as right after it.
            append_back_link(out, o, o.status == "completed");
        }
    }
    out += page_tail;
    return out;
}

std::string render_payment_result(std::string_view shop_name, const std::vector<PageOrder>& orders,
                                  bool paid_now) {
    std::string out = begin_page(paid_now ? "Оплата прошла успешно" : "Счёт не оплачен");
    if (paid_now) {
        out += "<h1 class=\"ok\">Оплата прошла успешно</h1>\n";
        out += "<p class=\"state ok\">Спасибо! Счёт оплачен.</p>\n";
    } else {
        out += "<h1 class=\"bad\">Счёт не может быть оплачен</h1>\n";
    }
    out += "<dl>\n<dt>Магазин</dt><dd class=\"shop\">" + html_escape(shop_name) + "</dd>\n</dl>\n";
    for (const auto& o : orders) {
        append_order(out, o, orders.size() > 1);
    }
    if (!orders.empty()) {
        // An order paid before (a second press, another tab) was paid all the same.
        append_back_link(out, orders.front(), paid_now || orders.front().status == "completed");
    }
    out += page_tail;
    return out;
}

std::string render_not_found() {
    std::string out = begin_page("Счёт не найден");
    out += "<h1 class=\"bad\">Счёт не найден</h1>\n<p>Проверьте ссылку на оплату.</p>\n";
    out += page_tail;
    return out;
}

} // namespace invoicebox::sim
