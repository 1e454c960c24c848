// See instance.hpp.
#include "instance.hpp"

#include "hook_completions.hpp"
#include "runtime_impl.hpp"
#include "services/services.hpp"

#include <pms/host/auth/permissions.hpp>
#include <pms/host/storage/errors.hpp>
#include <pms/host/storage/settings_repository.hpp>

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cstring>

namespace pms::host::detail {
namespace {

constexpr std::uint64_t instance_magic = 0x504d53494e535431ULL; // "PMSINST1"

// The last field a v1.0 reader needs in pms_plugin.
constexpr std::size_t plugin_min_size =
    offsetof(pms_plugin, get_extension) + sizeof(pms_plugin::get_extension);

const void* host_get_extension(const pms_host* host, const char* id) noexcept {
    if (Instance::from_host(host) == nullptr || id == nullptr)
        return nullptr;
    return host_extension(id);
}

} // namespace

Instance::Instance(Runtime::Impl& runtime, const LoadedPlugin& plugin, const Property& prop)
    : rt{runtime}, module{plugin.module},
      descriptor{plugin.descriptor}, plugin_id{plugin.info.id}, property{prop.id},
      property_text{std::to_string(prop.id.value)}, origin{"plugin:" + plugin.info.id + "@" +
                                                           std::to_string(prop.id.value)},
      time_zone{prop.time_zone}, utc_offset_minutes{prop.utc_offset_minutes},
      capabilities{plugin.info.capabilities}, strand{asio::make_strand(*runtime.ioc)},
      ops{[this](std::function<void()> f) { asio::post(strand, std::move(f)); }},
      magic_{instance_magic} {
    host_.struct_size = sizeof(pms_host);
    host_.api = pms_version PMS_VERSION_INIT;
    host_.host_data = this;
    host_.name = rt.options.host_name.c_str();
    host_.vendor = rt.options.host_vendor.c_str();
    host_.version = rt.options.host_version.c_str();
    host_.property_id = property_text.c_str();
    host_.locale = rt.options.locale.c_str();
    host_.get_extension = &host_get_extension;
}

Instance::~Instance() {
    magic_ = 0;
}

Instance* Instance::from_host(const pms_host* host) noexcept {
    if (host == nullptr || host->host_data == nullptr)
        return nullptr;
    auto* inst = static_cast<Instance*>(host->host_data);
    return inst->magic_ == instance_magic && inst->c_host() == host ? inst : nullptr;
}

void Instance::log(LogLevel level, std::string_view text) noexcept {
    rt.logger.write(level, origin, text);
}

void Instance::set_state(InstanceState s, std::string message) {
    std::lock_guard lock(status_mutex_);
    state.store(s);
    status_message_ = std::move(message);
}

InstanceInfo Instance::info() const {
    InstanceInfo out;
    out.plugin_id = plugin_id;
    out.property = property;
    out.state = state.load();
    {
        std::lock_guard lock(status_mutex_);
        out.status_message = status_message_;
    }
    out.outstanding_operations = ops.outstanding();
    return out;
}

bool Instance::has_capability(std::string_view id) const noexcept {
    for (const auto& c : capabilities)
        if (c == id)
            return true;
    return false;
}

void Instance::refresh_secret_redaction() noexcept {
    try {
        auto& settings = rt.storage.settings();
        std::vector<std::string> values;
        for (const auto& key : settings.secret_keys(settings_scope()))
            if (auto v = settings.get_secret(settings_scope(), key))
                values.push_back(*v);
        rt.logger.set_secrets(origin, std::move(values));
    } catch (const std::exception& e) {
        log(LogLevel::warning, std::string{"cannot read secrets for log redaction: "} + e.what());
    }
}

void Instance::cache_hooks() {
    hooks = {};
    payment_kinds.clear();
    auto lookup = [&](const char* id) -> const void* {
        if (!has_capability(id))
            return nullptr;
        const void* table = plugin->get_extension(plugin, id);
        if (table == nullptr)
            log(LogLevel::plugin_misbehaving,
                std::string{"declares "} + id + " but get_extension returned NULL");
        return table;
    };
    if (const auto* t =
            static_cast<const pms_plugin_folio_button*>(lookup(PMS_HOOK_FOLIO_BUTTON))) {
        if (t->count && t->get && t->is_enabled && t->on_click && t->on_view_event &&
            t->on_view_closed)
            hooks.folio_button = t;
        else
            log(LogLevel::plugin_misbehaving, "pms.folio-button/1 table has a NULL function");
    }
    if (const auto* t =
            static_cast<const pms_plugin_settings_schema*>(lookup(PMS_HOOK_SETTINGS_SCHEMA))) {
        if (t->get_schema && t->validate && t->on_settings_changed && t->run_action)
            hooks.settings = t;
        else
            log(LogLevel::plugin_misbehaving, "pms.settings-schema/1 table has a NULL function");
    }
    if (const auto* t =
            static_cast<const pms_plugin_payment_types*>(lookup(PMS_HOOK_PAYMENT_TYPES))) {
        if (t->count && t->get && t->on_mapping_changed)
            hooks.payment_types = t;
        else
            log(LogLevel::plugin_misbehaving, "pms.payment-types/1 table has a NULL function");
    }
    if (const auto* t =
            static_cast<const pms_plugin_notification_sink*>(lookup(PMS_HOOK_NOTIFICATION_SINK))) {
        if (t->handle)
            hooks.sink = t;
        else
            log(LogLevel::plugin_misbehaving, "pms.notification-sink/1 table has a NULL function");
    }
    if (const auto* t = static_cast<const pms_plugin_admin_page*>(lookup(PMS_HOOK_ADMIN_PAGE))) {
        if (t->count && t->get && t->on_open && t->on_view_event && t->on_view_closed)
            hooks.admin_page = t;
        else
            log(LogLevel::plugin_misbehaving, "pms.admin-page/1 table has a NULL function");
    }
    if (hooks.payment_types != nullptr) {
        const std::uint32_t n = hooks.payment_types->count(plugin);
        for (std::uint32_t i = 0; i < n && i < 256; ++i) {
            pms_payment_type_info info{};
            info.struct_size = sizeof(info);
            if (hooks.payment_types->get(plugin, i, &info) != PMS_OK || info.code == nullptr ||
                info.code[0] == '\0') {
                log(LogLevel::plugin_misbehaving,
                    "pms.payment-types/1 get(" + std::to_string(i) + ") gave no code");
                continue;
            }
            PaymentKind kind;
            kind.code = info.code;
            kind.name = info.name != nullptr ? info.name : info.code;
            kind.direction = info.direction == PMS_PAYMENT_OUTGOING ? PaymentDirection::outgoing
                                                                    : PaymentDirection::incoming;
            payment_kinds.push_back(std::move(kind));
        }
    }
}

namespace {

// A page id is part of the page's address in the UI and the API: a plain identifier.
bool plain_page_id(std::string_view id) {
    if (id.empty() || id.size() > 64)
        return false;
    return std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '.' || c == '-';
    });
}

} // namespace

