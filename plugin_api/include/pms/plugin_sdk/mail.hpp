// pms/plugin_sdk/mail.hpp — completion-token adapter over pms.mail/1.
//
// Handler signature: void(pms::sdk::error_code ec, std::string error_text). ec is empty when
// the host accepted the message (SMTP or outbox); error_text carries the host's detail on
// failure. Completes exactly once on the strand, never inline.
#pragma once

#include <pms/plugin_api/ext/mail.h>

#include <pms/plugin_sdk/detail/async.hpp>
#include <pms/plugin_sdk/executor.hpp>
#include <pms/plugin_sdk/host.hpp>
#include <pms/plugin_sdk/status.hpp>
#include <pms/plugin_sdk/strings.hpp>

#include <boost/asio/async_result.hpp>

#include <cstdint>
#include <string>

namespace pms::sdk {

/// A message. Copied into the host by async_send().
struct mail_message {
    // Not an aggregate on purpose: g++ 12 destroys aggregate temporaries created inside a
    // co_await expression twice (heap corruption). With this constructor,
    // `co_await x.async_...({.field = ...}, use_awaitable)` does not compile; name the object
    // first and set its fields.
    mail_message() = default;
    std::string to{};
    std::string to_name{};
    std::string subject{};
    std::string text_body{};
    std::string html_body{}; // empty = text only
    std::string reply_to{};  // empty = host default
};

/// pms.mail/1 for one instance.
class mail_client {
public:
    using executor_type = executor;

    mail_client(const host& h, const executor& ex) noexcept : host_(h), ex_(ex) {}

    executor_type get_executor() const noexcept { return ex_; }

    template <class CompletionToken>
    auto async_send(const mail_message& message, CompletionToken&& token) {
        return boost::asio::async_initiate<CompletionToken, void(error_code, std::string)>(
            initiate_send{this}, token, message);
    }

private:
    template <class Handler>
    using op_type = detail::pending_op<Handler>;

    template <class Handler>
    static void on_done(void* user, pms_status status, pms_str error_text) noexcept {
        auto op = op_type<Handler>::adopt(user);
        const pms_host* h = op->ex.c_host();
        guard_void(h, "pms.mail/1 completion", [&] {
            op_type<Handler>::complete(std::move(op), make_status_error(status),
                                       std::string(to_string_view(error_text)));
        });
    }

    struct initiate_send {
        mail_client* self;

        template <class Handler>
        void operator()(Handler&& handler, const mail_message& m) const {
            using H = std::decay_t<Handler>;
            auto op = std::make_unique<op_type<H>>(std::forward<Handler>(handler), self->ex_);
            const pms_host_mail* mail = self->host_.mail_ext();
            pms_status s = PMS_NOT_SUPPORTED;
            std::uint64_t id = 0;
            if (mail != nullptr) {
                pms_mail_message c{};
                c.struct_size = sizeof c;
                c.to = to_pms_str(m.to);
                c.to_name = to_pms_str(m.to_name);
                c.subject = to_pms_str(m.subject);
                c.text_body = to_pms_str(m.text_body);
                c.html_body = to_pms_str(m.html_body);
                c.reply_to = to_pms_str(m.reply_to);
                s = mail->send(self->host_.c_host(), &c, pms_mail_done{&on_done<H>, op.get()}, &id);
            }
            if (s != PMS_OK) {
                detail::complete_rejected(std::move(op), [s](std::unique_ptr<op_type<H>> o) {
                    op_type<H>::complete(std::move(o), make_status_error(s),
                                         "message not accepted: " + make_status_error(s).message());
                });
                return;
            }
            op.release();
        }
    };

    host host_;
    executor ex_;
};

} // namespace pms::sdk
