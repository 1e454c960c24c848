// The plugin runtime of pms-host: loads payment plugins through the C ABI v1 (plugin_api/),
// runs one instance per (plugin, property) where a plugin is enabled, implements the host
// services the plugins call (pms.log/1 ... pms.settings/1) and exposes the plugin hooks
// (folio buttons and views, plugin pages, settings pages, payment kinds, inbound notifications)
// to the host's
// HTTP server as plain C++ calls with std::function completions.
//
// Threads (architecture §3):
//  - One boost::asio::io_context on a small pool of threads (owned by the runtime, or the
//    caller's). Each instance has its own strand on it; every hook call into the plugin and
//    every completion delivered to the plugin runs on that strand, never concurrently.
//  - Blocking storage writes (SQLite with synchronous=FULL) and outbox mail run on a separate
//    small thread pool, never on the io threads; their results are posted back to the strand.
//  - load_plugins(), shutdown() and the destructor are the "loader thread" calls: call them all
//    from one thread (typically main), never from an io_context thread. Modules are opened and
//    closed only there.
//  - Every other member function is thread-safe and never blocks on I/O: it may be called from
//    any thread, including io_context threads and from inside a callback.
//
// Callbacks (Callback<T>, the subscriber functions):
//  - A Callback passed to an asynchronous member is invoked exactly once, never from within the
//    call that started it, on an io_context thread of the runtime: on the instance's strand when
//    the operation concerns one instance, otherwise on any io thread. It must not block.
//  - After shutdown() has begun, new operations fail with RuntimeErrc::unavailable; operations in
//    flight complete with cancelled/unavailable before shutdown() returns.
//
// Ids: properties and folios are the storage's typed ids (PropertyId, FolioId, BookingId). A
// plugin sees them as decimal strings (`pms_host.property_id` = "1", folio_id = "42").
#pragma once

#include <pms/host/runtime/mail_transport.hpp>
#include <pms/host/runtime/result.hpp>
#include <pms/host/storage/clock.hpp>
#include <pms/host/storage/ids.hpp>
#include <pms/host/storage/notification_repository.hpp>
#include <pms/host/storage/settings_repository.hpp>
#include <pms/host/storage/storage.hpp>
#include <pms/plugin_api/status.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace pms::host {

// ---- Logging ------------------------------------------------------------------------------------

/// Levels of the host log. The two *_misbehaving levels mark contract violations.
enum class LogLevel {
    debug,
    info,
    warning,
    error,
    fatal,
    host_misbehaving,   ///< reported by a plugin: the host broke the contract
    plugin_misbehaving, ///< a plugin broke the contract (double completion, bad output...)
};

[[nodiscard]] const char* to_string(LogLevel level) noexcept;

/// One line of the host log, already redacted: every saved secret value of every instance is
/// replaced by "***", as are Authorization/Bearer/Basic credentials.
struct LogLine {
    LogLevel level = LogLevel::info;
    /// "runtime", "loader", or "plugin:<plugin-id>@<property-id>" for lines of an instance.
    std::string_view origin;
    std::string_view text; ///< one line, no trailing newline
};

/// Receives every log line. Called from any thread, concurrently: must be thread-safe and must
/// not block for long. The default sink writes to stderr.
using LogSink = std::function<void(const LogLine&)>;

// ---- Construction -------------------------------------------------------------------------------

/// Options of the pms.http/1 service (pms::net::HttpClient underneath).
struct RuntimeHttpOptions {
    std::filesystem::path extra_ca_file; ///< PEM CA file trusted besides the system store
    bool verify_peer = true;             ///< off only in tests of the refusal paths
    std::size_t max_idle_per_origin = 4;
    std::string user_agent = "pms-host/1";
};

struct RuntimeOptions {
    /// The io_context the runtime runs on. Null: the runtime owns one and runs it on
    /// `io_threads` threads. Non-null: the caller runs it (with at least one thread, better
    /// two) until shutdown() has returned.
    boost::asio::io_context* io_context = nullptr;
    unsigned io_threads = 2;
    /// Threads for blocking storage writes and outbox mail.
    unsigned blocking_threads = 2;

