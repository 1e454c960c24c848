// JSON API: folio data (bookings, accounts, lines, payments, totals), folio toolbar buttons,
// views (click -> view, view event -> next view, close), staff notifications and the live
// event stream (Server-Sent Events).
#include "server_impl.hpp"

#include "folio_json.hpp"
#include "json_response.hpp"

#include "pms/host/qr/qr_svg.hpp"

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

// GET /api/properties/{p}/bookings/{number}
void HostServer::Impl::get_booking(ApiRequest& r) {
    const PropertyId property = r.property();
    with_property_read(
        r.respond, property,
        [this, respond = r.respond, property, number = r.param("number")](const Property&) {
            const auto booking = storage.folios().find_booking(property, number);
            if (!booking) {
                respond(json_error(404, "unknown_booking", "No booking '" + number + "'"));
                return;
            }
            respond(json_ok(booking_json(storage.folios(), *booking)));
        });
}

// GET /api/properties/{p}/folios/{f}
void HostServer::Impl::get_folio(ApiRequest& r) {
    const PropertyId property = r.property();
    with_property_read(
        r.respond, property,
        [this, respond = r.respond, property, folio_text = r.param("folio")](const Property&) {
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
}

namespace {

FolioContext folio_context(PropertyId property, const FolioSummary& summary, const ApiRequest& r) {
    return FolioContext{property,        summary.folio.id, summary.folio.booking,
                        r.staff->login,  r.staff->name,    r.locale};
}

} // namespace

// GET /api/properties/{p}/folios/{f}/buttons
void HostServer::Impl::get_folio_buttons(ApiRequest& r) {
    const PropertyId property = r.property();
    with_property(
        r.respond, property, [this, r, property](const Property&) {
            const auto& folio_text = r.param("folio");
            const auto summary = folio_in(storage, property, folio_text);
            if (!summary) {
                r.respond(unknown_folio(folio_text));
                return;
            }
            runtime.list_folio_buttons(
                folio_context(property, *summary, r),
                [respond = r.respond, folio_text](Result<std::vector<FolioButton>> buttons) {
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
                    respond(json_ok(json::object{{"folio_id", folio_text}, {"buttons", std::move(list)}}));
                });
        });
}

// Room for one more view (a click or a page opening), under the caps of AccessLimits.
std::shared_ptr<HostServer::Impl::ViewSlot> HostServer::Impl::admit_view(ApiRequest& r) {
    auto reserved = views.reserve(r.staff->token_hash);
    switch (reserved.admission) {
    case ViewRegistry::Admission::ok:
        if (reserved.evicted) {
            close_view_for_host(*reserved.evicted, r.staff->token_hash, "cap");
            log(LogLevel::info, "closed the least recently used plugin view of " + r.staff->login +
                                    " to open another (cap " +
                                    std::to_string(views.limits().per_session) +
                                    " per staff session)");
        }
        return std::make_shared<ViewSlot>(shared_from_this(), reserved.ticket);
    case ViewRegistry::Admission::session_full:
        // Only when every view of this staff session is still being opened (a burst of clicks).
        r.respond(json_error(429, "too_many_views",
                             "Слишком много окон модулей открывается сразу; повторите через минуту"));
        return nullptr;
    case ViewRegistry::Admission::total_full:
        r.respond(json_error(503, "too_many_views",
                             "Слишком много открытых окон модулей у всех сотрудников; повторите позже"));
        return nullptr;
    }
    return nullptr;
}

// POST /api/properties/{p}/folios/{f}/buttons/{plugin}/{button}/click
void HostServer::Impl::post_button_click(ApiRequest& r) {
    auto slot = admit_view(r);
    if (!slot)
        return;
    const PropertyId property = r.property();
    with_property(r.respond, property, [self = shared_from_this(), r, property, slot](const Property&) {
        const auto& folio_text = r.param("folio");
        const auto summary = folio_in(self->storage, property, folio_text);
        if (!summary) {
            r.respond(unknown_folio(folio_text));
            return;
        }
        self->runtime.click_button(
            r.param("plugin"), r.param("button"), folio_context(property, *summary, r),
            [self, respond = r.respond, slot, role = r.staff->role](Result<ViewUpdate> update) {
                if (!update) {
                    respond(failure_response(update.error()));
                    return;
                }
                // The view answers to this staff session only, and shows only what its role
                // may do (view-v1.md "permission").
                ViewUpdate shown = std::move(update).value();
                if (!shown.closed) {
                    self->own_view(*slot, shown.session_id, role);
                    shown.view_json = self->views.gate(shown.session_id, shown.view_json);
                }
                respond(net::Response::json(200, view_update_json(shown)));
            });
    });
}

namespace {

net::Response unknown_view(const std::string& session) {
    return json_error(404, "unknown_view", "No open view session '" + session + "' in this property");
}

} // namespace

// The open view {session} of this property that the caller's staff session opened; answers
// 404 otherwise (another staff member's view does not exist for the caller).
std::optional<ViewPush> HostServer::Impl::own_open_view(ApiRequest& r, bool page_route) {
    const std::string& session = r.param("session");
    auto current = runtime.current_view(session);
    const bool mine = views.use(session, r.staff->token_hash, ViewRegistry::Clock::now());
    const bool right_kind =
        current && (page_route ? current->page_id == r.param("page") &&
                                     current->plugin_id == r.param("plugin")
                               : current->page_id.empty());
    if (!current || current->property != r.property() || !mine || !right_kind) {
        r.respond(unknown_view(session));
        return std::nullopt;
    }
    return current;
}

// GET /api/properties/{p}/views/{session}
void HostServer::Impl::get_view(ApiRequest& r) {
    const auto current = own_open_view(r);
    if (!current)
        return;
    ViewUpdate update{current->session_id, current->plugin_id, current->property,
                      views.gate(current->session_id, current->view_json), false, std::string{},
                      current->revision};
    std::string out = view_update_json(update);
    out.insert(out.size() - 1, ",\"folio_id\":" + json_quote(std::to_string(current->folio.value)));
    r.respond(net::Response::json(200, out));
}

// DELETE /api/properties/{p}/views/{session}, POST .../views/{session}/close
void HostServer::Impl::close_view(ApiRequest& r) {
    const auto current = own_open_view(r);
    if (!current)
        return;
    forget_view(current->session_id);
    runtime.close_view(current->session_id);
    r.respond(json_ok(json::object{{"session_id", current->session_id}, {"closed", true}}));
}

// POST /api/properties/{p}/views/{session}/events
void HostServer::Impl::post_view_event(ApiRequest& r) {
    const auto current = own_open_view(r);
    if (!current)
        return;
    ViewEventInput event;
    if (parse_view_event(r, event))
        send_view_event(r, *current, std::move(event));
}

bool HostServer::Impl::parse_view_event(ApiRequest& r, ViewEventInput& event) {
    const auto& body = r.body;
    event.kind = string_member(body, "kind", "button");
    event.action = string_member(body, "action");
    if (event.kind != "button" && event.kind != "row_action") {
        r.respond(json_error(400, "invalid_request", "\"kind\" must be \"button\" or \"row_action\""));
        return false;
    }
    if (event.action.empty()) {
        r.respond(json_error(400, "invalid_request", "\"action\" is required"));
        return false;
    }
    if (const auto* t = body.if_contains("table"); t != nullptr && t->is_string())
        event.table = std::string{t->as_string()};
    if (const auto* k = body.if_contains("row_key"); k != nullptr && k->is_string())
        event.row_key = std::string{k->as_string()};
    if (event.kind == "row_action" && (!event.table || !event.row_key)) {
        r.respond(json_error(400, "invalid_request", "A row action needs \"table\" and \"row_key\""));
        return false;
    }
    if (const auto* v = body.if_contains("values"); v != nullptr) {
        if (!v->is_object()) {
            r.respond(json_error(400, "invalid_request", "\"values\" must be an object"));
            return false;
        }
        for (const auto& [name, value] : v->as_object())
            if (!value.is_string() && !value.is_bool()) {
                r.respond(json_error(400, "invalid_request",
                                     "Form values are strings or booleans (money as a decimal string)"));
                return false;
            }
        event.values_json = json::serialize(*v);
    }
    // Who acts is the signed-in staff member; a "staff" member of the body is not read.
    event.staff_user_id = r.staff->login;
    event.staff_user_name = r.staff->name;
    event.locale = r.locale;
    return true;
}

void HostServer::Impl::send_view_event(ApiRequest& r, const ViewPush& current, ViewEventInput event) {
    // The trust boundary of "permission" (view-v1.md): an action the plugin marked in any view
    // of this session (the last one pushed or returned included) needs that permission, checked
    // against the signed-in staff member's role now. The browser's word counts for nothing.
    const std::string& session_id = current.session_id;
    views.note_gated(session_id, current.view_json);
    for (const auto& needed : views.required_for(session_id, event.action))
        if (!role_may(r.staff->role, needed)) {
            log(LogLevel::warning, "refused view event '" + event.action + "' of " + r.staff->login +
                                       ": it needs " + needed);
            r.respond(json_error(403, "forbidden",
                                 "Недостаточно прав для этого действия (нужно право " + needed + ")"));
            return;
        }
    runtime.send_view_event(session_id, std::move(event),
                            [self = shared_from_this(), respond = r.respond](Result<ViewUpdate> update) {
                                if (!update) {
                                    respond(failure_response(update.error()));
                                    return;
                                }
                                ViewUpdate shown = std::move(update).value();
                                if (shown.closed)
                                    self->forget_view(shown.session_id);
                                else
                                    shown.view_json = self->views.gate(shown.session_id, shown.view_json);
                                respond(net::Response::json(200, view_update_json(shown)));
                            });
}

// GET /api/properties/{p}/notifications[?limit=&unread=1]
void HostServer::Impl::get_notifications(ApiRequest& r) {
    std::size_t limit = 50;
    if (auto l = r.request.query_param("limit"))
        if (auto n = parse_id(*l))
            limit = static_cast<std::size_t>(std::min<std::int64_t>(*n, 500));
    const bool unread_only = r.request.query_param("unread").value_or("") == "1";
    const PropertyId property = r.property();
    with_property_read(r.respond, property,
                       [this, respond = r.respond, property, limit, unread_only](const Property&) {
                           auto& repo = storage.notifications();
                           json::array list;
                           for (const auto& n : repo.list_newest(property, limit))
                               if (!unread_only || !n.read)
                                   list.push_back(to_json(n));
                           respond(json_ok(json::object{{"unread", repo.unread_count(property)},
                                                        {"notifications", std::move(list)}}));
                       });
}

// POST /api/properties/{p}/notifications/read-all
void HostServer::Impl::post_notifications_read_all(ApiRequest& r) {
    const PropertyId property = r.property();
    with_property(r.respond, property, [this, respond = r.respond, property](const Property&) {
        auto& repo = storage.notifications();
        const std::size_t marked = repo.mark_all_read(property);
        respond(json_ok(json::object{{"marked", marked}, {"unread", repo.unread_count(property)}}));
    });
}

// POST /api/properties/{p}/notifications/{id}/read
void HostServer::Impl::post_notification_read(ApiRequest& r) {
    const auto id = parse_id(r.param("id"));
    if (!id) {
        r.respond(json_error(404, "unknown_notification", "Notification ids are positive numbers"));
        return;
    }
    const PropertyId property = r.property();
    with_property(r.respond, property, [this, respond = r.respond, property, id = *id](const Property&) {
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
}

// GET /api/properties/{p}/events — Server-Sent Events:
//   event: ready         {"property_id", "unread"}           once, when the stream is live
//   event: notification  the notification JSON (+ "duplicate"), id: the notification id
//   event: view          {"session_id", "plugin_id", "property_id", "folio_id", "view"}
// A client reconnecting with Last-Event-ID (or ?since=<id>) first gets the notifications it
// missed. Streams are capped per staff session and in total (AccessLimits) and end with the
// staff session.
void HostServer::Impl::get_events(ApiRequest& r) {
    // "0" is a valid cursor here: everything after the first notification.
    auto cursor = [](std::string_view text) -> std::optional<std::int64_t> {
        if (text == "0")
            return 0;
        return parse_id(text);
    };
    std::optional<std::int64_t> since;
    if (auto h = r.request.header("Last-Event-ID"))
        since = cursor(*h);
    if (!since)
        if (auto q = r.request.query_param("since"))
            since = cursor(*q);
    const PropertyId property = r.property();
    const std::string owner = r.staff->token_hash;
    std::shared_ptr<EventHub::Reservation> place; // held until the stream is added
    switch (hub->admit(owner, place)) {
    case EventHub::Admission::ok:
        break;
    case EventHub::Admission::session_full: {
        auto response = json_error(429, "too_many_streams",
                                   "Too many live-event streams for this staff session");
        response.headers.push_back({"Retry-After", "30"});
        response.close_connection = true; // give the connection slot back at once
        r.respond(std::move(response));
        return;
    }
    case EventHub::Admission::total_full:
    case EventHub::Admission::closed: {
        auto response = json_error(503, "too_many_streams", "Too many live-event streams; retry later");
        response.headers.push_back({"Retry-After", "30"});
        response.close_connection = true;
        r.respond(std::move(response));
        return;
    }
    }
    with_property(r.respond, property, [this, respond = r.respond, property, since, owner,
                                        place](const Property&) {
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
        hub->add(key, owner, stream, place);
        for (const auto& n : missed) {
            json::object body = to_json(n);
            body["duplicate"] = false;
            stream.send(net::sse_message(json::serialize(body), "notification",
                                         std::to_string(n.id.value)));
        }
    });
}

// GET /api/qr.svg?text=<url> — the QR code of a payment link, for views that mark a value as
// a URL to pay. Drawn here so that the browser loads no script library.
void HostServer::Impl::get_qr(ApiRequest& r) {
    const auto text = r.request.query_param("text");
    const auto svg = text ? qr_svg(*text) : std::nullopt;
    if (!svg) {
        r.respond(json_error(400, "invalid_request", "\"text\" must be 1 to 2000 bytes of UTF-8"));
        return;
    }
    net::Response response;
    response.status = 200;
    response.headers.push_back({"Content-Type", "image/svg+xml"});
    response.headers.push_back({"Cache-Control", "private, max-age=3600"});
    response.body = *svg;
    r.respond(std::move(response));
}

} // namespace pms::host::server
