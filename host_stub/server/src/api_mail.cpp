// The host's own mail settings (issue 10): the sender name and address of the mail plugins send
// for a property. Guarded by integrations.admin in the route table: the sender is part of how
// the property's integrations talk to guests, like a plugin's settings, and nothing to do with
// staff accounts (users.admin).
#include "server_impl.hpp"

#include "json_response.hpp"

#include <boost/json/serialize.hpp>

namespace pms::host::server {

namespace json = boost::json;

namespace {

constexpr std::size_t max_sender_name = 100;

json::object sender_json(const MailSender& s) {
    return {{"name", s.name}, {"address", s.address}, {"source", s.source}};
}

// UTF-8 is fine (the composer encodes it per RFC 2047); control characters are not: a line
// break in a display name would start a new header.
bool name_ok(std::string_view name) {
    if (name.empty() || name.size() > max_sender_name * 4)
        return false;
    std::size_t chars = 0;
    for (const unsigned char c : name) {
        if (c < 0x20 || c == 0x7f)
            return false;
        if ((c & 0xc0) != 0x80)
            ++chars;
    }
    return chars <= max_sender_name;
}

std::string trimmed(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return std::string{s};
}

} // namespace

// GET /api/properties/{p}/mail-settings
void HostServer::Impl::get_mail_settings(ApiRequest& r) {
    const PropertyId property = r.property();
    with_property(r.respond, property, [this, respond = r.respond, property](const Property&) {
        const auto form = runtime.mail_sender(property, true);
        const auto effective = runtime.mail_sender(property);
        respond(json_ok(json::object{{"property_id", std::to_string(property.value)},
                                     {"sender_name", form.name},
                                     {"sender_address", form.address},
                                     {"source", form.source},
                                     {"effective", sender_json(effective)}}));
    });
}

// PUT/POST /api/properties/{p}/mail-settings {"sender_name", "sender_address"}
void HostServer::Impl::put_mail_settings(ApiRequest& r) {
    const PropertyId property = r.property();
    auto text = [&r](std::string_view key) -> std::optional<std::string> {
        const auto* v = r.body.if_contains(key);
        if (v == nullptr || !v->is_string())
            return std::nullopt;
        return trimmed(v->as_string());
    };
    const auto name = text("sender_name");
    const auto address = text("sender_address");
    json::object errors;
    if (!name || !name_ok(*name))
        errors["/sender_name"] = "Введите имя отправителя (до 100 знаков, в одну строку)";
    if (!address || !mail_address_valid(*address))
        errors["/sender_address"] = "Введите адрес электронной почты, например no-reply@hotel.ru";
    if (!errors.empty()) {
        r.respond(json_ok(json::object{{"error", json::object{{"code", "validation_failed"},
                                                              {"message", "Проверьте поля"}}},
                                       {"errors", std::move(errors)}},
                          422));
        return;
    }
    with_property(r.respond, property,
                  [this, respond = r.respond, property, name = *name, address = *address,
                   actor = r.actor(), actor_name = r.staff ? r.staff->name : std::string{}](
                      const Property&) {
                      storage.settings().save_mail_sender(property, name, address);
                      AuditDraft a;
                      a.actor = actor;
                      a.actor_name = actor_name;
                      a.action = "mail_settings.save";
                      a.subject = "property:" + std::to_string(property.value);
                      a.details_json = json::serialize(json::object{
                          {"sender_name", name}, {"sender_address", address}});
                      a.property = property;
                      storage.audit().append(a);
                      const auto form = runtime.mail_sender(property, true);
                      const auto effective = runtime.mail_sender(property);
                      respond(json_ok(json::object{
                          {"property_id", std::to_string(property.value)},
                          {"sender_name", form.name},
                          {"sender_address", form.address},
                          {"source", form.source},
                          {"effective", sender_json(effective)},
                          {"saved", true}}));
                  });
}

} // namespace pms::host::server
