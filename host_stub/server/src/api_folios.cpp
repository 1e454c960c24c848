// JSON API: folio data (bookings, accounts, lines, payments, totals), folio toolbar buttons,
// views (click -> view, view event -> next view, close), staff notifications and the live
// event stream (Server-Sent Events).
#include "server_impl.hpp"

#include "folio_json.hpp"
#include "json_response.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

namespace pms::host::server {

namespace json = boost::json;

namespace {

// The folio when it exists and belongs to `property`.
std::optional<FolioSummary> folio_in(Storage& storage, PropertyId property,
                                     std::string_view id_text) {
    const auto id = parse_id(id_text);
    if (!id)
        return std::nullopt;
    auto summary = storage.folios().folio_summary(FolioId{*id});
    if (!summary || summary->folio.property != property)
        return std::nullopt;
    return summary;
}

net::Response unknown_folio(std::string_view id_text) {
    return json_error(404, "unknown_folio",
                      "No folio '" + std::string{id_text} + "' in this property");
}

} // namespace

// /api/properties/{p}/folios/..., /bookings/{number}, /payment-categories
void HostServer::Impl::route_folios(ApiCall& call, PropertyId property) {
    const auto& s = call.segments;
    const auto& method = call.request.method;
    auto respond = call.respond;

    if (s[2] == "payment-categories" && s.size() == 3) {
        if (method != "GET") {
            respond(method_not_allowed("GET"));
            return;
        }
        with_property(respond, property, [this, respond, property](const Property&) {
            json::array categories;
            for (const auto& c : storage.folios().list_payment_categories(property))
                categories.push_back(to_json(c));
            respond(json_ok(json::object{{"categories", std::move(categories)}}));
        });
        return;
    }

    if (s[2] == "bookings" && s.size() == 4) {
        if (method != "GET") {
            respond(method_not_allowed("GET"));
            return;
        }
        with_property(respond, property, [this, respond, property, number = s[3]](const Property&) {
            const auto booking = storage.folios().find_booking(property, number);
            if (!booking) {
                respond(json_error(404, "unknown_booking", "No booking '" + number + "'"));
                return;
            }
            respond(json_ok(booking_json(storage.folios(), *booking)));
        });
        return;
    }

    if (s[2] != "folios" || s.size() < 4) {
        respond(no_such_route(call.request));
        return;
    }
    const std::string folio_text = s[3];

    // GET .../folios/{f}
    if (s.size() == 4) {
        if (method != "GET") {
            respond(method_not_allowed("GET"));
            return;
        }
        with_property(respond, property, [this, respond, property, folio_text](const Property&) {
            const auto summary = folio_in(storage, property, folio_text);
            if (!summary) {
                respond(unknown_folio(folio_text));
                return;
            }
            json::object out = folio_detail_json(storage.folios(), summary->folio);
            const auto booking = storage.folios().get_booking(summary->folio.booking);
            out["booking"] = json::object{
                {"id", std::to_string(summary->folio.booking.value)},
                {"number", summary->booking_number},
                {"main_guest",
                 {{"name", summary->main_guest.name}, {"email", summary->main_guest.email}}}};
            json::array accounts;
            if (booking)
                for (const auto& info : storage.folios().folios_of_booking(booking->id))
                    accounts.push_back(to_json(info));
            out["booking_accounts"] = std::move(accounts);
            respond(json_ok(out));
        });
        return;
    }

    if (s[4] != "buttons") {
        respond(no_such_route(call.request));
        return;
    }

    net::Response bad_body;
    auto body = parse_json_object(call.request.body, bad_body);
    if (!body) {
        respond(bad_body);
        return;
    }
    Staff staff = staff_of(call.request, *body);

    // GET .../folios/{f}/buttons
    if (s.size() == 5) {
        if (method != "GET") {
            respond(method_not_allowed("GET"));
            return;
        }
        with_property(
            respond, property, [this, respond, property, folio_text, staff](const Property&) {
                const auto summary = folio_in(storage, property, folio_text);
                if (!summary) {
                    respond(unknown_folio(folio_text));
                    return;
                }
                FolioContext context{property, summary->folio.id, summary->folio.booking,
                                     staff.id, staff.name,        staff.locale};
                runtime.list_folio_buttons(
                    context, [respond, folio_text](Result<std::vector<FolioButton>> buttons) {
                        if (!buttons) {
                            respond(failure_response(buttons.error()));
                            return;
                        }
                        json::array list;
                        for (const auto& b : buttons.value())
                            list.push_back(json::object{{"plugin_id", b.plugin_id},
                                                        {"button_id", b.button_id},
                                                        {"label", b.label},
                                                        {"icon", b.icon},
                                                        {"tooltip", b.tooltip},
                                                        {"enabled", b.enabled}});
                        respond(json_ok(
                            json::object{{"folio_id", folio_text}, {"buttons", std::move(list)}}));
                    });
            });
        return;
    }

    // POST .../folios/{f}/buttons/{plugin}/{button}/click
    if (s.size() == 8 && s[7] == "click") {
        if (method != "POST") {
            respond(method_not_allowed("POST"));
            return;
        }
        if (staff.id.empty()) {
            respond(json_error(400, "staff_required",
                               "Name the staff user: body {\"staff\": {\"id\", \"name\"}} or the "
                               "X-Staff-Id / X-Staff-Name headers"));
            return;
        }
        with_property(respond, property,
                      [this, respond, property, folio_text, staff, plugin_id = s[5],
                       button_id = s[6]](const Property&) {
                          const auto summary = folio_in(storage, property, folio_text);
                          if (!summary) {
                              respond(unknown_folio(folio_text));
                              return;
                          }
                          FolioContext context{property, summary->folio.id, summary->folio.booking,
                                               staff.id, staff.name,        staff.locale};
                          runtime.click_button(
                              plugin_id, button_id, context, [respond](Result<ViewUpdate> update) {
                                  if (!update) {
                                      respond(failure_response(update.error()));
                                      return;
                                  }
                                  respond(
                                      net::Response::json(200, view_update_json(update.value())));
                              });
                      });
        return;
    }

    respond(no_such_route(call.request));
}

// /api/properties/{p}/views/{session}[/events|/close]
void HostServer::Impl::route_views(ApiCall& call, PropertyId property) {
    const auto& s = call.segments;
    const auto& method = call.request.method;
    auto respond = call.respond;
    if (s.size() < 4 || s.size() > 5) {
        respond(no_such_route(call.request));
        return;
    }
    const std::string session = s[3];
    const auto current = runtime.current_view(session);
    if (!current || current->property != property) {
        respond(json_error(404, "unknown_view",
                           "No open view session '" + session + "' in this property"));
        return;
    }

    if (s.size() == 4) {
        if (method == "GET") {
            ViewUpdate update{current->session_id, current->plugin_id, current->property,
                              current->view_json, false};
            std::string out = view_update_json(update);
            out.insert(out.size() - 1,
                       ",\"folio_id\":" + json_quote(std::to_string(current->folio.value)));
            respond(net::Response::json(200, out));
            return;
        }
        if (method == "DELETE") {
            runtime.close_view(session);
            respond(json_ok(json::object{{"session_id", session}, {"closed", true}}));
            return;
        }
        respond(method_not_allowed("GET, DELETE"));
        return;
    }

    if (s[4] == "close") {
        if (method != "POST") {
            respond(method_not_allowed("POST"));
            return;
        }
        runtime.close_view(session);
        respond(json_ok(json::object{{"session_id", session}, {"closed", true}}));
        return;
    }

    if (s[4] != "events") {
        respond(no_such_route(call.request));
        return;
    }
    if (method != "POST") {
        respond(method_not_allowed("POST"));
        return;
    }
    net::Response bad_body;
    auto body = parse_json_object(call.request.body, bad_body);
    if (!body) {
        respond(bad_body);
        return;
    }
    const Staff staff = staff_of(call.request, *body);
    if (staff.id.empty()) {
        respond(json_error(400, "staff_required",
                           "Name the staff user: body {\"staff\": {\"id\", \"name\"}} or the "
                           "X-Staff-Id / X-Staff-Name headers"));
        return;
    }
    ViewEventInput event;
    event.kind = string_member(*body, "kind", "button");
    event.action = string_member(*body, "action");
    if (event.kind != "button" && event.kind != "row_action") {
        respond(
            json_error(400, "invalid_request", "\"kind\" must be \"button\" or \"row_action\""));
        return;
    }
    if (event.action.empty()) {
        respond(json_error(400, "invalid_request", "\"action\" is required"));
        return;
    }
    if (const auto* t = body->if_contains("table"); t != nullptr && t->is_string())
        event.table = std::string{t->as_string()};
    if (const auto* r = body->if_contains("row_key"); r != nullptr && r->is_string())
        event.row_key = std::string{r->as_string()};
    if (event.kind == "row_action" && (!event.table || !event.row_key)) {
        respond(json_error(400, "invalid_request", "A row action needs \"table\" and \"row_key\""));
        return;
    }
    if (const auto* v = body->if_contains("values"); v != nullptr) {
        if (!v->is_object()) {
            respond(json_error(400, "invalid_request", "\"values\" must be an object"));
            return;
        }
        for (const auto& [name, value] : v->as_object())
            if (!value.is_string() && !value.is_bool()) {
                respond(
                    json_error(400, "invalid_request",
                               "Form values are strings or booleans (money as a decimal string)"));
                return;
            }
        event.values_json = json::serialize(*v);
    }
    event.staff_user_id = staff.id;
    event.staff_user_name = staff.name;
    event.locale = staff.locale;
    runtime.send_view_event(session, std::move(event), [respond](Result<ViewUpdate> update) {
        if (!update) {
            respond(failure_response(update.error()));
            return;
        }
        respond(net::Response::json(200, view_update_json(update.value())));
    });
}

// /api/properties/{p}/notifications[/{id}/read | /read-all]
void HostServer::Impl::route_notifications(ApiCall& call, PropertyId property) {
    const auto& s = call.segments;
    const auto& method = call.request.method;
    auto respond = call.respond;

    if (s.size() == 3) {
        if (method != "GET") {
            respond(method_not_allowed("GET"));
            return;
        }
        std::size_t limit = 50;
        if (auto l = call.request.query_param("limit"))
            if (auto n = parse_id(*l))
                limit = static_cast<std::size_t>(std::min<std::int64_t>(*n, 500));
        const bool unread_only = call.request.query_param("unread").value_or("") == "1";
        with_property(respond, property,
                      [this, respond, property, limit, unread_only](const Property&) {
                          auto& repo = storage.notifications();
                          json::array list;
                          for (const auto& n : repo.list_newest(property, limit))
                              if (!unread_only || !n.read)
                                  list.push_back(to_json(n));
                          respond(json_ok(json::object{{"unread", repo.unread_count(property)},
                                                       {"notifications", std::move(list)}}));
                      });
        return;
    }

    if (s.size() == 4 && s[3] == "read-all") {
        if (method != "POST") {
            respond(method_not_allowed("POST"));
            return;
        }
        with_property(respond, property, [this, respond, property](const Property&) {
            auto& repo = storage.notifications();
            std::size_t marked = 0;
            // Newest first, in pages, until nothing unread is left in the page.
            for (const auto& n : repo.list_newest(property, 1000))
                if (!n.read && repo.mark_read(n.id))
                    ++marked;
            respond(
                json_ok(json::object{{"marked", marked}, {"unread", repo.unread_count(property)}}));
        });
        return;
    }

    if (s.size() == 5 && s[4] == "read") {
        if (method != "POST") {
            respond(method_not_allowed("POST"));
            return;
        }
        const auto id = parse_id(s[3]);
        if (!id) {
            respond(
                json_error(404, "unknown_notification", "Notification ids are positive numbers"));
            return;
        }
        with_property(respond, property, [this, respond, property, id = *id](const Property&) {
            auto& repo = storage.notifications();
            // Only a notification of this property: the first id >= id in the property.
            const auto found = repo.list_since(property, NotificationId{id - 1}, 1);
            if (found.empty() || found.front().id.value != id) {
                respond(json_error(404, "unknown_notification",
                                   "No notification " + std::to_string(id) + " in this property"));
                return;
            }
            repo.mark_read(NotificationId{id});
            auto marked = found.front();
            marked.read = true;
            json::object out = to_json(marked);
            out["unread"] = repo.unread_count(property);
            respond(json_ok(out));
        });
        return;
    }

    respond(no_such_route(call.request));
}

// GET /api/properties/{p}/events — Server-Sent Events:
//   event: ready         {"property_id", "unread"}           once, when the stream is live
//   event: notification  the notification JSON (+ "duplicate"), id: the notification id
//   event: view          {"session_id", "plugin_id", "property_id", "folio_id", "view"}
// A client reconnecting with Last-Event-ID (or ?since=<id>) first gets the notifications it
// missed.
void HostServer::Impl::route_events(ApiCall& call, PropertyId property) {
    if (call.request.method != "GET") {
        call.respond(method_not_allowed("GET"));
        return;
    }
    // "0" is a valid cursor here: everything after the first notification.
    auto cursor = [](std::string_view text) -> std::optional<std::int64_t> {
        if (text == "0")
            return 0;
        return parse_id(text);
    };
    std::optional<std::int64_t> since;
    if (auto h = call.request.header("Last-Event-ID"))
        since = cursor(*h);
    if (!since)
        if (auto q = call.request.query_param("since"))
            since = cursor(*q);
    auto respond = call.respond;
    with_property(respond, property, [this, respond, property, since](const Property&) {
        auto& repo = storage.notifications();
        const auto unread = repo.unread_count(property);
        std::vector<Notification> missed;
        if (since)
            missed = repo.list_since(property, NotificationId{*since}, 500);
        auto stream = respond.stream(200, {{"Content-Type", "text/event-stream; charset=utf-8"},
                                           {"Cache-Control", "no-cache"},
                                           {"X-Accel-Buffering", "no"}});
        if (!stream.valid())
            return;
        const std::string key = std::to_string(property.value);
        stream.send("retry: 3000\n\n");
        stream.send(net::sse_message(
            json::serialize(json::object{{"property_id", key}, {"unread", unread}}), "ready"));
        // Registered before the replay: a notification raised meanwhile may arrive twice (the
        // client dedupes by id), never not at all.
        hub->add(key, stream);
        for (const auto& n : missed) {
            json::object body = to_json(n);
            body["duplicate"] = false;
            stream.send(net::sse_message(json::serialize(body), "notification",
                                         std::to_string(n.id.value)));
        }
    });
}

} // namespace pms::host::server
