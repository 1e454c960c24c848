// HostServer: construction, the top-level dispatch (/hooks, /api, static files), the
// notification route and the shared helpers. The JSON API routes live in api_*.cpp.
#include "server_impl.hpp"

#include "pms/host/qr/qr_svg.hpp"

#include "folio_json.hpp"
#include "json_response.hpp"

#include <pms/host/server/failpoint.hpp>

#include <boost/asio/post.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <utility>

namespace pms::host::server {

namespace json = boost::json;

// ---- helpers ------------------------------------------------------------------------------------

std::optional<std::int64_t> parse_id(std::string_view text) {
    std::int64_t value = 0;
    const auto* end = text.data() + text.size();
    const auto r = std::from_chars(text.data(), end, value);
    if (text.empty() || r.ec != std::errc{} || r.ptr != end || value <= 0)
        return std::nullopt;
    return value;
}

net::Response failure_response(const Failure& failure) {
    int status = 500;
    switch (failure.code) {
    case RuntimeErrc::unknown_plugin:
        status = 404;
        break;
    case RuntimeErrc::not_supported:
        status = 404;
        break;
    case RuntimeErrc::plugin_refused:
        status = 409;
        break;
    case RuntimeErrc::not_enabled:
        status = 409;
        break;
    case RuntimeErrc::busy:
        status = 409;
        break;
    case RuntimeErrc::invalid_argument:
        status = 400;
        break;
    case RuntimeErrc::unavailable:
        status = 503;
        break;
    case RuntimeErrc::cancelled:
        status = 503;
        break;
    case RuntimeErrc::plugin_error:
        status = 502;
        break;
    case RuntimeErrc::plugin_misbehaving:
        status = 502;
        break;
    case RuntimeErrc::timeout:
        status = 504;
        break;
    case RuntimeErrc::storage_error:
        status = 500;
        break;
    case RuntimeErrc::internal:
        status = 500;
        break;
    }
    json::object error{{"code", to_string(failure.code)},
                       {"message", failure.message},
                       {"status", pms_status_name(failure.status)}};
    return json_ok(json::object{{"error", std::move(error)}}, status);
}

net::Response method_not_allowed(std::string_view allow) {
    auto response = json_error(405, "method_not_allowed",
                               "Method not allowed here; allowed: " + std::string{allow});
    response.headers.push_back({"Allow", std::string{allow}});
    return response;
}

net::Response no_such_route(const net::Request& request) {
    return json_error(404, "no_such_route", "No API route " + request.method + " " + request.path);
}

std::string json_quote(std::string_view text) {
    return json::serialize(json::string(text));
}

std::string view_update_json(const ViewUpdate& update) {
    std::string out = "{\"session_id\":" + json_quote(update.session_id) +
                      ",\"plugin_id\":" + json_quote(update.plugin_id) +
                      ",\"property_id\":" + json_quote(std::to_string(update.property.value)) +
                      ",\"closed\":" + (update.closed ? "true" : "false") + ",\"view\":";
    out += update.closed || update.view_json.empty() ? std::string{"null"} : update.view_json;
    if (!update.page_id.empty()) // a page session (pms.admin-page/1)
        out += ",\"page_id\":" + json_quote(update.page_id);
    if (!update.closed)
        out += ",\"revision\":" + std::to_string(update.revision);
    out += '}';
    return out;
}

// ---- construction -------------------------------------------------------------------------------

HostServer::Impl::Impl(Runtime& rt, Storage& st, ServerConfig cfg)
    : runtime{rt}, storage{st}, config{std::move(cfg)}, static_files{config.web_root},
      hub{std::make_shared<EventHub>(
          rt.io_context(), config.sse_heartbeat,
          EventHub::Limits{config.limits.streams_per_session, config.limits.streams_total,
                           config.limits.stream_max_age})},
      blocking{config.blocking_threads == 0 ? 1u : config.blocking_threads},
      views{ViewRegistry::Limits{config.limits.views_per_session, config.limits.views_total,
                                 config.limits.view_idle}},
      view_sweep{rt.io_context()}, module_check_timer{rt.io_context()} {
    StaffSessions::Options o;
    o.idle = config.limits.session_idle;
    o.max_age = config.limits.session_max_age;
    o.touch_interval = config.limits.session_touch_interval;
    o.recheck_interval = config.limits.session_recheck;
    sessions = std::make_shared<StaffSessions>(rt.io_context(), blocking, st, o);
}

void HostServer::Impl::log(LogLevel level, std::string_view text) const {
    if (config.log)
        config.log(level, text);
}

bool HostServer::Impl::logs(LogLevel level) const {
    return config.log && static_cast<int>(level) >= static_cast<int>(config.log_level);
}

std::string HostServer::Impl::public_base() const {
    if (!config.public_url.empty())
        return config.public_url;
    return http ? http->base_url() : std::string{};
}

std::string HostServer::Impl::hooks_base() const {
    if (!config.hooks_public_url.empty())
        return config.hooks_public_url;
    if (!config.public_url.empty())
        return config.public_url;
    // A /hooks-only listener without a public URL: its own address.
    return hooks_http ? hooks_http->base_url() : public_base();
}

std::string HostServer::Impl::notification_url(std::string_view plugin_id,
                                               PropertyId property) const {
    std::string base = hooks_base();
    while (!base.empty() && base.back() == '/')
        base.pop_back();
    return base + "/hooks/" + std::string{plugin_id} + "/" + std::to_string(property.value) + "/";
}

HostServer::Impl::ViewSlot::~ViewSlot() {
    if (!claimed)
        server->views.release(ticket);
}

void HostServer::Impl::own_view(ViewSlot& slot, const std::string& session_id, StaffRole role) {
    views.own(slot.ticket, session_id, ViewRegistry::Clock::now());
    views.set_role(session_id, role); // what the owner may see and do (view-v1.md "permission")
    slot.claimed = true;
}

void HostServer::Impl::close_view_for_host(const std::string& session_id,
                                           const std::string& owner_token_hash,
                                           std::string_view reason) {
    if (const auto current = runtime.current_view(session_id)) {
        std::string data = "{\"session_id\":" + json_quote(session_id) +
                           ",\"plugin_id\":" + json_quote(current->plugin_id) +
                           ",\"property_id\":" + json_quote(std::to_string(current->property.value)) +
                           ",\"folio_id\":" + json_quote(std::to_string(current->folio.value)) +
                           (current->page_id.empty() ? std::string{}
                                                     : ",\"page_id\":" + json_quote(current->page_id)) +
                           ",\"closed\":true,\"reason\":" + json_quote(reason) + ",\"view\":null}";
        hub->publish_to(std::to_string(current->property.value), owner_token_hash, "view", data);
    }
    runtime.close_view(session_id);
}

void HostServer::Impl::forget_view(const std::string& session_id) {
    views.forget(session_id);
}

void HostServer::Impl::close_views_of(const std::string& token_hash) {
    for (const auto& id : views.take_all_of(token_hash))
        runtime.close_view(id);
}

void HostServer::Impl::schedule_view_sweep() {
    const auto every = std::clamp<std::chrono::seconds>(views.limits().idle / 4,
                                                        std::chrono::seconds{1},
                                                        std::chrono::seconds{60});
    view_sweep.expires_after(every);
    view_sweep.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
        auto self = weak.lock();
        if (ec || !self || self->stopped)
            return;
        const auto idle = self->views.take_idle(ViewRegistry::Clock::now());
        for (const auto& taken : idle)
            self->close_view_for_host(taken.session, taken.owner, "idle");
        if (!idle.empty())
            self->log(LogLevel::info,
                      "closed " + std::to_string(idle.size()) + " idle plugin view(s)");
        self->schedule_view_sweep();
    });
}

