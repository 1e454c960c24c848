// pms/plugin_sdk/plugin.hpp — a CRTP base that turns a C++ class into a pms_plugin.
//
//     class my_plugin : public pms::sdk::plugin<my_plugin> {
//     public:
//         static constexpr pms::sdk::plugin_info info{
//             .id = "com.example.pms.demo", .name = "Demo", .vendor = "Example",
//             .version = "1.0.0"};
//         using plugin::plugin;                       // constructor(const pms_host*)
//
//         void activate();                            // optional lifecycle hooks:
//         void deactivate();                          //   init / activate / deactivate
//
//         std::vector<pms::sdk::button> buttons();    // => pms.folio-button/1
//         void on_click(std::string_view button_id, std::string_view view_session_id,
//                       const pms::sdk::folio_context& ctx, pms::sdk::view_reply reply);
//     };
//     PMS_DECLARE_PLUGIN_ENTRY(my_plugin);           // entry.hpp, in one .cpp of the module
//
// The base builds the pms_plugin vtable and every hook table with noexcept trampolines
// (trampoline.hpp). Which hooks the plugin implements is decided at compile time from the
// member functions it declares (see the concepts below); the descriptor's capabilities list
// follows automatically. Hook member functions, all called on the instance strand:
//
//  pms.folio-button/1    required: std::vector<button> buttons()            (read once, cached)
//                                  on_click(button_id, view_session_id, folio_context, view_reply)
//                        optional: bool is_button_enabled(button_id, folio_context)  [true]
//                                  on_view_event(const view_event&, view_reply)  [PMS_NOT_SUPPORTED]
//                                  on_view_closed(std::string_view view_session_id)
//  pms.settings-schema/1 required: std::string settings_schema()
//                        optional: std::optional<std::string> validate_settings(std::string_view)
//                                    (nullopt = valid, else the field-errors JSON)  [valid]
//                                  on_settings_changed()
//                                  run_settings_action(action_id, settings_json, action_reply)
//                                    [PMS_NOT_FOUND]
//  pms.payment-types/1   required: std::vector<payment_type> payment_types()  (read once, cached)
//                        optional: on_mapping_changed()
//  pms.notification-sink/1 required: on_notification(const inbound_request&, inbound_reply)
//  pms.admin-page/1      required: std::vector<admin_page> admin_pages()    (read once, cached)
//   (since 1.2)                    on_page_open(page_id, view_session_id, page_context, view_reply)
//                        optional: on_page_event(const page_event&, view_reply)  [PMS_NOT_SUPPORTED]
//                                  on_page_closed(std::string_view view_session_id)
//                        (own names, not on_view_event/on_view_closed: a plugin with folio
//                        buttons and pages tells the two kinds of session apart by the member
//                        that is called; pushes go through host().push_page_view)
//
// Lifecycle members may return void or pms_status. An exception escaping any member becomes
// PMS_INTERNAL (or the hook's neutral value) and is logged as PLUGIN_MISBEHAVING. For the
// asynchronous hooks the reply object guarantees exactly one answer (reply.hpp): a member that
// takes the reply by value owns it from the call on, so when it throws the reply answers
// PMS_INTERNAL as the exception unwinds (and the hook returns PMS_OK); a member that takes it
// by rvalue reference and throws before moving it makes the hook return PMS_INTERNAL, and the
// host expects no answer.
#pragma once

#include <pms/plugin_api/host.h>
#include <pms/plugin_api/hooks/admin_page.h>
#include <pms/plugin_api/hooks/folio_button.h>
#include <pms/plugin_api/hooks/notification_sink.h>
#include <pms/plugin_api/hooks/payment_types.h>
#include <pms/plugin_api/hooks/settings_schema.h>
#include <pms/plugin_api/plugin.h>

#include <pms/plugin_sdk/executor.hpp>
#include <pms/plugin_sdk/folio.hpp>
#include <pms/plugin_sdk/host.hpp>
#include <pms/plugin_sdk/http.hpp>
#include <pms/plugin_sdk/mail.hpp>
#include <pms/plugin_sdk/reply.hpp>
#include <pms/plugin_sdk/store.hpp>
#include <pms/plugin_sdk/strings.hpp>
#include <pms/plugin_sdk/trampoline.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace pms::sdk {

