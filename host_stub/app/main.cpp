// pms-host: the reference PMS host executable. Opens the data folder (SQLite), loads the
// plugins, starts the instances enabled for each property, applies command-line presets, serves
// the web UI, the JSON API and the notification routes, and on SIGINT/SIGTERM closes the live
// event streams, stops the server and drains the plugins before it exits 0.
//
// The first stdout line, flushed, is "pms-host listening on http://ADDR:PORT": tests and the
// demo script read the port from it.
#include "allocator.hpp"
#include "log_output.hpp"
#include "options.hpp"
#include "user_command.hpp"

#include <pms/host/auth/password.hpp>
#include <pms/host/mail/smtp_transport.hpp>

#include <cctype>
#include <string_view>

#include <pms/host/runtime/runtime.hpp>
#include <pms/host/server/host_server.hpp>
#include <pms/host/server/settings_json.hpp>
#include <pms/host/storage/demo_seed.hpp>
#include <pms/host/storage/sqlite_storage.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <future>
#include <iostream>
#include <map>
#include <mutex>
#include <pthread.h>
#include <string>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace pms::host;

using LogOutput = pms::host::app::LogOutput;

/// The host part of `--public-url` as a mail domain ("https://pms.grand.example:8443/x" →
/// "pms.grand.example"), or empty when there is none or it is an IP literal or "localhost":
/// `no-reply@10.0.0.5` is not an address a guest's mail server accepts from anyone.
std::string mail_domain_of(std::string_view url) {
    const auto scheme = url.find("://");
    if (scheme == std::string_view::npos)
        return {};
    auto rest = url.substr(scheme + 3);
    rest = rest.substr(0, rest.find_first_of("/?#"));
    if (const auto at = rest.rfind('@'); at != std::string_view::npos)
        rest = rest.substr(at + 1);
    if (rest.empty() || rest.front() == '[')
        return {};
    rest = rest.substr(0, rest.find(':'));
    if (rest.find_first_not_of("0123456789.") == std::string_view::npos)
        return {};
    std::string host{rest};
    for (auto& c : host)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (host == "localhost" || host.find('.') == std::string::npos)
        return {};
    return host;
}


// ---- paths --------------------------------------------------------------------------------------

fs::path executable_dir() {
    std::error_code ec;
    const auto exe = fs::read_symlink("/proc/self/exe", ec);
    return ec ? fs::current_path() : exe.parent_path();
}

fs::path first_existing(std::initializer_list<fs::path> candidates) {
    std::error_code ec;
    for (const auto& c : candidates)
        if (!c.empty() && fs::is_directory(c, ec))
            return c;
    return *candidates.begin();
}

// ---- waiting on the runtime from main
// ------------------------------------------------------------

// Runs an asynchronous runtime call and waits for its callback (main is not an io thread, so
// waiting here blocks nothing the runtime needs). Returns nullopt on timeout.
template <class T, class Start>
std::optional<Result<T>> wait_for(Start start,
                                  std::chrono::seconds timeout = std::chrono::seconds(60)) {
    auto promise = std::make_shared<std::promise<Result<T>>>();
    auto future = promise->get_future();
    start([promise](Result<T> result) { promise->set_value(std::move(result)); });
    if (future.wait_for(timeout) != std::future_status::ready)
        return std::nullopt;
    return future.get();
}

std::optional<PropertyId> resolve_property(Storage& storage, const std::string& text) {
    auto& folios = storage.folios();
    if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos) {
        const PropertyId id{std::stoll(text)};
        if (folios.get_property(id))
            return id;
    }
    if (auto p = folios.find_property(text))
        return p->id;
    return std::nullopt;
}