// Reads and checks the pages once. One bad page refuses them all: a partial menu would hide
// the mistake, and a page guarded by a permission the host does not know could never be shown
// to the right people anyway.
void Instance::load_admin_pages() {
    std::vector<AdminPage> pages;
    if (hooks.admin_page != nullptr && plugin != nullptr) {
        std::string refusal;
        const std::uint32_t n = hooks.admin_page->count(plugin);
        if (n > 64)
            refusal = "lists " + std::to_string(n) + " pages (at most 64)";
        for (std::uint32_t i = 0; i < n && refusal.empty(); ++i) {
            pms_admin_page_info info{};
            info.struct_size = sizeof(info);
            const std::string where = "page " + std::to_string(i);
            if (hooks.admin_page->get(plugin, i, &info) != PMS_OK) {
                refusal = where + ": get failed";
                break;
            }
            if (info.id == nullptr || !plain_page_id(info.id)) {
                refusal = where + ": the id is missing or not ^[A-Za-z0-9_.-]{1,64}$";
                break;
            }
            const std::string id = info.id;
            if (info.title == nullptr || info.title[0] == '\0') {
                refusal = "page '" + id + "' has no title";
                break;
            }
            if (info.permission == nullptr || !auth::parse_permission(info.permission)) {
                refusal = "page '" + id + "' requires the unknown permission '" +
                          (info.permission != nullptr ? info.permission : "") + "'";
                break;
            }
            if (std::any_of(pages.begin(), pages.end(),
                            [&](const AdminPage& p) { return p.page_id == id; })) {
                refusal = "page id '" + id + "' is listed twice";
                break;
            }
            const std::string_view section = info.section != nullptr ? info.section : "";
            AdminPage page;
            page.plugin_id = plugin_id;
            page.page_id = id;
            page.title = info.title;
            page.section = section == PMS_ADMIN_SECTION_FINANCE || section == PMS_ADMIN_SECTION_REPORTS
                               ? std::string{section}
                               : std::string{PMS_ADMIN_SECTION_ADMIN};
            page.permission = info.permission;
            pages.push_back(std::move(page));
        }
        if (!refusal.empty()) {
            log(LogLevel::plugin_misbehaving, "pms.admin-page/1 pages refused: " + refusal);
            pages.clear();
        }
    }
    std::lock_guard lock(pages_mutex_);
    admin_pages_ = std::move(pages);
}

