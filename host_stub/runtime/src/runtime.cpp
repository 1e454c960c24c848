// Runtime: construction, loading, instances (enable/disable), subscriptions and shutdown.
// The hook-facing calls (settings, payment kinds, folio buttons, views, inbound notifications)
// are in runtime_hooks.cpp.
#include "runtime_impl.hpp"

#include "hook_completions.hpp"

#include <pms/host/mail/outbox_transport.hpp>

#include <pms/host/storage/errors.hpp>

#if defined(PMS_HOST_RUNTIME_HAS_NET)
#include <pms/net/http_client.hpp>
#endif

#include <boost/json/parse.hpp>

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <mutex>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace pms::host {

namespace {

// glibc gives threads heaps ("arenas") of their own, up to 8 per core, and memory freed in one
// arena is reused by that arena only. The host's io, blocking and storage threads take turns with
// the same work (SQLite's page caches, folio and view JSON that grow with the folio), so each
// arena kept its own high-water mark and the resident memory crept up after the data it had held
// was freed (issue 11, tests/soak/README.md). Measured with the page caches bounded, 30 paid links
// a minute, heap (RssAnon) growth from minute 1 to 6: +3.3 MiB with glibc's default, +2.8 MiB
// (twice) with 2 arenas, +1.7 and +1.6 MiB with 1, flat from the fifth minute. The host's threads
// mostly wait on I/O, so one heap costs little. An operator's own MALLOC_ARENA_MAX wins. Called
// before the runtime starts any thread. Under load one heap does cost: its lock serialises the
// threads' small allocations, so pms-host itself links jemalloc, held to one arena the same way
// but with per-thread caches (host_stub/app/allocator.hpp); there this call only sets up glibc's
// unused allocator. Sanitized builds and other programs that embed the runtime keep glibc's.
void limit_malloc_arenas() {
#if defined(__GLIBC__)
    static std::once_flag once;
    std::call_once(once, [] {
        if (std::getenv("MALLOC_ARENA_MAX") == nullptr)
            mallopt(M_ARENA_MAX, 1);
    });
#endif
}

} // namespace

namespace asio = boost::asio;
using detail::Instance;

Failure make_failure(RuntimeErrc code, std::string message, pms_status status) {
    if (status == 0) {
        switch (code) {
        case RuntimeErrc::unknown_plugin:
        case RuntimeErrc::not_enabled:
            status = PMS_NOT_FOUND;
            break;
        case RuntimeErrc::plugin_refused:
            status = PMS_VERSION_MISMATCH;
            break;
        case RuntimeErrc::not_supported:
            status = PMS_NOT_SUPPORTED;
            break;
        case RuntimeErrc::unavailable:
        case RuntimeErrc::busy:
            status = PMS_UNAVAILABLE;
            break;
        case RuntimeErrc::invalid_argument:
            status = PMS_INVALID_ARGUMENT;
            break;
        case RuntimeErrc::timeout:
            status = PMS_TIMEOUT;
            break;
        case RuntimeErrc::cancelled:
            status = PMS_CANCELLED;
            break;
        case RuntimeErrc::storage_error:
            status = PMS_STORAGE_ERROR;
            break;
        case RuntimeErrc::plugin_misbehaving:
            status = PMS_PROTOCOL_ERROR;
            break;
        default:
            status = PMS_INTERNAL;
            break;
        }
    }
    return Failure{code, status, std::move(message)};
}

namespace {

// Forwards pms::net log records to the runtime's logger while it exists.
struct NetLogForward {
    std::mutex mutex;
    detail::Logger* target = nullptr;
};

} // namespace

// ---- Impl ---------------------------------------------------------------------------------------

Runtime::Impl::Impl(Storage& s, const Clock& c, RuntimeOptions o)
    : storage{s}, clock{c}, options{std::move(o)}, blocking{std::max(1u, options.blocking_threads)},
      logger{options.log, options.log_level} {
    if (options.io_context != nullptr) {
        ioc = options.io_context;
    } else {
        owned_ioc = std::make_unique<asio::io_context>();
        ioc = owned_ioc.get();
    }
#if defined(PMS_HOST_RUNTIME_HAS_NET)
    net::ClientOptions client;
    client.tls.extra_ca_file = options.http.extra_ca_file;
    client.tls.verify_peer = options.http.verify_peer;
    client.max_idle_per_origin = options.http.max_idle_per_origin;
    client.user_agent = options.http.user_agent;
    auto forward = std::make_shared<NetLogForward>();
    forward->target = &logger;
    net_log_forward = forward;
    client.log = [forward](const net::LogRecord& r) {
        std::lock_guard lock(forward->mutex);
        if (forward->target == nullptr)
            return;
        const LogLevel level = r.level == net::LogLevel::debug     ? LogLevel::debug
                               : r.level == net::LogLevel::info    ? LogLevel::info
                               : r.level == net::LogLevel::warning ? LogLevel::warning
                                                                   : LogLevel::error;
        forward->target->write(level, "http", r.message);
    };
    http = std::make_unique<net::HttpClient>(*ioc, client);
    client.max_idle_per_origin = 0;
    http_fresh = std::make_unique<net::HttpClient>(*ioc, client);
#endif
    if (options.mail_transport) {
        mail = options.mail_transport;
    } else {
        std::filesystem::path outbox = options.outbox_dir;
        if (outbox.empty())
            outbox = (options.data_dir.empty() ? std::filesystem::path{"."} : options.data_dir) /
                     "outbox";
        pms::host::mail::OutboxTransport::Options outbox_options;
        outbox_options.default_from = options.mail_from;
        outbox_options.default_from_name = options.mail_from_name;
        outbox_options.now = [&clock = this->clock] { return clock.now(); };
        mail = std::make_shared<HostMailTransport>(
            std::make_shared<pms::host::mail::OutboxTransport>(outbox, std::move(outbox_options)));
    }
    if (owned_ioc) {
        work.emplace(asio::make_work_guard(*ioc));
        const unsigned n = std::max(1u, options.io_threads);
        for (unsigned i = 0; i < n; ++i)
            io_threads.emplace_back([this] {
                for (;;) {
                    try {
                        ioc->run();
                        return;
                    } catch (const std::exception& e) {
                        // A handler must never throw; keep the thread serving the others.
                        logger.write(LogLevel::error, "runtime",
                                     std::string{"exception escaped an io handler: "} + e.what());
                    } catch (...) {
                        logger.write(LogLevel::error, "runtime", "exception escaped an io handler");
                    }
                }
            });
    }
}

Runtime::Impl::~Impl() {
    if (auto forward = std::static_pointer_cast<NetLogForward>(net_log_forward)) {
        std::lock_guard lock(forward->mutex);
        forward->target = nullptr;
    }
    if (work)
        work.reset();
    if (owned_ioc)
        owned_ioc->stop();
    for (auto& t : io_threads)
        if (t.joinable() && t.get_id() != std::this_thread::get_id())
            t.join();
        else if (t.joinable())
            t.detach();
    blocking.join();
}

void Runtime::Impl::schedule_log_flush() {
    if (stopping.load())
        return;
    if (!log_flush_timer)
        log_flush_timer.emplace(boost::asio::make_strand(*ioc)); // its handler and the cancel
    log_flush_timer->expires_after(std::chrono::seconds{15});
    log_flush_timer->async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
        auto self = weak.lock();
        if (ec || !self)
            return;
        self->logger.flush_repeats(std::chrono::steady_clock::now());
        self->schedule_log_flush();
    });
}