    /// Where `<id>/plugin.json` manifests and their modules live.
    std::filesystem::path plugins_dir;
    /// The host's data folder (informational for plugins; the storage is passed separately).
    std::filesystem::path data_dir;
    /// Where the default mail transport (mail::OutboxTransport) writes e-mails.
    std::filesystem::path outbox_dir;
    /// Sends pms.mail/1 messages; null = HostMailTransport over mail::OutboxTransport(outbox_dir).
    /// Runtime::shutdown() calls its shutdown() (see MailTransport).
    std::shared_ptr<MailTransport> mail_transport;
    /// The last-resort sender, used only when neither the property's mail settings nor
    /// `mail_default_domain` give one (see resolve_mail_sender()).
    std::string mail_from = "pms-host@localhost";
    std::string mail_from_name = "PMS";
    /// True when operations fixed the sender on the command line (`--mail-from`, `--smtp`'s
    /// `from=`): it then wins over what an admin saved, so a relay that accepts only one
    /// envelope sender keeps working whatever the UI says.
    bool mail_from_fixed = false;
    /// The domain of the default sender `no-reply@<domain>` when a property has no saved mail
    /// settings (`--public-url`'s host); empty: `mail_from`.
    std::string mail_default_domain;

    RuntimeHttpOptions http;

    /// Receives every log line; null = stderr. Lines below `log_level` are not produced.
    LogSink log;
    LogLevel log_level = LogLevel::info;

    /// What the plugins see in pms_host / pms_host_info.
    std::string host_name = "pms-host";
    std::string host_vendor = "PMS reference host";
    std::string host_version = "0.1.0";
    std::string locale = "ru-RU";

    /// How long draining an instance may take before it is left as a zombie (logged
    /// PLUGIN_MISBEHAVING; its module is never unloaded).
    std::chrono::milliseconds drain_timeout{std::chrono::seconds(10)};
    /// The host's deadline for a click, a view event, a page opening and a settings action,
    /// counted from the call (the host's receipt of the request), not from when the instance's
    /// strand reaches it: past it the caller gets RuntimeErrc::timeout, a request still queued
    /// is never handed to the plugin, and a late completion from the plugin is discarded.
    std::chrono::milliseconds hook_timeout{std::chrono::seconds(30)};

    /// Optional full validation of view documents (e.g. against view-v1.schema.json): returns an
    /// error message for an invalid view, nullopt when valid. The runtime always checks the
    /// basics itself (a JSON object, "schema": "pms.view/1", at most 256 KiB).
    std::function<std::optional<std::string>(std::string_view view_json)> view_validator;

    /// Test-only: at shutdown, after every instance is destroyed and every module deinit'ed,
    /// close (dlclose) the modules instead of keeping them resident. Never in production.
    bool unload_modules_at_shutdown = false;
};

// ---- Plugins and instances ----------------------------------------------------------------------

enum class PluginState {
    loaded,  ///< the module passed every check and was initialised
    refused, ///< a check failed; `refusal_reason` says which
};

/// One plugin found in the plugins folder, loaded or refused.
struct PluginInfo {
    std::string id;   ///< from the manifest (or the folder name when the manifest is unreadable)
    std::string name; ///< from the manifest; may be empty when refused early
    std::string vendor;
    std::string version; ///< the plugin's own version (semver)
    std::string description;
    std::filesystem::path manifest_file; ///< .../<dir>/plugin.json
    std::filesystem::path library_file;  ///< .../<dir>/<library>; empty when not named
    std::string api_version;             ///< "1.0.0": the manifest's, or the entry's when loaded
    std::uint32_t min_host_minor = 0;
    std::vector<std::string> capabilities; ///< hook ids, e.g. "pms.folio-button/1"
    PluginState state = PluginState::refused;
    std::string refusal_reason; ///< empty when loaded; names the file, both versions and why

    [[nodiscard]] bool has_capability(std::string_view id) const noexcept;
};

enum class InstanceState {
    starting, ///< being created / initialised / activated
    active,   ///< running; hooks are served
    inactive, ///< init or activate failed (status_message says why); no hooks are served
    draining, ///< being disabled: operations are being cancelled and drained
    zombie,   ///< draining exceeded the drain timeout; left alone, never unloaded
};

[[nodiscard]] const char* to_string(InstanceState state) noexcept;

struct InstanceInfo {
    std::string plugin_id;
    PropertyId property;
    InstanceState state = InstanceState::starting;
    std::string status_message;             ///< why inactive/zombie; empty otherwise
    std::size_t outstanding_operations = 0; ///< host operations not completed yet
};

