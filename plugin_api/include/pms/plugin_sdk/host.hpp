// pms/plugin_sdk/host.hpp — a typed view of the pms_host an instance was created with, and of
// its synchronous services (log, clock, notify, settings, property).
//
// `host` holds only C pointers: copying it is cheap, and nothing it owns crosses the boundary.
// Extension tables are fetched once by load_extensions() (the plugin base class calls it in
// init(); host calls are not allowed earlier). A service the host does not offer makes its
// wrapper throw boost::system::system_error(errc::not_supported) — except logging, which is
// then silently dropped. Async services live in http.hpp, folio.hpp, mail.hpp, timer.hpp;
// the store in store.hpp.
#pragma once

#include <pms/plugin_api/ext/clock.h>
#include <pms/plugin_api/ext/executor.h>
#include <pms/plugin_api/ext/folio.h>
#include <pms/plugin_api/ext/http.h>
#include <pms/plugin_api/ext/log.h>
#include <pms/plugin_api/ext/mail.h>
#include <pms/plugin_api/ext/notify.h>
#include <pms/plugin_api/ext/property.h>
#include <pms/plugin_api/ext/settings.h>
#include <pms/plugin_api/ext/store.h>
#include <pms/plugin_api/hooks/admin_page.h>
#include <pms/plugin_api/hooks/folio_button.h>
#include <pms/plugin_api/host.h>

#include <pms/plugin_sdk/status.hpp>
#include <pms/plugin_sdk/strings.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pms::sdk {

/// Log levels of pms.log/1.
enum class log_level : pms_log_level {
    debug = PMS_LOG_DEBUG,
    info = PMS_LOG_INFO,
    warning = PMS_LOG_WARNING,
    error = PMS_LOG_ERROR,
    fatal = PMS_LOG_FATAL,
    host_misbehaving = PMS_LOG_HOST_MISBEHAVING,
    plugin_misbehaving = PMS_LOG_PLUGIN_MISBEHAVING,
};

/// A staff notification for pms.notify/1 (see ext/notify.h).
struct staff_notification {
    pms_notify_level level = PMS_NOTIFY_WARNING;
    std::string dedupe_key{};
    std::string title{};
    std::string body{};
    std::string folio_id{}; // empty = none
};

/// The host as one plugin instance sees it.
class host {
public:
    host() noexcept = default;
    /// Wraps `h` (owned by the host, valid until after destroy). Does not call the host.
    explicit host(const pms_host* h) noexcept : host_(h) {}

    /// Fetches every extension table. Call from init() or later (the plugin base does).
    void load_extensions() noexcept {
        if (host_ == nullptr || host_->get_extension == nullptr)
            return;
        log_ = get<pms_host_log>(PMS_EXT_LOG);
        executor_ = get<pms_host_executor>(PMS_EXT_EXECUTOR);
        clock_ = get<pms_host_clock>(PMS_EXT_CLOCK);
        http_ = get<pms_host_http>(PMS_EXT_HTTP);
        store_ = get<pms_host_store>(PMS_EXT_STORE);
        folio_ = get<pms_host_folio>(PMS_EXT_FOLIO);
        mail_ = get<pms_host_mail>(PMS_EXT_MAIL);
        notify_ = get<pms_host_notify>(PMS_EXT_NOTIFY);
        settings_ = get<pms_host_settings>(PMS_EXT_SETTINGS);
        folio_button_ = get<pms_host_folio_button>(PMS_HOOK_FOLIO_BUTTON);
        // Since 1.2; NULL on an older host, which the wrappers report as not_supported.
        property_ = get<pms_host_property>(PMS_EXT_PROPERTY);
        admin_page_ = get<pms_host_admin_page>(PMS_HOOK_ADMIN_PAGE);
    }

    /// Any extension by id (also vendor extensions), or NULL. [thread-safe]
    template <class T>
    const T* get(const char* id) const noexcept {
        if (host_ == nullptr || host_->get_extension == nullptr)
            return nullptr;
        return static_cast<const T*>(host_->get_extension(host_, id));
    }

    const pms_host* c_host() const noexcept { return host_; }
    explicit operator bool() const noexcept { return host_ != nullptr; }