const detail::LoadedPlugin* Runtime::Impl::find_plugin(std::string_view id) const {
    for (const auto& p : plugins)
        if (p.info.id == id)
            return &p;
    return nullptr;
}

std::optional<Failure> Runtime::Impl::check_plugin(std::string_view id,
                                                   const detail::LoadedPlugin** out) const {
    const detail::LoadedPlugin* p = find_plugin(id);
    if (p == nullptr)
        return make_failure(RuntimeErrc::unknown_plugin, "no plugin '" + std::string{id} + "'");
    if (p->info.state != PluginState::loaded || !p->module)
        return make_failure(RuntimeErrc::plugin_refused, p->info.refusal_reason);
    if (out != nullptr)
        *out = p;
    return std::nullopt;
}

std::shared_ptr<Instance> Runtime::Impl::find_instance(std::string_view plugin_id,
                                                       PropertyId property, bool require_active,
                                                       Failure* why) const {
    std::lock_guard lock(mutex);
    auto it = instances.find(detail::InstanceKey{std::string{plugin_id}, property.value});
    if (it == instances.end()) {
        if (why != nullptr) {
            if (auto f = check_plugin(plugin_id, nullptr))
                *why = *f;
            else
                *why = make_failure(RuntimeErrc::not_enabled, "plugin " + std::string{plugin_id} +
                                                                  " is not enabled for property " +
                                                                  std::to_string(property.value));
        }
        return nullptr;
    }
    if (require_active && it->second->state.load() != InstanceState::active) {
        if (why != nullptr) {
            const InstanceState s = it->second->state.load();
            *why = s == InstanceState::inactive
                       ? make_failure(RuntimeErrc::not_enabled,
                                      "plugin " + std::string{plugin_id} +
                                          " is not active: " + it->second->info().status_message)
                       : make_failure(RuntimeErrc::unavailable,
                                      "plugin " + std::string{plugin_id} + " is " + to_string(s));
        }
        return nullptr;
    }
    return it->second;
}