void HostServer::Impl::blocking_answer(net::Responder respond,
                                       std::function<net::Response()> work) {
    blocking_run(respond, [respond, work = std::move(work)] { respond(work()); });
}

void HostServer::Impl::answer_failures(const net::Responder& respond,
                                       const std::function<void()>& work) {
    try {
        work();
    } catch (const StorageError& e) {
        log(LogLevel::error, std::string{"storage failure: "} + e.what());
        respond(json_error(500, "storage_error", "The host's storage failed; see the host log"));
    } catch (const std::exception& e) {
        log(LogLevel::error, std::string{"request failed: "} + e.what());
        respond(json_error(500, "internal", "Internal error; see the host log"));
    }
}

void HostServer::Impl::blocking_run(net::Responder respond, std::function<void()> work) {
    boost::asio::post(blocking, [self = shared_from_this(), respond, work = std::move(work)] {
        self->answer_failures(respond, work);
    });
}

namespace {

void property_then(Storage& storage, const net::Responder& respond, PropertyId property,
                   const std::function<void(const Property&)>& next) {
    const auto found = storage.folios().get_property(property);
    if (!found) {
        respond(
            json_error(404, "unknown_property", "No property " + std::to_string(property.value)));
        return;
    }
    next(*found);
}

} // namespace