std::vector<AdminPage> Instance::admin_pages() const {
    std::lock_guard lock(pages_mutex_);
    return admin_pages_;
}

void Instance::view_closed(std::string_view session_id, bool page) noexcept {
    if (plugin == nullptr || !activated)
        return;
    const pms_str id{session_id.data(), session_id.size()};
    if (page) {
        if (hooks.admin_page != nullptr)
            hooks.admin_page->on_view_closed(plugin, id);
    } else if (hooks.folio_button != nullptr) {
        hooks.folio_button->on_view_closed(plugin, id);
    }
}

bool Instance::load_schema() {
    if (hooks.settings == nullptr || plugin == nullptr) {
        schema.reset();
        schema_error = "the plugin has no settings page";
        return false;
    }
    std::string text;
    pms_writer writer{&text, [](void* ctx, const char* data, std::size_t len) -> pms_status {
                          auto* out = static_cast<std::string*>(ctx);
                          if (data == nullptr && len != 0)
                              return PMS_INVALID_ARGUMENT;
                          if (out->size() + len > 1024 * 1024)
                              return PMS_TOO_LARGE;
                          out->append(data, len);
                          return PMS_OK;
                      }};
    const pms_status s = hooks.settings->get_schema(plugin, &writer);
    if (s != PMS_OK) {
        schema.reset();
        schema_error = std::string{"get_schema failed: "} + pms_status_name(s);
        log(LogLevel::error, schema_error);
        return false;
    }
    auto parsed = SettingsSchema::parse(text);
    if (auto* error = std::get_if<std::string>(&parsed)) {
        schema.reset();
        schema_error = *error;
        log(LogLevel::plugin_misbehaving, "settings schema refused: " + *error);
        return false;
    }
    schema = std::move(std::get<SettingsSchema>(parsed));
    schema_error.clear();
    return true;
}

std::string Instance::default_settings_json() const {
    if (!schema)
        return "{}";
    return boost::json::serialize(schema->defaults());
}

pms_status Instance::activate_now(std::string& error) {
    const pms_status s = plugin->activate(plugin);
    if (s != PMS_OK) {
        error = std::string{"activate failed: "} + pms_status_name(s);
        set_state(InstanceState::inactive, error);
        log(LogLevel::error, error);
        return s;
    }
    activated = true;
    load_admin_pages();
    set_state(InstanceState::active);
    log(LogLevel::info, "activated");
    return PMS_OK;
}

void Instance::start(std::function<void(Result<Unit>)> done) {
    ops.set_owner(weak_from_this());
    auto fail = [&](RuntimeErrc code, pms_status status, std::string message) {
        set_state(InstanceState::inactive, message);
        log(LogLevel::error, message);
        done(Result<Unit>{make_failure(code, message, status)});
    };
    const pms_plugin_factory* factory = module ? module->factory() : nullptr;
    if (factory == nullptr)
        return fail(RuntimeErrc::plugin_refused, PMS_UNAVAILABLE, "the module has no factory");
    const pms_plugin* p = factory->create(factory, &host_, plugin_id.c_str());
    if (p == nullptr)
        return fail(RuntimeErrc::plugin_error, PMS_INTERNAL, "factory.create returned NULL");
    if (p->struct_size < plugin_min_size || p->init == nullptr || p->activate == nullptr ||
        p->deactivate == nullptr || p->destroy == nullptr || p->get_extension == nullptr) {
        log(LogLevel::plugin_misbehaving, "pms_plugin too small or has a NULL function");
        if (p->struct_size >= offsetof(pms_plugin, destroy) + sizeof(p->destroy) &&
            p->destroy != nullptr)
            p->destroy(p);
        return fail(RuntimeErrc::plugin_misbehaving, PMS_INVALID_ARGUMENT,
                    "the plugin object is malformed");
    }
    plugin = p;
    ops.open();
    const pms_status init_status = p->init(p);
    if (init_status != PMS_OK) {
        const std::string message = std::string{"init failed: "} + pms_status_name(init_status);
        log(LogLevel::error, message);
        // Operations it may have started are cancelled and drained before destroy.
        stop([self = shared_from_this(), message, init_status, done = std::move(done)] {
            if (self->state.load() != InstanceState::zombie)
                self->set_state(InstanceState::inactive, message);
            done(Result<Unit>{make_failure(RuntimeErrc::plugin_error, message, init_status)});
        });
        return;
    }
    cache_hooks();
    if (hooks.settings != nullptr)
        load_schema();
    refresh_secret_redaction();
    std::string error;
    const pms_status s = activate_now(error);
    if (s != PMS_OK)
        return done(Result<Unit>{make_failure(RuntimeErrc::plugin_error, error, s)});
    done(Result<Unit>{Unit{}});
}