void Runtime::Impl::remove_instance(const Instance* inst) {
    std::lock_guard lock(mutex);
    for (auto it = instances.begin(); it != instances.end(); ++it) {
        if (it->second.get() != inst)
            continue;
        if (it->second->state.load() == InstanceState::zombie)
            zombies.push_back(it->second);
        instances.erase(it);
        return;
    }
}

void Runtime::Impl::publish_view(const ViewPush& push) {
    std::vector<std::shared_ptr<std::function<void(const ViewPush&)>>> subs;
    {
        std::lock_guard lock(mutex);
        for (const auto& [id, fn] : view_subs)
            subs.push_back(fn);
    }
    for (auto& fn : subs)
        invoke_callback(*fn, push);
}

void Runtime::Impl::publish_notification(const Notification& n, bool duplicate) {
    std::vector<std::shared_ptr<std::function<void(const Notification&, bool)>>> subs;
    {
        std::lock_guard lock(mutex);
        for (const auto& [id, fn] : notification_subs)
            subs.push_back(fn);
    }
    for (auto& fn : subs)
        invoke_callback(*fn, n, duplicate);
}

std::vector<std::shared_ptr<detail::ViewSession>>
Runtime::Impl::take_sessions_of(const Instance* inst) {
    std::vector<std::shared_ptr<detail::ViewSession>> out;
    std::lock_guard lock(mutex);
    for (auto it = sessions.begin(); it != sessions.end();) {
        if (it->second->owner == inst) {
            out.push_back(it->second);
            it = sessions.erase(it);
        } else {
            ++it;
        }
    }
    return out;
}

std::shared_ptr<detail::ViewSession> Runtime::Impl::find_session(std::string_view id) const {
    std::lock_guard lock(mutex);
    auto it = sessions.find(id);
    return it == sessions.end() ? nullptr : it->second;
}

void Runtime::Impl::erase_session(const std::string& id) {
    std::lock_guard lock(mutex);
    sessions.erase(id);
}

std::optional<std::string> Runtime::Impl::check_view(std::string_view view_json) const {
    if (view_json.size() > 256 * 1024)
        return std::string{"the view is larger than 256 KiB"};
    // The verdict is a function of the text alone (the validator included): no tag.
    if (auto known = recent_view_checks.find({}, view_json))
        return *known;
    auto verdict = check_view_uncached(view_json);
    recent_view_checks.add({}, view_json, verdict);
    return verdict;
}

std::optional<std::string> Runtime::Impl::check_view_uncached(std::string_view view_json) const {
    boost::system::error_code ec;
    const boost::json::value v = boost::json::parse(view_json, ec);
    if (ec || !v.is_object())
        return std::string{"the view is not a JSON object"};
    const auto* schema = v.as_object().if_contains("schema");
    if (schema == nullptr || !schema->is_string() || schema->as_string() != PMS_VIEW_SCHEMA)
        return std::string{"the view's \"schema\" is not \"pms.view/1\""};
    const auto* title = v.as_object().if_contains("title");
    const auto* elements = v.as_object().if_contains("elements");
    if (title == nullptr || !title->is_string() || elements == nullptr || !elements->is_array())
        return std::string{"the view needs a \"title\" string and an \"elements\" array"};
    if (options.view_validator) {
        try {
            return options.view_validator(view_json);
        } catch (const std::exception& e) {
            return std::string{"view validator failed: "} + e.what();
        }
    }
    return std::nullopt;
}

