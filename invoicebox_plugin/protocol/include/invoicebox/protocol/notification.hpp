// Payment notifications (invoicebox-api.md §5): verifying and reading what InvoiceBox POSTs to
// the shop, and the replies the shop sends back. (Signing notifications and judging replies is
// InvoiceBox's side: the simulator does it with its own code, invoicebox_sim/.)
//
// Order of checks (§5.4, §8.2): signature over the raw bytes, then JSON, then merchantId; the
// monitoring probe is recognised only after those, so a forged probe is still a signature_error.
#pragma once

#include "invoicebox/protocol/expected.hpp"
#include "invoicebox/protocol/http_message.hpp"
#include "invoicebox/protocol/ids.hpp"
#include "invoicebox/protocol/order.hpp"
#include "invoicebox/protocol/signature.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace invoicebox::protocol {

/// The `code` of a reply (§5.3). Only out_of_service is retried by InvoiceBox.
enum class NotificationReplyCode : std::uint8_t {
    success,        ///< {"status":"success"}
    out_of_service, ///< technical failure: retried up to 10 times within 24 h
    order_wrong_amount,
    order_already_paid,
    order_not_found,
    shipping_unavailable,
    signature_error,
    order_wrong_status,   ///< [sdk] only
    order_wrong_currency, ///< Bitrix only
};

std::string_view wire_name(NotificationReplyCode c) noexcept;
std::optional<NotificationReplyCode> notification_reply_code_from_wire(std::string_view s) noexcept;

/// What the shop answers: always HTTP 200 with a JSON body (non-200 counts as a failure).
struct NotificationReply {
    int status = 200;
    HttpHeaders headers{{"Content-Type", "application/json"}};
    std::string body;
};

/// {"status":"success"} or {"status":"error","code":"<code>","message":"<message>"}; an empty
/// message gets a short default text.
NotificationReply make_notification_reply(NotificationReplyCode code,
                                          std::string_view message = {});

struct NotificationSettings {
    std::string api_key; ///< «API ключ»: the signing key, not the bearer token
    SignatureAlgorithm algorithm = SignatureAlgorithm::hmac_sha1;
    MerchantId merchant_id; ///< our shop id
    /// `api_key` made ready (signature.hpp), used when it is `api_key` with `algorithm`; null
    /// (or another key): the key is set up for each notification.
    std::shared_ptr<const SigningKey> signing_key;
};

struct VerifiedNotification {
    Order order;                   ///< the full order object (order.raw keeps the document)
    bool monitoring_probe = false; ///< answer success and change nothing
};

struct NotificationRejection {
    NotificationReplyCode reply; ///< what to answer
    std::string reason;          ///< for the log
};

/// Verifies the signature over `raw_body` exactly as received, then reads it. Rejections:
/// missing/invalid signature -> signature_error; signed but unreadable (not JSON, not an order,
/// unknown currency) -> out_of_service, so InvoiceBox retries while the poller catches up;
/// another shop's merchantId -> order_not_found.
Expected<VerifiedNotification, NotificationRejection>
verify_notification(const NotificationSettings& s, std::string_view raw_body,
                    std::optional<std::string_view> signature);

/// Same, taking X-Signature from the headers (case-insensitive).
Expected<VerifiedNotification, NotificationRejection>
verify_notification(const NotificationSettings& s, std::string_view raw_body,
                    const HttpHeaders& headers);

/// verify_notification in its two steps, for a receiver that acts between them (one that
/// knows a byte-identical body it already applied). First the signature alone: the body's
/// signature (lowercase hex, as sign() computes it) when `signature` matches it.
Expected<std::string, NotificationRejection>
check_notification_signature(const NotificationSettings& s, std::string_view raw_body,
                             std::optional<std::string_view> signature);
/// Then the body of a notification whose signature matched, read as an order of our shop.
Expected<VerifiedNotification, NotificationRejection>
read_signed_notification(const NotificationSettings& s, std::string_view raw_body);

} // namespace invoicebox::protocol
