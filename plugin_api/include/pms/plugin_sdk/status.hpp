// pms/plugin_sdk/status.hpp — pms_status as std::error_code.
//
// `errc` mirrors the codes of status.h; `status_category()` names them; `make_error_code(s)`
// turns any pms_status (also one this header does not know) into an error_code, and
// `to_status(ec)` turns an error_code back into a status for the C boundary. Asio handlers in
// the SDK take `pms::sdk::error_code` (boost::system::error_code), which wraps these codes
// losslessly: `ec == pms::sdk::errc::cancelled` and `ec == std::errc::operation_canceled`
// both hold for a cancelled operation.
#pragma once

#include <pms/plugin_api/status.h>

#include <boost/system/error_code.hpp>
#include <boost/system/system_error.hpp>

#include <cstdint>
#include <string>
#include <system_error>

namespace pms::sdk {

/// The error_code type of every SDK handler (first argument), as in Asio and Beast.
using error_code = boost::system::error_code;

/// The codes of status.h. Values from a newer peer are representable too (any int32_t).
enum class errc : std::int32_t {
    ok = PMS_OK,
    invalid_argument = PMS_INVALID_ARGUMENT,
    not_found = PMS_NOT_FOUND,
    not_supported = PMS_NOT_SUPPORTED,
    unavailable = PMS_UNAVAILABLE,
    timeout = PMS_TIMEOUT,
    cancelled = PMS_CANCELLED,
    buffer_too_small = PMS_BUFFER_TOO_SMALL,
    permission_denied = PMS_PERMISSION_DENIED,
    conflict = PMS_CONFLICT,
    internal = PMS_INTERNAL,
    tls_error = PMS_TLS_ERROR,
    network_error = PMS_NETWORK_ERROR,
    too_large = PMS_TOO_LARGE,
    invalid_state = PMS_INVALID_STATE,
    protocol_error = PMS_PROTOCOL_ERROR,
    storage_error = PMS_STORAGE_ERROR,
    version_mismatch = PMS_VERSION_MISMATCH,
    duplicate = PMS_DUPLICATE,
    declined = PMS_DECLINED,
    requires_action = PMS_REQUIRES_ACTION,
    folio_closed = PMS_FOLIO_CLOSED,
    no_mapping = PMS_NO_MAPPING,
    currency_mismatch = PMS_CURRENCY_MISMATCH,
};

namespace detail {

class status_category_impl final : public std::error_category {
public:
    const char* name() const noexcept override { return "pms"; }

    std::string message(int value) const override {
        switch (value) {
        case PMS_OK: return "success";
        case PMS_INVALID_ARGUMENT: return "invalid argument";
        case PMS_NOT_FOUND: return "not found";
        case PMS_NOT_SUPPORTED: return "not supported";
        case PMS_UNAVAILABLE: return "temporarily unavailable";
        case PMS_TIMEOUT: return "timed out";
        case PMS_CANCELLED: return "cancelled";
        case PMS_BUFFER_TOO_SMALL: return "buffer too small";
        case PMS_PERMISSION_DENIED: return "permission denied";
        case PMS_CONFLICT: return "conflict with existing state";
        case PMS_INTERNAL: return "internal error";
        case PMS_TLS_ERROR: return "TLS error";
        case PMS_NETWORK_ERROR: return "network error";
        case PMS_TOO_LARGE: return "too large";
        case PMS_INVALID_STATE: return "invalid state for this call";
        case PMS_PROTOCOL_ERROR: return "protocol error";
        case PMS_STORAGE_ERROR: return "storage error";
        case PMS_VERSION_MISMATCH: return "incompatible versions";
        case PMS_DUPLICATE: return "duplicate (idempotency key already processed)";
        case PMS_DECLINED: return "payment declined";
        case PMS_REQUIRES_ACTION: return "further action required";
        case PMS_FOLIO_CLOSED: return "folio closed";
        case PMS_NO_MAPPING: return "payment kind not mapped";
        case PMS_CURRENCY_MISMATCH: return "currency mismatch";
        default: return "unknown status " + std::to_string(value);
        }
    }

    // Lets portable code test `ec == std::errc::operation_canceled` and friends.
    std::error_condition default_error_condition(int value) const noexcept override {
        switch (value) {
        case PMS_INVALID_ARGUMENT: return std::errc::invalid_argument;
        case PMS_NOT_SUPPORTED: return std::errc::operation_not_supported;
        case PMS_UNAVAILABLE: return std::errc::resource_unavailable_try_again;
        case PMS_TIMEOUT: return std::errc::timed_out;
        case PMS_CANCELLED: return std::errc::operation_canceled;
        case PMS_BUFFER_TOO_SMALL: return std::errc::no_buffer_space;
        case PMS_PERMISSION_DENIED: return std::errc::permission_denied;
        case PMS_TOO_LARGE: return std::errc::message_size;
        case PMS_NETWORK_ERROR: return std::errc::network_unreachable;
        default: return std::error_condition(value, *this);
        }
    }
};

} // namespace detail

/// The category of every pms_status error (one instance per module: a function-local static
/// of an inline function).
inline const std::error_category& status_category() noexcept {
    static const detail::status_category_impl category;
    return category;
}

/// pms_status -> std::error_code. PMS_OK gives a default-constructed (false) error_code.
inline std::error_code make_error_code(errc e) noexcept {
    if (e == errc::ok)
        return {};
    return {static_cast<int>(e), status_category()};
}

/// pms_status -> the SDK's handler error_code type.
inline error_code make_status_error(pms_status status) noexcept {
    return error_code(make_error_code(static_cast<errc>(status)));
}

/// error_code -> pms_status, for returning across the boundary. Codes of other categories map
/// to the nearest status (cancelled, timed out), else PMS_INTERNAL.
inline pms_status to_status(const std::error_code& ec) noexcept {
    if (!ec)
        return PMS_OK;
    if (ec.category() == status_category())
        return static_cast<pms_status>(ec.value());
    if (ec == std::errc::operation_canceled)
        return PMS_CANCELLED;
    if (ec == std::errc::timed_out)
        return PMS_TIMEOUT;
    if (ec == std::errc::invalid_argument)
        return PMS_INVALID_ARGUMENT;
    return PMS_INTERNAL;
}

inline pms_status to_status(const error_code& ec) noexcept {
    return to_status(static_cast<std::error_code>(ec));
}

/// Throws boost::system::system_error for a failed status (anything but PMS_OK).
inline void throw_if_failed(pms_status status, const char* what) {
    if (status != PMS_OK)
        throw boost::system::system_error(make_status_error(status), what);
}

} // namespace pms::sdk

template <>
struct std::is_error_code_enum<pms::sdk::errc> : std::true_type {};
