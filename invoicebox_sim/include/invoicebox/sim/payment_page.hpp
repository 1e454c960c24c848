// The payer-facing payment page at an order's paymentUrl (`/order/<orderContainerId>`, the
// path of https://pay.invoicebox.ru/order/<orderContainerId>, invoicebox-api.md §6).
//
// A self-contained Russian HTML page: no scripts, fonts or styles from elsewhere. It shows the
// shop, what is paid for, the order number, the amount («67 680,00 ₽») and the due date, and an
// «Оплатить счёт» form button that posts to `/order/<orderContainerId>/pay`.
#pragma once

#include "invoicebox/sim/clock.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace invoicebox::sim {

struct PageOrder {
    std::string number; // merchantOrderIdVisible, else merchantOrderId
    std::string description;
    std::int64_t amount_minor = 0;
    std::string currency; // "RUB"
    Instant expires_at;
    std::string status; // created, completed, expired, canceled
    std::string success_url;
    std::string fail_url;
    std::string return_url;
};

// Russian money text: 6768000 kopecks, "RUB" -> "67 680,00 ₽" (plain spaces; the page keeps
// the amount on one line with CSS).
std::string format_ru_amount(std::int64_t minor, std::string_view currency);

// Escapes text for HTML element content and attribute values.
std::string html_escape(std::string_view text);

// The page for one invoice (all orders of the container). `pay_action` is the form target.
std::string render_payment_page(std::string_view shop_name, const std::vector<PageOrder>& orders,
                                std::string_view pay_action);

// After «Оплатить счёт»: success, or why nothing was paid.
std::string render_payment_result(std::string_view shop_name, const std::vector<PageOrder>& orders,
                                  bool paid_now);

// The page for an unknown invoice.
std::string render_not_found();

} // namespace invoicebox::sim