/// Static facts for the descriptor (all strings static, NUL-terminated).
struct plugin_info {
    const char* id = "";
    const char* name = "";
    const char* vendor = "";
    const char* version = "0.0.0";
    const char* description = "";
    const char* url = "";
    const char* support_url = "";
    std::uint64_t flags = 0;
};

/// A folio toolbar button.
struct button {
    std::string id{};
    std::string label{};
    std::string icon{};
    std::string tooltip{};
};

/// A payment kind for pms.payment-types/1.
struct payment_type {
    std::string code{};
    std::string name{};
    pms_payment_direction direction = PMS_PAYMENT_INCOMING;
};

/// pms_folio_context as owned strings.
struct folio_context {
    std::string property_id{};
    std::string folio_id{};
    std::string booking_id{};
    std::string staff_user_id{};
    std::string staff_user_name{};
    std::string locale{};

    static folio_context from(const pms_folio_context* c) {
        folio_context out;
        if (c == nullptr)
            return out;
        out.property_id.assign(to_string_view(c->property_id));
        out.folio_id.assign(to_string_view(c->folio_id));
        out.booking_id.assign(to_string_view(c->booking_id));
        out.staff_user_id.assign(to_string_view(c->staff_user_id));
        out.staff_user_name.assign(to_string_view(c->staff_user_name));
        if (PMS_HAS_FIELD(c, pms_folio_context, locale))
            out.locale.assign(to_string_view(c->locale));
        return out;
    }
};

/// pms_view_event as owned strings.
struct view_event {
    std::string view_session_id{};
    std::string event_json{}; // "pms.view-event/1"
    folio_context context;
};

/// A page in the staff menu (pms.admin-page/1). `section` is a PMS_ADMIN_SECTION_* value;
/// `permission` one of the host's permission names (e.g. "suspense.manage").
struct admin_page {
    std::string id{};
    std::string title{};
    std::string section{PMS_ADMIN_SECTION_ADMIN};
    std::string permission{};
};

/// pms_admin_page_context as owned strings.
struct page_context {
    std::string property_id{};
    std::string page_id{};
    std::string staff_user_id{};
    std::string staff_user_name{};
    std::string locale{};

    static page_context from(const pms_admin_page_context* c) {
        page_context out;
        if (c == nullptr)
            return out;
        out.property_id.assign(to_string_view(c->property_id));
        out.page_id.assign(to_string_view(c->page_id));
        out.staff_user_id.assign(to_string_view(c->staff_user_id));
        out.staff_user_name.assign(to_string_view(c->staff_user_name));
        out.locale.assign(to_string_view(c->locale));
        return out;
    }
};

/// pms_admin_page_event as owned strings.
struct page_event {
    std::string view_session_id{};
    std::string event_json{}; // "pms.view-event/1" with "page_id"
    page_context context;
};

/// pms_inbound_request as owned values.
struct inbound_request {
    std::string method{};
    std::string path{};
    std::string query{};
    std::vector<http_header> headers{};
    std::string body{};
    std::string remote_address{};
    std::chrono::milliseconds deadline{0};

    std::optional<std::string_view> header(std::string_view name) const {
        for (const auto& h : headers) {
            if (h.name.size() != name.size())
                continue;
            bool same = true;
            for (std::size_t i = 0; i < name.size() && same; ++i) {
                auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
                same = lower(h.name[i]) == lower(name[i]);
            }
            if (same)
                return std::string_view(h.value);
        }
        return std::nullopt;
    }

    static inbound_request from(const pms_inbound_request* r) {
        inbound_request out;
        out.method.assign(to_string_view(r->method));
        out.path.assign(to_string_view(r->path));
        out.query.assign(to_string_view(r->query));
        out.headers.reserve(r->header_count);
        for (std::size_t i = 0; i < r->header_count; ++i)
            out.headers.push_back({std::string(to_string_view(r->headers[i].name)),
                                   std::string(to_string_view(r->headers[i].value))});
        out.body.assign(to_string_view(r->body));
        out.remote_address.assign(to_string_view(r->remote_address));
        out.deadline = std::chrono::milliseconds(r->deadline_ms);
        return out;
    }
};

// ---- Which hooks a plugin class implements ----------------------------------------------------

