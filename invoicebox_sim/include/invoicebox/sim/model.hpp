// Orders and refunds as the simulator keeps them, and their JSON form.
//
// An order keeps its server-side facts (ids, status, times) as typed members and everything the
// client sent as `fields`: the documented request members in the order they arrived, amounts
// re-formatted from minor units (≤ 2 decimals, `2490.50` comes back as `2490.5`), the expiration
// date normalised to UTC. render_order() merges both into the OrderResponse object that the API,
// the notifications and the state file share, in the member order of InvoiceBox's sample
// notification (invoicebox-api.md §8.2).
#pragma once

#include "invoicebox/sim/clock.hpp"

#include "invoicebox/sim/basket_rules.hpp"
#include "invoicebox/sim/json.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace invoicebox::sim {

enum class OrderStatus : std::uint8_t { created, completed, expired, canceled };
enum class RefundStatus : std::uint8_t { draft, created, completed, canceled };

std::string_view to_string(OrderStatus s) noexcept;
std::string_view to_string(RefundStatus s) noexcept;
std::optional<OrderStatus> order_status_from(std::string_view s) noexcept;
std::optional<RefundStatus> refund_status_from(std::string_view s) noexcept;

struct Order {
    std::string id;           // time-ordered UUID
    std::string container_id; // orderContainerId; the payment page is per container
    std::string merchant_id;
    std::string merchant_order_id;
    OrderStatus status = OrderStatus::created;
    Instant created_at;
    std::optional<Instant> paid_at;
    Instant expires_at;
    std::string currency = "RUB"; // currencyId as sent
    std::int64_t amount_minor = 0;
    std::int64_t vat_minor = 0;
    std::vector<BasketLine> items;
    JsonObject fields; // client-supplied members, normalised (see above)

    // A string member of `fields`, or "" when absent or not a string.
    std::string field(std::string_view key) const;
};

struct Refund {
    std::string id;
    std::string parent_id;
    std::string merchant_id;
    std::string merchant_order_id;
    RefundStatus status = RefundStatus::created;
    Instant created_at;
    std::string currency = "RUB"; // currencyId as sent
    std::int64_t amount_minor = 0;
    std::int64_t vat_minor = 0;
    std::vector<BasketLine> items;
    JsonObject fields;

    std::string field(std::string_view key) const;
};

// The path of an order's payment page: "/order/<orderContainerId>".
std::string payment_path(std::string_view container_id);

// Where a rendered order goes: API answers carry `processingStatus` (SDK mocks, §8.1), the
// notification body does not (the SDK's sample notification, §8.2).
enum class OrderView { api, notification };

// A rendered API row (an OrderResponse or a RefundOrderResponse) that refers to the stored
// record's members (basket, customer, the client's other fields) instead of copying them. A list
// page writes up to 100 rows, and copying every basket into a tree only to write it out was
// three quarters of the simulator's CPU in a poll pass. Valid while its record is unchanged.
class RenderedRow {
  public:
    // The member named `key` (the last one, as JsonObject::find), or nullptr.
    const JsonValue* find(std::string_view key) const noexcept;
    // The row as a tree (copies what it refers to).
    JsonObject to_object() const;
    // Appends the row's JSON: the same text as to_json(JsonValue(row.to_object())).
    friend void append_json(std::string& out, const RenderedRow& row);

  private:
    friend RenderedRow order_row(const Order& o, std::string_view public_base, OrderView view);
    friend RenderedRow refund_row(const Refund& r);

    struct Member {
        std::string_view key;              // a literal or a stored member's name
        const JsonValue* stored = nullptr; // the stored record's value, or null: `made`
        JsonValue made;
        const JsonValue& value() const noexcept { return stored ? *stored : made; }
    };
    void make(std::string_view key, JsonValue v) { members_.push_back({key, nullptr, std::move(v)}); }
    void refer(std::string_view key, const JsonValue& v) { members_.push_back({key, &v, {}}); }
    void refer_if_present(const JsonObject& from, std::string_view key);
    // The client's members the row does not have yet, in their order; a repeated name once
    // (its first value).
    void refer_rest(const JsonObject& from);

    std::vector<Member> members_;
};

// OrderResponse. `public_base` is prepended to the payment path ("http://127.0.0.1:8080").
RenderedRow order_row(const Order& o, std::string_view public_base, OrderView view = OrderView::api);
JsonObject render_order(const Order& o, std::string_view public_base,
                        OrderView view = OrderView::api);
// RefundOrderResponse.
RenderedRow refund_row(const Refund& r);
JsonObject render_refund(const Refund& r);

// State-file form: the client fields plus the server facts, with millisecond times.
JsonObject order_to_state(const Order& o);
Expected<Order, std::string> order_from_state(const JsonValue& v);
JsonObject refund_to_state(const Refund& r);
Expected<Refund, std::string> refund_from_state(const JsonValue& v);

// The rule-relevant members of a basket array that already passed validation (normalised
// amounts and quantities), or what is wrong with it.
Expected<std::vector<BasketLine>, std::string> basket_lines(const JsonValue& items);

// Helpers for building JsonValues (json_amount is in amount.hpp).
JsonValue json_int(std::int64_t v);
// Replaces the member `key` (all duplicates) or appends it.
void set_member(JsonObject& o, std::string_view key, JsonValue v);

} // namespace invoicebox::sim