// Applies --enable presets. Returns false (after logging why) on the first failure.
bool apply_enables(const pms::host::app::Options& options, Runtime& runtime, Storage& storage,
                   LogOutput& log) {
    for (const auto& e : options.enables) {
        const auto property = resolve_property(storage, e.property);
        if (!property) {
            log.write(LogLevel::error, "host", "--enable: no property '" + e.property + "'");
            return false;
        }
        auto result =
            wait_for<Unit>([&](auto done) { runtime.enable_plugin(e.plugin_id, *property, done); });
        if (!result || !*result) {
            log.write(LogLevel::error, "host",
                      "--enable " + e.plugin_id + ":" + e.property + " failed: " +
                          (result ? result->error().message : std::string{"timed out"}));
            return false;
        }
        log.write(LogLevel::info, "host",
                  "enabled " + e.plugin_id + " for property " + std::to_string(property->value));
    }
    return true;
}

// The text of a --setting/--secret preset: a secret may come from `@FILE` or `env:NAME` so
// that it never shows in the process list. nullopt (logged, without the value) on failure.
std::optional<std::string> preset_value(const pms::host::app::SettingPreset& preset,
                                        LogOutput& log) {
    if (!preset.secret)
        return preset.value;
    const std::string where = "--secret " + preset.plugin_id + " " + preset.key;
    if (preset.value.rfind('@', 0) == 0) {
        std::ifstream in{preset.value.substr(1), std::ios::binary};
        std::ostringstream text;
        text << in.rdbuf();
        if (!in) {
            log.write(LogLevel::error, "host", where + ": cannot read the file it names");
            return std::nullopt;
        }
        std::string value = text.str();
        if (!value.empty() && value.back() == '\n')
            value.pop_back();
        if (!value.empty() && value.back() == '\r')
            value.pop_back();
        return value;
    }
    if (preset.value.rfind("env:", 0) == 0) {
        const char* value = std::getenv(preset.value.substr(4).c_str());
        if (value == nullptr) {
            log.write(LogLevel::error, "host",
                      where + ": the environment variable it names is not set");
            return std::nullopt;
        }
        return std::string{value};
    }
    log.write(LogLevel::warning, "host",
              where + ": given inline, so other users of this machine can read it with ps; "
                      "prefer key=@FILE or key=env:NAME");
    return preset.value;
}

// Creates the demo staff accounts (admin, frontdesk, accountant) when they are missing. Their
// password is PMS_DEMO_PASSWORD, else "demo".
void seed_demo_staff(Storage& storage, LogOutput& log) {
    const char* from_env = std::getenv("PMS_DEMO_PASSWORD");
    const std::string password = from_env != nullptr && *from_env != '\0' ? from_env : "demo";
    struct Demo {
        const char* login;
        const char* name;
        StaffRole role;
    };
    const Demo demo[] = {{"admin", "Анна Администратор", StaffRole::admin},
                         {"frontdesk", "Фёдор Портье", StaffRole::front_desk},
                         {"accountant", "Белла Бухгалтер", StaffRole::accountant}};
    std::string created;
    for (const auto& d : demo) {
        if (storage.staff().find_user(d.login))
            continue;
        storage.staff().add_user({d.login, d.name, d.role, pms::host::auth::hash_password(password)});
        created += std::string{created.empty() ? "" : ", "} + d.login;
    }
    if (!created.empty())
        log.write(LogLevel::info, "host",
                  "demo staff created: " + created +
                      (from_env != nullptr && *from_env != '\0'
                           ? std::string{" (password from PMS_DEMO_PASSWORD)"}
                           : std::string{" (password: demo)"}));
}