template <class P>
concept has_folio_buttons = requires(P& p, std::string_view s, const folio_context& c,
                                     view_reply r) {
    { p.buttons() } -> std::convertible_to<std::vector<button>>;
    p.on_click(s, s, c, std::move(r));
};

template <class P>
concept has_admin_pages = requires(P& p, std::string_view s, const page_context& c, view_reply r) {
    { p.admin_pages() } -> std::convertible_to<std::vector<admin_page>>;
    p.on_page_open(s, s, c, std::move(r));
};

template <class P>
concept has_settings_schema = requires(P& p) {
    { p.settings_schema() } -> std::convertible_to<std::string>;
};

template <class P>
concept has_payment_types = requires(P& p) {
    { p.payment_types() } -> std::convertible_to<std::vector<payment_type>>;
};

template <class P>
concept has_notification_sink = requires(P& p, const inbound_request& r, inbound_reply reply) {
    p.on_notification(r, std::move(reply));
};

namespace detail {

template <class F>
pms_status call_status(F&& f) {
    if constexpr (std::is_void_v<std::invoke_result_t<F&>>) {
        f();
        return PMS_OK;
    } else {
        return static_cast<pms_status>(f());
    }
}

} // namespace detail

/// The CRTP base. `Derived` must have `static constexpr plugin_info info` and a constructor
/// taking `const pms_host*` (inherit this one: `using plugin::plugin;`).
template <class Derived>
class plugin {
public:
    explicit plugin(const pms_host* host) noexcept : host_(host), context_(host, nullptr) {
        c_plugin_.struct_size = sizeof(pms_plugin);
        c_plugin_.desc = &descriptor();
        c_plugin_.plugin_data = this;
        c_plugin_.init = &c_init;
        c_plugin_.activate = &c_activate;
        c_plugin_.deactivate = &c_deactivate;
        c_plugin_.destroy = &c_destroy;
        c_plugin_.get_extension = &c_get_extension;
    }

    plugin(const plugin&) = delete;
    plugin& operator=(const plugin&) = delete;

    // ---- What plugin code uses ----------------------------------------------------------------

    /// The host and its synchronous services (valid from init()).
    const sdk::host& host() const noexcept { return host_; }
    /// The instance strand as an Asio executor (valid from init()).
    executor get_executor() noexcept { return context_.get_executor(); }
    instance_context& context() noexcept { return context_; }
    http_client http() noexcept { return http_client(host_, get_executor()); }
    folio_client folio() noexcept { return folio_client(host_, get_executor()); }
    mail_client mail() noexcept { return mail_client(host_, get_executor()); }
    sdk::store store() const noexcept { return sdk::store(host_); }
    const pms_plugin* c_plugin() const noexcept { return &c_plugin_; }

    // ---- Defaults the derived class may hide --------------------------------------------------

    void init() {}
    void activate() {}
    void deactivate() {}

    // ---- Static parts -------------------------------------------------------------------------

    /// The descriptor (built once, on first use; valid until the module is unloaded).
    static const pms_plugin_descriptor& descriptor() noexcept {
        static const pms_plugin_descriptor d = [] {
            pms_plugin_descriptor x{};
            x.struct_size = sizeof(pms_plugin_descriptor);
            x.api = PMS_VERSION_INIT;
            x.id = Derived::info.id;
            x.name = Derived::info.name;
            x.vendor = Derived::info.vendor;
            x.version = Derived::info.version;
            x.description = Derived::info.description;
            x.url = Derived::info.url;
            x.support_url = Derived::info.support_url;
            x.capabilities = capability_list();
            x.flags = Derived::info.flags;
            return x;
        }();
        return d;
    }

