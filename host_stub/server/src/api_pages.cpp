// JSON API: plugin pages (pms.admin-page/1) — the staff menu's list of pages, opening a page
// (a view session like a folio dialog's, shown full-page), its events, its close and a reload
// of its current view. Who may reach a page is decided by the route table (api_routes.cpp,
// Access::page), never here: these handlers only run for a staff member whose role has the
// page's declared permission. The list is the one place that filters, since it names many
// pages at once.
#include "server_impl.hpp"

#include "json_response.hpp"

#include <boost/json/array.hpp>

namespace pms::host::server {

namespace json = boost::json;

namespace {

json::object page_json(const AdminPage& page) {
    return json::object{{"plugin_id", page.plugin_id},
                        {"page_id", page.page_id},
                        {"title", page.title},
                        {"section", page.section},
                        {"permission", page.permission}};
}

} // namespace

// GET /api/properties/{p}/pages — the pages the caller may open, in menu order.
void HostServer::Impl::get_pages(ApiRequest& r) {
    const PropertyId property = r.property();
    with_property(r.respond, property,
                  [this, respond = r.respond, property, role = r.staff->role](const Property&) {
                      json::array list;
                      for (const auto& page : runtime.admin_pages(property)) {
                          const auto needed = auth::parse_permission(page.permission);
                          if (needed && auth::role_has(role, *needed))
                              list.push_back(page_json(page));
                      }
                      respond(json_ok(json::object{{"property_id", std::to_string(property.value)},
                                                   {"pages", std::move(list)}}));
                  });
}

// GET /api/properties/{p}/pages/{plugin}/{page}
void HostServer::Impl::get_page(ApiRequest& r) {
    const auto page = runtime.admin_page(r.param("plugin"), r.property(), r.param("page"));
    if (!page) { // disabled between the guard and here
        r.respond(json_error(404, "unknown_page", "No page '" + r.param("page") + "'"));
        return;
    }
    r.respond(json_ok(page_json(*page)));
}

// POST /api/properties/{p}/pages/{plugin}/{page}/open — a new page session and its first view.
void HostServer::Impl::post_page_open(ApiRequest& r) {
    auto slot = admit_view(r);
    if (!slot)
        return;
    AdminPageContext context{r.property(), r.staff->login, r.staff->name, r.locale};
    runtime.open_admin_page(
        r.param("plugin"), r.param("page"), std::move(context),
        [self = shared_from_this(), respond = r.respond, slot, role = r.staff->role](Result<ViewUpdate> update) {
            if (!update) {
                respond(failure_response(update.error()));
                return;
            }
            // Like a dialog, a page session answers to the staff session that opened it, and
            // shows only what its role may do (view-v1.md "permission").
            ViewUpdate shown = std::move(update).value();
            if (!shown.closed) {
                self->own_view(*slot, shown.session_id, role);
                shown.view_json = self->views.gate(shown.session_id, shown.view_json);
            }
            respond(net::Response::json(200, view_update_json(shown)));
        });
}

// GET /api/properties/{p}/pages/{plugin}/{page}/views/{session}
void HostServer::Impl::get_page_view(ApiRequest& r) {
    const auto current = own_open_view(r, true);
    if (!current)
        return;
    ViewUpdate update{current->session_id, current->plugin_id, current->property,
                      views.gate(current->session_id, current->view_json), false, current->page_id,
                      current->revision};
    r.respond(net::Response::json(200, view_update_json(update)));
}

// DELETE /api/properties/{p}/pages/{plugin}/{page}/views/{session}, POST .../close
void HostServer::Impl::close_page_view(ApiRequest& r) {
    const auto current = own_open_view(r, true);
    if (!current)
        return;
    forget_view(current->session_id);
    runtime.close_view(current->session_id);
    r.respond(json_ok(json::object{{"session_id", current->session_id}, {"closed", true}}));
}

// POST /api/properties/{p}/pages/{plugin}/{page}/views/{session}/events
void HostServer::Impl::post_page_event(ApiRequest& r) {
    const auto current = own_open_view(r, true);
    if (!current)
        return;
    ViewEventInput event;
    if (parse_view_event(r, event))
        send_view_event(r, *current, std::move(event));
}

} // namespace pms::host::server
