// ApiError: every way an InvoiceBox call can fail, as a value (invoicebox-api.md §1.5, §2.12).
//
// Two questions matter to callers and are answered here, not by each caller:
//  * may I retry? (kind, http_status, retry_after: see retry_policy.hpp)
//  * may a write have happened anyway? (outcome_unknown: a CREATE must then be resolved by
//    looking the order up by merchantOrderId, never by creating again).
#pragma once

#include "invoicebox/protocol/http_message.hpp"
#include "invoicebox/protocol/timestamp.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace invoicebox::protocol {

enum class ErrorKind : std::uint8_t {
    unauthorized,       ///< 401: token missing or invalid
    forbidden,          ///< 403
    validation,         ///< 422: see code (wrong_total_amount, merchant_order_id_duplicate, ...)
    bad_request,        ///< 400
    not_found,          ///< 404
    rate_limited,       ///< 429: see retry_after
    server_error,       ///< 5xx
    http_other,         ///< any other non-2xx status (408, 409, 425, ...)
    malformed_response, ///< 2xx whose body is not JSON or not the documented shape
    not_authenticated,  ///< 200 with `userId: null`: no token sent or wrong v3/l3 prefix (§2.1)
    transport,          ///< no response at all; see transport
    invalid_request,    ///< refused before sending (our own validation)
    conflict,           ///< an order with our merchantOrderId exists but differs (amount/currency)
    outcome_unknown,    ///< a write could not be confirmed either way; look it up later
};

std::string_view to_string(ErrorKind k) noexcept;

/// The documented `error.code` values (§2.12).
enum class ApiErrorCode : std::uint8_t {
    unauthorized,
    forbidden,
    wrong_expiration_date,
    wrong_currency,
    language_not_found,
    wrong_basket_item_total_amount,
    wrong_basket_item_total_vat_amount,
    wrong_basket_item_amount_wo_vat,
    wrong_total_amount,
    wrong_total_vat_amount,
    wrong_order_status,
    merchant_order_id_duplicate,
    other, ///< not documented (kept in ApiError::code verbatim)
};

struct DocumentedError {
    ApiErrorCode code;
    std::string_view wire;  ///< "wrong_total_amount"
    int http_status;        ///< 401, 403 or 422
    std::string_view field; ///< request field it concerns, for `fields[].name` ("" = none)
    std::string_view meaning;
};

/// The §2.12 table, in document order.
std::span<const DocumentedError> documented_errors() noexcept;
ApiErrorCode api_error_code_from_wire(std::string_view wire) noexcept;
const DocumentedError* find_documented_error(ApiErrorCode code) noexcept;

/// One entry of `error.fields`: {"name": "amount", "code": "wrong_value", "message": ""}.
struct FieldError {
    std::string name;
    std::string code;
    std::string message;
    friend bool operator==(const FieldError&, const FieldError&) = default;
};

struct ApiError {
    ErrorKind kind = ErrorKind::http_other;
    int http_status = 0;                             ///< 0 when no response arrived
    std::string code;                                ///< `error.code` as received, "" if none
    std::string message;                             ///< `error.message`, or our description
    std::vector<FieldError> fields;                  ///< `error.fields`
    std::optional<std::chrono::seconds> retry_after; ///< Retry-After as delta-seconds
    std::optional<UtcTime> retry_after_date;         ///< Retry-After as an HTTP-date
    std::optional<TransportFailure> transport;
    bool outcome_unknown = false; ///< a write may have been applied although it failed
    std::string request_id;       ///< X-Request-Id, for support (§1.4)

    ApiErrorCode known_code() const noexcept { return api_error_code_from_wire(code); }
    bool is(ApiErrorCode c) const noexcept { return known_code() == c; }
};

/// One line for logs: "validation 422 wrong_total_amount: Order total ... [amount]".
std::string describe(const ApiError& e);

/// Reads a non-2xx response: both error body shapes (nested `{"error":{...}}` and flat
/// `{"code":...,"message":...}`), a non-JSON body (HTML 502 page) and Retry-After.
ApiError error_from_response(const HttpResponse& r);
/// A failure with no response.
ApiError error_from_transport(const TransportError& t);
/// A 2xx whose body we could not read; for writes the outcome is unknown (it did happen, but we
/// cannot tell what InvoiceBox made of it).
ApiError malformed_response(const HttpResponse& r, std::string what);

/// Retry-After: delta-seconds ("120") or IMF-fixdate ("Wed, 21 Oct 2015 07:28:00 GMT").
struct RetryAfter {
    std::optional<std::chrono::seconds> delay;
    std::optional<UtcTime> date;
};
RetryAfter parse_retry_after(std::string_view value) noexcept;

} // namespace invoicebox::protocol