void Runtime::Impl::stop_instance(const std::shared_ptr<Instance>& inst,
                                  std::function<void()> done) {
    inst->post([self = shared_from_this(), inst, done = std::move(done)]() mutable {
        inst->stop([self, inst, done = std::move(done)] {
            self->remove_instance(inst.get());
            if (done)
                done();
        });
    });
}

void Runtime::Impl::start_instance(const detail::LoadedPlugin& plugin, const Property& property,
                                   Callback<Unit> done) {
    std::shared_ptr<Instance> inst;
    std::shared_ptr<Instance> previous;
    {
        std::lock_guard lock(mutex);
        // shutdown() sets `stopping` under this mutex before it collects the instances, so an
        // instance is either collected or never created.
        if (stopping.load())
            return fail_async(
                shared_from_this(), std::move(done),
                make_failure(RuntimeErrc::unavailable, "the runtime is shutting down"));
        const detail::InstanceKey key{plugin.info.id, property.id.value};
        auto it = instances.find(key);
        if (it != instances.end())
            previous = it->second;
        if (!previous) {
            inst = std::make_shared<Instance>(*this, plugin, property);
            instances.emplace(key, inst);
        }
    }
    auto finish = [self = shared_from_this(), done = std::move(done)](Result<Unit> r) mutable {
        invoke_callback(done, std::move(r));
    };
    if (previous) {
        previous->post([self = shared_from_this(), previous, plugin_ptr = &plugin, property,
                        finish = std::move(finish)]() mutable {
            const InstanceState s = previous->state.load();
            if (s == InstanceState::active)
                return finish(Result<Unit>{Unit{}});
            if (s == InstanceState::inactive && previous->plugin != nullptr)
                return previous->reactivate(std::move(finish));
            if (s == InstanceState::inactive) {
                // A record of a failed start: replace it with a fresh instance.
                self->remove_instance(previous.get());
                return self->start_instance(*plugin_ptr, property, std::move(finish));
            }
            finish(Result<Unit>{
                make_failure(RuntimeErrc::busy, "the instance is " + std::string{to_string(s)})});
        });
        return;
    }
    inst->post([inst, finish = std::move(finish)]() mutable { inst->start(std::move(finish)); });
}

// ---- Runtime ------------------------------------------------------------------------------------

Runtime::Runtime(Storage& storage, const Clock& clock, RuntimeOptions options)
    : impl_{(limit_malloc_arenas(), std::make_shared<Impl>(storage, clock, std::move(options)))} {
    impl_->schedule_log_flush();
}

Runtime::~Runtime() {
    try {
        shutdown();
    } catch (...) {
    }
    // Zombies keep their plugin object and module for the process lifetime (never freed, so
    // never a strand destroyed after its io_context, and nothing for LeakSanitizer to report).
    {
        static std::mutex* park_mutex = new std::mutex;
        static auto* park = new std::vector<std::shared_ptr<Instance>>;
        std::lock_guard park_lock(*park_mutex);
        std::lock_guard lock(impl_->mutex);
        for (auto& z : impl_->zombies)
            park->push_back(z);
        impl_->zombies.clear();
        for (auto& [key, inst] : impl_->instances)
            if (inst->state.load() == InstanceState::zombie)
                park->push_back(inst);
    }
    // Destroy what still references the io_context before it goes: handlers left in a stopped
    // owned io_context are destroyed with it (they hold only host records).
    impl_->http.reset();
    impl_->http_fresh.reset();
    if (impl_->owned_ioc) {
        impl_->work.reset();
        for (auto& t : impl_->io_threads)
            if (t.joinable())
                t.join();
        impl_->io_threads.clear();
        {
            std::lock_guard lock(impl_->mutex);
            impl_->instances.clear();
            impl_->sessions.clear();
        }
        // No thread runs the io_context now; the timer must go before it does. (With the
        // caller's io_context it goes with Impl: a handler that may still run holds Impl.)
        impl_->log_flush_timer.reset();
        impl_->owned_ioc.reset();
    }
    impl_.reset();
}

boost::asio::io_context& Runtime::io_context() noexcept {
    return *impl_->ioc;
}