// Applies --setting/--secret presets, one save per (plugin, property), on top of what is saved.
bool apply_settings(const pms::host::app::Options& options, Runtime& runtime, Storage& storage,
                    LogOutput& log) {
    std::map<std::pair<std::string, std::int64_t>,
             std::vector<const pms::host::app::SettingPreset*>>
        groups;
    for (const auto& s : options.settings) {
        const auto property = resolve_property(storage, s.property);
        if (!property) {
            log.write(LogLevel::error, "host",
                      "--setting/--secret: no property '" + s.property + "'");
            return false;
        }
        groups[{s.plugin_id, property->value}].push_back(&s);
    }
    for (const auto& [key, presets] : groups) {
        const auto& [plugin_id, property_value] = key;
        const PropertyId property{property_value};
        auto page = wait_for<SettingsPage>(
            [&](auto done) { runtime.get_settings_page(plugin_id, property, done); });
        if (!page || !*page) {
            log.write(LogLevel::error, "host",
                      "settings of " + plugin_id + ": " +
                          (page ? page->error().message : std::string{"timed out"}));
            return false;
        }
        boost::system::error_code ec;
        auto schema_value = json::parse(page->value().schema_json, ec);
        const json::object schema =
            !ec && schema_value.is_object() ? schema_value.as_object() : json::object{};
        auto values_value = json::parse(page->value().values_json, ec);
        json::object values =
            !ec && values_value.is_object() ? values_value.as_object() : json::object{};
        for (const auto* preset : presets) {
            const std::string pointer =
                preset->key.front() == '/' ? preset->key : "/" + preset->key;
            const auto text = preset_value(*preset, log);
            if (!text)
                return false;
            auto value = pms::host::server::coerce_to_schema_type(
                pms::host::server::schema_at(schema, pointer), *text);
            if (!value || !pms::host::server::set_at_pointer(values, pointer, std::move(*value))) {
                // The value itself is not repeated: it may be a secret.
                log.write(LogLevel::error, "host",
                          "--setting/--secret " + plugin_id + " " + pointer +
                              ": the value does not fit the schema's type");
                return false;
            }
        }
        auto saved = wait_for<SettingsSaveOutcome>([&](auto done) {
            runtime.save_settings(plugin_id, property, json::serialize(values), "host:command-line",
                                  done);
        });
        if (!saved || !*saved) {
            log.write(LogLevel::error, "host",
                      "saving settings of " + plugin_id + " failed: " +
                          (saved ? saved->error().message : std::string{"timed out"}));
            return false;
        }
        if (!saved->value().saved) {
            // errors_json holds field pointers and messages written by the host and the plugin,
            // not the submitted values.
            log.write(LogLevel::error, "host",
                      "settings of " + plugin_id + " refused: " + saved->value().errors_json);
            return false;
        }
        log.write(LogLevel::info, "host",
                  "pre-configured " + plugin_id + " for property " +
                      std::to_string(property.value));
    }
    return true;
}

