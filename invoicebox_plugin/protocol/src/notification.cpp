// Notification verification and replies.
#include "invoicebox/protocol/notification.hpp"

#include "invoicebox/protocol/json_reader.hpp"
#include "invoicebox/protocol/json_writer.hpp"
#include "invoicebox/protocol/order_codec.hpp"

#include <array>

namespace invoicebox::protocol {

namespace {

struct ReplyInfo {
    NotificationReplyCode code;
    std::string_view wire;
    std::string_view default_message;
};

constexpr std::array<ReplyInfo, 9> replies{{
    {NotificationReplyCode::success, "success", ""},
    {NotificationReplyCode::out_of_service, "out_of_service", "Temporary failure, please retry"},
    {NotificationReplyCode::order_wrong_amount, "order_wrong_amount",
     "Amount does not match the order"},
    {NotificationReplyCode::order_already_paid, "order_already_paid", "Order already paid"},
    {NotificationReplyCode::order_not_found, "order_not_found", "Order not found"},
    {NotificationReplyCode::shipping_unavailable, "shipping_unavailable",
     "Service cannot be provided"},
    {NotificationReplyCode::signature_error, "signature_error", "Signature check failed"},
    {NotificationReplyCode::order_wrong_status, "order_wrong_status",
     "Order status does not allow this"},
    {NotificationReplyCode::order_wrong_currency, "order_wrong_currency",
     "Currency does not match the order"},
}};

const ReplyInfo& info(NotificationReplyCode c) noexcept {
    return replies[static_cast<std::size_t>(c)];
}

NotificationRejection reject(NotificationReplyCode c, std::string reason) {
    return {c, std::move(reason)};
}

} // namespace

std::string_view wire_name(NotificationReplyCode c) noexcept {
    return info(c).wire;
}

std::optional<NotificationReplyCode>
notification_reply_code_from_wire(std::string_view s) noexcept {
    for (const auto& r : replies)
        if (r.wire == s)
            return r.code;
    return std::nullopt;
}

NotificationReply make_notification_reply(NotificationReplyCode code, std::string_view message) {
    NotificationReply reply;
    JsonWriter w;
    w.begin_object();
    if (code == NotificationReplyCode::success) {
        w.member("status", "success");
    } else {
        w.member("status", "error");
        w.member("code", wire_name(code));
        w.member("message", message.empty() ? info(code).default_message : message);
    }
    w.end_object();
    reply.body = w.take();
    return reply;
}

Expected<std::string, NotificationRejection>
check_notification_signature(const NotificationSettings& s, std::string_view raw_body,
                             std::optional<std::string_view> signature) {
    if (!signature || signature->find_first_not_of(" \t\r\n") == std::string_view::npos)
        return unexpected(reject(NotificationReplyCode::signature_error, "no X-Signature header"));
    std::string expected = s.signing_key && s.signing_key->is(s.api_key, s.algorithm)
                               ? s.signing_key->sign(raw_body)
                               : sign(s.api_key, raw_body, s.algorithm);
    if (!signature_matches(expected, *signature))
        return unexpected(
            reject(NotificationReplyCode::signature_error, "X-Signature does not match the body"));
    return expected;
}

Expected<VerifiedNotification, NotificationRejection>
read_signed_notification(const NotificationSettings& s, std::string_view raw_body) {
    auto doc = parse_json(raw_body);
    if (!doc)
        return unexpected(reject(NotificationReplyCode::out_of_service,
                                 "signed body is not JSON: " + doc.error().message));
    auto order = read_order(std::move(*doc));
    if (!order) {
        const auto& e = order.error();
        return unexpected(reject(NotificationReplyCode::out_of_service,
                                 "signed body is not an order: " + e.path + ": " + e.message));
    }
    if (order->merchant_id != s.merchant_id)
        return unexpected(reject(NotificationReplyCode::order_not_found,
                                 "merchantId " + order->merchant_id.str() + " is not our shop"));
    VerifiedNotification v;
    v.monitoring_probe = order->is_monitoring_probe();
    v.order = std::move(order).value();
    return v;
}

Expected<VerifiedNotification, NotificationRejection>
verify_notification(const NotificationSettings& s, std::string_view raw_body,
                    std::optional<std::string_view> signature) {
    if (auto signed_ok = check_notification_signature(s, raw_body, signature); !signed_ok)
        return unexpected(std::move(signed_ok).error());
    return read_signed_notification(s, raw_body);
}

Expected<VerifiedNotification, NotificationRejection>
verify_notification(const NotificationSettings& s, std::string_view raw_body,
                    const HttpHeaders& headers) {
    return verify_notification(s, raw_body, find_header(headers, signature_header));
}

} // namespace invoicebox::protocol