std::vector<PluginInfo> Runtime::load_plugins() {
    Impl& rt = *impl_;
    if (rt.stopping.load())
        return plugins();
    const std::filesystem::path dir = rt.options.plugins_dir;
    std::error_code ec;
    if (dir.empty() || !std::filesystem::is_directory(dir, ec)) {
        rt.log(LogLevel::warning, "loader",
               "plugins folder '" + dir.string() + "' does not exist; no plugins loaded");
        return plugins();
    }
    std::vector<std::filesystem::path> manifests;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        std::error_code e2;
        if (!entry.is_directory(e2))
            continue;
        const auto manifest = entry.path() / "plugin.json";
        if (std::filesystem::is_regular_file(manifest, e2))
            manifests.push_back(manifest);
    }
    std::sort(manifests.begin(), manifests.end());
    detail::PluginLoader loader{
        rt.logger,
        {rt.options.host_name, rt.options.host_vendor, rt.options.host_version},
        rt.options.unload_modules_at_shutdown};
    for (const auto& manifest : manifests) {
        {
            std::lock_guard lock(rt.mutex);
            if (!rt.seen_manifests.insert(manifest.string()).second)
                continue;
        }
        detail::LoadedPlugin loaded = loader.load(manifest);
        std::lock_guard lock(rt.mutex);
        const auto dup = std::find_if(rt.plugins.begin(), rt.plugins.end(),
                                      [&](const auto& p) { return p.info.id == loaded.info.id; });
        if (dup != rt.plugins.end()) {
            if (loaded.module)
                loaded.module->deinit();
            loaded.module.reset();
            loaded.descriptor = nullptr;
            loaded.info.state = PluginState::refused;
            loaded.info.refusal_reason =
                "plugin " + loaded.info.library_file.string() + " refused (plugin API " +
                loaded.info.api_version + ", host API " + detail::host_api_version() +
                "): duplicate plugin id '" + loaded.info.id + "', already provided by " +
                dup->info.manifest_file.string();
            rt.log(LogLevel::error, "loader", loaded.info.refusal_reason);
            loaded.info.id += " (duplicate)";
        }
        rt.plugins.push_back(std::move(loaded));
    }
    return plugins();
}

void Runtime::start_enabled_instances(Callback<std::size_t> done) {
    auto self = impl_;
    if (self->stopping.load())
        return fail_async(self, std::move(done),
                          make_failure(RuntimeErrc::unavailable, "the runtime is shutting down"));
    self->run_blocking([self, done = std::move(done)]() mutable {
        std::vector<std::pair<const detail::LoadedPlugin*, Property>> todo;
        try {
            for (const auto& e : self->storage.settings().list_enablement()) {
                if (!e.enabled)
                    continue;
                const detail::LoadedPlugin* plugin = nullptr;
                {
                    std::lock_guard lock(self->mutex);
                    if (auto f = self->check_plugin(e.plugin_id, &plugin)) {
                        self->log(LogLevel::warning, "runtime",
                                  "enabled plugin " + e.plugin_id + " for property " +
                                      std::to_string(e.property.value) +
                                      " is not available: " + f->message);
                        continue;
                    }
                }
                const auto property = self->storage.folios().get_property(e.property);
                if (!property) {
                    self->log(LogLevel::warning, "runtime",
                              "enabled plugin " + e.plugin_id + " names unknown property " +
                                  std::to_string(e.property.value));
                    continue;
                }
                todo.emplace_back(plugin, *property);
            }
        } catch (const std::exception& e) {
            return self->run_io([done, what = std::string{e.what()}]() mutable {
                invoke_callback(done, Result<std::size_t>{make_failure(RuntimeErrc::storage_error,
                                                                       "storage: " + what)});
            });
        }
        if (todo.empty())
            return self->run_io(
                [done]() mutable { invoke_callback(done, Result<std::size_t>{std::size_t{0}}); });
        struct Join {
            std::mutex mutex;
            std::size_t left = 0;
            std::size_t active = 0;
            Callback<std::size_t> done;
        };
        auto join = std::make_shared<Join>();
        join->left = todo.size();
        join->done = std::move(done);
        self->run_io([self, todo = std::move(todo), join] {
            for (const auto& [plugin, property] : todo) {
                self->start_instance(*plugin, property, [join](Result<Unit> r) {
                    Callback<std::size_t> finish;
                    std::size_t active = 0;
                    {
                        std::lock_guard lock(join->mutex);
                        if (r.ok())
                            ++join->active;
                        if (--join->left == 0) {
                            finish = std::move(join->done);
                            active = join->active;
                        }
                    }
                    if (finish)
                        invoke_callback(finish, Result<std::size_t>{active});
                });
            }
        });
    });
}

