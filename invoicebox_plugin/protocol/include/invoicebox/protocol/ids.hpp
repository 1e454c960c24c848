// Identifier types: distinct types so an InvoiceBox order id can never be passed where our own
// merchantOrderId is expected (they are both strings on the wire).
#pragma once

#include <compare>
#include <string>
#include <string_view>

namespace invoicebox::protocol {

template <class Tag>
class StrongId {
  public:
    StrongId() = default;
    explicit StrongId(std::string v) : value_(std::move(v)) {}
    explicit StrongId(std::string_view v) : value_(v) {}
    explicit StrongId(const char* v) : value_(v) {}

    const std::string& str() const noexcept { return value_; }
    bool empty() const noexcept { return value_.empty(); }

    friend auto operator<=>(const StrongId&, const StrongId&) = default;
    friend bool operator==(const StrongId&, const StrongId&) = default;

  private:
    std::string value_;
};

/// InvoiceBox's order id (UUID, `id` of an order).
using OrderId = StrongId<struct OrderIdTag>;
/// Our order number (`merchantOrderId`): installation prefix + folio + sequence (architecture §7).
using MerchantOrderId = StrongId<struct MerchantOrderIdTag>;
/// The shop id (`merchantId`, UUID).
using MerchantId = StrongId<struct MerchantIdTag>;
/// The invoice holding an order (`orderContainerId`); the payment URL ends with it.
using OrderContainerId = StrongId<struct OrderContainerIdTag>;
/// InvoiceBox's refund id (`id` of a refund order).
using RefundId = StrongId<struct RefundIdTag>;

/// The id of InvoiceBox's monitoring probe notification (invoicebox-api.md §5.4).
inline constexpr std::string_view monitoring_probe_id = "ffffffff-ffff-ffff-ffff-ffffffffffff";

} // namespace invoicebox::protocol