    std::string_view name() const noexcept { return to_string_view(host_->name); }
    std::string_view vendor() const noexcept { return to_string_view(host_->vendor); }
    std::string_view version() const noexcept { return to_string_view(host_->version); }
    std::string_view property_id() const noexcept { return to_string_view(host_->property_id); }
    std::string_view locale() const noexcept { return to_string_view(host_->locale); }
    pms_version api() const noexcept { return host_->api; }

    // The raw tables (NULL when the host does not offer them or before load_extensions()).
    const pms_host_log* log_ext() const noexcept { return log_; }
    const pms_host_executor* executor_ext() const noexcept { return executor_; }
    const pms_host_clock* clock_ext() const noexcept { return clock_; }
    const pms_host_http* http_ext() const noexcept { return http_; }
    const pms_host_store* store_ext() const noexcept { return store_; }
    const pms_host_folio* folio_ext() const noexcept { return folio_; }
    const pms_host_mail* mail_ext() const noexcept { return mail_; }
    const pms_host_notify* notify_ext() const noexcept { return notify_; }
    const pms_host_settings* settings_ext() const noexcept { return settings_; }
    const pms_host_folio_button* folio_button_ext() const noexcept { return folio_button_; }
    const pms_host_property* property_ext() const noexcept { return property_; }
    const pms_host_admin_page* admin_page_ext() const noexcept { return admin_page_; }

    // ---- pms.log/1 [thread-safe] ----------------------------------------------------------

    /// Writes a log line; dropped when the host has no log. Never throws.
    void log(log_level level, std::string_view text) const noexcept {
        if (log_ != nullptr)
            log_->log(host_, static_cast<pms_log_level>(level), to_pms_str(text));
    }
    bool log_enabled(log_level level) const noexcept {
        return log_ != nullptr && log_->enabled(host_, static_cast<pms_log_level>(level)) != 0;
    }
    void debug(std::string_view text) const noexcept { log(log_level::debug, text); }
    void info(std::string_view text) const noexcept { log(log_level::info, text); }
    void warning(std::string_view text) const noexcept { log(log_level::warning, text); }
    void error(std::string_view text) const noexcept { log(log_level::error, text); }

    // ---- pms.clock/1 [thread-safe] --------------------------------------------------------

    /// UTC now as a system_clock time point (milliseconds).
    std::chrono::sys_time<std::chrono::milliseconds> now() const {
        return std::chrono::sys_time<std::chrono::milliseconds>(
            std::chrono::milliseconds(require(clock_, "pms.clock/1")->now_utc_ms(host_)));
    }
    /// The property's UTC offset at `at`.
    std::chrono::minutes utc_offset(std::chrono::sys_time<std::chrono::milliseconds> at) const {
        return std::chrono::minutes(require(clock_, "pms.clock/1")
                                        ->utc_offset_minutes(host_, at.time_since_epoch().count()));
    }
    /// The property's IANA time-zone name; empty when the host's table has no such function or
    /// it returns NULL (both contract slips of an old host, not worth failing a mail over).
    std::string_view property_timezone() const {
        const pms_host_clock* c = require(clock_, "pms.clock/1");
        return c->property_timezone != nullptr ? to_string_view(c->property_timezone(host_))
                                               : std::string_view();
    }

    // ---- pms.notify/1 [thread-safe] -------------------------------------------------------

    void notify(const staff_notification& n) const {
        require(notify_, "pms.notify/1");
        throw_if_failed(try_notify(n), "pms.notify/1 raise");
    }
    /// Like notify(), without exceptions: the host's status, or PMS_NOT_SUPPORTED when it has
    /// no pms.notify/1. For callers that only log a failure (an alert must never fail the work
    /// that raised it). (Issue 12.)
    pms_status try_notify(const staff_notification& n) const noexcept {
        if (notify_ == nullptr)
            return PMS_NOT_SUPPORTED;
        pms_staff_notification c{};
        c.struct_size = sizeof c;
        c.level = n.level;
        c.dedupe_key = to_pms_str(n.dedupe_key);
        c.title = to_pms_str(n.title);
        c.body = to_pms_str(n.body);
        c.folio_id = to_pms_str(n.folio_id);
        return notify_->raise(host_, &c);
    }
    /// Like resolve_notification(), without exceptions: PMS_OK, PMS_NOT_FOUND (none open with
    /// that key), another host status, or PMS_NOT_SUPPORTED without pms.notify/1. (Issue 12.)
    pms_status try_resolve_notification(std::string_view dedupe_key) const noexcept {
        if (notify_ == nullptr)
            return PMS_NOT_SUPPORTED;
        return notify_->resolve(host_, to_pms_str(dedupe_key));
    }

