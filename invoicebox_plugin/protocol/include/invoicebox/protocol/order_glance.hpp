// OrderGlance: what a listed order says at a glance (its id, number and status), read from a
// page of orders without building any of it.
//
// A poll pass over 10,000 open links reads 200 pages of 50 orders, and nearly every order on
// them is as it was the pass before. Whether an answer changes anything is decided by these
// three fields alone (link_lifecycle.hpp, report_changes_nothing), so a page is glanced at first
// and decoded in full only when one of its orders changed something (issue 14: decoding was
// half of the host's CPU in a pass).
//
// The glance is never a weaker reader: it answers only when the document is strict JSON (the same
// Boost.JSON grammar and UTF-8 check as parse_json) and every order on the page has a string
// `id` and `status` and a string or absent `merchantOrderId`, duplicates resolved as read_order
// does (the last one). Anything else — an error body, a 4xx, a missing field, a number where
// a string belongs — gets no glance, and the full decode gives the page its verdict and error.
// What the glance does not check is the rest of each order (its money, its dates): a reader
// that skips a page by the glance has no use for them.
#pragma once

#include "invoicebox/protocol/envelope.hpp"
#include "invoicebox/protocol/ids.hpp"
#include "invoicebox/protocol/order.hpp"
#include "invoicebox/protocol/order_status.hpp"

#include <optional>
#include <string_view>
#include <vector>

namespace invoicebox::protocol {

struct OrderGlance {
    OrderId id;
    MerchantOrderId merchant_order_id; ///< empty when the order has none
    OrderStatus status;
};

/// The glance of an order already decoded: the same three fields.
OrderGlance glance_of(const Order& order);

/// The glances of the orders of a page body (`{"data": [ {order}, ... ], ...}`), in order;
/// nullopt when the body is not such a page by the rules above.
std::optional<std::vector<OrderGlance>> glance_order_page(std::string_view body);

/// The same for what the transport delivered: nullopt unless a 2xx response holds such a page.
std::optional<std::vector<OrderGlance>> glance_order_page(const HttpOutcome& outcome);

} // namespace invoicebox::protocol