// ---- Hook inputs and outputs --------------------------------------------------------------------

/// Where a folio button is used, and by whom.
struct FolioContext {
    PropertyId property;
    FolioId folio;
    BookingId booking;
    std::string staff_user_id; ///< required for clicks and events; may be empty for listing
    std::string staff_user_name;
    std::string locale; ///< staff UI locale (BCP 47); empty = the property's
};

/// A folio toolbar button of one plugin instance.
struct FolioButton {
    std::string plugin_id;
    std::string button_id;
    std::string label;
    std::string icon;
    std::string tooltip;
    bool enabled = false; ///< the plugin's is_enabled() for the folio context
};

/// Where a plugin page (pms.admin-page/1) is used, and by whom.
struct AdminPageContext {
    PropertyId property;
    std::string staff_user_id; ///< required
    std::string staff_user_name;
    std::string locale; ///< staff UI locale (BCP 47); empty = the property's
};

/// A page of one plugin instance in the staff menu, as the plugin listed it after activate()
/// and the runtime checked it (id shape, unique id, a known host permission).
struct AdminPage {
    std::string plugin_id;
    std::string page_id;
    std::string title;
    std::string section;    ///< "finance", "reports" or "admin" (unknown/empty ones become "admin")
    std::string permission; ///< an auth::Permission name, e.g. "suspense.manage"
};

/// The answer to a click, a page opening or a view event.
struct ViewUpdate {
    std::string session_id; ///< the view session (the host's id, "vs-" and 32 hex digits in groups of 8)
    std::string plugin_id;
    PropertyId property;
    /// The view to show ("pms.view/1" JSON). Empty when `closed`.
    std::string view_json;
    /// True when the plugin closed the dialog (PMS_OK with an empty view); the session is gone.
    bool closed = false;
    /// The page of a page session (pms.admin-page/1); empty for a folio dialog.
    std::string page_id;
    /// Orders the views of one session: a larger revision is newer (the browser keeps the
    /// newest, whether a pushed view or an event's answer reaches it first). 0 when closed.
    std::uint64_t revision = 0;
};

/// A staff action in an open view; the runtime builds the "pms.view-event/1" document from it
/// (adding the session, property and folio it knows).
struct ViewEventInput {
    std::string kind = "button";        ///< "button" or "row_action"
    std::string action;                 ///< the button's or row action's id
    std::optional<std::string> table;   ///< row_action: the table's id
    std::optional<std::string> row_key; ///< row_action: the row's key
    std::string values_json = "{}";     ///< a JSON object: field name -> string or boolean
    std::string staff_user_id;          ///< required
    std::string staff_user_name;
    std::string locale;
};

/// A view pushed by a plugin into an open session (pms_host_folio_button.push_view or
/// pms_host_admin_page.push_view).
struct ViewPush {
    std::string session_id;
    std::string plugin_id;
    PropertyId property;
    FolioId folio; ///< 0 for a page session
    std::string view_json;
    std::string page_id; ///< the page of a page session; empty for a folio dialog
    std::uint64_t revision = 0; ///< as ViewUpdate::revision
};

/// The settings page of an instance, as the browser may see it.
struct SettingsPage {
    std::string schema_json; ///< the plugin's schema (validated subset)
    std::string values_json; ///< saved values WITHOUT secrets (or the schema defaults / "{}")
    std::vector<std::string> secrets_set; ///< JSON Pointers of secrets that have a stored value
};

/// The result of saving settings.
struct SettingsSaveOutcome {
    bool saved = false;
    /// When !saved: {"fields": {"/ptr": "message", ...}, "form": "..."} from the host's schema
    /// checks and the plugin's validate(). "{}" when saved.
    std::string errors_json = "{}";
};

/// The result of a settings-page action (e.g. "check_connection").
struct ActionOutcome {
    pms_status status = PMS_OK; ///< the plugin's completion status
    /// {"level": "success"|"info"|"warning"|"error", "message": "..."} as the plugin wrote it.
    std::string result_json;
};

enum class PaymentDirection { incoming, outgoing };

/// A payment kind of a plugin with the admin's mapping (if any) for the property.
struct PaymentKind {
    std::string code;
    std::string name;
    PaymentDirection direction = PaymentDirection::incoming;
    std::optional<PaymentCategoryId> category; ///< the mapping, when set
    std::optional<PaymentTypeId> type;
};