    /// factory.create for this class: a new instance, or NULL (creation threw). Host calls are
    /// not allowed here, so nothing is logged.
    static const pms_plugin* create(const pms_host* host) noexcept {
        try {
            auto* p = new Derived(host);
            return static_cast<plugin*>(p)->c_plugin();
        } catch (...) {
            return nullptr;
        }
    }

private:
    // Everything that inspects Derived lives in function bodies: they are instantiated only
    // once Derived is complete (the class body of plugin<Derived> is instantiated while
    // Derived is still incomplete, where the hook concepts would wrongly be false).
    static const char* const* capability_list() noexcept {
        constexpr std::size_t n = std::size_t(has_folio_buttons<Derived>) +
                                  std::size_t(has_settings_schema<Derived>) +
                                  std::size_t(has_payment_types<Derived>) +
                                  std::size_t(has_notification_sink<Derived>) +
                                  std::size_t(has_admin_pages<Derived>);
        static constexpr std::array<const char*, n + 1> list = [] {
            std::array<const char*, n + 1> a{};
            std::size_t i = 0;
            if constexpr (has_folio_buttons<Derived>)
                a[i++] = PMS_HOOK_FOLIO_BUTTON;
            if constexpr (has_settings_schema<Derived>)
                a[i++] = PMS_HOOK_SETTINGS_SCHEMA;
            if constexpr (has_payment_types<Derived>)
                a[i++] = PMS_HOOK_PAYMENT_TYPES;
            if constexpr (has_notification_sink<Derived>)
                a[i++] = PMS_HOOK_NOTIFICATION_SINK;
            if constexpr (has_admin_pages<Derived>)
                a[i++] = PMS_HOOK_ADMIN_PAGE;
            a[i] = nullptr;
            return a;
        }();
        return list.data();
    }

    static plugin& base(const pms_plugin* p) noexcept {
        return *static_cast<plugin*>(p->plugin_data);
    }
    static Derived& self(const pms_plugin* p) noexcept {
        return static_cast<Derived&>(base(p));
    }
    static const pms_host* host_of(const pms_plugin* p) noexcept { return base(p).host_.c_host(); }

    // ---- pms_plugin ---------------------------------------------------------------------------

    static pms_status c_init(const pms_plugin* p) noexcept {
        return guard(host_of(p), "init", [&] {
            plugin& b = base(p);
            b.host_.load_extensions();
            b.context_.reset(b.host_.c_host(), b.host_.executor_ext());
            return detail::call_status([&] { return self(p).init(); });
        });
    }
    static pms_status c_activate(const pms_plugin* p) noexcept {
        return guard(host_of(p), "activate",
                     [&] { return detail::call_status([&] { return self(p).activate(); }); });
    }
    static void c_deactivate(const pms_plugin* p) noexcept {
        guard_void(host_of(p), "deactivate", [&] { self(p).deactivate(); });
    }
    static void c_destroy(const pms_plugin* p) noexcept {
        guard_void(host_of(p), "destroy", [&] { delete &self(p); });
    }
    static const void* c_get_extension(const pms_plugin* p, const char* id) noexcept {
        (void)p;
        if (id == nullptr)
            return nullptr;
        if constexpr (has_folio_buttons<Derived>)
            if (std::strcmp(id, PMS_HOOK_FOLIO_BUTTON) == 0)
                return folio_button_table();
        if constexpr (has_settings_schema<Derived>)
            if (std::strcmp(id, PMS_HOOK_SETTINGS_SCHEMA) == 0)
                return settings_schema_table();
        if constexpr (has_payment_types<Derived>)
            if (std::strcmp(id, PMS_HOOK_PAYMENT_TYPES) == 0)
                return payment_types_table();
        if constexpr (has_notification_sink<Derived>)
            if (std::strcmp(id, PMS_HOOK_NOTIFICATION_SINK) == 0)
                return notification_sink_table();
        if constexpr (has_admin_pages<Derived>)
            if (std::strcmp(id, PMS_HOOK_ADMIN_PAGE) == 0)
                return admin_page_table();
        return nullptr;
    }

    // Runs an async hook: builds the reply, calls the member, and keeps the exactly-once rule
    // when the member throws (see the file comment).
    template <class Reply, class F>
    static pms_status run_async_hook(const pms_plugin* p, const char* where, Reply& reply, F&& f) noexcept {
        try {
            f();
            return PMS_OK;
        } catch (...) {
            detail::log_caught_exception(host_of(p), where);
            if (reply.pending()) {
                reply.disarm(); // never handed over: report by return value instead
                return PMS_INTERNAL;
            }
            return PMS_OK; // handed over: that object has answered (or will)
        }
    }

    // ---- pms.folio-button/1 -------------------------------------------------------------------

    std::vector<button> buttons_{};
    bool buttons_loaded_ = false;