void HostServer::Impl::with_property(net::Responder respond, PropertyId property,
                                     std::function<void(const Property&)> next) {
    blocking_run(respond, [this, respond, property, next = std::move(next)] {
        property_then(storage, respond, property, next);
    });
}

void HostServer::Impl::with_property_read(const net::Responder& respond, PropertyId property,
                                          const std::function<void(const Property&)>& next) {
    answer_failures(respond, [&] { property_then(storage, respond, property, next); });
}

HostServer::HostServer(Runtime& runtime, Storage& storage, ServerConfig config)
    : impl_{std::make_shared<Impl>(runtime, storage, std::move(config))} {
    auto& impl = *impl_;
    net::ServerOptions options;
    options.address = impl.config.address;
    options.port = impl.config.port;
    options.max_body_bytes = impl.config.max_body_bytes;
    options.max_connections = impl.config.limits.max_connections;
    options.response_deadline = std::max(impl.config.response_deadline,
                                         impl.config.hook_deadline + std::chrono::seconds(5));
    options.server_header = "pms-host";
    std::weak_ptr<Impl> weak = impl_;
    auto net_log = [weak](const net::LogRecord& record) {
        if (auto self = weak.lock()) {
            LogLevel level = LogLevel::debug;
            switch (record.level) {
            case net::LogLevel::debug:
                level = LogLevel::debug;
                break;
            case net::LogLevel::info:
                level = LogLevel::info;
                break;
            case net::LogLevel::warning:
                level = LogLevel::warning;
                break;
            case net::LogLevel::error:
                level = LogLevel::error;
                break;
            }
            self->log(level, std::string{"http: "} + std::string{record.message});
        }
    };
    options.log = net_log;
    net::ServerOptions hooks_options = options;
    // Every answer of the staff door: no framing by other sites, no referrer leaks, scripts
    // and styles from this host only.
    options.default_headers = {
        {"Content-Security-Policy",
         "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
         "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"},
        {"X-Frame-Options", "DENY"},
        {"Referrer-Policy", "no-referrer"},
        {"X-Content-Type-Options", "nosniff"}};
    hooks_options.default_headers = {{"X-Content-Type-Options", "nosniff"}};
    // The net layer would answer an escaping exception with text; the API answers JSON.
    auto guarded = [weak](void (Impl::*entry)(net::Request, net::Responder)) {
        return [weak, entry](net::Request request, net::Responder respond) {
            auto self = weak.lock();
            if (!self || self->stopped) {
                respond(json_error(503, "shutting_down", "The host is shutting down"));
                return;
            }
            if (!self->serving.load(std::memory_order_acquire)) {
                respond(json_error(503, "starting", "The host is starting"));
                return;
            }
            try {
                ((*self).*entry)(std::move(request), respond);
            } catch (const std::exception& e) {
                self->log(LogLevel::error, std::string{"request failed: "} + e.what());
                respond(json_error(500, "internal", "Internal error; see the host log"));
            }
        };
    };
    impl.http = std::make_unique<net::HttpServer>(runtime.io_context(), std::move(options),
                                                  guarded(&Impl::handle));
    failpoint_pause("server.pause_before_serving");
    if (impl.config.hooks_listener) {
        hooks_options.address = impl.config.hooks_address;
        hooks_options.port = impl.config.hooks_port;
        impl.hooks_http = std::make_unique<net::HttpServer>(
            runtime.io_context(), std::move(hooks_options), guarded(&Impl::handle_hooks_listener));
    }
    impl.guard = std::make_unique<RequestGuard>(RequestGuard::served_authorities(
        impl.config.address, impl.http->port(), impl.config.public_url,
        impl.config.allowed_hosts));
    impl.sessions->on_ended([weak](const std::string& token_hash) {
        if (auto self = weak.lock()) {
            self->hub->close_session(token_hash);
            self->close_views_of(token_hash);
        }
    });
    impl.sessions->start();
    impl.traffic = std::make_shared<TrafficSummary>(
        runtime.io_context(), impl.config.limits.traffic_summary_interval,
        [weak](const std::string& line) {
            if (auto self = weak.lock())
                self->log(LogLevel::info, line);
        });
    impl.traffic->start();
    impl.schedule_view_sweep();
    impl.check_all_modules(); // instances enabled before this start are checked at once
    impl.schedule_module_checks();

    // Live events: plugin notifications and pushed views fan out to the property's streams.
    impl.notifications =
        runtime.subscribe_notifications([weak](const Notification& n, bool duplicate) {
            if (auto self = weak.lock()) {
                json::object body = to_json(n);
                body["duplicate"] = duplicate;
                self->hub->publish(std::to_string(n.property.value), "notification",
                                   json::serialize(body), std::to_string(n.id.value));
            }
        });
    impl.view_pushes = runtime.subscribe_view_pushes([weak](const ViewPush& push) {
        if (auto self = weak.lock()) {
            // As its opener may see it (view-v1.md "permission"; view_registry.hpp).
            const std::string view = push.view_json.empty() ? std::string{}
                                                            : self->views.gate(push.session_id, push.view_json);
            std::string data =
                "{\"session_id\":" + json_quote(push.session_id) +
                ",\"plugin_id\":" + json_quote(push.plugin_id) +
                ",\"property_id\":" + json_quote(std::to_string(push.property.value)) +
                ",\"folio_id\":" + json_quote(std::to_string(push.folio.value)) +
                (push.page_id.empty() ? std::string{} : ",\"page_id\":" + json_quote(push.page_id)) +
                ",\"revision\":" + std::to_string(push.revision) +
                ",\"view\":" + (view.empty() ? "null" : view) + "}";
            // Only the staff session that opened the view sees its updates.
            const auto owner = self->views.owner_of(push.session_id);
            if (!owner)
                return;
            self->hub->publish_to(std::to_string(push.property.value), *owner, "view", data);
        }
    });
    impl.hub->start();
    impl.serving.store(true, std::memory_order_release);
}

