// The module state shown on the «Стыковки» card (issue 10): an enabled instance that merely
// started says nothing about its credentials, so the card must not read «Работает» until the
// plugin's own connection check (the x-actions entry marked "x-check": true, API 1.3) passed.
// The host runs that check with the saved settings after enabling, after every save and every
// ServerConfig::module_check_interval while enabled; the outcome lives in memory only (a restart
// checks again at once) and is listed with the plugins as "check".
//
// States: "not_configured" (a required field or secret of the schema is missing from the saved
// settings: nothing to check yet), "checking", "ok" (completed PMS_OK with level success/info),
// "failed" (anything else: the plugin's message, or the host's reason). A plugin without an
// x-check action gets no entry: the card then says «Включён», never «Работает».
#include "server_impl.hpp"

#include "folio_json.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>

namespace pms::host::server {

namespace json = boost::json;

namespace {

std::optional<json::object> object_of(std::string_view text) {
    boost::system::error_code ec;
    auto v = json::parse(text, ec);
    if (ec || !v.is_object())
        return std::nullopt;
    return std::move(v.as_object());
}

// The id of the action marked "x-check": true, or empty.
std::string check_action_of(const json::object& schema) {
    const auto* actions = schema.if_contains("x-actions");
    if (actions == nullptr || !actions->is_array())
        return {};
    for (const auto& a : actions->as_array()) {
        if (!a.is_object())
            continue;
        const auto* c = a.as_object().if_contains("x-check");
        const auto* id = a.as_object().if_contains("id");
        if (c != nullptr && c->is_bool() && c->as_bool() && id != nullptr && id->is_string())
            return std::string{id->as_string()};
    }
    return {};
}

// True when a root field the schema requires has no saved value (a secret: none stored).
bool missing_required(const json::object& schema, const json::object& values,
                      const std::vector<std::string>& secrets_set) {
    const auto* required = schema.if_contains("required");
    const auto* props = schema.if_contains("properties");
    if (required == nullptr || !required->is_array() || props == nullptr || !props->is_object())
        return false;
    for (const auto& r : required->as_array()) {
        if (!r.is_string())
            continue;
        const std::string key{r.as_string()};
        const auto* spec = props->as_object().if_contains(key);
        const bool secret = spec != nullptr && spec->is_object() &&
                            spec->as_object().contains("x-secret") &&
                            spec->as_object().at("x-secret").is_bool() &&
                            spec->as_object().at("x-secret").as_bool();
        if (secret) {
            if (std::find(secrets_set.begin(), secrets_set.end(), "/" + key) == secrets_set.end())
                return true;
            continue;
        }
        const auto* v = values.if_contains(key);
        if (v == nullptr || v->is_null() || (v->is_string() && v->as_string().empty()))
            return true;
    }
    return false;
}

} // namespace

std::string HostServer::Impl::now_text() const {
    if (config.fake_clock != nullptr)
        return rfc3339(config.fake_clock->now());
    return rfc3339(std::chrono::time_point_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now()));
}

void HostServer::Impl::set_module_check(const std::string& plugin_id, PropertyId property,
                                        ModuleCheck check) {
    std::lock_guard lock{checks_mutex};
    checks[{plugin_id, property.value}] = std::move(check);
}

json::value HostServer::Impl::module_check_json(const std::string& plugin_id,
                                                PropertyId property) const {
    std::lock_guard lock{checks_mutex};
    const auto it = checks.find({plugin_id, property.value});
    if (it == checks.end())
        return nullptr;
    const auto& c = it->second;
    return json::object{{"state", c.state},   {"message", c.message}, {"action", c.action},
                        {"checked_at", c.at.empty() ? json::value(nullptr) : json::value(c.at)}};
}

void HostServer::Impl::forget_module_check(const std::string& plugin_id, PropertyId property) {
    std::lock_guard lock{checks_mutex};
    checks.erase({plugin_id, property.value});
}

void HostServer::Impl::run_module_check(const std::string& plugin_id, PropertyId property) {
    if (stopped)
        return;
    {
        // "checking" at once, so a card drawn right after enabling or saving never shows the
        // previous outcome as current.
        std::lock_guard lock{checks_mutex};
        checks[{plugin_id, property.value}].state = "checking";
    }
    runtime.get_settings_page(
        plugin_id, property,
        [weak = weak_from_this(), plugin_id, property](Result<SettingsPage> page) {
            auto self = weak.lock();
            if (!self || self->stopped)
                return;
            if (!page) {
                self->forget_module_check(plugin_id, property); // not enabled or gone
                return;
            }
            const auto schema = object_of(page.value().schema_json).value_or(json::object{});
            const auto values = object_of(page.value().values_json).value_or(json::object{});
            const std::string action = check_action_of(schema);
            if (action.empty()) {
                self->forget_module_check(plugin_id, property);
                return;
            }
            if (missing_required(schema, values, page.value().secrets_set)) {
                self->set_module_check(plugin_id, property,
                                       {"not_configured", "Заполните обязательные настройки",
                                        self->now_text(), action});
                return;
            }
            // Secrets are left out of the page; blank ones are filled from storage for actions.
            auto candidate = values;
            if (const auto* props = schema.if_contains("properties"); props && props->is_object())
                for (const auto& kv : props->as_object())
                    if (kv.value().is_object() && kv.value().as_object().contains("x-secret") &&
                        !candidate.contains(kv.key()))
                        candidate[kv.key()] = "";
            {
                // Keep the last outcome's time while the new check runs.
                std::lock_guard lock{self->checks_mutex};
                auto& c = self->checks[{plugin_id, property.value}];
                c.state = "checking";
                c.action = action;
            }
            self->runtime.run_settings_action(
                plugin_id, property, action, json::serialize(candidate), "host",
                [weak = self->weak_from_this(), plugin_id, property,
                 action](Result<ActionOutcome> outcome) {
                    auto self = weak.lock();
                    if (!self)
                        return;
                    ModuleCheck c{"failed", "", self->now_text(), action};
                    if (!outcome) {
                        // The runtime's texts are for logs; staff read Russian.
                        c.message = outcome.error().code == RuntimeErrc::timeout
                                        ? "модуль не ответил вовремя"
                                        : std::string{"модуль сообщил об ошибке ("} +
                                              pms_status_name(outcome.error().status) + ")";
                    } else {
                        const auto result =
                            object_of(outcome.value().result_json).value_or(json::object{});
                        const auto* level = result.if_contains("level");
                        const auto* message = result.if_contains("message");
                        const std::string lv = level != nullptr && level->is_string()
                                                   ? std::string{level->as_string()}
                                                   : std::string{"info"};
                        c.message = message != nullptr && message->is_string()
                                        ? std::string{message->as_string()}
                                        : std::string{pms_status_name(outcome.value().status)};
                        if (outcome.value().status == PMS_OK && (lv == "success" || lv == "info"))
                            c.state = "ok";
                    }
                    self->set_module_check(plugin_id, property, std::move(c));
                });
        });
}

void HostServer::Impl::check_all_modules() {
    for (const auto& info : runtime.instances())
        if (info.state == InstanceState::active)
            run_module_check(info.plugin_id, info.property);
}

void HostServer::Impl::schedule_module_checks() {
    module_check_timer.expires_after(config.module_check_interval);
    module_check_timer.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
        auto self = weak.lock();
        if (ec || !self || self->stopped)
            return;
        self->check_all_modules();
        self->schedule_module_checks();
    });
}

} // namespace pms::host::server