    static std::vector<button>& cached_buttons(const pms_plugin* p) {
        plugin& b = base(p);
        if (!b.buttons_loaded_) {
            b.buttons_ = self(p).buttons();
            b.buttons_loaded_ = true;
        }
        return b.buttons_;
    }
    static std::uint32_t fb_count(const pms_plugin* p) noexcept {
        return guard_value<std::uint32_t>(host_of(p), "folio-button count", 0u, [&] {
            return static_cast<std::uint32_t>(cached_buttons(p).size());
        });
    }
    static pms_status fb_get(const pms_plugin* p, std::uint32_t index, pms_button_info* info) noexcept {
        return guard(host_of(p), "folio-button get", [&]() -> pms_status {
            const auto& list = cached_buttons(p);
            if (info == nullptr || index >= list.size())
                return PMS_INVALID_ARGUMENT;
            const button& bt = list[index];
            if (PMS_HAS_FIELD(info, pms_button_info, id))
                info->id = bt.id.c_str();
            if (PMS_HAS_FIELD(info, pms_button_info, label))
                info->label = bt.label.c_str();
            if (PMS_HAS_FIELD(info, pms_button_info, icon))
                info->icon = bt.icon.c_str();
            if (PMS_HAS_FIELD(info, pms_button_info, tooltip))
                info->tooltip = bt.tooltip.c_str();
            return PMS_OK;
        });
    }
    static std::int32_t fb_is_enabled(const pms_plugin* p, const char* button_id,
                                      const pms_folio_context* ctx) noexcept {
        return guard_value<std::int32_t>(host_of(p), "folio-button is_enabled", 0, [&]() -> std::int32_t {
            if constexpr (requires(Derived& d, std::string_view s, const folio_context& c) {
                              { d.is_button_enabled(s, c) } -> std::convertible_to<bool>;
                          }) {
                return self(p).is_button_enabled(to_string_view(button_id), folio_context::from(ctx)) ? 1 : 0;
            } else {
                return 1;
            }
        });
    }
    static pms_status fb_on_click(const pms_plugin* p, const char* button_id,
                                  pms_str view_session_id, const pms_folio_context* ctx,
                                  pms_view_done done) noexcept {
        if (done.fn == nullptr)
            return PMS_INVALID_ARGUMENT;
        view_reply reply(done, host_of(p));
        return run_async_hook(p, "folio-button on_click", reply, [&] {
            self(p).on_click(to_string_view(button_id), to_string_view(view_session_id),
                             folio_context::from(ctx), std::move(reply));
        });
    }
    static pms_status fb_on_view_event(const pms_plugin* p, const pms_view_event* ev,
                                       pms_view_done done) noexcept {
        if (done.fn == nullptr || ev == nullptr)
            return PMS_INVALID_ARGUMENT;
        if constexpr (requires(Derived& d, const view_event& e, view_reply r) {
                          d.on_view_event(e, std::move(r));
                      }) {
            view_reply reply(done, host_of(p));
            return run_async_hook(p, "folio-button on_view_event", reply, [&] {
                view_event e;
                e.view_session_id.assign(to_string_view(ev->view_session_id));
                e.event_json.assign(to_string_view(ev->event_json));
                e.context = folio_context::from(ev->context);
                self(p).on_view_event(e, std::move(reply));
            });
        } else {
            return PMS_NOT_SUPPORTED;
        }
    }
    static void fb_on_view_closed(const pms_plugin* p, pms_str view_session_id) noexcept {
        guard_void(host_of(p), "folio-button on_view_closed", [&] {
            if constexpr (requires(Derived& d, std::string_view s) { d.on_view_closed(s); })
                self(p).on_view_closed(to_string_view(view_session_id));
        });
    }
    static const pms_plugin_folio_button* folio_button_table() noexcept {
        static constexpr pms_plugin_folio_button table{
        &fb_count, &fb_get, &fb_is_enabled, &fb_on_click, &fb_on_view_event, &fb_on_view_closed};
        return &table;
    }

    // ---- pms.settings-schema/1 ----------------------------------------------------------------

