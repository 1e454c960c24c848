// pms.mail/1: validates the message, hands it to the MailTransport on the blocking pool (the
// outbox writes and fsyncs a file), and delivers the outcome on the strand exactly once.
#include "service_support.hpp"
#include "services.hpp"

namespace pms::host::detail {
namespace {

bool header_safe(std::string_view s) {
    return s.find_first_of(std::string_view{"\r\n\0", 3}) == std::string_view::npos;
}

bool address_ok(std::string_view a) {
    const auto at = a.find('@');
    return !a.empty() && a.size() <= 254 && at != std::string_view::npos && at > 0 &&
           at + 1 < a.size() && a.find_first_of(" \t<>,;\"") == std::string_view::npos &&
           header_safe(a);
}

void deliver(pms_mail_done done, pms_status status, const std::string& detail) {
    done.fn(done.user, status, str_of(detail));
}

pms_status mail_send(const pms_host* host, const pms_mail_message* message, pms_mail_done done,
                     std::uint64_t* op_id) noexcept {
    try {
        Instance* inst = Instance::from_host(host);
        if (inst == nullptr || message == nullptr || done.fn == nullptr)
            return PMS_INVALID_ARGUMENT;
        if (message->struct_size < offsetof(pms_mail_message, reply_to) + sizeof(message->reply_to))
            return PMS_INVALID_ARGUMENT;
        for (pms_str s : {message->to, message->to_name, message->subject, message->text_body,
                          message->html_body, message->reply_to})
            if (!valid(s))
                return PMS_INVALID_ARGUMENT;
        MailMessage m;
        m.from = inst->rt.options.mail_from;
        m.from_name = inst->rt.options.mail_from_name;
        m.to = std::string{view_of(message->to)};
        m.to_name = std::string{view_of(message->to_name)};
        m.subject = std::string{view_of(message->subject)};
        m.text_body = std::string{view_of(message->text_body)};
        m.html_body = std::string{view_of(message->html_body)};
        m.reply_to = std::string{view_of(message->reply_to)};
        m.plugin_id = inst->plugin_id;
        m.property_id = inst->property_text;
        if (!address_ok(m.to) || (!m.reply_to.empty() && !address_ok(m.reply_to)) ||
            m.subject.empty() || m.text_body.empty() || !header_safe(m.to_name) ||
            !header_safe(m.subject))
            return PMS_INVALID_ARGUMENT;
        std::shared_ptr<MailTransport> transport = inst->rt.mail;
        if (!transport)
            return PMS_UNAVAILABLE;
        const std::uint64_t id =
            inst->ops.begin(OperationRegistry::CancelMode::before_start, [done] {
                deliver(done, PMS_CANCELLED, "the instance is stopping; not sent");
            });
        if (id == 0)
            return PMS_UNAVAILABLE;
        if (op_id != nullptr)
            *op_id = id;
        inst->rt.run_blocking(
            [weak = inst->weak_from_this(), id, done, transport, m = std::move(m)]() mutable {
                auto self = weak.lock();
                if (!self || !self->ops.mark_started(id))
                    return;
                const std::string to_domain = m.to.substr(m.to.find('@'));
                transport->send(std::move(m), [weak, id, done, to_domain](MailSendResult r) {
                    auto inst = weak.lock();
                    if (!inst)
                        return;
                    inst->log(r.status == PMS_OK ? LogLevel::info : LogLevel::warning,
                              "mail to *" + to_domain + " -> " + pms_status_name(r.status) +
                                  (r.detail.empty() ? "" : ": " + r.detail));
                    inst->ops.complete(id, [done, r] { deliver(done, r.status, r.detail); });
                });
            });
        return PMS_OK;
    } catch (...) {
        return PMS_INTERNAL;
    }
}

constexpr pms_host_mail table{&mail_send};

} // namespace

const pms_host_mail* mail_service() noexcept {
    return &table;
}

} // namespace pms::host::detail