HostServer::~HostServer() {
    stop();
}

std::uint16_t HostServer::port() const noexcept {
    return impl_->http->port();
}

std::string HostServer::base_url() const {
    return impl_->http->base_url();
}

std::string HostServer::public_url() const {
    return impl_->public_base();
}

std::size_t HostServer::event_stream_count() const {
    return impl_->hub->size();
}

std::string HostServer::hooks_base_url() const {
    return impl_->hooks_http ? impl_->hooks_http->base_url() : std::string{};
}

void HostServer::stop() {
    auto& impl = *impl_;
    if (impl.stopped.exchange(true))
        return;
    // Streams first: a stream keeps its connection open forever, so stopping the server would
    // otherwise wait for nothing; then no new requests; then no more runtime callbacks.
    impl.hub->close_all();
    impl.http->stop();
    if (impl.hooks_http)
        impl.hooks_http->stop();
    impl.sessions->stop();
    impl.traffic->stop();
    boost::asio::post(impl.view_sweep.get_executor(), [self = impl_] {
        self->view_sweep.cancel();
        self->module_check_timer.cancel();
    });
    impl.notifications.reset();
    impl.view_pushes.reset();
    impl.blocking.join();
    impl.password_pool.join();
}

// ---- dispatch -----------------------------------------------------------------------------------