    static pms_status ss_get_schema(const pms_plugin* p, const pms_writer* out) noexcept {
        return guard(host_of(p), "settings-schema get_schema",
                     [&] { return write_to(out, self(p).settings_schema()); });
    }
    static pms_status ss_validate(const pms_plugin* p, pms_str settings_json,
                                  const pms_writer* errors) noexcept {
        return guard(host_of(p), "settings-schema validate", [&]() -> pms_status {
            if constexpr (requires(Derived& d, std::string_view s) {
                              { d.validate_settings(s) } -> std::convertible_to<std::optional<std::string>>;
                          }) {
                std::optional<std::string> e = self(p).validate_settings(to_string_view(settings_json));
                if (!e)
                    return PMS_OK;
                const pms_status w = write_to(errors, *e);
                return w == PMS_OK ? PMS_INVALID_ARGUMENT : w;
            } else {
                return PMS_OK;
            }
        });
    }
    static void ss_on_settings_changed(const pms_plugin* p) noexcept {
        guard_void(host_of(p), "settings-schema on_settings_changed", [&] {
            if constexpr (requires(Derived& d) { d.on_settings_changed(); })
                self(p).on_settings_changed();
        });
    }
    static pms_status ss_run_action(const pms_plugin* p, const char* action_id,
                                    pms_str settings_json, pms_action_done done) noexcept {
        if (done.fn == nullptr)
            return PMS_INVALID_ARGUMENT;
        if constexpr (requires(Derived& d, std::string_view s, action_reply r) {
                          d.run_settings_action(s, s, std::move(r));
                      }) {
            action_reply reply(done, host_of(p));
            return run_async_hook(p, "settings-schema run_action", reply, [&] {
                self(p).run_settings_action(to_string_view(action_id),
                                            to_string_view(settings_json), std::move(reply));
            });
        } else {
            return PMS_NOT_FOUND;
        }
    }
    static const pms_plugin_settings_schema* settings_schema_table() noexcept {
        static constexpr pms_plugin_settings_schema table{
        &ss_get_schema, &ss_validate, &ss_on_settings_changed, &ss_run_action};
        return &table;
    }

    // ---- pms.payment-types/1 ------------------------------------------------------------------

    std::vector<payment_type> payment_types_{};
    bool payment_types_loaded_ = false;

    static std::vector<payment_type>& cached_payment_types(const pms_plugin* p) {
        plugin& b = base(p);
        if (!b.payment_types_loaded_) {
            b.payment_types_ = self(p).payment_types();
            b.payment_types_loaded_ = true;
        }
        return b.payment_types_;
    }
    static std::uint32_t pt_count(const pms_plugin* p) noexcept {
        return guard_value<std::uint32_t>(host_of(p), "payment-types count", 0u, [&] {
            return static_cast<std::uint32_t>(cached_payment_types(p).size());
        });
    }
    static pms_status pt_get(const pms_plugin* p, std::uint32_t index,
                             pms_payment_type_info* info) noexcept {
        return guard(host_of(p), "payment-types get", [&]() -> pms_status {
            const auto& list = cached_payment_types(p);
            if (info == nullptr || index >= list.size())
                return PMS_INVALID_ARGUMENT;
            const payment_type& t = list[index];
            if (PMS_HAS_FIELD(info, pms_payment_type_info, code))
                info->code = t.code.c_str();
            if (PMS_HAS_FIELD(info, pms_payment_type_info, name))
                info->name = t.name.c_str();
            if (PMS_HAS_FIELD(info, pms_payment_type_info, direction))
                info->direction = t.direction;
            return PMS_OK;
        });
    }
    static void pt_on_mapping_changed(const pms_plugin* p) noexcept {
        guard_void(host_of(p), "payment-types on_mapping_changed", [&] {
            if constexpr (requires(Derived& d) { d.on_mapping_changed(); })
                self(p).on_mapping_changed();
        });
    }
    static const pms_plugin_payment_types* payment_types_table() noexcept {
        static constexpr pms_plugin_payment_types table{&pt_count, &pt_get,
                                                                  &pt_on_mapping_changed};
        return &table;
    }

    // ---- pms.notification-sink/1 --------------------------------------------------------------