std::vector<PluginInfo> Runtime::plugins() const {
    std::lock_guard lock(impl_->mutex);
    std::vector<PluginInfo> out;
    for (const auto& p : impl_->plugins)
        out.push_back(p.info);
    return out;
}

std::optional<PluginInfo> Runtime::plugin(std::string_view plugin_id) const {
    std::lock_guard lock(impl_->mutex);
    if (const auto* p = impl_->find_plugin(plugin_id))
        return p->info;
    return std::nullopt;
}

std::optional<PluginState> Runtime::plugin_state(std::string_view plugin_id) const {
    std::lock_guard lock(impl_->mutex);
    if (const auto* p = impl_->find_plugin(plugin_id))
        return p->info.state;
    return std::nullopt;
}

std::vector<InstanceInfo> Runtime::instances() const {
    std::vector<std::shared_ptr<Instance>> list;
    {
        std::lock_guard lock(impl_->mutex);
        for (const auto& [key, inst] : impl_->instances)
            list.push_back(inst);
        for (const auto& inst : impl_->zombies)
            list.push_back(inst);
    }
    std::vector<InstanceInfo> out;
    for (const auto& inst : list)
        out.push_back(inst->info());
    return out;
}

std::optional<InstanceInfo> Runtime::instance(std::string_view plugin_id,
                                              PropertyId property) const {
    for (auto& info : instances())
        if (info.plugin_id == plugin_id && info.property == property)
            return info;
    return std::nullopt;
}

void Runtime::enable_plugin(std::string plugin_id, PropertyId property, Callback<Unit> done) {
    auto self = impl_;
    if (self->stopping.load())
        return fail_async(self, std::move(done),
                          make_failure(RuntimeErrc::unavailable, "the runtime is shutting down"));
    {
        std::lock_guard lock(self->mutex);
        if (auto f = self->check_plugin(plugin_id, nullptr))
            return fail_async(self, std::move(done), *f);
    }
    self->run_blocking([self, plugin_id = std::move(plugin_id), property,
                        done = std::move(done)]() mutable {
        std::optional<Property> prop;
        try {
            prop = self->storage.folios().get_property(property);
            if (prop)
                self->storage.settings().set_plugin_enabled(plugin_id, property, true);
        } catch (const std::exception& e) {
            return fail_async(
                self, std::move(done),
                make_failure(RuntimeErrc::storage_error, std::string{"storage: "} + e.what()));
        }
        if (!prop)
            return fail_async(self, std::move(done),
                              make_failure(RuntimeErrc::invalid_argument,
                                           "unknown property " + std::to_string(property.value)));
        self->run_io([self, plugin_id, prop = *prop, done = std::move(done)]() mutable {
            const detail::LoadedPlugin* plugin = nullptr;
            {
                std::lock_guard lock(self->mutex);
                if (auto f = self->check_plugin(plugin_id, &plugin))
                    return invoke_callback(done, Result<Unit>{*f});
            }
            if (self->stopping.load())
                return invoke_callback(
                    done, Result<Unit>{make_failure(RuntimeErrc::unavailable, "shutting down")});
            self->start_instance(*plugin, prop, std::move(done));
        });
    });
}

void Runtime::disable_plugin(std::string plugin_id, PropertyId property, Callback<Unit> done) {
    auto self = impl_;
    if (self->stopping.load())
        return fail_async(self, std::move(done),
                          make_failure(RuntimeErrc::unavailable, "the runtime is shutting down"));
    self->run_blocking(
        [self, plugin_id = std::move(plugin_id), property, done = std::move(done)]() mutable {
            try {
                self->storage.settings().set_plugin_enabled(plugin_id, property, false);
            } catch (const std::exception& e) {
                return fail_async(
                    self, std::move(done),
                    make_failure(RuntimeErrc::storage_error, std::string{"storage: "} + e.what()));
            }
            auto inst = self->find_instance(plugin_id, property, false, nullptr);
            if (!inst)
                return self->run_io([done = std::move(done)]() mutable {
                    invoke_callback(done, Result<Unit>{Unit{}});
                });
            self->stop_instance(inst, [done = std::move(done)]() mutable {
                invoke_callback(done, Result<Unit>{Unit{}});
            });
        });
}