/// One kind -> category/type assignment to save.
struct PaymentKindMapping {
    std::string kind;
    PaymentCategoryId category;
    PaymentTypeId type;
};

/// An inbound provider notification, routed by the host's server from
/// `<method> /hooks/<plugin-id>/<property-id>/<path>?<query>`.
struct InboundRequest {
    std::string method;
    std::string path;  ///< after /hooks/<plugin-id>/<property-id>/, still percent-encoded
    std::string query; ///< without '?', still percent-encoded
    std::vector<std::pair<std::string, std::string>> headers; ///< as received (name, value)
    std::string body;                                         ///< the exact bytes
    std::string remote_address;
};

/// The answer to an inbound notification. Always produced exactly once: by the plugin, or by
/// the host (404 no active instance, 503 deadline/draining/unavailable, 500 plugin error).
struct InboundReply {
    int http_status = 500;
    std::string content_type; ///< empty = none
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    bool from_plugin = false; ///< false when the host answered itself
};

// ---- Subscriptions ------------------------------------------------------------------------------

/// Keeps a subscriber registered while it lives. Move-only; reset() or destruction
/// unsubscribes (a callback already running may finish; none starts afterwards).
class Subscription {
  public:
    Subscription() = default;
    explicit Subscription(std::function<void()> cancel) : cancel_{std::move(cancel)} {}
    Subscription(Subscription&& other) noexcept : cancel_{std::exchange(other.cancel_, {})} {}
    Subscription& operator=(Subscription&& other) noexcept {
        if (this != &other) {
            reset();
            cancel_ = std::exchange(other.cancel_, {});
        }
        return *this;
    }
    Subscription(const Subscription&) = delete;
    Subscription& operator=(const Subscription&) = delete;
    ~Subscription() { reset(); }

    void reset() noexcept {
        if (cancel_) {
            auto cancel = std::exchange(cancel_, {});
            try {
                cancel();
            } catch (...) {
            }
        }
    }

  private:
    std::function<void()> cancel_;
};

// ---- The runtime --------------------------------------------------------------------------------

/// Who plugin mail of a property comes from, and why (`source`: "command_line" when
/// RuntimeOptions::mail_from_fixed, "settings" when an admin saved it, "default" otherwise).
struct MailSender {
    std::string name;
    std::string address;
    std::string source;
};

/// The sender of a property's plugin mail: the command line's when fixed, else the saved mail
/// settings, else the property's name and `no-reply@<mail_default_domain>`. Blocking (reads
/// the storage); any thread.
[[nodiscard]] MailSender resolve_mail_sender(Storage& storage, const RuntimeOptions& options,
                                             PropertyId property, bool ignore_command_line = false);

/// A plain addr-spec check for sender and recipient addresses: one '@' with text on both
/// sides, a dotted or "localhost" domain, no spaces, quotes, angle brackets or line breaks
/// (these would let a value reach other headers), at most 254 bytes.
[[nodiscard]] bool mail_address_valid(std::string_view address);

class Runtime {
  public:
    /// `storage` and `clock` must outlive the runtime. Starts the io threads (when owned) and
    /// the blocking pool; loads nothing yet. Throws std::system_error when the HTTP client's
    /// CA file cannot be read.
    Runtime(Storage& storage, const Clock& clock, RuntimeOptions options);
    /// Calls shutdown().
    ~Runtime();

    Runtime(const Runtime&) = delete;
    Runtime& operator=(const Runtime&) = delete;

    /// The io_context the runtime runs on (to put the HTTP server on the same one).
    [[nodiscard]] boost::asio::io_context& io_context() noexcept;

    // -- Loading (loader thread) --

    /// Scans `plugins_dir` for `*/plugin.json`, checks each manifest, loads and initialises
    /// each module (see plugin_loader.hpp in src for the steps) and returns every plugin found,
    /// loaded or refused. A refused plugin is logged once (file, both versions, reason); the
    /// host keeps running. Calling it again loads only plugins not seen before.
    std::vector<PluginInfo> load_plugins();

    /// Creates, initialises and activates an instance for every (plugin, property) that the
    /// storage lists as enabled and that is loaded. `done` gets the number of instances now
    /// active. Instances whose activate failed stay `inactive` (logged) and are not counted.
    void start_enabled_instances(Callback<std::size_t> done);