int run(const pms::host::app::Options& options, const sigset_t& signals) {
    LogOutput log{pms::host::app::parse_log_level(options.log_level), options.log_file};
    const fs::path exe_dir = executable_dir();
    const fs::path data_dir =
        options.data_dir.empty() ? fs::current_path() / "pms-host-data" : options.data_dir;
    const fs::path plugins_dir =
        !options.plugins_dir.empty()
            ? options.plugins_dir
            : first_existing(
                  {exe_dir / ".." / "plugins", exe_dir / ".." / "lib" / "pms-host" / "plugins"});
    const fs::path web_root = !options.web_root.empty()
                                  ? options.web_root
                                  : first_existing({exe_dir / ".." / "share" / "pms-host" / "web",
#ifdef PMS_HOST_SOURCE_WEB_DIR
                                                    fs::path{PMS_HOST_SOURCE_WEB_DIR}
#endif
                                    });

    std::shared_ptr<FakeClock> fake_clock;
    std::shared_ptr<const Clock> clock;
    if (options.fake_clock) {
        fake_clock = std::make_shared<FakeClock>();
        clock = fake_clock;
    } else {
        clock = shared_system_clock();
    }

    std::unique_ptr<Storage> storage;
    try {
        if (!configure_sqlite_for_server())
            log.write(LogLevel::warning, "host", "SQLite was initialised before its settings were applied");
        SqliteStorageOptions storage_options;
        storage_options.clock = clock;
        storage = open_sqlite_storage(data_dir, storage_options);
    } catch (const std::exception& e) {
        log.write(LogLevel::error, "host", std::string{"cannot open the data folder: "} + e.what());
        return 1;
    }
    log.write(LogLevel::info, "host", "storage " + storage->describe());
    log.write(LogLevel::info, "host", "allocator " + pms::host::app::describe_allocator());
    if (options.seed_demo) {
        const auto seed = seed_demo(*storage);
        log.write(LogLevel::info, "host",
                  seed.created ? "demo hotel seeded" : "demo hotel already present");
        try {
            seed_demo_staff(*storage, log);
        } catch (const std::exception& e) {
            log.write(LogLevel::error, "host", std::string{"demo staff: "} + e.what());
            return 1;
        }
    }

    RuntimeOptions runtime_options;
    runtime_options.io_threads = options.threads;
    runtime_options.plugins_dir = plugins_dir;
    runtime_options.data_dir = data_dir;
    runtime_options.outbox_dir = data_dir / "outbox";
    if (options.smtp) {
        if (!options.smtp->from_name.empty())
            runtime_options.mail_from_name = options.smtp->from_name;
        // SmtpConfig's default from is a placeholder, not a choice made by operations.
        if (options.smtp->from != pms::host::mail::SmtpConfig{}.from) {
            runtime_options.mail_from = options.smtp->from;
            runtime_options.mail_from_fixed = true;
        }
    }
    if (!options.mail_from.empty()) {
        runtime_options.mail_from = options.mail_from;
        runtime_options.mail_from_fixed = true;
    }
    runtime_options.mail_default_domain = mail_domain_of(options.public_url);
    if (options.smtp) {
        pms::host::mail::SmtpConfig smtp = *options.smtp;
        smtp.from = runtime_options.mail_from;
        pms::host::mail::SmtpTransport::Options smtp_options;
        smtp_options.now = [clock] { return clock->now(); };
        smtp_options.log = [&log](std::string_view line) {
            log.write(LogLevel::info, "mail", std::string{line});
        };
        auto transport = std::make_shared<pms::host::mail::SmtpTransport>(std::move(smtp),
                                                                          std::move(smtp_options));
        log.write(LogLevel::info, "host", "mail: " + transport->describe());
        runtime_options.mail_transport = std::make_shared<HostMailTransport>(std::move(transport));
    } else {
        log.write(LogLevel::info, "host", "mail: outbox " + runtime_options.outbox_dir.string());
    }
    runtime_options.http.extra_ca_file = options.extra_ca;
    runtime_options.log_level = pms::host::app::parse_log_level(options.log_level);
    runtime_options.log = [&log](const LogLine& line) {
        log.write(line.level, line.origin, line.text);
    };

    std::unique_ptr<Runtime> runtime;
    try {
        runtime = std::make_unique<Runtime>(*storage, *clock, std::move(runtime_options));
    } catch (const std::exception& e) {
        log.write(LogLevel::error, "host",
                  std::string{"cannot start the plugin runtime: "} + e.what());
        return 1;
    }

    const auto plugins = runtime->load_plugins();
    std::size_t loaded = 0;
    for (const auto& p : plugins)
        loaded += p.state == PluginState::loaded ? 1 : 0;
    log.write(LogLevel::info, "host",
              "plugins from " + plugins_dir.string() + ": " + std::to_string(loaded) + " loaded, " +
                  std::to_string(plugins.size() - loaded) + " refused");
    if (auto started =
            wait_for<std::size_t>([&](auto done) { runtime->start_enabled_instances(done); });
        !started || !*started)
        log.write(LogLevel::warning, "host",
                  "starting the enabled instances did not complete cleanly");

    int exit_code = 0;
    std::unique_ptr<server::HostServer> http;
    if (!apply_enables(options, *runtime, *storage, log) ||
        !apply_settings(options, *runtime, *storage, log)) {
        exit_code = 1;
    } else {
        server::ServerConfig config;
        config.address = options.listen_address;
        config.port = options.listen_port;
        config.web_root = web_root;
        config.public_url = options.public_url;
        config.hooks_public_url = options.hooks_public_url;
        if (options.hooks_listen) {
            config.hooks_listener = true;
            config.hooks_address = options.hooks_listen->first;
            config.hooks_port = options.hooks_listen->second;
        }
        config.allowed_hosts = options.allowed_hosts;
        if (options.session_idle_s != 0)
            config.limits.session_idle = std::chrono::seconds{options.session_idle_s};
        if (options.session_max_age_s != 0)
            config.limits.session_max_age = std::chrono::seconds{options.session_max_age_s};
        if (options.streams_per_session != 0)
            config.limits.streams_per_session = options.streams_per_session;
        if (options.streams_total != 0)
            config.limits.streams_total = options.streams_total;
        if (options.views_per_session != 0)
            config.limits.views_per_session = options.views_per_session;
        if (options.views_total != 0)
            config.limits.views_total = options.views_total;
        if (options.view_idle_s != 0)
            config.limits.view_idle = std::chrono::seconds{options.view_idle_s};
        config.fake_clock = fake_clock.get();
        config.log = [&log](LogLevel level, std::string_view text) {
            log.write(level, "server", text);
        };
        config.log_level = runtime_options.log_level;
        try {
            http = std::make_unique<server::HostServer>(*runtime, *storage, std::move(config));
        } catch (const std::exception& e) {
            log.write(LogLevel::error, "host",
                      "cannot listen on " + options.listen_address + ":" +
                          std::to_string(options.listen_port) + ": " + e.what());
            exit_code = 1;
        }
    }

    if (http) {
        std::cout << "pms-host listening on " << http->base_url() << std::endl; // flushed
        if (!http->hooks_base_url().empty())
            log.write(LogLevel::info, "host",
                      "notification endpoint (/hooks/... only) listening on " +
                          http->hooks_base_url());
        log.write(LogLevel::info, "host",
                  "web root " + web_root.string() + ", public URL " + http->public_url());
        int signal_number = 0;
        sigwait(&signals, &signal_number);
        log.write(LogLevel::info, "host",
                  std::string{"received "} + (signal_number == SIGINT ? "SIGINT" : "SIGTERM") +
                      ", shutting down");
        http->stop();
    }
    // The loader thread (this one) drains and destroys the instances and deinits the modules.
    runtime->shutdown();
    http.reset();
    runtime.reset();
    storage.reset();
    log.write(LogLevel::info, "host", "stopped");
    return exit_code;
}

} // namespace

int main(int argc, char** argv) {
    // Signals are taken by sigwait in main: block them before any thread starts so that every
    // thread inherits the mask. A peer closing a socket must not kill the process.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    std::vector<std::string> args(argv + 1, argv + argc);
    if (pms::host::app::is_user_command(args))
        return pms::host::app::run_user_command(args);
    auto expanded = pms::host::app::expand_config_files(args);
    if (auto* error = std::get_if<std::string>(&expanded)) {
        std::cerr << "pms-host: " << *error << "\n";
        return 2;
    }
    auto parsed = pms::host::app::parse_options(std::get<std::vector<std::string>>(expanded));
    if (auto* error = std::get_if<std::string>(&parsed)) {
        std::cerr << "pms-host: " << *error << "\n";
        return 2;
    }
    const auto& options = std::get<pms::host::app::Options>(parsed);
    if (options.help) {
        std::cout << pms::host::app::usage();
        return 0;
    }
    try {
        return run(options, signals);
    } catch (const std::exception& e) {
        std::cerr << "pms-host: fatal: " << e.what() << "\n";
        return 1;
    }
}
