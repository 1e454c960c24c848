// Order and refund status classification.
#include "invoicebox/protocol/order_status.hpp"

namespace invoicebox::protocol {

namespace {

OrderStatusKind classify_order(std::string_view s) noexcept {
    if (s == "created")
        return OrderStatusKind::created;
    if (s == "completed")
        return OrderStatusKind::completed;
    if (s == "expired")
        return OrderStatusKind::expired;
    if (s == "canceled" || s == "cancelled")
        return OrderStatusKind::canceled;
    if (s == "hold")
        return OrderStatusKind::hold;
    if (s == "draft")
        return OrderStatusKind::draft;
    return OrderStatusKind::unknown;
}

RefundStatusKind classify_refund(std::string_view s) noexcept {
    if (s == "draft")
        return RefundStatusKind::draft;
    if (s == "created")
        return RefundStatusKind::created;
    if (s == "completed")
        return RefundStatusKind::completed;
    if (s == "canceled" || s == "cancelled")
        return RefundStatusKind::canceled;
    return RefundStatusKind::unknown;
}

} // namespace

OrderStatus::OrderStatus(std::string wire) : wire_(std::move(wire)), kind_(classify_order(wire_)) {}

OrderStatus OrderStatus::of(OrderStatusKind k) {
    return OrderStatus(std::string(wire_name(k)));
}

std::string_view wire_name(OrderStatusKind k) noexcept {
    switch (k) {
    case OrderStatusKind::created:
        return "created";
    case OrderStatusKind::completed:
        return "completed";
    case OrderStatusKind::expired:
        return "expired";
    case OrderStatusKind::canceled:
        return "canceled";
    case OrderStatusKind::hold:
        return "hold";
    case OrderStatusKind::draft:
        return "draft";
    case OrderStatusKind::unknown:
        break;
    }
    return "unknown";
}

RefundStatus::RefundStatus(std::string wire)
    : wire_(std::move(wire)), kind_(classify_refund(wire_)) {}

RefundStatus RefundStatus::of(RefundStatusKind k) {
    return RefundStatus(std::string(wire_name(k)));
}

std::string_view wire_name(RefundStatusKind k) noexcept {
    switch (k) {
    case RefundStatusKind::draft:
        return "draft";
    case RefundStatusKind::created:
        return "created";
    case RefundStatusKind::completed:
        return "completed";
    case RefundStatusKind::canceled:
        return "canceled";
    case RefundStatusKind::unknown:
        break;
    }
    return "unknown";
}

} // namespace invoicebox::protocol