    // -- Listing (any thread, non-blocking) --

    [[nodiscard]] std::vector<PluginInfo> plugins() const;
    [[nodiscard]] std::optional<PluginInfo> plugin(std::string_view plugin_id) const;
    /// The state of `plugin_id`, without copying its PluginInfo (the notification route asks
    /// once per request).
    [[nodiscard]] std::optional<PluginState> plugin_state(std::string_view plugin_id) const;
    [[nodiscard]] std::vector<InstanceInfo> instances() const;
    [[nodiscard]] std::optional<InstanceInfo> instance(std::string_view plugin_id,
                                                       PropertyId property) const;

    // -- Enable / disable (any thread) --

    /// Persists "enabled" and creates + initialises + activates the instance (no-op success
    /// when already active). Fails with plugin_refused / unknown_plugin, or plugin_error when
    /// init/activate failed (the instance then stays listed as inactive).
    void enable_plugin(std::string plugin_id, PropertyId property, Callback<Unit> done);

    /// Persists "disabled", then drains (cancels every pending host operation, delivering
    /// PMS_CANCELLED on the strand), deactivates and destroys the instance. Completes after
    /// destroy (or after the drain timeout, leaving a zombie). Success also when no instance
    /// existed.
    void disable_plugin(std::string plugin_id, PropertyId property, Callback<Unit> done);

    // -- Settings (pms.settings-schema/1) --

    /// The schema, the saved values without secrets, and which secrets are set.
    void get_settings_page(std::string plugin_id, PropertyId property, Callback<SettingsPage> done);

    /// Validates `settings_json` (the schema subset, then the plugin's validate() with blank
    /// secrets filled from the stored ones), and when valid saves it: the document without
    /// secrets, each non-blank secret written apart (a blank secret keeps the stored value),
    /// then calls on_settings_changed() on the strand. Validation failures are a value
    /// (`saved == false`), not a Failure. `actor` is recorded in the audit log ("staff:<id>").
    void save_settings(std::string plugin_id, PropertyId property, std::string settings_json,
                       std::string actor, Callback<SettingsSaveOutcome> done);

    /// Runs a settings action declared in the schema's "x-actions" against the candidate
    /// `settings_json` (blank secrets filled from the stored ones). Fails with timeout after
    /// `hook_timeout` when the plugin never completes.
    ///
    /// A secret with "x-secret-bound-to" is not filled in when the candidate changes one of its
    /// bound fields against the saved settings (a field missing from the candidate counts as its
    /// schema default); if it has a stored value and was left blank, the plugin is not called
    /// at all and the action fails with invalid_argument (status PMS_INVALID_ARGUMENT) whose
    /// message is the field error(s) joined by "; ", e.g. "Введите «API токен» заново:
    /// изменено поле «Адрес API»".
    /// Every run and every such refusal is recorded in the audit log before `done` runs:
    /// action "settings.action", subject "plugin:<id>", actor `actor` ("staff:<id>"; empty =
    /// "host"), details {"action", "bound_fields_changed" (JSON Pointers), "refused",
    /// "secrets_to_reenter" (pointers, when refused)} — never a value.
    void run_settings_action(std::string plugin_id, PropertyId property, std::string action_id,
                             std::string settings_json, std::string actor,
                             Callback<ActionOutcome> done);

    // -- Payment kinds (pms.payment-types/1) --

    /// The plugin's payment kinds with the property's current mapping.
    void list_payment_kinds(std::string plugin_id, PropertyId property,
                            Callback<std::vector<PaymentKind>> done);

    /// Saves the mapping of each listed kind (unknown kinds fail with invalid_argument and
    /// nothing is saved), then calls on_mapping_changed() on the strand.
    void save_payment_mapping(std::string plugin_id, PropertyId property,
                              std::vector<PaymentKindMapping> mappings, std::string actor,
                              Callback<Unit> done);

    // -- Folio buttons and views (pms.folio-button/1) --

    /// Every button of every active instance of `context.property` implementing the hook, with
    /// is_enabled() asked for the folio. Instances are queried in plugin id order.
    void list_folio_buttons(FolioContext context, Callback<std::vector<FolioButton>> done);

