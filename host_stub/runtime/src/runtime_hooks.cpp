// Runtime: the calls that reach plugin hooks (settings pages, payment kinds, folio buttons and
// views, plugin pages, inbound notifications). Each finds the instance, hops onto its strand, calls the hook
// there and completes the caller's callback exactly once (on the strand, or on an io thread when
// the instance is gone).
#include "runtime_impl.hpp"

#include "hook_completions.hpp"
#include "settings_schema.hpp"
#include "view_session_id.hpp"

#include <pms/host/storage/errors.hpp>

#include <boost/asio/steady_timer.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <set>

namespace pms::host {

namespace asio = boost::asio;
namespace json = boost::json;
using detail::HookAnswer;
using detail::HookCompletions;
using detail::Instance;

namespace {

using ImplPtr = std::shared_ptr<Runtime::Impl>;

pms_str str(const std::string& s) {
    return {s.data(), s.size()};
}

struct StringSink {
    std::string text;
    std::size_t limit = 1024 * 1024;
    pms_writer writer() {
        return pms_writer{this, [](void* ctx, const char* data, std::size_t len) -> pms_status {
                              auto* self = static_cast<StringSink*>(ctx);
                              if (data == nullptr && len != 0)
                                  return PMS_INVALID_ARGUMENT;
                              if (self->text.size() + len > self->limit)
                                  return PMS_TOO_LARGE;
                              self->text.append(data, len);
                              return PMS_OK;
                          }};
    }
};

/// The pms_folio_context for a FolioContext; owns the strings it points to.
struct CFolioContext {
    std::string property, folio, booking;
    FolioContext source;
    pms_folio_context c{};
    explicit CFolioContext(const FolioContext& ctx)
        : property{std::to_string(ctx.property.value)}, folio{std::to_string(ctx.folio.value)},
          booking{std::to_string(ctx.booking.value)}, source{ctx} {
        c.struct_size = sizeof(c);
        c.property_id = str(property);
        c.folio_id = str(folio);
        c.booking_id = str(booking);
        c.staff_user_id = str(source.staff_user_id);
        c.staff_user_name = str(source.staff_user_name);
        c.locale = str(source.locale);
    }
    CFolioContext(const CFolioContext&) = delete;
    CFolioContext& operator=(const CFolioContext&) = delete;
};

/// The pms_admin_page_context of a page session; owns the strings it points to.
struct CPageContext {
    std::string property, page;
    FolioContext source; ///< property and staff only
    pms_admin_page_context c{};
    CPageContext(const FolioContext& ctx, std::string page_id)
        : property{std::to_string(ctx.property.value)}, page{std::move(page_id)}, source{ctx} {
        c.struct_size = sizeof(c);
        c.property_id = str(property);
        c.page_id = str(page);
        c.staff_user_id = str(source.staff_user_id);
        c.staff_user_name = str(source.staff_user_name);
        c.locale = str(source.locale);
    }
    CPageContext(const CPageContext&) = delete;
    CPageContext& operator=(const CPageContext&) = delete;
};

/// The instance is usable for hooks that do not need it active (schema, validate, kinds).
bool has_plugin(const Instance& inst) {
    const InstanceState s = inst.state.load();
    return inst.plugin != nullptr && (s == InstanceState::active || s == InstanceState::inactive);
}

/// How a plugin's completion reaches the waiting caller.
enum class CompletionHop {
    /// Always posted to the strand: the caller's continuation may call the plugin again, which
    /// it must not do from inside the plugin's own call of the completion.
    post,
    /// Run at once when the plugin completes on the strand, inside its hook call (a
    /// synchronous answer): for callers whose continuation never calls the plugin. Saves a
    /// strand hop per request on the notification route (issue 14).
    inline_on_strand,
};

/// Opens a hook operation whose answer is converted by `convert` and delivered to `done` on
/// the instance strand (or an io thread if the instance is gone), exactly once.
template <class T, class Convert>
std::uint64_t open_hook(const ImplPtr& rt, const std::shared_ptr<Instance>& inst, const char* what,
                        Callback<T> done, Convert convert,
                        CompletionHop hop = CompletionHop::post) {
    auto answer = std::make_shared<Callback<T>>(std::move(done));
    return HookCompletions::instance().open(
        inst, what,
        [rt, weak = std::weak_ptr<Instance>(inst), answer, convert = std::move(convert),
         hop](Result<HookAnswer> r) mutable {
            auto run = [answer, convert, r = std::move(r)]() mutable {
                Result<T> out = convert(std::move(r));
                invoke_callback(*answer, std::move(out));
            };
            if (auto i = weak.lock()) {
                if (hop == CompletionHop::inline_on_strand && i->strand.running_in_this_thread())
                    return run();
                i->post([i, run = std::move(run)]() mutable { run(); });
            } else if (!rt->stopped.load())
                rt->run_io([run = std::move(run)]() mutable { run(); });
            else
                run();
        });
}

/// A staff request's deadline (a click, a view event, a page opening, a settings action),
/// counted from the host's receipt of it, not from when the instance's strand or its view
/// session's turn reaches it (issue 14): a request queued behind slow work is answered
/// `timeout` in time and is then not handed to the plugin. One io-context timer covers the wait
/// and the plugin's own time: before the hook opens, its expiry answers directly; after, it
/// answers through the hook's operation, so a late plugin reply is discarded there and the
/// drain sees it. Whichever answers first answers; the others are dropped here.
///
/// One window stays, as for notifications: expiry in the instant between the strand's
/// `answered()` check and `opened()` answers the caller while the plugin still gets the request.
template <class T>
class ReceiptDeadline {
  public:
    static std::shared_ptr<ReceiptDeadline> start(const ImplPtr& rt, const std::shared_ptr<Instance>& inst,
                                                  Callback<T> done, Failure failure) {
        auto d = std::shared_ptr<ReceiptDeadline>(new ReceiptDeadline(*rt->ioc));
        d->self_ = d;
        d->done_ = std::move(done);
        d->failure_ = std::move(failure);
        d->timer_.expires_after(rt->options.hook_timeout);
        d->timer_.async_wait([d, weak = std::weak_ptr<Instance>(inst)](const boost::system::error_code& ec) {
            if (ec || d->answered_.load())
                return;
            if (const std::uint64_t id = d->hook_id_.load(); id != 0) {
                if (HookCompletions::instance().answer_by_host(id, d->failure_))
                    if (auto i = weak.lock())
                        i->log(LogLevel::warning, d->failure_.message);
                return;
            }
            if (auto i = weak.lock())
                i->log(LogLevel::warning, d->failure_.message + " (still queued)");
            d->finish(Result<T>{d->failure_});
        });
        return d;
    }