Subscription Runtime::subscribe_view_pushes(std::function<void(const ViewPush&)> fn) {
    auto self = impl_;
    std::uint64_t id = 0;
    {
        std::lock_guard lock(self->mutex);
        id = self->next_subscription++;
        self->view_subs.emplace(
            id, std::make_shared<std::function<void(const ViewPush&)>>(std::move(fn)));
    }
    return Subscription{[weak = std::weak_ptr<Impl>(self), id] {
        if (auto rt = weak.lock()) {
            std::lock_guard lock(rt->mutex);
            rt->view_subs.erase(id);
        }
    }};
}

Subscription
Runtime::subscribe_notifications(std::function<void(const Notification&, bool duplicate)> fn) {
    auto self = impl_;
    std::uint64_t id = 0;
    {
        std::lock_guard lock(self->mutex);
        id = self->next_subscription++;
        self->notification_subs.emplace(
            id, std::make_shared<std::function<void(const Notification&, bool)>>(std::move(fn)));
    }
    return Subscription{[weak = std::weak_ptr<Impl>(self), id] {
        if (auto rt = weak.lock()) {
            std::lock_guard lock(rt->mutex);
            rt->notification_subs.erase(id);
        }
    }};
}

void Runtime::shutdown() {
    Impl& rt = *impl_;
    if (rt.stopped.load())
        return;
    if (rt.ioc->get_executor().running_in_this_thread())
        throw std::logic_error("pms::host::Runtime::shutdown() called from an io_context thread");
    rt.log(LogLevel::info, "runtime", "shutting down");

    // 1. Drain and destroy every instance (in parallel; each on its own strand).
    std::vector<std::shared_ptr<Instance>> all;
    {
        std::lock_guard lock(rt.mutex);
        rt.stopping.store(true);
        for (const auto& [key, inst] : rt.instances)
            all.push_back(inst);
    }
    struct Latch {
        std::mutex mutex;
        std::condition_variable cv;
        std::size_t left = 0;
    };
    auto latch = std::make_shared<Latch>();
    latch->left = all.size();
    for (const auto& inst : all)
        rt.stop_instance(inst, [latch] {
            std::lock_guard lock(latch->mutex);
            if (--latch->left == 0)
                latch->cv.notify_all();
        });
    {
        std::unique_lock lock(latch->mutex);
        const auto limit = rt.options.drain_timeout + std::chrono::seconds(5);
        if (!latch->cv.wait_for(lock, limit, [&] { return latch->left == 0; }))
            rt.log(LogLevel::error, "runtime",
                   std::to_string(latch->left) + " instance(s) did not stop in time");
    }

    // 2. Deinit every module (loader thread), except those a zombie still references.
    {
        std::lock_guard lock(rt.mutex);
        for (auto& p : rt.plugins)
            if (p.module)
                p.module->deinit();
    }

    // 3. Stop the mail transport (its completions still reach the strands: the io threads
    //    run), the HTTP clients, the blocking pool and the io threads (when owned).
    if (rt.mail)
        rt.mail->shutdown();
#if defined(PMS_HOST_RUNTIME_HAS_NET)
    if (rt.http)
        rt.http->shutdown();
    if (rt.http_fresh)
        rt.http_fresh->shutdown();
#endif
    rt.blocking.join();
    if (rt.owned_ioc) {
        rt.work.reset();
        rt.ioc->stop();
        for (auto& t : rt.io_threads)
            if (t.joinable())
                t.join();
        rt.io_threads.clear();
    }

    // 4. Test-only: let the modules go (dlclose) now that nothing references them.
    {
        std::lock_guard lock(rt.mutex);
        if (rt.options.unload_modules_at_shutdown && rt.zombies.empty())
            for (auto& p : rt.plugins) {
                p.module.reset();
                p.descriptor = nullptr;
            }
    }
    // 5. The log's held-back counts, ended windows or not; the timer stops (on its executor,
    //    where it runs, when the io_context is the caller's and still running).
    if (rt.log_flush_timer)
        boost::asio::post(rt.log_flush_timer->get_executor(),
                          [weak = std::weak_ptr<Impl>(impl_)] {
                              if (auto self = weak.lock())
                                  self->log_flush_timer->cancel();
                          });
    rt.logger.flush_repeats(std::chrono::steady_clock::now(), true);
    rt.stopped = true;
    rt.log(LogLevel::info, "runtime", "stopped");
}

} // namespace pms::host