    static pms_status ns_handle(const pms_plugin* p, const pms_inbound_request* request,
                                pms_reply_done done) noexcept {
        if (done.fn == nullptr || request == nullptr)
            return PMS_INVALID_ARGUMENT;
        if constexpr (has_notification_sink<Derived>) {
            inbound_reply reply(done, host_of(p));
            return run_async_hook(p, "notification-sink handle", reply, [&] {
                self(p).on_notification(inbound_request::from(request), std::move(reply));
            });
        } else {
            return PMS_NOT_SUPPORTED;
        }
    }
    static const pms_plugin_notification_sink* notification_sink_table() noexcept {
        static constexpr pms_plugin_notification_sink table{&ns_handle};
        return &table;
    }

    // ---- pms.admin-page/1 ----------------------------------------------------------------------

    std::vector<admin_page> admin_pages_{};
    bool admin_pages_loaded_ = false;

    static std::vector<admin_page>& cached_admin_pages(const pms_plugin* p) {
        plugin& b = base(p);
        if (!b.admin_pages_loaded_) {
            b.admin_pages_ = self(p).admin_pages();
            b.admin_pages_loaded_ = true;
        }
        return b.admin_pages_;
    }
    static std::uint32_t ap_count(const pms_plugin* p) noexcept {
        return guard_value<std::uint32_t>(host_of(p), "admin-page count", 0u, [&] {
            return static_cast<std::uint32_t>(cached_admin_pages(p).size());
        });
    }
    static pms_status ap_get(const pms_plugin* p, std::uint32_t index,
                             pms_admin_page_info* info) noexcept {
        return guard(host_of(p), "admin-page get", [&]() -> pms_status {
            const auto& list = cached_admin_pages(p);
            if (info == nullptr || index >= list.size())
                return PMS_INVALID_ARGUMENT;
            const admin_page& pg = list[index];
            if (PMS_HAS_FIELD(info, pms_admin_page_info, id))
                info->id = pg.id.c_str();
            if (PMS_HAS_FIELD(info, pms_admin_page_info, title))
                info->title = pg.title.c_str();
            if (PMS_HAS_FIELD(info, pms_admin_page_info, section))
                info->section = pg.section.c_str();
            if (PMS_HAS_FIELD(info, pms_admin_page_info, permission))
                info->permission = pg.permission.c_str();
            return PMS_OK;
        });
    }
    static pms_status ap_on_open(const pms_plugin* p, const char* page_id, pms_str view_session_id,
                                 const pms_admin_page_context* ctx, pms_view_done done) noexcept {
        if (done.fn == nullptr)
            return PMS_INVALID_ARGUMENT;
        view_reply reply(done, host_of(p));
        return run_async_hook(p, "admin-page on_open", reply, [&] {
            self(p).on_page_open(to_string_view(page_id), to_string_view(view_session_id),
                                 page_context::from(ctx), std::move(reply));
        });
    }
    static pms_status ap_on_view_event(const pms_plugin* p, const pms_admin_page_event* ev,
                                       pms_view_done done) noexcept {
        if (done.fn == nullptr || ev == nullptr)
            return PMS_INVALID_ARGUMENT;
        if constexpr (requires(Derived& d, const page_event& e, view_reply r) {
                          d.on_page_event(e, std::move(r));
                      }) {
            view_reply reply(done, host_of(p));
            return run_async_hook(p, "admin-page on_view_event", reply, [&] {
                page_event e;
                e.view_session_id.assign(to_string_view(ev->view_session_id));
                e.event_json.assign(to_string_view(ev->event_json));
                e.context = page_context::from(ev->context);
                self(p).on_page_event(e, std::move(reply));
            });
        } else {
            return PMS_NOT_SUPPORTED;
        }
    }
    static void ap_on_view_closed(const pms_plugin* p, pms_str view_session_id) noexcept {
        guard_void(host_of(p), "admin-page on_view_closed", [&] {
            if constexpr (requires(Derived& d, std::string_view s) { d.on_page_closed(s); })
                self(p).on_page_closed(to_string_view(view_session_id));
        });
    }
    static const pms_plugin_admin_page* admin_page_table() noexcept {
        static constexpr pms_plugin_admin_page table{&ap_count, &ap_get, &ap_on_open,
                                                     &ap_on_view_event, &ap_on_view_closed};
        return &table;
    }

    // ---- State ----------------------------------------------------------------------------------

    sdk::host host_;
    instance_context context_;
    pms_plugin c_plugin_{};
};

} // namespace pms::sdk