    /// Opens a view session and calls on_click(); completes with the first view (or closed),
    /// exactly once: the plugin's answer, or a Failure (plugin_error when on_click or its
    /// completion reported an error, plugin_misbehaving for an invalid view, timeout after
    /// `hook_timeout`, cancelled when the instance drained first). A click that fails leaves
    /// no session open.
    void click_button(std::string plugin_id, std::string button_id, FolioContext context,
                      Callback<ViewUpdate> done);

    /// Sends a staff action in open session `session_id` (a dialog's or a page's) to the plugin
    /// (the hook's on_view_event) and
    /// completes with the next view, exactly once. Events of one session are delivered one at
    /// a time: a second event waits for the first completion. invalid_argument when the session
    /// is unknown or closed; plugin_error leaves the session and its previous view open.
    void send_view_event(std::string session_id, ViewEventInput event, Callback<ViewUpdate> done);

    /// resolve_mail_sender() with this runtime's storage and options. Blocking.
    /// `ignore_command_line`: what the property's settings (or defaults) say, for the editor.
    [[nodiscard]] MailSender mail_sender(PropertyId property, bool ignore_command_line = false);

    // -- Plugin pages (pms.admin-page/1) --
    // A page session is a view session like a dialog's: send_view_event, close_view,
    // current_view and subscribe_view_pushes serve both kinds (ViewUpdate/ViewPush.page_id tells
    // them apart).

    /// The checked pages of every active instance of `property`, in plugin id order, then the
    /// plugin's order. Any thread, non-blocking (the list is read once after activate()).
    /// Who may see which page is the caller's decision (AdminPage::permission).
    [[nodiscard]] std::vector<AdminPage> admin_pages(PropertyId property) const;
    /// One page of an active instance, when it exists.
    [[nodiscard]] std::optional<AdminPage> admin_page(std::string_view plugin_id,
                                                      PropertyId property,
                                                      std::string_view page_id) const;

    /// Opens a page session and calls on_open(); completes with the page's first view (or
    /// closed) exactly once, with the same failures as click_button (invalid_argument for a
    /// page the instance does not list). A failed opening leaves no session open.
    void open_admin_page(std::string plugin_id, std::string page_id, AdminPageContext context,
                         Callback<ViewUpdate> done);

    /// Closes a session (the dialog was closed or the page left): on_view_closed() on the strand. Pending
    /// completions of the session are then discarded (their callbacks get cancelled). Unknown
    /// ids are ignored.
    void close_view(std::string session_id);

    /// The current view of an open session, if any (for a page reload).
    [[nodiscard]] std::optional<ViewPush> current_view(std::string_view session_id) const;

    /// Registers `fn` for every view a plugin pushes into an open session. Called on the
    /// instance strand; must not block.
    [[nodiscard]] Subscription subscribe_view_pushes(std::function<void(const ViewPush&)> fn);

    // -- Staff notifications (pms.notify/1) --

    /// Registers `fn` for every notification a plugin raises (after it is stored;
    /// `duplicate` true when the dedupe key matched an existing one). Called on the thread that
    /// raised it (usually the instance strand); must not block.
    [[nodiscard]] Subscription
    subscribe_notifications(std::function<void(const Notification&, bool duplicate)> fn);

    // -- Inbound notifications (pms.notification-sink/1) --

    /// Hands `request` to the instance of `plugin_id` for `property` and completes with the
    /// reply, exactly once, within `deadline`: the plugin's reply, or the host's own: 404 when
    /// the plugin has no active instance for the property or does not implement the hook (or
    /// the plugin returned PMS_NOT_FOUND), 503 when the deadline passed, the instance is
    /// draining or the plugin returned PMS_UNAVAILABLE, 500 for other plugin errors. A late
    /// plugin reply is discarded. `done` runs on an io thread (the strand when the instance
    /// exists).
    void deliver_notification(std::string plugin_id, PropertyId property, InboundRequest request,
                              std::chrono::milliseconds deadline,
                              std::function<void(InboundReply)> done);

    // -- Shutdown (loader thread) --

    /// Refuses new operations, drains every instance (cancelling pending host operations,
    /// delivering PMS_CANCELLED on each strand), deactivates and destroys them, deinit()s every
    /// module, stops the HTTP client, the blocking pool and the io threads (when owned).
    /// Returns when done. Idempotent: a second call returns at once.
    void shutdown();

    struct Impl;

  private:
    std::shared_ptr<Impl> impl_;
};

} // namespace pms::host
