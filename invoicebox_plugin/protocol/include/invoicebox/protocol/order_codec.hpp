// JSON codec for orders and order requests. Reading ignores unknown fields and keeps unknown
// statuses and VAT codes; writing uses JsonWriter (amounts by format_amount, `/` as `\/`).
// Both directions are public: the plugin reads InvoiceBox's answers and its own stored requests,
// and the tests check that what is written reads back.
#pragma once

#include "invoicebox/protocol/decode_error.hpp"
#include "invoicebox/protocol/expected.hpp"
#include "invoicebox/protocol/json_value.hpp"
#include "invoicebox/protocol/json_writer.hpp"
#include "invoicebox/protocol/order.hpp"
#include "invoicebox/protocol/order_request.hpp"

#include <string>
#include <string_view>

namespace invoicebox::protocol {

Expected<Customer, DecodeError> read_customer(const JsonValue& v,
                                              std::string_view path = "customer");
void write_customer(JsonWriter& w, const Customer& c);

/// An OrderResponse / notification object. Requires id, status, amount, currencyId (one of ours).
Expected<Order, DecodeError> read_order(const JsonValue& v, std::string_view path = "");
/// Same, moving the object into `raw` instead of copying it (a list page, a notification: the
/// copy of each order's tree was a tenth of a poll pass, issue 14).
Expected<Order, DecodeError> read_order(JsonValue&& v, std::string_view path = "");
/// Writes an order with the field order of InvoiceBox's notifications (§8.2); optional fields
/// are written only when present.
void write_order(JsonWriter& w, const Order& o);
std::string order_json(const Order& o);

void write_create_order_request(JsonWriter& w, const CreateOrderRequest& r);
std::string create_order_body(const CreateOrderRequest& r);
/// Paths name the offending field: "currencyId" (unknown currency),
/// "expirationDate" (not RFC 3339), "basketItems[2].amount" (too many decimals), ...
Expected<CreateOrderRequest, DecodeError> read_create_order_request(const JsonValue& v);

void write_update_order_request(JsonWriter& w, const UpdateOrderRequest& r);
std::string update_order_body(const UpdateOrderRequest& r);
/// Amounts take the existing order's currency.
Expected<UpdateOrderRequest, DecodeError> read_update_order_request(const JsonValue& v,
                                                                    Currency currency);

} // namespace invoicebox::protocol