namespace {

bool starts_with_segment(std::string_view path, std::string_view first) {
    return path.size() > first.size() + 1 && path[0] == '/' &&
           path.substr(1, first.size()) == first && path[first.size() + 1] == '/';
}

bool is_hook_path(std::string_view path) {
    return starts_with_segment(path, "hooks") || path == "/hooks";
}

} // namespace

void HostServer::Impl::handle(net::Request request, net::Responder respond) {
    const std::string_view path = request.path;
    if (is_hook_path(path)) {
        // The provider's door: the plugin's signature check is its only authentication.
        // Hook paths may carry provider tokens: logged when answered, without the path.
        handle_hook(std::move(request), std::move(respond));
        return;
    }
    // The staff door. A foreign Host is refused before anything else (DNS rebinding).
    if (auto refused = guard->check_host(request)) {
        respond(std::move(*refused));
        return;
    }
    // The path only: query strings may carry anything, bodies and header values never appear.
    if (logs(LogLevel::debug))
        log(LogLevel::debug, request.method + " " + request.path);
    if (path == "/api" || starts_with_segment(path, "api")) {
        handle_api(std::move(request), std::move(respond));
        return;
    }
    if (request.method != "GET" && request.method != "HEAD") {
        respond(method_not_allowed("GET, HEAD"));
        return;
    }
    // Static files are read from disk: off the io threads.
    blocking_answer(respond, [this, request = std::move(request)] {
        if (auto file = static_files.serve(request))
            return std::move(*file);
        return json_error(404, "not_found", "No such file");
    });
}

void HostServer::Impl::handle_hooks_listener(net::Request request, net::Responder respond) {
    if (!is_hook_path(request.path)) {
        respond(json_error(404, "not_found", "This listener serves /hooks/... only"));
        return;
    }
    handle_hook(std::move(request), std::move(respond));
}

// ---- the notification route ---------------------------------------------------------------------

namespace {

bool is_hop_by_hop(std::string_view name) {
    for (std::string_view h :
         {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
          "proxy-authenticate", "proxy-authorization", "content-length", "content-type"})
        if (net::iequals(name, h))
            return true;
    return false;
}

} // namespace

void HostServer::Impl::log_host_hook_failure(const std::string& route, int status,
                                              std::string_view body) {
    // An error that matters at info, but a flood of them (a plugin stuck for minutes) must not
    // become a line per request again: one line a second at most; the minute's summary has
    // the counts.
    const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now().time_since_epoch())
                            .count();
    auto last = last_hook_failure_log_ms.load();
    if (now_ms - last < 1000 || !last_hook_failure_log_ms.compare_exchange_strong(last, now_ms))
        return;
    // The body is the host's own {"error": "..."}: no provider data, no secret.
    std::string why{body};
    net::Response unused;
    if (auto parsed = parse_json_object(body, unused); parsed)
        why = string_member(*parsed, "error", why);
    log(LogLevel::warning, "notification for " + route + " answered " + std::to_string(status) +
                               " by the host: " + why);
}

