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

bool control_free(std::string_view s) {
    for (const unsigned char c : s)
        if (c < 0x20 || c == 0x7f)
            return false;
    return true;
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
        // The sender is resolved on the blocking pool below: it reads the storage.
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
                try {
                    auto sender = resolve_mail_sender(self->rt.storage, self->rt.options,
                                                      self->property);
                    m.from = std::move(sender.address);
                    m.from_name = std::move(sender.name);
                } catch (const std::exception& e) {
                    // A storage hiccup must not lose the mail: the last-resort sender is valid.
                    self->log(LogLevel::warning,
                              std::string{"mail sender settings unreadable: "} + e.what());
                    m.from = self->rt.options.mail_from;
                    m.from_name = self->rt.options.mail_from_name;
                }
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

namespace pms::host {

bool mail_address_valid(std::string_view address) {
    if (!detail::address_ok(address) || !detail::control_free(address))
        return false;
    const auto at = address.find('@');
    if (address.find('@', at + 1) != std::string_view::npos)
        return false;
    const auto domain = address.substr(at + 1);
    // A bare name other than localhost is a typo more often than an intranet host.
    return domain == "localhost" ||
           (domain.find('.') != std::string_view::npos && domain.front() != '.' &&
            domain.back() != '.' && domain.find("..") == std::string_view::npos);
}

MailSender resolve_mail_sender(Storage& storage, const RuntimeOptions& options,
                               PropertyId property, bool ignore_command_line) {
    if (options.mail_from_fixed && !ignore_command_line)
        return {options.mail_from_name, options.mail_from, "command_line"};
    if (auto saved = storage.settings().get_mail_sender(property))
        return {saved->sender_name, saved->sender_address, "settings"};
    // Guests see the hotel's name, not the software's.
    std::string name = options.mail_from_name;
    if (auto p = storage.folios().get_property(property); p && !p->name.empty())
        name = p->name;
    std::string address = options.mail_default_domain.empty()
                              ? options.mail_from
                              : "no-reply@" + options.mail_default_domain;
    if (!mail_address_valid(address))
        address = options.mail_from;
    return {std::move(name), std::move(address), "default"};
}

MailSender Runtime::mail_sender(PropertyId property, bool ignore_command_line) {
    return resolve_mail_sender(impl_->storage, impl_->options, property, ignore_command_line);
}

} // namespace pms::host