void Instance::reactivate(std::function<void(Result<Unit>)> done) {
    if (plugin == nullptr || stopping_)
        return done(Result<Unit>{make_failure(RuntimeErrc::unavailable, "instance is stopping")});
    if (activated)
        return done(Result<Unit>{Unit{}});
    std::string error;
    const pms_status s = activate_now(error);
    if (s != PMS_OK)
        return done(Result<Unit>{make_failure(RuntimeErrc::plugin_error, error, s)});
    done(Result<Unit>{Unit{}});
}

void Instance::stop(std::function<void()> done) {
    if (stopped_) {
        if (done)
            asio::post(strand, std::move(done));
        return;
    }
    if (done)
        stop_waiters_.push_back(std::move(done));
    if (stopping_)
        return;
    stopping_ = true;
    if (plugin == nullptr) { // a record of a failed start: nothing to drain
        stopped_ = true;
        auto waiters = std::exchange(stop_waiters_, {});
        for (auto& w : waiters)
            w();
        return;
    }
    set_state(InstanceState::draining);
    log(LogLevel::info, "draining");

    // Open dialogs: the plugin forgets them; their pending clicks/events are answered below.
    for (const auto& session : rt.take_sessions_of(this)) {
        std::deque<std::function<void()>> queued;
        {
            std::lock_guard lock(session->mutex);
            session->open = false;
            queued = std::exchange(session->queued, {});
        }
        for (auto& q : queued)
            asio::post(strand, std::move(q)); // each sees the session closed and fails
        view_closed(session->id, session->kind == ViewKind::admin_page);
    }
    // Hook completions the plugin still owes: the callers get "cancelled" now; the plugin may
    // still complete them until it is destroyed (the answer is then discarded).
    HookCompletions::instance().answer_all(
        this, make_failure(RuntimeErrc::cancelled, "the plugin instance is being stopped",
                           PMS_CANCELLED));

    drain_timer_ = std::make_unique<asio::steady_timer>(strand, rt.options.drain_timeout);
    drain_timer_->async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
        auto self = weak.lock();
        if (!self || ec || self->stopped_)
            return;
        const std::size_t outstanding = self->ops.outstanding();
        const std::string message =
            "draining exceeded " + std::to_string(self->rt.options.drain_timeout.count()) +
            " ms with " + std::to_string(outstanding) +
            " host operation(s) outstanding: left as a zombie, its module is never unloaded";
        self->set_state(InstanceState::zombie, message);
        self->log(LogLevel::plugin_misbehaving, message);
        if (self->module)
            self->module->mark_zombie();
        auto waiters = std::exchange(self->stop_waiters_, {});
        for (auto& w : waiters)
            w();
    });
    ops.drain(true, [weak = weak_from_this()] {
        if (auto self = weak.lock())
            self->finish_stop();
    });
}

void Instance::finish_stop() {
    if (stopped_)
        return;
    if (drain_timer_)
        drain_timer_->cancel();
    const bool zombie = state.load() == InstanceState::zombie;
    // No delivery is outstanding: refuse everything from here on (a post from deactivate gets
    // PMS_UNAVAILABLE), then deactivate and destroy.
    ops.finalise();
    if (activated) {
        plugin->deactivate(plugin);
        activated = false;
    }
    destroy_plugin();
    stopped_ = true;
    if (zombie)
        log(LogLevel::warning, "zombie instance finally drained and destroyed");
    else
        log(LogLevel::info, "deactivated and destroyed");
    auto waiters = std::exchange(stop_waiters_, {});
    for (auto& w : waiters)
        w();
}

void Instance::destroy_plugin() noexcept {
    if (plugin == nullptr)
        return;
    const pms_plugin* p = std::exchange(plugin, nullptr);
    hooks = {};
    {
        std::lock_guard lock(pages_mutex_);
        admin_pages_.clear(); // its strings came from a plugin that is gone
    }
    p->destroy(p);
    HookCompletions::instance().forget(this);
}

} // namespace pms::host::detail