    /// The callback for open_hook (and for the strand's own refusals): answers once.
    Callback<T> answer() {
        return [self = self_.lock()](Result<T> r) { self->finish(std::move(r)); };
    }
    /// Already answered (expired while queued): the strand must not hand the request on.
    bool answered() const noexcept { return answered_.load(); }
    /// The plugin has the request as hook `id`: expiry now answers through its operation.
    void opened(std::uint64_t id) noexcept { hook_id_.store(id); }

  private:
    explicit ReceiptDeadline(asio::io_context& ioc) : timer_{ioc} {}
    void finish(Result<T> r) {
        if (answered_.exchange(true))
            return;
        timer_.cancel();
        invoke_callback(done_, std::move(r));
    }

    std::weak_ptr<ReceiptDeadline> self_;
    std::atomic<bool> answered_{false};
    std::atomic<std::uint64_t> hook_id_{0};
    Callback<T> done_;
    Failure failure_;
    asio::steady_timer timer_;
};

std::string errors_json(const std::map<std::string, std::string>& errors) {
    json::object fields;
    json::object doc;
    for (const auto& [ptr, message] : errors) {
        if (ptr.empty())
            doc["form"] = message;
        else
            fields[ptr] = message;
    }
    doc["fields"] = std::move(fields);
    return json::serialize(doc);
}

// Merges the plugin's {"fields": {...}, "form": "..."} into `errors`.
void merge_plugin_errors(std::string_view text, std::map<std::string, std::string>& errors) {
    boost::system::error_code ec;
    const json::value v = json::parse(text, ec);
    if (ec || !v.is_object()) {
        errors.emplace("", "The plugin rejected the settings");
        return;
    }
    if (const auto* f = v.as_object().if_contains("fields"); f != nullptr && f->is_object())
        for (const auto& kv : f->as_object())
            errors.emplace(std::string{kv.key()}, kv.value().is_string()
                                                      ? std::string{kv.value().as_string()}
                                                      : std::string{"Invalid"});
    if (const auto* f = v.as_object().if_contains("form"); f != nullptr && f->is_string())
        errors.emplace("", std::string{f->as_string()});
    if (errors.empty())
        errors.emplace("", "The plugin rejected the settings");
}

/// Lookup of stored secrets of an instance (storage read; on the strand).
std::function<std::optional<std::string>(const std::string&)> secret_lookup(Instance& inst) {
    return [&inst](const std::string& ptr) -> std::optional<std::string> {
        try {
            return inst.rt.storage.settings().get_secret(inst.settings_scope(), ptr);
        } catch (...) {
            return std::nullopt;
        }
    };
}

/// The saved settings document of an instance (without secrets), or the schema defaults before
/// the first save: what a candidate is compared with for "x-secret-bound-to". Storage read on
/// the strand; throws on a storage failure.
json::object saved_document(Instance& inst) {
    const auto record = inst.rt.storage.settings().resolve_settings(inst.settings_scope());
    if (!record)
        return inst.schema->defaults();
    boost::system::error_code ec;
    json::value v = json::parse(record->json, ec);
    if (ec || !v.is_object())
        return inst.schema->defaults();
    return std::move(v.as_object());
}

/// What a candidate is checked against: the pointers of the stored secrets and the saved
/// document. Storage reads on the strand; throws on a storage failure.
struct StoredSettings {
    std::set<std::string> secrets;
    json::object saved;
};

StoredSettings stored_settings(Instance& inst) {
    StoredSettings out;
    for (auto& k : inst.rt.storage.settings().secret_keys(inst.settings_scope()))
        out.secrets.insert(k);
    out.saved = saved_document(inst);
    return out;
}

/// What "x-secret-bound-to" decides for one candidate.
struct Binding {
    /// Secrets bound to a field the candidate changed: never filled in from storage.
    std::set<std::string> withheld;
    /// Bound fields the candidate changed (JSON Pointers; for the audit, never values).
    std::set<std::string> changed_fields;
    /// Field errors: a withheld secret that has a stored value and was left blank must be
    /// entered again (pointer -> Russian message built from the schema titles).
    std::map<std::string, std::string> errors;
};

Binding check_binding(const detail::SettingsSchema& schema, const json::object& candidate,
                      const json::object& saved, const std::set<std::string>& stored_secrets) {
    Binding b;
    for (auto& r : schema.rebound_secrets(candidate, saved)) {
        b.withheld.insert(r.secret);
        b.changed_fields.insert(r.changed.begin(), r.changed.end());
        if (r.left_blank && stored_secrets.count(r.secret) != 0)
            b.errors.emplace(r.secret, r.message);
    }
    return b;
}

json::array to_array(const std::set<std::string>& items) {
    json::array out;
    for (const auto& i : items)
        out.push_back(json::string{i});
    return out;
}

} // namespace

// ---- Settings -----------------------------------------------------------------------------------

void Runtime::get_settings_page(std::string plugin_id, PropertyId property,
                                Callback<SettingsPage> done) {
    auto rt = impl_;
    Failure why;
    auto inst = rt->find_instance(plugin_id, property, false, &why);
    if (!inst)
        return fail_async(rt, std::move(done), why);
    inst->post([rt, inst, done = std::move(done)]() mutable {
        if (!has_plugin(*inst))
            return invoke_callback(
                done, Result<SettingsPage>{
                          make_failure(RuntimeErrc::unavailable, "the instance is not running")});
        if (inst->hooks.settings == nullptr)
            return invoke_callback(
                done, Result<SettingsPage>{make_failure(RuntimeErrc::not_supported,
                                                        "the plugin has no settings page")});
        if (!inst->load_schema())
            return invoke_callback(done, Result<SettingsPage>{make_failure(
                                             RuntimeErrc::plugin_misbehaving, inst->schema_error)});
        SettingsPage page;
        page.schema_json = inst->schema->text();
        try {
            auto& settings = rt->storage.settings();
            const auto record = settings.resolve_settings(inst->settings_scope());
            page.values_json = record ? record->json : inst->default_settings_json();
            page.secrets_set = settings.secret_keys(inst->settings_scope());
        } catch (const std::exception& e) {
            return invoke_callback(
                done, Result<SettingsPage>{make_failure(RuntimeErrc::storage_error,
                                                        std::string{"storage: "} + e.what())});
        }
        invoke_callback(done, Result<SettingsPage>{std::move(page)});
    });
}

void Runtime::save_settings(std::string plugin_id, PropertyId property, std::string settings_json,
                            std::string actor, Callback<SettingsSaveOutcome> done) {
    auto rt = impl_;
    Failure why;
    auto inst = rt->find_instance(plugin_id, property, false, &why);
    if (!inst)
        return fail_async(rt, std::move(done), why);
    inst->post([rt, inst, settings_json = std::move(settings_json), actor = std::move(actor),
                done = std::move(done)]() mutable {
        using R = Result<SettingsSaveOutcome>;
        if (!has_plugin(*inst))
            return invoke_callback(
                done, R{make_failure(RuntimeErrc::unavailable, "the instance is not running")});
        if (inst->hooks.settings == nullptr)
            return invoke_callback(done, R{make_failure(RuntimeErrc::not_supported,
                                                        "the plugin has no settings page")});
        if (!inst->load_schema())
            return invoke_callback(
                done, R{make_failure(RuntimeErrc::plugin_misbehaving, inst->schema_error)});
        std::map<std::string, std::string> errors;
        boost::system::error_code ec;
        const json::value candidate = json::parse(settings_json, ec);
        if (ec || !candidate.is_object()) {
            errors.emplace("", "The settings must be a JSON object");
            return invoke_callback(done, R{SettingsSaveOutcome{false, errors_json(errors)}});
        }
        std::set<std::string> stored;
        json::object saved;
        try {
            auto current = stored_settings(*inst);
            stored = std::move(current.secrets);
            saved = std::move(current.saved);
        } catch (const std::exception& e) {
            return invoke_callback(done, R{make_failure(RuntimeErrc::storage_error,
                                                        std::string{"storage: "} + e.what())});
        }
        // A secret bound to a field this save changes is not kept from storage: saved blank,
        // it would stay stored and be sent to the new value on the next call.
        Binding binding = check_binding(*inst->schema, candidate.as_object(), saved, stored);
        errors = binding.errors;
        inst->schema->validate(
            candidate,
            [&](const std::string& p) {
                return stored.count(p) != 0 && binding.withheld.count(p) == 0;
            },
            errors);
        if (errors.empty()) {
            const std::string filled = json::serialize(inst->schema->with_secrets(
                candidate.as_object(), secret_lookup(*inst), binding.withheld));
            StringSink sink;
            const pms_writer w = sink.writer();
            const pms_status s = inst->hooks.settings->validate(inst->plugin, str(filled), &w);
            if (s == PMS_INVALID_ARGUMENT)
                merge_plugin_errors(sink.text, errors);
            else if (s != PMS_OK)
                return invoke_callback(
                    done,
                    R{make_failure(RuntimeErrc::plugin_error,
                                   std::string{"validate failed: "} + pms_status_name(s), s)});
        }
        if (!errors.empty())
            return invoke_callback(done, R{SettingsSaveOutcome{false, errors_json(errors)}});

        auto split = inst->schema->split(candidate.as_object());
        std::vector<SecretWrite> writes;
        json::array changed;
        for (auto& [ptr, value] : split.secrets) {
            if (!value.empty())
                changed.push_back(json::string{ptr});
            writes.push_back(
                SecretWrite{ptr, std::move(value), SecretWrite::Mode::set_unless_blank});
        }
        const std::string document = json::serialize(split.document);
        rt->run_blocking([rt, inst, document, writes = std::move(writes),
                          changed = std::move(changed),
                          bound_changed = to_array(binding.changed_fields),
                          actor = std::move(actor), done = std::move(done)]() mutable {
            try {
                rt->storage.settings().save_settings(inst->settings_scope(), document, writes);
                try {
                    AuditDraft a;
                    a.actor = actor.empty() ? "host" : actor;
                    a.action = "settings.save";
                    a.subject = "plugin:" + inst->plugin_id;
                    a.property = inst->property;
                    a.details_json = json::serialize(json::object{
                        {"secrets_changed", changed}, {"bound_fields_changed", bound_changed}});
                    rt->storage.audit().append(a);
                } catch (const std::exception& e) {
                    inst->log(LogLevel::warning, std::string{"audit failed: "} + e.what());
                }
            } catch (const std::exception& e) {
                return inst->post([done = std::move(done), what = std::string{e.what()}]() mutable {
                    invoke_callback(done, Result<SettingsSaveOutcome>{make_failure(
                                              RuntimeErrc::storage_error, "storage: " + what)});
                });
            }
            inst->post([inst, done = std::move(done)]() mutable {
                inst->refresh_secret_redaction();
                inst->log(LogLevel::info, "settings saved");
                auto finish = [done = std::move(done)]() mutable {
                    invoke_callback(done,
                                    Result<SettingsSaveOutcome>{SettingsSaveOutcome{true, "{}"}});
                };
                if (inst->state.load() == InstanceState::active &&
                    inst->hooks.settings != nullptr) {
                    inst->hooks.settings->on_settings_changed(inst->plugin);
                    return finish();
                }
                if (inst->state.load() == InstanceState::inactive && inst->plugin != nullptr) {
                    // The settings may be what activate() was missing: try again.
                    return inst->reactivate(
                        [finish = std::move(finish)](Result<Unit>) mutable { finish(); });
                }
                finish();
            });
        });
    });
}

void Runtime::run_settings_action(std::string plugin_id, PropertyId property, std::string action_id,
                                  std::string settings_json, std::string actor,
                                  Callback<ActionOutcome> done) {
    auto rt = impl_;
    Failure why;
    auto inst = rt->find_instance(plugin_id, property, true, &why);
    if (!inst)
        return fail_async(rt, std::move(done), why);
    auto deadline = ReceiptDeadline<ActionOutcome>::start(
        rt, inst, std::move(done),
        make_failure(RuntimeErrc::timeout, "the plugin did not finish action '" + action_id + "' in time"));
    inst->post([rt, inst, action_id = std::move(action_id),
                settings_json = std::move(settings_json), actor = std::move(actor), deadline]() mutable {
        using R = Result<ActionOutcome>;
        auto done = deadline->answer();
        if (deadline->answered())
            return; // expired while queued
        if (inst->state.load() != InstanceState::active || inst->plugin == nullptr)
            return invoke_callback(
                done, R{make_failure(RuntimeErrc::unavailable, "the instance is not active")});
        if (inst->hooks.settings == nullptr)
            return invoke_callback(done, R{make_failure(RuntimeErrc::not_supported,
                                                        "the plugin has no settings page")});
        if (!inst->schema && !inst->load_schema())
            return invoke_callback(
                done, R{make_failure(RuntimeErrc::plugin_misbehaving, inst->schema_error)});
        bool declared = false;
        if (const auto* actions = inst->schema->root().if_contains("x-actions");
            actions && actions->is_array())
            for (const auto& a : actions->as_array())
                declared = declared || (a.is_object() && a.as_object().contains("id") &&
                                        a.as_object().at("id").is_string() &&
                                        a.as_object().at("id").as_string() == action_id);
        if (!declared)
            return invoke_callback(done, R{make_failure(RuntimeErrc::invalid_argument,
                                                        "no settings action '" + action_id + "'")});
        boost::system::error_code ec;
        const json::value candidate = json::parse(settings_json.empty() ? "{}" : settings_json, ec);
        if (ec || !candidate.is_object())
            return invoke_callback(done, R{make_failure(RuntimeErrc::invalid_argument,
                                                        "the settings must be a JSON object")});
        std::set<std::string> stored;
        json::object saved;
        try {
            auto current = stored_settings(*inst);
            stored = std::move(current.secrets);
            saved = std::move(current.saved);
        } catch (const std::exception& e) {
            return invoke_callback(done, R{make_failure(RuntimeErrc::storage_error,
                                                        std::string{"storage: "} + e.what())});
        }
        // An action runs on candidate values the admin has not saved: a stored secret bound to
        // a field they changed must be typed again, or it would go wherever the candidate says.
        const Binding binding = check_binding(*inst->schema, candidate.as_object(), saved, stored);
        json::object details{{"action", action_id},
                             {"bound_fields_changed", to_array(binding.changed_fields)}};
        std::optional<Failure> refusal;
        std::string filled;
        if (!binding.errors.empty()) {
            std::string message;
            std::set<std::string> secrets;
            for (const auto& [ptr, text] : binding.errors) {
                message += (message.empty() ? "" : "; ") + text;
                secrets.insert(ptr);
            }
            refusal = make_failure(RuntimeErrc::invalid_argument, message, PMS_INVALID_ARGUMENT);
            details["refused"] = true;
            details["secrets_to_reenter"] = to_array(secrets);
        } else {
            details["refused"] = false;
            filled = json::serialize(inst->schema->with_secrets(
                candidate.as_object(), secret_lookup(*inst), binding.withheld));
        }
        AuditDraft audit;
        audit.actor = actor.empty() ? "host" : actor;
        audit.action = "settings.action";
        audit.subject = "plugin:" + inst->plugin_id;
        audit.property = inst->property;
        audit.details_json = json::serialize(details);

        // Back on the strand once the audit entry is written: refuse, or call the plugin.
        auto run = [rt, inst, action_id, filled = std::move(filled), refusal = std::move(refusal),
                    deadline, done = std::move(done)]() mutable {
            if (deadline->answered())
                return; // expired while the audit entry was written: the plugin never sees it
            if (refusal)
                return invoke_callback(done, R{std::move(*refusal)});
            if (inst->state.load() != InstanceState::active || inst->plugin == nullptr ||
                inst->hooks.settings == nullptr)
                return invoke_callback(
                    done, R{make_failure(RuntimeErrc::unavailable, "the instance is not active")});
            const std::uint64_t id = open_hook<ActionOutcome>(
                rt, inst, "run_action", std::move(done), [](Result<HookAnswer> r) -> R {
                    if (!r.ok())
                        return R{r.error()};
                    return R{ActionOutcome{r.value().status, std::move(r.value().text)}};
                });
            deadline->opened(id);
            const pms_status s = inst->hooks.settings->run_action(
                inst->plugin, action_id.c_str(), str(filled),
                pms_action_done{&HookCompletions::action_done, HookCompletions::user_of(id)});
            if (s != PMS_OK)
                HookCompletions::instance().plugin_declined(
                    id, make_failure(s == PMS_NOT_FOUND ? RuntimeErrc::invalid_argument
                                                        : RuntimeErrc::plugin_error,
                                     std::string{"run_action failed: "} + pms_status_name(s), s));
        };
        rt->run_blocking([rt, inst, audit = std::move(audit), run = std::move(run)]() mutable {
            try {
                rt->storage.audit().append(audit);
            } catch (const std::exception& e) {
                inst->log(LogLevel::warning, std::string{"audit failed: "} + e.what());
            }
            inst->post(std::move(run));
        });
    });
}

// ---- Payment kinds ------------------------------------------------------------------------------

void Runtime::list_payment_kinds(std::string plugin_id, PropertyId property,
                                 Callback<std::vector<PaymentKind>> done) {
    auto rt = impl_;
    Failure why;
    auto inst = rt->find_instance(plugin_id, property, false, &why);
    if (!inst)
        return fail_async(rt, std::move(done), why);
    inst->post([rt, inst, done = std::move(done)]() mutable {
        using R = Result<std::vector<PaymentKind>>;
        if (!has_plugin(*inst))
            return invoke_callback(
                done, R{make_failure(RuntimeErrc::unavailable, "the instance is not running")});
        if (inst->hooks.payment_types == nullptr)
            return invoke_callback(
                done, R{make_failure(RuntimeErrc::not_supported, "the plugin posts no payments")});
        std::vector<PaymentKind> kinds = inst->payment_kinds;
        try {
            for (const auto& m :
                 rt->storage.settings().list_payment_type_mappings(inst->plugin_id, inst->property))
                for (auto& k : kinds)
                    if (k.code == m.kind) {
                        k.category = m.category;
                        k.type = m.type;
                    }
        } catch (const std::exception& e) {
            return invoke_callback(done, R{make_failure(RuntimeErrc::storage_error,
                                                        std::string{"storage: "} + e.what())});
        }
        invoke_callback(done, R{std::move(kinds)});
    });
}

void Runtime::save_payment_mapping(std::string plugin_id, PropertyId property,
                                   std::vector<PaymentKindMapping> mappings, std::string actor,
                                   Callback<Unit> done) {
    auto rt = impl_;
    Failure why;
    auto inst = rt->find_instance(plugin_id, property, false, &why);
    if (!inst)
        return fail_async(rt, std::move(done), why);
    inst->post([rt, inst, mappings = std::move(mappings), actor = std::move(actor),
                done = std::move(done)]() mutable {
        using R = Result<Unit>;
        if (!has_plugin(*inst))
            return invoke_callback(
                done, R{make_failure(RuntimeErrc::unavailable, "the instance is not running")});
        if (inst->hooks.payment_types == nullptr)
            return invoke_callback(
                done, R{make_failure(RuntimeErrc::not_supported, "the plugin posts no payments")});
        for (const auto& m : mappings)
            if (std::none_of(inst->payment_kinds.begin(), inst->payment_kinds.end(),
                             [&](const PaymentKind& k) { return k.code == m.kind; }))
                return invoke_callback(done,
                                       R{make_failure(RuntimeErrc::invalid_argument,
                                                      "unknown payment kind '" + m.kind + "'")});
        rt->run_blocking([rt, inst, mappings = std::move(mappings), actor = std::move(actor),
                          done = std::move(done)]() mutable {
            auto fail = [&](RuntimeErrc code, std::string message) {
                inst->post([done = std::move(done), code, message]() mutable {
                    invoke_callback(done, R{make_failure(code, message)});
                });
            };
            try {
                const auto categories =
                    rt->storage.folios().list_payment_categories(inst->property);
                for (const auto& m : mappings) {
                    const auto cat =
                        std::find_if(categories.begin(), categories.end(),
                                     [&](const PaymentCategory& c) { return c.id == m.category; });
                    if (cat == categories.end() ||
                        std::none_of(cat->types.begin(), cat->types.end(),
                                     [&](const PaymentType& t) { return t.id == m.type; }))
                        return fail(RuntimeErrc::invalid_argument,
                                    "payment kind '" + m.kind +
                                        "': the category or type does not exist in this property");
                }
                json::array details;
                for (const auto& m : mappings) {
                    rt->storage.settings().set_payment_type_mapping(PaymentTypeMapping{
                        inst->plugin_id, inst->property, m.kind, m.category, m.type});
                    details.push_back(json::object{
                        {"kind", m.kind}, {"category", m.category.value}, {"type", m.type.value}});
                }
                try {
                    AuditDraft a;
                    a.actor = actor.empty() ? "host" : actor;
                    a.action = "payment_mapping.save";
                    a.subject = "plugin:" + inst->plugin_id;
                    a.property = inst->property;
                    a.details_json = json::serialize(json::object{{"mappings", details}});
                    rt->storage.audit().append(a);
                } catch (...) {
                }
            } catch (const std::exception& e) {
                return fail(RuntimeErrc::storage_error, std::string{"storage: "} + e.what());
            }
            inst->post([inst, done = std::move(done)]() mutable {
                if (inst->state.load() == InstanceState::active &&
                    inst->hooks.payment_types != nullptr)
                    inst->hooks.payment_types->on_mapping_changed(inst->plugin);
                invoke_callback(done, R{Unit{}});
            });
        });
    });
}

// ---- Folio buttons and views --------------------------------------------------------------------

void Runtime::list_folio_buttons(FolioContext context, Callback<std::vector<FolioButton>> done) {
    auto rt = impl_;
    if (rt->stopping.load())
        return fail_async(rt, std::move(done),
                          make_failure(RuntimeErrc::unavailable, "shutting down"));
    std::vector<std::shared_ptr<Instance>> targets;
    {
        std::lock_guard lock(rt->mutex);
        for (const auto& [key, inst] : rt->instances)
            if (key.second == context.property.value &&
                inst->state.load() == InstanceState::active &&
                inst->has_capability(PMS_HOOK_FOLIO_BUTTON))
                targets.push_back(inst);
    }
    if (targets.empty())
        return succeed_async(rt, std::move(done), std::vector<FolioButton>{});
    struct Join {
        std::mutex mutex;
        std::size_t left = 0;
        std::vector<FolioButton> buttons;
        Callback<std::vector<FolioButton>> done;
    };
    auto join = std::make_shared<Join>();
    join->left = targets.size();
    join->done = std::move(done);
    auto ctx = std::make_shared<const FolioContext>(std::move(context));
    for (const auto& inst : targets) {
        inst->post([inst, join, ctx] {
            std::vector<FolioButton> mine;
            if (inst->state.load() == InstanceState::active &&
                inst->hooks.folio_button != nullptr) {
                const auto* fb = inst->hooks.folio_button;
                const CFolioContext c{*ctx};
                const std::uint32_t n = fb->count(inst->plugin);
                for (std::uint32_t i = 0; i < n && i < 64; ++i) {
                    pms_button_info info{};
                    info.struct_size = sizeof(info);
                    if (fb->get(inst->plugin, i, &info) != PMS_OK || info.id == nullptr ||
                        info.label == nullptr) {
                        inst->log(LogLevel::plugin_misbehaving,
                                  "folio-button get(" + std::to_string(i) + ") gave no id/label");
                        continue;
                    }
                    FolioButton b;
                    b.plugin_id = inst->plugin_id;
                    b.button_id = info.id;
                    b.label = info.label;
                    b.icon = info.icon != nullptr ? info.icon : "";
                    b.tooltip = info.tooltip != nullptr ? info.tooltip : "";
                    b.enabled = fb->is_enabled(inst->plugin, info.id, &c.c) != 0;
                    mine.push_back(std::move(b));
                }
            }
            Callback<std::vector<FolioButton>> finish;
            std::vector<FolioButton> all;
            {
                std::lock_guard lock(join->mutex);
                for (auto& b : mine)
                    join->buttons.push_back(std::move(b));
                if (--join->left == 0) {
                    finish = std::move(join->done);
                    all = std::move(join->buttons);
                }
            }
            if (finish) {
                std::stable_sort(all.begin(), all.end(),
                                 [](const FolioButton& a, const FolioButton& b) {
                                     return a.plugin_id < b.plugin_id;
                                 });
                invoke_callback(finish, Result<std::vector<FolioButton>>{std::move(all)});
            }
        });
    }
}

namespace {

// Handles the plugin's answer to a click or a view event. [strand]
Result<ViewUpdate> finish_view(const ImplPtr& rt, const std::shared_ptr<Instance>& inst,
                               const std::shared_ptr<detail::ViewSession>& session, bool is_click,
                               Result<HookAnswer> r) {
    auto close_session = [&] {
        bool was_open = false;
        {
            std::lock_guard lock(session->mutex);
            was_open = std::exchange(session->open, false);
        }
        rt->erase_session(session->id);
        if (was_open && inst->state.load() == InstanceState::active)
            inst->view_closed(session->id, session->kind == detail::ViewKind::admin_page);
    };
    if (!r.ok()) {
        if (is_click)
            close_session();
        return Result<ViewUpdate>{r.error()};
    }
    HookAnswer& a = r.value();
    if (a.status != PMS_OK) {
        if (is_click)
            close_session();
        return Result<ViewUpdate>{make_failure(
            RuntimeErrc::plugin_error,
            std::string{"the plugin answered "} + pms_status_name(a.status), a.status)};
    }
    ViewUpdate update;
    update.session_id = session->id;
    update.plugin_id = inst->plugin_id;
    update.property = inst->property;
    update.page_id = session->page_id;
    if (a.text.empty()) {
        close_session();
        update.closed = true;
        return Result<ViewUpdate>{std::move(update)};
    }
    if (auto error = rt->check_view(a.text)) {
        inst->log(LogLevel::plugin_misbehaving, "invalid view: " + *error);
        if (is_click)
            close_session();
        return Result<ViewUpdate>{make_failure(RuntimeErrc::plugin_misbehaving,
                                               "the plugin returned an invalid view: " + *error)};
    }
    {
        std::lock_guard lock(session->mutex);
        // A view the plugin pushed after this answer (a reconciliation that finished while its
        // "running" answer was on its way) stays the session's view.
        if (a.view_revision > session->revision) {
            session->current_view = a.text;
            session->revision = a.view_revision;
        }
    }
    update.view_json = std::move(a.text);
    update.revision = a.view_revision;
    return Result<ViewUpdate>{std::move(update)};
}

// Marks the session idle and starts the next queued event, if any. [strand]
void session_next(const std::shared_ptr<detail::ViewSession>& session) {
    std::function<void()> next;
    {
        std::lock_guard lock(session->mutex);
        session->busy = false;
        session->pending_hook = 0;
        if (!session->queued.empty()) {
            next = std::move(session->queued.front());
            session->queued.pop_front();
        }
    }
    if (next)
        next();
}

} // namespace

void Runtime::click_button(std::string plugin_id, std::string button_id, FolioContext context,
                           Callback<ViewUpdate> done) {
    auto rt = impl_;
    Failure why;
    auto inst = rt->find_instance(plugin_id, context.property, true, &why);
    if (!inst)
        return fail_async(rt, std::move(done), why);
    if (context.staff_user_id.empty())
        return fail_async(
            rt, std::move(done),
            make_failure(RuntimeErrc::invalid_argument, "a click needs the staff user"));
    auto session = std::make_shared<detail::ViewSession>();
    session->id = detail::new_view_session_id();
    session->instance = inst;
    session->owner = inst.get();
    session->plugin_id = inst->plugin_id;
    session->context = std::move(context);
    session->busy = true;
    {
        std::lock_guard lock(rt->mutex);
        rt->sessions.emplace(session->id, session);
    }
    auto deadline = ReceiptDeadline<ViewUpdate>::start(
        rt, inst, std::move(done),
        make_failure(RuntimeErrc::timeout,
                     "the plugin did not answer the click on '" + button_id + "' in time"));
    inst->post([rt, inst, session, button_id = std::move(button_id), deadline]() mutable {
        auto done = deadline->answer();
        if (deadline->answered()) { // expired while queued: the plugin never sees it
            rt->erase_session(session->id);
            return;
        }
        if (inst->state.load() != InstanceState::active || inst->hooks.folio_button == nullptr) {
            rt->erase_session(session->id);
            return invoke_callback(
                done, Result<ViewUpdate>{make_failure(inst->hooks.folio_button == nullptr &&
                                                              inst->plugin != nullptr
                                                          ? RuntimeErrc::not_supported
                                                          : RuntimeErrc::unavailable,
                                                      "the plugin cannot take clicks now")});
        }
        const std::uint64_t id =
            open_hook<ViewUpdate>(rt, inst, "on_click view_done", std::move(done),
                                  [rt, inst, session](Result<HookAnswer> r) {
                                      auto out = finish_view(rt, inst, session, true, std::move(r));
                                      session_next(session);
                                      return out;
                                  });
        {
            std::lock_guard lock(session->mutex);
            session->pending_hook = id;
        }
        deadline->opened(id);
        const CFolioContext c{session->context};
        const pms_status s = inst->hooks.folio_button->on_click(
            inst->plugin, button_id.c_str(), str(session->id), &c.c,
            pms_view_done{&HookCompletions::view_done, HookCompletions::user_of(id)});
        if (s != PMS_OK)
            HookCompletions::instance().plugin_declined(
                id, make_failure(RuntimeErrc::plugin_error,
                                 std::string{"on_click failed: "} + pms_status_name(s), s));
    });
}

void Runtime::send_view_event(std::string session_id_text, ViewEventInput event,
                              Callback<ViewUpdate> done) {
    auto rt = impl_;
    auto session = rt->find_session(session_id_text);
    std::shared_ptr<Instance> inst = session ? session->instance.lock() : nullptr;
    if (!session || !inst)
        return fail_async(rt, std::move(done),
                          make_failure(RuntimeErrc::invalid_argument,
                                       "no open view session '" + session_id_text + "'"));
    if (event.staff_user_id.empty() || event.action.empty() ||
        (event.kind != "button" && event.kind != "row_action") ||
        (event.kind == "row_action" && (!event.table || !event.row_key)))
        return fail_async(rt, std::move(done),
                          make_failure(RuntimeErrc::invalid_argument, "malformed view event"));
    boost::system::error_code ec;
    const json::value values =
        json::parse(event.values_json.empty() ? "{}" : event.values_json, ec);
    if (ec || !values.is_object())
        return fail_async(
            rt, std::move(done),
            make_failure(RuntimeErrc::invalid_argument, "\"values\" must be a JSON object"));
    for (const auto& kv : values.as_object())
        if (!kv.value().is_string() && !kv.value().is_bool())
            return fail_async(rt, std::move(done),
                              make_failure(RuntimeErrc::invalid_argument,
                                           "view event values are strings or booleans"));

    // The event document: the session, property and folio (or page) come from the host, not the
    // caller.
    const bool page = session->kind == detail::ViewKind::admin_page;
    FolioContext ctx = session->context;
    ctx.staff_user_id = event.staff_user_id;
    ctx.staff_user_name = event.staff_user_name;
    ctx.locale = event.locale;
    json::object doc{
        {"schema", PMS_VIEW_EVENT_SCHEMA},
        {"view_session_id", session->id},
        {"property_id", std::to_string(ctx.property.value)}};
    if (page)
        doc["page_id"] = session->page_id;
    else
        doc["folio_id"] = std::to_string(ctx.folio.value);
    doc["kind"] = event.kind;
    doc["action"] = event.action;
    doc["table"] = event.table ? json::value(*event.table) : json::value(nullptr);
    doc["row_key"] = event.row_key ? json::value(*event.row_key) : json::value(nullptr);
    doc["values"] = values;
    doc["staff"] = json::object{{"id", event.staff_user_id}, {"name", event.staff_user_name}};
    auto deadline = ReceiptDeadline<ViewUpdate>::start(
        rt, inst, std::move(done),
        make_failure(RuntimeErrc::timeout, "the plugin did not answer the view event in time"));
    auto dispatch = [rt, inst, session, page, ctx = std::move(ctx), text = json::serialize(doc),
                     deadline]() mutable {
        auto done = deadline->answer();
        if (deadline->answered()) { // expired while queued: the plugin never sees it
            session_next(session);
            return;
        }
        bool open = false;
        {
            std::lock_guard lock(session->mutex);
            open = session->open;
        }
        if (!open || inst->state.load() != InstanceState::active ||
            (page ? inst->hooks.admin_page == nullptr : inst->hooks.folio_button == nullptr)) {
            session_next(session);
            return invoke_callback(done,
                                   Result<ViewUpdate>{make_failure(RuntimeErrc::cancelled,
                                                                   "the view session is closed")});
        }
        const std::uint64_t id =
            open_hook<ViewUpdate>(rt, inst, "on_view_event view_done", std::move(done),
                                  [rt, inst, session](Result<HookAnswer> r) {
                                      auto out =
                                          finish_view(rt, inst, session, false, std::move(r));
                                      session_next(session);
                                      return out;
                                  });
        {
            std::lock_guard lock(session->mutex);
            session->pending_hook = id;
        }
        deadline->opened(id);
        const pms_view_done view_done{&HookCompletions::view_done, HookCompletions::user_of(id)};
        pms_status s = PMS_INTERNAL;
        if (page) {
            const CPageContext c{ctx, session->page_id};
            pms_admin_page_event ev{};
            ev.struct_size = sizeof(ev);
            ev.view_session_id = str(session->id);
            ev.event_json = str(text);
            ev.context = &c.c;
            s = inst->hooks.admin_page->on_view_event(inst->plugin, &ev, view_done);
        } else {
            const CFolioContext c{ctx};
            pms_view_event ev{};
            ev.struct_size = sizeof(ev);
            ev.view_session_id = str(session->id);
            ev.event_json = str(text);
            ev.context = &c.c;
            s = inst->hooks.folio_button->on_view_event(inst->plugin, &ev, view_done);
        }
        if (s != PMS_OK)
            HookCompletions::instance().plugin_declined(
                id, make_failure(RuntimeErrc::plugin_error,
                                 std::string{"on_view_event failed: "} + pms_status_name(s), s));
    };
    // One event at a time per session: queue behind a pending click or event.
    inst->post([session, dispatch = std::move(dispatch)]() mutable {
        {
            std::lock_guard lock(session->mutex);
            if (session->busy) {
                session->queued.push_back(std::move(dispatch));
                return;
            }
            session->busy = true;
        }
        dispatch();
    });
}

void Runtime::close_view(std::string session_id_text) {
    auto rt = impl_;
    auto session = rt->find_session(session_id_text);
    if (!session)
        return;
    rt->erase_session(session->id);
    std::uint64_t pending = 0;
    std::deque<std::function<void()>> queued;
    {
        std::lock_guard lock(session->mutex);
        session->open = false;
        pending = session->pending_hook;
        queued = std::exchange(session->queued, {});
    }
    if (pending != 0)
        HookCompletions::instance().answer_by_host(
            pending, make_failure(RuntimeErrc::cancelled, "the view was closed", PMS_CANCELLED));
    auto inst = session->instance.lock();
    if (!inst)
        return;
    for (auto& q : queued)
        inst->post(std::move(q)); // each sees the session closed and completes cancelled
    inst->post([inst, session] {
        if (inst->state.load() == InstanceState::active)
            inst->view_closed(session->id, session->kind == detail::ViewKind::admin_page);
    });
}

std::optional<ViewPush> Runtime::current_view(std::string_view session_id_text) const {
    auto session = impl_->find_session(session_id_text);
    if (!session)
        return std::nullopt;
    std::lock_guard lock(session->mutex);
    if (!session->open || session->current_view.empty())
        return std::nullopt;
    return ViewPush{session->id,           session->plugin_id,     session->context.property,
                    session->context.folio, session->current_view, session->page_id,
                    session->revision};
}

// ---- Plugin pages -------------------------------------------------------------------------------

std::vector<AdminPage> Runtime::admin_pages(PropertyId property) const {
    std::vector<std::shared_ptr<Instance>> targets;
    {
        std::lock_guard lock(impl_->mutex);
        for (const auto& [key, inst] : impl_->instances) // a map: plugin id order
            if (key.second == property.value && inst->state.load() == InstanceState::active)
                targets.push_back(inst);
    }
    std::vector<AdminPage> out;
    for (const auto& inst : targets)
        for (auto& page : inst->admin_pages())
            out.push_back(std::move(page));
    return out;
}

std::optional<AdminPage> Runtime::admin_page(std::string_view plugin_id, PropertyId property,
                                             std::string_view page_id) const {
    auto inst = impl_->find_instance(plugin_id, property, true, nullptr);
    if (!inst)
        return std::nullopt;
    for (auto& page : inst->admin_pages())
        if (page.page_id == page_id)
            return std::move(page);
    return std::nullopt;
}

void Runtime::open_admin_page(std::string plugin_id, std::string page_id,
                              AdminPageContext context, Callback<ViewUpdate> done) {
    auto rt = impl_;
    Failure why;
    auto inst = rt->find_instance(plugin_id, context.property, true, &why);
    if (!inst)
        return fail_async(rt, std::move(done), why);
    if (context.staff_user_id.empty())
        return fail_async(
            rt, std::move(done),
            make_failure(RuntimeErrc::invalid_argument, "opening a page needs the staff user"));
    const auto pages = inst->admin_pages();
    if (std::none_of(pages.begin(), pages.end(),
                     [&](const AdminPage& p) { return p.page_id == page_id; }))
        return fail_async(rt, std::move(done),
                          make_failure(RuntimeErrc::invalid_argument,
                                       "plugin " + plugin_id + " has no page '" + page_id + "'"));
    auto session = std::make_shared<detail::ViewSession>();
    session->id = detail::new_view_session_id();
    session->kind = detail::ViewKind::admin_page;
    session->page_id = page_id;
    session->instance = inst;
    session->owner = inst.get();
    session->plugin_id = inst->plugin_id;
    session->context.property = context.property;
    session->context.staff_user_id = std::move(context.staff_user_id);
    session->context.staff_user_name = std::move(context.staff_user_name);
    session->context.locale = std::move(context.locale);
    session->busy = true;
    {
        std::lock_guard lock(rt->mutex);
        rt->sessions.emplace(session->id, session);
    }
    auto deadline = ReceiptDeadline<ViewUpdate>::start(
        rt, inst, std::move(done),
        make_failure(RuntimeErrc::timeout, "the plugin did not open page '" + page_id + "' in time"));
    inst->post([rt, inst, session, deadline]() mutable {
        auto done = deadline->answer();
        if (deadline->answered()) { // expired while queued: the plugin never sees it
            rt->erase_session(session->id);
            return;
        }
        if (inst->state.load() != InstanceState::active || inst->hooks.admin_page == nullptr) {
            rt->erase_session(session->id);
            return invoke_callback(
                done, Result<ViewUpdate>{make_failure(inst->hooks.admin_page == nullptr &&
                                                              inst->plugin != nullptr
                                                          ? RuntimeErrc::not_supported
                                                          : RuntimeErrc::unavailable,
                                                      "the plugin cannot open pages now")});
        }
        // Same bookkeeping as a click: one hook op, its deadline, exactly one answer; a failed
        // opening closes the session (finish_view with is_click = true).
        const std::uint64_t id =
            open_hook<ViewUpdate>(rt, inst, "admin-page on_open view_done", std::move(done),
                                  [rt, inst, session](Result<HookAnswer> r) {
                                      auto out = finish_view(rt, inst, session, true, std::move(r));
                                      session_next(session);
                                      return out;
                                  });
        {
            std::lock_guard lock(session->mutex);
            session->pending_hook = id;
        }
        deadline->opened(id);
        const CPageContext c{session->context, session->page_id};
        const pms_status s = inst->hooks.admin_page->on_open(
            inst->plugin, session->page_id.c_str(), str(session->id), &c.c,
            pms_view_done{&HookCompletions::view_done, HookCompletions::user_of(id)});
        if (s != PMS_OK)
            HookCompletions::instance().plugin_declined(
                id, make_failure(RuntimeErrc::plugin_error,
                                 std::string{"on_open failed: "} + pms_status_name(s), s));
    });
}

// ---- Inbound notifications ----------------------------------------------------------------------

namespace {

InboundReply host_reply(int status, std::string_view message) {
    InboundReply r;
    r.http_status = status;
    r.content_type = "application/json";
    r.body = json::serialize(json::object{{"error", message}});
    r.from_plugin = false;
    return r;
}

} // namespace

void Runtime::deliver_notification(std::string plugin_id, PropertyId property,
                                   InboundRequest request, std::chrono::milliseconds deadline,
                                   std::function<void(InboundReply)> done) {
    auto rt = impl_;
    auto reply_async = [rt](std::function<void(InboundReply)> d, InboundReply r) {
        if (rt->stopped.load())
            return invoke_callback(d, std::move(r));
        rt->run_io(
            [d = std::move(d), r = std::move(r)]() mutable { invoke_callback(d, std::move(r)); });
    };
    if (rt->stopping.load())
        return reply_async(std::move(done), host_reply(503, "shutting down"));
    Failure why;
    auto inst = rt->find_instance(plugin_id, property, true, &why);
    if (!inst) {
        const bool draining = why.code == RuntimeErrc::unavailable;
        return reply_async(std::move(done), host_reply(draining ? 503 : 404,
                                                       draining ? "unavailable" : "not found"));
    }
    if (!inst->has_capability(PMS_HOOK_NOTIFICATION_SINK))
        return reply_async(std::move(done), host_reply(404, "not found"));
    const auto started = std::chrono::steady_clock::now();
    // The deadline runs from now, not from when the instance's strand reaches the request: a
    // notification queued behind slow work is answered 503 in time (the provider retries) and
    // is then not handed to the plugin at all. Whichever answers first answers. One timer
    // covers both the wait for the strand and the plugin's own time: once the hook is open,
    // its expiry answers through the hook's operation (so a late plugin reply is discarded
    // there and the drain sees it), before that it answers directly.
    struct Pending {
        std::atomic<bool> answered{false};
        std::atomic<std::uint64_t> hook_id{0};
        std::function<void(InboundReply)> done;
        // Armed by the receiving thread after the dispatch below, and cancelled by whichever
        // thread answers: the mutex keeps the two off the timer at once.
        std::mutex timer_mutex;
        std::optional<boost::asio::steady_timer> timer;
        void finish(InboundReply reply) {
            if (answered.exchange(true))
                return;
            {
                std::lock_guard lock(timer_mutex);
                if (timer)
                    timer->cancel();
            }
            invoke_callback(done, std::move(reply));
        }
    };
    auto pending = std::make_shared<Pending>();
    pending->done = std::move(done);
    auto arm_deadline = [rt, pending, started, deadline, weak = std::weak_ptr<Instance>(inst)] {
        std::lock_guard lock(pending->timer_mutex);
        if (pending->answered.load())
            return;
        auto& timer = pending->timer.emplace(*rt->ioc);
        timer.expires_at(started + deadline);
        timer.async_wait([pending, deadline, weak](const boost::system::error_code& ec) {
            if (ec || pending->answered.load())
                return;
            const std::string why = "the plugin did not reply to a notification in " +
                                    std::to_string(deadline.count()) + " ms of receipt";
            if (const std::uint64_t id = pending->hook_id.load(); id != 0) {
                // The plugin has the request: its operation answers (the 503 below, converted),
                // unless the plugin's own reply got there first and is on its way to `finish`.
                if (HookCompletions::instance().answer_by_host(
                        id, make_failure(RuntimeErrc::timeout, why, PMS_TIMEOUT)))
                    if (auto i = weak.lock())
                        i->log(LogLevel::warning, why);
                return;
            }
            pending->finish(host_reply(503, "no reply within " + std::to_string(deadline.count()) +
                                                " ms of receipt"));
        });
    };
    done = [pending](InboundReply reply) { pending->finish(std::move(reply)); };
    // Dispatched, not posted: when the strand is idle the plugin's sink runs on this io thread
    // at once, and a synchronous reply (a replay, a refused signature) completes inline, so a
    // notification costs no thread hand-off (issue 14).
    inst->dispatch([rt, inst, request = std::move(request), started, deadline, pending,
                    done = std::move(done)]() mutable {
        if (pending->answered.load())
            return; // answered 503 while it waited for the strand
        if (inst->state.load() != InstanceState::active || inst->hooks.sink == nullptr) {
            const bool draining = inst->state.load() == InstanceState::draining;
            return invoke_callback(done, draining ? host_reply(503, "unavailable")
                                                  : host_reply(404, "not found"));
        }
        const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - started);
        const auto left = std::max(std::chrono::milliseconds(1), deadline - elapsed);
        const std::uint64_t id = open_hook<InboundReply>(
            rt, inst, "notification reply",
            [done = std::move(done)](Result<InboundReply> r) mutable {
                invoke_callback(done, std::move(r).value());
            },
            [inst](Result<HookAnswer> r) -> Result<InboundReply> {
                if (!r.ok()) {
                    const Failure& f = r.error();
                    if (f.code == RuntimeErrc::plugin_error)
                        return host_reply(f.status == PMS_NOT_FOUND     ? 404
                                          : f.status == PMS_UNAVAILABLE ? 503
                                                                        : 500,
                                          f.message);
                    return host_reply(503, f.message); // deadline, drain
                }
                HookAnswer& a = r.value();
                if (a.status != PMS_OK || a.reply.http_status < 100 || a.reply.http_status > 599) {
                    inst->log(LogLevel::plugin_misbehaving, "invalid notification reply");
                    return host_reply(500, "invalid reply");
                }
                return std::move(a.reply);
            },
            CompletionHop::inline_on_strand);
        pending->hook_id.store(id);
        std::vector<pms_header> headers;
        headers.reserve(request.headers.size());
        for (const auto& [name, value] : request.headers)
            headers.push_back({str(name), str(value)});
        pms_inbound_request req{};
        req.struct_size = sizeof(req);
        req.deadline_ms = static_cast<std::uint32_t>(left.count());
        req.method = str(request.method);
        req.path = str(request.path);
        req.query = str(request.query);
        req.headers = headers.empty() ? nullptr : headers.data();
        req.header_count = headers.size();
        req.body = pms_bytes{reinterpret_cast<const std::uint8_t*>(request.body.data()),
                             request.body.size()};
        req.remote_address = str(request.remote_address);
        const pms_status s = inst->hooks.sink->handle(
            inst->plugin, &req,
            pms_reply_done{&HookCompletions::reply_done, HookCompletions::user_of(id)});
        if (s != PMS_OK)
            HookCompletions::instance().plugin_declined(
                id, make_failure(RuntimeErrc::plugin_error,
                                 std::string{"handle failed: "} + pms_status_name(s), s));
    });
    // A reply the plugin gave inline (a replay, a refused signature) needs no deadline, and its
    // timer cost a timer-queue entry and a cancelled wait's completion per notification.
    arm_deadline();
}

} // namespace pms::host
