// JSON API: plugins (list, enable/disable per property), settings pages (schema, values,
// secret markers, validate + save, actions) and payment-kind mapping. Secrets never leave
// the host: values are stripped of every x-secret member before they are sent, and only a
// {"set": true|false} marker per secret field is reported.
#include "server_impl.hpp"

#include "folio_json.hpp"
#include "json_response.hpp"

#include <pms/host/server/settings_json.hpp>

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <map>

namespace pms::host::server {

namespace json = boost::json;

namespace {

const char* to_text(PluginState state) {
    return state == PluginState::loaded ? "loaded" : "refused";
}

json::array string_array(const std::vector<std::string>& items) {
    json::array out;
    for (const auto& item : items)
        out.push_back(json::value(item));
    return out;
}

json::object plugin_json(const PluginInfo& p) {
    return {{"id", p.id},
            {"name", p.name},
            {"vendor", p.vendor},
            {"version", p.version},
            {"description", p.description},
            {"api_version", p.api_version},
            {"min_host_minor", p.min_host_minor},
            {"capabilities", string_array(p.capabilities)},
            {"state", to_text(p.state)},
            {"refusal_reason", p.refusal_reason},
            {"manifest_file", p.manifest_file.filename().string()}};
}

json::value instance_json(const std::optional<InstanceInfo>& instance) {
    if (!instance)
        return nullptr;
    return json::object{{"state", to_string(instance->state)},
                        {"status_message", instance->status_message},
                        {"outstanding_operations", instance->outstanding_operations}};
}

std::optional<json::object> parse_object_text(std::string_view text) {
    boost::system::error_code ec;
    auto value = json::parse(text, ec);
    if (ec || !value.is_object())
        return std::nullopt;
    return std::move(value.as_object());
}

// The settings page for the browser: schema, values without secrets, secret markers.
json::object settings_page_json(const SettingsPage& page, const std::string& plugin_id,
                                PropertyId property, const std::string& notification_url) {
    json::object schema = parse_object_text(page.schema_json).value_or(json::object{});
    json::object values = parse_object_text(page.values_json).value_or(json::object{});
    strip_secrets(schema, values); // defence in depth: the runtime already leaves them out
    json::object secrets;
    for (const auto& pointer : secret_pointers(schema, values)) {
        const bool set = std::find(page.secrets_set.begin(), page.secrets_set.end(), pointer) !=
                         page.secrets_set.end();
        secrets[pointer] = json::object{{"set", set}};
    }
    for (const auto& pointer : page.secrets_set)
        if (!secrets.contains(pointer))
            secrets[pointer] = json::object{{"set", true}};
    // "x-prefill": "notification_url" (API 1.3): the host knows this value exactly, so an empty
    // field shows it instead of leaving the admin to copy it across by hand.
    json::array prefilled;
    if (const auto* props = schema.if_contains("properties");
        props != nullptr && props->is_object() && !notification_url.empty()) {
        for (const auto& kv : props->as_object()) {
            if (!kv.value().is_object())
                continue;
            const auto* f = kv.value().as_object().if_contains("x-prefill");
            if (f == nullptr || !f->is_string() || f->as_string() != "notification_url")
                continue;
            const auto* current = values.if_contains(kv.key());
            const bool blank = current == nullptr || current->is_null() ||
                               (current->is_string() && current->as_string().empty());
            if (!blank)
                continue;
            values[kv.key()] = notification_url;
            prefilled.push_back(json::string{"/" + std::string{kv.key()}});
        }
    }
    return {{"plugin_id", plugin_id},        {"property_id", std::to_string(property.value)},
            {"schema", std::move(schema)},   {"values", std::move(values)},
            {"secrets", std::move(secrets)}, {"notification_url", notification_url},
            {"prefilled", std::move(prefilled)}};
}

} // namespace

// GET /api/plugins
void HostServer::Impl::get_plugins(ApiRequest& r) {
    blocking_answer(r.respond, [this] {
        const auto properties = storage.folios().list_properties();
        json::array list;
        for (const auto& p : runtime.plugins()) {
            json::object entry = plugin_json(p);
            json::array per_property;
            for (const auto& property : properties) {
                const bool enabled = storage.settings().is_plugin_enabled(p.id, property.id);
                per_property.push_back(json::object{
                    {"property_id", std::to_string(property.id.value)},
                    {"property_name", property.name},
                    {"enabled", enabled},
                    {"instance", instance_json(runtime.instance(p.id, property.id))},
                    {"check", module_check_json(p.id, property.id)},
                    {"notification_url", p.has_capability("pms.notification-sink/1")
                                             ? json::value(notification_url(p.id, property.id))
                                             : json::value(nullptr)}});
            }
            entry["properties"] = std::move(per_property);
            list.push_back(std::move(entry));
        }
        return json_ok(json::object{{"plugins", std::move(list)}});
    });
}

namespace {

json::object property_json(Storage& storage, const Property& p) {
    json::object entry = to_json(p);
    json::array entities;
    for (const auto& e : storage.folios().list_legal_entities(p.id))
        entities.push_back(to_json(e));
    entry["legal_entities"] = std::move(entities);
    return entry;
}

} // namespace

// GET /api/properties
void HostServer::Impl::get_properties(ApiRequest& r) {
    blocking_answer(r.respond, [this] {
        json::array list;
        for (const auto& p : storage.folios().list_properties())
            list.push_back(property_json(storage, p));
        return json_ok(json::object{{"properties", std::move(list)}});
    });
}

// GET /api/properties/{p}
void HostServer::Impl::get_property(ApiRequest& r) {
    with_property(r.respond, r.property(), [this, respond = r.respond](const Property& p) {
        respond(json_ok(property_json(storage, p)));
    });
}

// GET /api/properties/{p}/plugins
void HostServer::Impl::get_property_plugins(ApiRequest& r) {
    const PropertyId property = r.property();
    with_property(r.respond, property, [this, respond = r.respond, property](const Property&) {
        json::array list;
        for (const auto& p : runtime.plugins()) {
            json::object entry = plugin_json(p);
            entry["enabled"] = storage.settings().is_plugin_enabled(p.id, property);
            entry["instance"] = instance_json(runtime.instance(p.id, property));
            entry["check"] = module_check_json(p.id, property);
            entry["notification_url"] = p.has_capability("pms.notification-sink/1")
                                            ? json::value(notification_url(p.id, property))
                                            : json::value(nullptr);
            list.push_back(std::move(entry));
        }
        respond(json_ok(json::object{{"property_id", std::to_string(property.value)},
                                     {"plugins", std::move(list)}}));
    });
}

namespace {

// The plugin named by {plugin}, answering 404 when it is unknown.
std::optional<PluginInfo> named_plugin(Runtime& runtime, ApiRequest& r) {
    auto info = runtime.plugin(r.param("plugin"));
    if (!info)
        r.respond(json_error(404, "unknown_plugin", "No plugin '" + r.param("plugin") + "'"));
    return info;
}

} // namespace

// POST .../plugins/{id}/enable and .../disable
void HostServer::Impl::post_plugin_enable(ApiRequest& r) {
    set_plugin_enabled(r, true);
}

void HostServer::Impl::post_plugin_disable(ApiRequest& r) {
    set_plugin_enabled(r, false);
}

void HostServer::Impl::set_plugin_enabled(ApiRequest& r, bool enable) {
    if (!named_plugin(runtime, r))
        return;
    const PropertyId property = r.property();
    const std::string plugin_id = r.param("plugin");
    with_property(
        r.respond, property,
        [this, respond = r.respond, property, plugin_id, enable, actor = r.actor()](const Property&) {
            auto done = [self = shared_from_this(), respond, property, plugin_id, enable,
                         actor](Result<Unit> result) {
                if (!result) {
                    respond(failure_response(result.error()));
                    return;
                }
                self->log(LogLevel::info, std::string{enable ? "enabled " : "disabled "} +
                                              plugin_id + " for property " +
                                              std::to_string(property.value) + " by " + actor);
                // A module just enabled has proved nothing yet: check it before the card may
                // say it works.
                if (enable)
                    self->run_module_check(plugin_id, property);
                else
                    self->forget_module_check(plugin_id, property);
                respond(json_ok(json::object{
                    {"plugin_id", plugin_id},
                    {"property_id", std::to_string(property.value)},
                    {"enabled", enable},
                    {"instance", instance_json(self->runtime.instance(plugin_id, property))}}));
            };
            if (enable)
                runtime.enable_plugin(plugin_id, property, std::move(done));
            else
                runtime.disable_plugin(plugin_id, property, std::move(done));
        });
}

// GET .../plugins/{id}/settings
void HostServer::Impl::get_plugin_settings(ApiRequest& r) {
    if (!named_plugin(runtime, r))
        return;
    const PropertyId property = r.property();
    const std::string plugin_id = r.param("plugin");
    with_property(r.respond, property, [this, respond = r.respond, property, plugin_id](const Property&) {
        runtime.get_settings_page(
            plugin_id, property,
            [self = shared_from_this(), respond, plugin_id, property](Result<SettingsPage> page) {
                if (!page) {
                    respond(failure_response(page.error()));
                    return;
                }
                respond(json_ok(settings_page_json(page.value(), plugin_id, property,
                                                   self->notification_url(plugin_id, property))));
            });
    });
}

// PUT (or POST) .../plugins/{id}/settings {"values": {...}}
void HostServer::Impl::put_plugin_settings(ApiRequest& r) {
    if (!named_plugin(runtime, r))
        return;
    const auto* values = r.body.if_contains("values");
    if (values == nullptr || !values->is_object()) {
        r.respond(json_error(400, "invalid_request", "Expected {\"values\": {...}}"));
        return;
    }
    const PropertyId property = r.property();
    const std::string plugin_id = r.param("plugin");
    std::string values_json = json::serialize(*values);
    with_property(
        r.respond, property,
        [this, respond = r.respond, property, plugin_id, actor = r.actor(),
         values_json = std::move(values_json)](const Property&) {
            runtime.save_settings(
                plugin_id, property, values_json, actor,
                [self = shared_from_this(), respond, plugin_id, property,
                 actor](Result<SettingsSaveOutcome> outcome) {
                    if (!outcome) {
                        respond(failure_response(outcome.error()));
                        return;
                    }
                    if (!outcome.value().saved) {
                        auto errors = parse_object_text(outcome.value().errors_json)
                                          .value_or(json::object{});
                        json::object fields;
                        if (const auto* f = errors.if_contains("fields"); f && f->is_object())
                            fields = f->as_object();
                        respond(json_field_errors(fields, string_member(errors, "form")));
                        return;
                    }
                    self->log(LogLevel::info, "settings of " + plugin_id + " for property " +
                                                  std::to_string(property.value) + " saved by " +
                                                  actor);
                    // New settings, new credentials maybe: the module's state is checked again.
                    self->run_module_check(plugin_id, property);
                    // Answer with the page as it is now (values without secrets, markers).
                    self->runtime.get_settings_page(
                        plugin_id, property,
                        [self, respond, plugin_id, property](Result<SettingsPage> page) {
                            if (!page) {
                                respond(failure_response(page.error()));
                                return;
                            }
                            json::object out =
                                settings_page_json(page.value(), plugin_id, property,
                                                   self->notification_url(plugin_id, property));
                            out["saved"] = true;
                            respond(json_ok(out));
                        });
                });
        });
}

// POST .../plugins/{id}/settings/actions/{action} {"values": {...}}
void HostServer::Impl::post_settings_action(ApiRequest& r) {
    if (!named_plugin(runtime, r))
        return;
    const auto* values = r.body.if_contains("values");
    std::string values_json =
        values != nullptr && values->is_object() ? json::serialize(*values) : std::string{"{}"};
    const PropertyId property = r.property();
    const std::string plugin_id = r.param("plugin");
    const std::string action = r.param("action");
    with_property(
        r.respond, property,
        [this, respond = r.respond, property, plugin_id, action, actor = r.actor(),
         values_json = std::move(values_json)](const Property&) {
            runtime.run_settings_action(
                plugin_id, property, action, values_json, actor,
                [respond, action](Result<ActionOutcome> outcome) {
                    if (!outcome) {
                        respond(failure_response(outcome.error()));
                        return;
                    }
                    json::value result =
                        parse_object_text(outcome.value().result_json).value_or(json::object{});
                    respond(json_ok(json::object{{"action", action},
                                                 {"status", pms_status_name(outcome.value().status)},
                                                 {"ok", PMS_STATUS_IS_SUCCESS(outcome.value().status)},
                                                 {"result", std::move(result)}}));
                });
        });
}

// The payment kinds with their mapping and the property's categories.
void HostServer::Impl::answer_payment_mapping(net::Responder respond, PropertyId property,
                                              std::string plugin_id) {
    runtime.list_payment_kinds(
        plugin_id, property,
        [self = shared_from_this(), respond, property,
         plugin_id](Result<std::vector<PaymentKind>> kinds) {
            if (!kinds) {
                respond(failure_response(kinds.error()));
                return;
            }
            json::array kind_list;
            for (const auto& k : kinds.value()) {
                json::value mapping = nullptr;
                if (k.category && k.type)
                    mapping = json::object{{"category_id", std::to_string(k.category->value)},
                                           {"type_id", std::to_string(k.type->value)}};
                kind_list.push_back(json::object{
                    {"code", k.code},
                    {"name", k.name},
                    {"direction",
                     k.direction == PaymentDirection::incoming ? "incoming" : "outgoing"},
                    {"mapping", std::move(mapping)}});
            }
            // Categories are a storage read: off the io thread.
            self->blocking_answer(respond, [self, property, plugin_id,
                                            kind_list = std::move(kind_list)]() mutable {
                json::array categories;
                for (const auto& c : self->storage.folios().list_payment_categories(property))
                    categories.push_back(to_json(c));
                return json_ok(json::object{{"plugin_id", plugin_id},
                                            {"property_id", std::to_string(property.value)},
                                            {"kinds", std::move(kind_list)},
                                            {"categories", std::move(categories)}});
            });
        });
}

// GET .../plugins/{id}/payment-mapping
void HostServer::Impl::get_payment_mapping(ApiRequest& r) {
    if (!named_plugin(runtime, r))
        return;
    const PropertyId property = r.property();
    with_property(r.respond, property,
                  [self = shared_from_this(), respond = r.respond, property,
                   plugin_id = r.param("plugin")](const Property&) {
                      self->answer_payment_mapping(respond, property, plugin_id);
                  });
}

// PUT (or POST) .../plugins/{id}/payment-mapping {"mappings": [{kind, category_id, type_id}]}
void HostServer::Impl::put_payment_mapping(ApiRequest& r) {
    if (!named_plugin(runtime, r))
        return;
    const auto* list = r.body.if_contains("mappings");
    if (list == nullptr || !list->is_array()) {
        r.respond(json_error(400, "invalid_request",
                             "Expected {\"mappings\": [{\"kind\", \"category_id\", \"type_id\"}]}"));
        return;
    }
    std::vector<PaymentKindMapping> mappings;
    for (const auto& item : list->as_array()) {
        if (!item.is_object()) {
            r.respond(json_error(400, "invalid_request", "Each mapping must be an object"));
            return;
        }
        const auto& o = item.as_object();
        // Ids are accepted as strings (as the API writes them) or as integers.
        auto id_of = [&o](std::string_view key) -> std::optional<std::int64_t> {
            const auto* v = o.if_contains(key);
            if (v == nullptr)
                return std::nullopt;
            if (v->is_int64())
                return v->as_int64() > 0 ? std::optional{v->as_int64()} : std::nullopt;
            if (v->is_string())
                return parse_id(v->as_string());
            return std::nullopt;
        };
        const auto category = id_of("category_id");
        const auto type = id_of("type_id");
        const std::string kind = string_member(o, "kind");
        if (kind.empty() || !category || !type) {
            r.respond(json_error(400, "invalid_request",
                                 "Each mapping needs \"kind\", \"category_id\" and \"type_id\""));
            return;
        }
        mappings.push_back({kind, PaymentCategoryId{*category}, PaymentTypeId{*type}});
    }
    const PropertyId property = r.property();
    with_property(r.respond, property,
                  [self = shared_from_this(), respond = r.respond, property,
                   plugin_id = r.param("plugin"), actor = r.actor(),
                   mappings = std::move(mappings)](const Property&) mutable {
                      self->runtime.save_payment_mapping(
                          plugin_id, property, std::move(mappings), actor,
                          [self, respond, property, plugin_id](Result<Unit> result) {
                              if (!result) {
                                  respond(failure_response(result.error()));
                                  return;
                              }
                              self->answer_payment_mapping(respond, property, plugin_id);
                          });
                  });
}

// GET /api/properties/{p}/payment-categories
void HostServer::Impl::get_payment_categories(ApiRequest& r) {
    const PropertyId property = r.property();
    with_property(r.respond, property, [this, respond = r.respond, property](const Property&) {
        json::array categories;
        for (const auto& c : storage.folios().list_payment_categories(property))
            categories.push_back(to_json(c));
        respond(json_ok(json::object{{"categories", std::move(categories)}}));
    });
}

// GET/POST /api/test/clock (only with --fake-clock)
void HostServer::Impl::test_clock(ApiRequest& r) {
    auto* clock = config.fake_clock;
    if (clock == nullptr) {
        r.respond(json_error(404, "no_fake_clock", "The host does not run on a fake clock"));
        return;
    }
    if (r.request.method == "POST") {
        if (const auto* a = r.body.if_contains("advance_ms"); a != nullptr && a->is_int64())
            clock->advance(std::chrono::milliseconds{a->as_int64()});
        if (const auto* t = r.body.if_contains("now_ms"); t != nullptr && t->is_int64())
            clock->set(from_utc_ms(t->as_int64()));
    }
    r.respond(
        json_ok(json::object{{"now_ms", clock->now_utc_ms()}, {"now", rfc3339(clock->now())}}));
}

} // namespace pms::host::server
