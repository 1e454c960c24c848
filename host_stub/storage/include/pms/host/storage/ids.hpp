// Typed row identifiers of the host's storage, so that a folio id cannot be passed where a
// booking id is expected. Values are positive once assigned by the storage.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>

namespace pms::host {

/// A strongly typed 64-bit identifier; `Tag` only distinguishes the types.
template <class Tag>
struct Id {
    std::int64_t value = 0;

    constexpr Id() = default;
    constexpr explicit Id(std::int64_t v) noexcept : value{v} {}
    friend constexpr auto operator<=>(Id, Id) = default;
};

using PropertyId = Id<struct PropertyTag>;
using LegalEntityId = Id<struct LegalEntityTag>;
using GuestId = Id<struct GuestTag>;
using BookingId = Id<struct BookingTag>;
using FolioId = Id<struct FolioTag>;
using FolioLineId = Id<struct FolioLineTag>;
using PaymentId = Id<struct PaymentTag>;
using PaymentCategoryId = Id<struct PaymentCategoryTag>;
using PaymentTypeId = Id<struct PaymentTypeTag>;
using NotificationId = Id<struct NotificationTag>;
using AuditEntryId = Id<struct AuditEntryTag>;

/// Result of an "ensure" operation: the row's id and whether this call created it.
template <class IdT>
struct Ensured {
    IdT id;
    bool created = false;
};

} // namespace pms::host

template <class Tag>
struct std::hash<pms::host::Id<Tag>> {
    std::size_t operator()(pms::host::Id<Tag> id) const noexcept {
        return std::hash<std::int64_t>{}(id.value);
    }
};
