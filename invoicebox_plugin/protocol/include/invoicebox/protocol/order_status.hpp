// Order and refund statuses (invoicebox-api.md §3.1). The set is open: `hold`, `draft` and any
// future value are kept verbatim, so nothing is lost and an unknown status is never "paid".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace invoicebox::protocol {

enum class OrderStatusKind : std::uint8_t {
    created,   ///< not paid yet, link active
    completed, ///< paid: the only value that means money arrived
    expired,
    canceled, ///< also read from "cancelled" (status-change endpoint, WooCommerce)
    hold,     ///< funds held / pre-authorised ([mcp])
    draft,    ///< [mcp]
    unknown,  ///< anything else, e.g. the SDK example's "success"
};

class OrderStatus {
  public:
    OrderStatus() : OrderStatus(std::string("created")) {}
    explicit OrderStatus(std::string wire);
    static OrderStatus of(OrderStatusKind k);

    OrderStatusKind kind() const noexcept { return kind_; }
    const std::string& wire() const noexcept { return wire_; }
    bool is_paid() const noexcept { return kind_ == OrderStatusKind::completed; }
    /// No payment can follow by the documented rules (late payment is still possible, §7 of
    /// architecture.md: expired/canceled -> completed must still post).
    bool is_closed_unpaid() const noexcept {
        return kind_ == OrderStatusKind::expired || kind_ == OrderStatusKind::canceled;
    }
    friend bool operator==(const OrderStatus& a, const OrderStatus& b) noexcept {
        return a.wire_ == b.wire_;
    }

  private:
    std::string wire_;
    OrderStatusKind kind_;
};

std::string_view wire_name(OrderStatusKind k) noexcept;

enum class RefundStatusKind : std::uint8_t { draft, created, completed, canceled, unknown };

class RefundStatus {
  public:
    RefundStatus() : RefundStatus(std::string("created")) {}
    explicit RefundStatus(std::string wire);
    static RefundStatus of(RefundStatusKind k);

    RefundStatusKind kind() const noexcept { return kind_; }
    const std::string& wire() const noexcept { return wire_; }
    friend bool operator==(const RefundStatus& a, const RefundStatus& b) noexcept {
        return a.wire_ == b.wire_;
    }

  private:
    std::string wire_;
    RefundStatusKind kind_;
};

std::string_view wire_name(RefundStatusKind k) noexcept;

} // namespace invoicebox::protocol
