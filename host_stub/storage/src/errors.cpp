// The storage error category and small helpers shared by all backends.
#include "pms/host/storage/errors.hpp"
#include "pms/host/storage/folio_repository.hpp"
#include "pms/host/storage/notification_repository.hpp"

namespace pms::host {
namespace {

class StorageCategory final : public std::error_category {
  public:
    const char* name() const noexcept override { return "pms.storage"; }
    std::string message(int value) const override {
        switch (static_cast<StorageErrc>(value)) {
        case StorageErrc::busy:
            return "database busy";
        case StorageErrc::io:
            return "storage I/O error";
        case StorageErrc::corrupt:
            return "database corrupt or not a database";
        case StorageErrc::full:
            return "disk full";
        case StorageErrc::schema_too_new:
            return "database schema is newer than this host";
        case StorageErrc::not_found:
            return "referenced row not found";
        case StorageErrc::already_exists:
            return "already exists";
        case StorageErrc::invalid_argument:
            return "invalid argument";
        case StorageErrc::folio_closed:
            return "folio closed";
        case StorageErrc::internal:
            return "internal storage error";
        }
        return "unknown storage error";
    }
};

} // namespace

const std::error_category& storage_category() noexcept {
    static const StorageCategory category;
    return category;
}

const char* to_string(PostOutcome outcome) noexcept {
    switch (outcome) {
    case PostOutcome::posted:
        return "posted";
    case PostOutcome::repeated:
        return "repeated";
    case PostOutcome::conflict:
        return "conflict";
    case PostOutcome::unknown_folio:
        return "unknown_folio";
    case PostOutcome::folio_closed:
        return "folio_closed";
    case PostOutcome::currency_mismatch:
        return "currency_mismatch";
    case PostOutcome::no_mapping:
        return "no_mapping";
    case PostOutcome::invalid_request:
        return "invalid_request";
    }
    return "unknown";
}

const char* to_string(NotificationLevel level) noexcept {
    switch (level) {
    case NotificationLevel::info:
        return "info";
    case NotificationLevel::warning:
        return "warning";
    case NotificationLevel::error:
        return "error";
    }
    return "info";
}

} // namespace pms::host