    /// Resolves a notification; returns false when none was open with that key.
    bool resolve_notification(std::string_view dedupe_key) const {
        const pms_status s = require(notify_, "pms.notify/1")->resolve(host_, to_pms_str(dedupe_key));
        if (s == PMS_NOT_FOUND)
            return false;
        throw_if_failed(s, "pms.notify/1 resolve");
        return true;
    }

    // ---- pms.settings/1 [strand] ----------------------------------------------------------

    /// The saved settings object (JSON) without secrets.
    std::string settings_json() const {
        string_writer out;
        throw_if_failed(require(settings_, "pms.settings/1")->get(host_, out.writer()),
                        "pms.settings/1 get");
        return out.take();
    }
    /// The secret at JSON Pointer `key` ("/api_token"), or nullopt when not set.
    std::optional<std::string> secret(std::string_view key) const {
        string_writer out;
        const pms_status s =
            require(settings_, "pms.settings/1")->get_secret(host_, to_pms_str(key), out.writer());
        if (s == PMS_NOT_FOUND)
            return std::nullopt;
        throw_if_failed(s, "pms.settings/1 get_secret");
        return out.take();
    }

    // ---- pms.folio-button/1 host twin [strand] --------------------------------------------

    /// Replaces the view of an open session. Returns false when the session is closed.
    bool push_view(std::string_view view_session_id, std::string_view view_json) const {
        const pms_status s = require(folio_button_, "pms.folio-button/1")
                                 ->push_view(host_, to_pms_str(view_session_id), to_pms_str(view_json));
        if (s == PMS_NOT_FOUND)
            return false;
        throw_if_failed(s, "pms.folio-button/1 push_view");
        return true;
    }

    // ---- pms.admin-page/1 host twin [strand] (since 1.2) --------------------------------

    /// Replaces the view of an open page session. Returns false when the session is closed.
    bool push_page_view(std::string_view view_session_id, std::string_view view_json) const {
        const pms_status s = require(admin_page_, "pms.admin-page/1")
                                 ->push_view(host_, to_pms_str(view_session_id), to_pms_str(view_json));
        if (s == PMS_NOT_FOUND)
            return false;
        throw_if_failed(s, "pms.admin-page/1 push_view");
        return true;
    }

    // ---- pms.property/1 [strand] (since 1.2) ----------------------------------------------

    /// The property document ("pms.property/1" JSON: property id, name, legal entities with
    /// id, name, tax_id). The SDK does not parse it, as with the folio document: the plugin
    /// keeps its own JSON reader. Throws not_supported on a host older than 1.2
    /// (property_ext() == nullptr tells beforehand).
    std::string property_json() const {
        string_writer out;
        throw_if_failed(require(property_, "pms.property/1")->get_property(host_, out.writer()),
                        "pms.property/1 get_property");
        return out.take();
    }

    /// Returns `ext`, or throws not_supported naming `id`.
    template <class T>
    static const T* require(const T* ext, const char* id) {
        if (ext == nullptr)
            throw boost::system::system_error(make_status_error(PMS_NOT_SUPPORTED), id);
        return ext;
    }

private:
    const pms_host* host_ = nullptr;
    const pms_host_log* log_ = nullptr;
    const pms_host_executor* executor_ = nullptr;
    const pms_host_clock* clock_ = nullptr;
    const pms_host_http* http_ = nullptr;
    const pms_host_store* store_ = nullptr;
    const pms_host_folio* folio_ = nullptr;
    const pms_host_mail* mail_ = nullptr;
    const pms_host_notify* notify_ = nullptr;
    const pms_host_settings* settings_ = nullptr;
    const pms_host_folio_button* folio_button_ = nullptr;
    const pms_host_property* property_ = nullptr;
    const pms_host_admin_page* admin_page_ = nullptr;
};

} // namespace pms::sdk