void HostServer::Impl::handle_hook(net::Request request, net::Responder respond) {
    // The hook deadline runs from here, the moment the host has the whole request, whatever
    // waits after it (the plugin's queue included): the provider's own timeout started then.
    const auto received = std::chrono::steady_clock::now();
    // /hooks/<plugin-id>/<property-id>/<rest>: the two ids are decoded, the rest is handed to
    // the plugin still percent-encoded (it may be signed or matched as is).
    constexpr std::string_view prefix = "/hooks/";
    std::string_view raw = request.path;
    raw = raw.size() > prefix.size() ? raw.substr(prefix.size()) : std::string_view{};
    const auto first = raw.find('/');
    const auto raw_plugin = raw.substr(0, first);
    std::string_view after =
        first == std::string_view::npos ? std::string_view{} : raw.substr(first + 1);
    const auto second = after.find('/');
    const auto raw_property = after.substr(0, second);
    const std::string_view rest =
        second == std::string_view::npos ? std::string_view{} : after.substr(second + 1);

    const auto plugin_id = net::percent_decode(raw_plugin);
    const auto property = parse_id(raw_property);
    if (!plugin_id || plugin_id->empty() || !property) {
        respond(json_error(404, "not_found",
                           "Notification routes are /hooks/<plugin-id>/<property-id>/<path>"));
        return;
    }
    if (runtime.plugin_state(*plugin_id) != PluginState::loaded) {
        respond(json_error(404, "unknown_plugin", "No plugin '" + *plugin_id + "' is loaded"));
        return;
    }

    InboundRequest inbound;
    inbound.method = request.method;
    inbound.path = std::string{rest};
    inbound.query = request.query;
    inbound.headers.reserve(request.headers.size());
    for (auto& h : request.headers)
        inbound.headers.emplace_back(std::move(h.name), std::move(h.value));
    inbound.body = std::move(request.body);
    inbound.remote_address = request.remote_address;

    failpoint("hooks.before_deliver");
    const std::string method = inbound.method;
    const PropertyId property_id{*property};
    const auto spent = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - received);
    runtime.deliver_notification(
        *plugin_id, property_id, std::move(inbound),
        std::max(std::chrono::milliseconds{1}, config.hook_deadline - spent),
        [self = shared_from_this(), respond, plugin_id = *plugin_id, property_id, method,
         started = received](InboundReply reply) {
            net::Response response;
            response.status = reply.http_status;
            if (!reply.content_type.empty())
                response.headers.push_back({"Content-Type", reply.content_type});
            for (auto& [name, value] : reply.headers)
                if (!is_hop_by_hop(name))
                    response.headers.push_back({std::move(name), std::move(value)});
            if (!reply.from_plugin && reply.http_status >= 500)
                self->log_host_hook_failure(plugin_id + "@" + std::to_string(property_id.value),
                                            reply.http_status, reply.body);
            response.body = std::move(reply.body);
            if (!reply.from_plugin && response.body.empty()) {
                // The host answered itself (no instance, deadline, plugin error): say why.
                const char* code = reply.http_status == 404   ? "not_enabled"
                                   : reply.http_status == 503 ? "unavailable"
                                                              : "plugin_error";
                response = json_error(
                    reply.http_status, code,
                    reply.http_status == 404   ? "The plugin is not active for this property"
                    : reply.http_status == 503 ? "The plugin could not answer in time; retry later"
                                               : "The plugin failed to handle the notification");
            }
            failpoint("hooks.after_reply_built");
            const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::steady_clock::now() - started)
                                .count();
            // One line per notification only at debug; info gets the minute's summary.
            self->traffic->count_hook(plugin_id + "@" + std::to_string(property_id.value),
                                      response.status, reply.from_plugin,
                                      std::chrono::milliseconds{ms});
            if (self->logs(LogLevel::debug))
                self->log(LogLevel::debug, "hook " + method + " " + plugin_id + "@" +
                                              std::to_string(property_id.value) + " -> " +
                                              std::to_string(response.status) +
                                              (reply.from_plugin ? " (plugin)" : " (host)") + " in " +
                                              std::to_string(ms) + " ms");
            respond(std::move(response));
        });
}

} // namespace pms::host::server
