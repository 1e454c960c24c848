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
    return {{"plugin_id", plugin_id},        {"property_id", std::to_string(property.value)},
            {"schema", std::move(schema)},   {"values", std::move(values)},
            {"secrets", std::move(secrets)}, {"notification_url", notification_url}};
}

} // namespace

// GET /api/plugins
void HostServer::Impl::route_plugins(ApiCall& call) {
    if (call.segments.size() != 1) {
        call.respond(no_such_route(call.request));
        return;
    }
    if (call.request.method != "GET") {
        call.respond(method_not_allowed("GET"));
        return;
    }
    blocking_answer(call.respond, [this] {
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

// /api/properties[/{p}[/...]]
void HostServer::Impl::route_properties(ApiCall& call) {
    const auto& s = call.segments;
    const auto& method = call.request.method;
    if (s.size() == 1) {
        if (method != "GET") {
            call.respond(method_not_allowed("GET"));
            return;
        }
        blocking_answer(call.respond, [this] {
            json::array list;
            for (const auto& p : storage.folios().list_properties()) {
                json::object entry = to_json(p);
                json::array entities;
                for (const auto& e : storage.folios().list_legal_entities(p.id))
                    entities.push_back(to_json(e));
                entry["legal_entities"] = std::move(entities);
                list.push_back(std::move(entry));
            }
            return json_ok(json::object{{"properties", std::move(list)}});
        });
        return;
    }
    const auto id = parse_id(s[1]);
    if (!id) {
        call.respond(json_error(404, "unknown_property", "Property ids are positive numbers"));
        return;
    }
    const PropertyId property{*id};
    if (s.size() == 2) {
        if (method != "GET") {
            call.respond(method_not_allowed("GET"));
            return;
        }
        with_property(call.respond, property, [this, respond = call.respond](const Property& p) {
            json::object entry = to_json(p);
            json::array entities;
            for (const auto& e : storage.folios().list_legal_entities(p.id))
                entities.push_back(to_json(e));
            entry["legal_entities"] = std::move(entities);
            respond(json_ok(entry));
        });
        return;
    }
    const std::string& area = s[2];
    if (area == "plugins")
        route_property_plugin(call, property);
    else if (area == "folios" || area == "bookings" || area == "payment-categories")
        route_folios(call, property);
    else if (area == "views")
        route_views(call, property);
    else if (area == "notifications")
        route_notifications(call, property);
    else if (area == "events" && s.size() == 3)
        route_events(call, property);
    else
        call.respond(no_such_route(call.request));
}

// /api/properties/{p}/plugins[/{id}/...]
void HostServer::Impl::route_property_plugin(ApiCall& call, PropertyId property) {
    const auto& s = call.segments;
    const auto& method = call.request.method;
    auto respond = call.respond;

    if (s.size() == 3) { // the plugins of one property
        if (method != "GET") {
            respond(method_not_allowed("GET"));
            return;
        }
        with_property(respond, property, [this, respond, property](const Property&) {
            json::array list;
            for (const auto& p : runtime.plugins()) {
                json::object entry = plugin_json(p);
                entry["enabled"] = storage.settings().is_plugin_enabled(p.id, property);
                entry["instance"] = instance_json(runtime.instance(p.id, property));
                entry["notification_url"] = p.has_capability("pms.notification-sink/1")
                                                ? json::value(notification_url(p.id, property))
                                                : json::value(nullptr);
                list.push_back(std::move(entry));
            }
            respond(json_ok(json::object{{"property_id", std::to_string(property.value)},
                                         {"plugins", std::move(list)}}));
        });
        return;
    }

    const std::string plugin_id = s[3];
    const auto info = runtime.plugin(plugin_id);
    if (!info) {
        respond(json_error(404, "unknown_plugin", "No plugin '" + plugin_id + "'"));
        return;
    }
    net::Response bad_body;
    auto body = parse_json_object(call.request.body, bad_body);
    if (!body) {
        respond(bad_body);
        return;
    }
    const Staff staff = staff_of(call.request, *body);
    const std::string rest = s.size() >= 5 ? s[4] : std::string{};

    // POST .../enable, POST .../disable
    if ((rest == "enable" || rest == "disable") && s.size() == 5) {
        if (method != "POST") {
            respond(method_not_allowed("POST"));
            return;
        }
        const bool enable = rest == "enable";
        with_property(
            respond, property,
            [this, respond, property, plugin_id, enable, staff](const Property&) {
                auto done = [self = shared_from_this(), respond, property, plugin_id, enable,
                             staff](Result<Unit> result) {
                    if (!result) {
                        respond(failure_response(result.error()));
                        return;
                    }
                    self->log(LogLevel::info, std::string{enable ? "enabled " : "disabled "} +
                                                  plugin_id + " for property " +
                                                  std::to_string(property.value) + " by " +
                                                  actor_of(staff));
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
        return;
    }

    // GET/PUT .../settings
    if (rest == "settings" && s.size() == 5) {
        if (method == "GET") {
            with_property(respond, property, [this, respond, property, plugin_id](const Property&) {
                runtime.get_settings_page(plugin_id, property,
                                          [self = shared_from_this(), respond, plugin_id,
                                           property](Result<SettingsPage> page) {
                                              if (!page) {
                                                  respond(failure_response(page.error()));
                                                  return;
                                              }
                                              respond(json_ok(settings_page_json(
                                                  page.value(), plugin_id, property,
                                                  self->notification_url(plugin_id, property))));
                                          });
            });
            return;
        }
        if (method != "PUT" && method != "POST") {
            respond(method_not_allowed("GET, PUT, POST"));
            return;
        }
        const auto* values = body->if_contains("values");
        if (values == nullptr || !values->is_object()) {
            respond(json_error(400, "invalid_request", "Expected {\"values\": {...}}"));
            return;
        }
        std::string values_json = json::serialize(*values);
        with_property(
            respond, property,
            [this, respond, property, plugin_id, staff,
             values_json = std::move(values_json)](const Property&) {
                runtime.save_settings(
                    plugin_id, property, values_json, actor_of(staff),
                    [self = shared_from_this(), respond, plugin_id, property,
                     staff](Result<SettingsSaveOutcome> outcome) {
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
                                                      std::to_string(property.value) +
                                                      " saved by " + actor_of(staff));
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
        return;
    }

    // POST .../settings/actions/{action}
    if (rest == "settings" && s.size() == 7 && s[5] == "actions") {
        if (method != "POST") {
            respond(method_not_allowed("POST"));
            return;
        }
        const auto* values = body->if_contains("values");
        std::string values_json =
            values != nullptr && values->is_object() ? json::serialize(*values) : std::string{"{}"};
        const std::string action = s[6];
        with_property(
            respond, property,
            [this, respond, property, plugin_id, action,
             values_json = std::move(values_json)](const Property&) {
                runtime.run_settings_action(
                    plugin_id, property, action, values_json,
                    [respond, action](Result<ActionOutcome> outcome) {
                        if (!outcome) {
                            respond(failure_response(outcome.error()));
                            return;
                        }
                        json::value result =
                            parse_object_text(outcome.value().result_json).value_or(json::object{});
                        respond(json_ok(
                            json::object{{"action", action},
                                         {"status", pms_status_name(outcome.value().status)},
                                         {"ok", PMS_STATUS_IS_SUCCESS(outcome.value().status)},
                                         {"result", std::move(result)}}));
                    });
            });
        return;
    }

    // GET/PUT .../payment-mapping
    if (rest == "payment-mapping" && s.size() == 5) {
        auto answer_mapping = [this, respond, property, plugin_id] {
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
                            mapping =
                                json::object{{"category_id", std::to_string(k.category->value)},
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
                        for (const auto& c :
                             self->storage.folios().list_payment_categories(property))
                            categories.push_back(to_json(c));
                        return json_ok(json::object{{"plugin_id", plugin_id},
                                                    {"property_id", std::to_string(property.value)},
                                                    {"kinds", std::move(kind_list)},
                                                    {"categories", std::move(categories)}});
                    });
                });
        };
        if (method == "GET") {
            with_property(respond, property,
                          [answer_mapping](const Property&) { answer_mapping(); });
            return;
        }
        if (method != "PUT" && method != "POST") {
            respond(method_not_allowed("GET, PUT, POST"));
            return;
        }
        const auto* list = body->if_contains("mappings");
        if (list == nullptr || !list->is_array()) {
            respond(
                json_error(400, "invalid_request",
                           "Expected {\"mappings\": [{\"kind\", \"category_id\", \"type_id\"}]}"));
            return;
        }
        std::vector<PaymentKindMapping> mappings;
        for (const auto& item : list->as_array()) {
            if (!item.is_object()) {
                respond(json_error(400, "invalid_request", "Each mapping must be an object"));
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
                respond(json_error(400, "invalid_request",
                                   "Each mapping needs \"kind\", \"category_id\" and \"type_id\""));
                return;
            }
            mappings.push_back({kind, PaymentCategoryId{*category}, PaymentTypeId{*type}});
        }
        with_property(respond, property,
                      [this, respond, property, plugin_id, staff, answer_mapping,
                       mappings = std::move(mappings)](const Property&) mutable {
                          runtime.save_payment_mapping(
                              plugin_id, property, std::move(mappings), actor_of(staff),
                              [respond, answer_mapping](Result<Unit> result) {
                                  if (!result) {
                                      respond(failure_response(result.error()));
                                      return;
                                  }
                                  answer_mapping();
                              });
                      });
        return;
    }

    respond(no_such_route(call.request));
}

// GET/POST /api/test/clock (only with --fake-clock)
void HostServer::Impl::route_test_clock(ApiCall& call) {
    auto* clock = config.fake_clock;
    if (clock == nullptr) {
        call.respond(json_error(404, "no_fake_clock", "The host does not run on a fake clock"));
        return;
    }
    if (call.request.method == "POST") {
        net::Response bad_body;
        auto body = parse_json_object(call.request.body, bad_body);
        if (!body) {
            call.respond(bad_body);
            return;
        }
        if (const auto* a = body->if_contains("advance_ms"); a != nullptr && a->is_int64())
            clock->advance(std::chrono::milliseconds{a->as_int64()});
        if (const auto* t = body->if_contains("now_ms"); t != nullptr && t->is_int64())
            clock->set(from_utc_ms(t->as_int64()));
    } else if (call.request.method != "GET") {
        call.respond(method_not_allowed("GET, POST"));
        return;
    }
    call.respond(
        json_ok(json::object{{"now_ms", clock->now_utc_ms()}, {"now", rfc3339(clock->now())}}));
}

} // namespace pms::host::server
