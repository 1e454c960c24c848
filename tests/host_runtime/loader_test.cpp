// The loader with real modules: each fixture is accepted or refused with the right reason (one
// log line naming the file and both versions), a manifest check refuses before the module is
// opened, and the host keeps running.
#include "harness.hpp"

#include <pms/plugin_api/version.h>

#include <boost/test/unit_test.hpp>

#include <dlfcn.h>

#include <fstream>
#include <map>

namespace fs = std::filesystem;
using namespace pms::host;
using namespace pms::host::test;

namespace {

// The API this host implements. Pinned here, not taken from version.h, so that a bump is a
// deliberate edit: each minor keeps loading every older plugin of the major (below).
constexpr const char* host_api = "1.5.0";
static_assert(PMS_PLUGIN_API_VERSION_MAJOR == 1 && PMS_PLUGIN_API_VERSION_MINOR == 5 &&
              PMS_PLUGIN_API_VERSION_PATCH == 0);
const std::string future_minor = std::to_string(PMS_PLUGIN_API_VERSION_MINOR + 1);
const std::string host_minor = "5";

std::map<std::string, PluginInfo> by_id(const std::vector<PluginInfo>& list) {
    std::map<std::string, PluginInfo> out;
    for (const auto& p : list)
        out[p.id] = p;
    return out;
}

void check_refused(const std::map<std::string, PluginInfo>& plugins, const LogCapture& logs,
                   const std::string& id, const std::string& file,
                   const std::vector<std::string>& reason_parts) {
    BOOST_TEST_CONTEXT("plugin " << id) {
        auto it = plugins.find(id);
        BOOST_REQUIRE(it != plugins.end());
        const PluginInfo& p = it->second;
        BOOST_CHECK(p.state == PluginState::refused);
        BOOST_CHECK_MESSAGE(p.refusal_reason.find(file) != std::string::npos, p.refusal_reason);
        BOOST_CHECK_MESSAGE(p.refusal_reason.find(std::string{"host API "} + host_api) !=
                                std::string::npos,
                            p.refusal_reason);
        for (const auto& part : reason_parts)
            BOOST_CHECK_MESSAGE(p.refusal_reason.find(part) != std::string::npos,
                                "'" << part << "' not in: " << p.refusal_reason);
        // Exactly one log line for the refusal, naming the file.
        BOOST_CHECK_EQUAL(logs.count(LogLevel::error, file + " refused"), 1u);
    }
}

} // namespace

BOOST_AUTO_TEST_SUITE(loader)

BOOST_AUTO_TEST_CASE(each_fixture_is_accepted_or_refused_with_its_reason) {
    pms::test::TempDir markers{"pms-markers"};
    ScopedEnv env{"PMS_FX_MARKER_DIR", markers.path().string()};
    Harness h;
    const auto plugins = by_id(h.runtime->plugins());

    for (const char* ok : {"test.c-basic", "test.c-second", "test.c-needs-settings", "test.sdk"}) {
        BOOST_TEST_CONTEXT("plugin " << ok) {
            BOOST_REQUIRE(plugins.count(ok) == 1);
            const PluginInfo& p = plugins.at(ok);
            BOOST_CHECK(p.state == PluginState::loaded);
            BOOST_CHECK(p.refusal_reason.empty());
            BOOST_CHECK_EQUAL(p.api_version, host_api);
            BOOST_CHECK_EQUAL(p.min_host_minor, PMS_PLUGIN_API_VERSION_MINOR);
            // The C fixtures add pms.admin-page/1 (1.2); the SDK fixture has no pages.
            BOOST_CHECK_EQUAL(p.capabilities.size(), std::string{ok} == "test.sdk" ? 4u : 5u);
            BOOST_CHECK(p.has_capability("pms.notification-sink/1"));
            BOOST_CHECK_EQUAL(p.has_capability("pms.admin-page/1"), std::string{ok} != "test.sdk");
        }
    }
    // Built against the frozen 1.0 headers: a v1.0 plugin, asking for host minor 0.
    BOOST_REQUIRE(plugins.count("test.v1-0") == 1);
    BOOST_CHECK(plugins.at("test.v1-0").state == PluginState::loaded);
    BOOST_CHECK_MESSAGE(plugins.at("test.v1-0").refusal_reason.empty(),
                        plugins.at("test.v1-0").refusal_reason);
    BOOST_CHECK_EQUAL(plugins.at("test.v1-0").api_version, "1.0.0");
    BOOST_CHECK_EQUAL(plugins.at("test.v1-0").min_host_minor, 0u);
    // Built against the frozen 1.1 headers: a v1.1 plugin without the 1.2 hook.
    BOOST_REQUIRE(plugins.count("test.v1-1") == 1);
    BOOST_CHECK(plugins.at("test.v1-1").state == PluginState::loaded);
    BOOST_CHECK_MESSAGE(plugins.at("test.v1-1").refusal_reason.empty(),
                        plugins.at("test.v1-1").refusal_reason);
    BOOST_CHECK_EQUAL(plugins.at("test.v1-1").api_version, "1.1.0");
    BOOST_CHECK(!plugins.at("test.v1-1").has_capability("pms.admin-page/1"));
    BOOST_CHECK_EQUAL(plugins.at("test.sdk").version, "2.1.0");
    BOOST_CHECK_EQUAL(plugins.at("test.sdk").name, "SDK fixture");

    check_refused(plugins, h.logs, "test.wrong-major", "fx_wrong_major.so",
                  {"plugin API 2.", "major version 2 differs", "module not opened"});
    check_refused(plugins, h.logs, "test.entry-major", "fx_entry_major.so",
                  {"plugin API 2.", "major version 2 differs", "(entry)"});
    check_refused(plugins, h.logs, "test.future-minor", "fx_future_minor.so",
                  {std::string{"plugin API "} + host_api,
                   "requires host API minor " + future_minor + " or newer, host has " + host_minor,
                   "module not opened"});
    check_refused(plugins, h.logs, "test.future-minor-entry", "fx_future_minor_entry.so",
                  {"requires host API minor " + future_minor + " or newer, host has " + host_minor,
                   "(entry)"});
    check_refused(plugins, h.logs, "test.no-entry", "fx_no_entry.so",
                  {"does not export pms_plugin_entry_v1"});
    check_refused(
        plugins, h.logs, "test.mismatch", "fx_mismatch.so",
        {"manifest does not match the descriptor", "version '1.0.0' vs manifest '9.9.9'"});

    // The manifest checks ran no plugin code: those modules were never mapped.
    BOOST_CHECK(!fs::exists(markers / "test.wrong-major.loaded"));
    BOOST_CHECK(!fs::exists(markers / "test.future-minor.loaded"));
    // The entry checks needed the module.
    BOOST_CHECK(fs::exists(markers / "test.entry-major.loaded"));
    BOOST_CHECK(fs::exists(markers / "test.no-entry.loaded"));

    // The host keeps running: refused plugins cannot be enabled, the others can.
    auto r = h.wait<Unit>([&](Callback<Unit> cb) {
        h.runtime->enable_plugin("test.wrong-major", h.seed.property, std::move(cb));
    });
    BOOST_REQUIRE(!r.ok());
    BOOST_CHECK(r.error().code == RuntimeErrc::plugin_refused);
    auto unknown = h.wait<Unit>([&](Callback<Unit> cb) {
        h.runtime->enable_plugin("no.such.plugin", h.seed.property, std::move(cb));
    });
    BOOST_REQUIRE(!unknown.ok());
    BOOST_CHECK(unknown.error().code == RuntimeErrc::unknown_plugin);
    h.enable("test.c-basic");
    BOOST_CHECK(h.runtime->instance("test.c-basic", h.seed.property)->state ==
                InstanceState::active);
}

// ABI minors keep every plugin of the major working (architecture §8): the plugin built against
// the frozen 1.0 headers is enabled, answers a click and saves its settings.
BOOST_AUTO_TEST_CASE(a_v1_0_plugin_runs_in_this_host) {
    Harness h;
    h.enable("test.v1-0");
    BOOST_CHECK(h.runtime->instance("test.v1-0", h.seed.property)->state == InstanceState::active);
    auto view = h.wait<ViewUpdate>([&](Callback<ViewUpdate> cb) {
        h.runtime->click_button("test.v1-0", "open", h.folio_context(), std::move(cb));
    });
    BOOST_REQUIRE(view.ok());
    BOOST_CHECK(view.value().view_json.find("Step 1") != std::string::npos);
    auto saved = h.wait<SettingsSaveOutcome>([&](Callback<SettingsSaveOutcome> cb) {
        h.runtime->save_settings("test.v1-0", h.seed.property,
                                 R"({"shop_id":"s1","api_token":"t0ken-v1"})", "staff:17",
                                 std::move(cb));
    });
    BOOST_REQUIRE(saved.ok());
    BOOST_CHECK_MESSAGE(saved.value().saved, saved.value().errors_json);
}

// ... and the same for a plugin of release 1.1, which knows nothing of pages: it runs, and
// lists none.
BOOST_AUTO_TEST_CASE(a_v1_1_plugin_runs_in_this_host) {
    Harness h;
    h.enable("test.v1-1");
    BOOST_CHECK(h.runtime->instance("test.v1-1", h.seed.property)->state == InstanceState::active);
    auto view = h.wait<ViewUpdate>([&](Callback<ViewUpdate> cb) {
        h.runtime->click_button("test.v1-1", "open", h.folio_context(), std::move(cb));
    });
    BOOST_REQUIRE(view.ok());
    BOOST_CHECK(view.value().view_json.find("Step 1") != std::string::npos);
    BOOST_CHECK(view.value().page_id.empty());
    BOOST_CHECK(h.runtime->admin_pages(h.seed.property).empty());
}

BOOST_AUTO_TEST_CASE(loading_again_loads_only_new_plugins) {
    Harness h;
    const auto first = h.runtime->plugins().size();
    const auto lines = h.logs.lines().size();
    const auto again = h.runtime->load_plugins();
    BOOST_CHECK_EQUAL(again.size(), first);
    BOOST_CHECK_EQUAL(h.logs.count("refused"), h.logs.count("refused"));
    BOOST_CHECK_EQUAL(h.logs.lines().size(), lines);
}

BOOST_AUTO_TEST_CASE(broken_manifests_missing_modules_and_duplicate_ids_are_refused) {
    pms::test::TempDir dir{"pms-plugins"};
    auto copy_plugin = [&](const std::string& from, const std::string& to) {
        fs::create_directories(dir / to);
        for (const auto& e : fs::directory_iterator(plugins_dir() / from))
            fs::copy_file(e.path(), dir / to / e.path().filename());
    };
    copy_plugin("fx_c_basic", "a_basic");
    copy_plugin("fx_c_basic", "b_duplicate");
    fs::create_directories(dir / "c_broken");
    std::ofstream(dir / "c_broken" / "plugin.json") << "{ not json";
    fs::create_directories(dir / "d_missing");
    std::ofstream(dir / "d_missing" / "plugin.json")
        << R"({"manifest":"pms.plugin-manifest/1","library":"nope.so",)"
        << R"("api":{"major":1,"minor":0,"patch":0},)"
        << R"("plugins":[{"id":"test.missing","name":"M","version":"1.0.0","capabilities":[]}]})";
    fs::create_directories(dir / "e_no_manifest"); // ignored: no plugin.json

    HarnessOptions o;
    o.plugins = dir.path();
    Harness h{o};
    const auto list = h.runtime->plugins();
    BOOST_REQUIRE_EQUAL(list.size(), 4u);
    BOOST_CHECK(list[0].state == PluginState::loaded);
    BOOST_CHECK_EQUAL(list[0].id, "test.c-basic");
    BOOST_CHECK(list[1].state == PluginState::refused);
    BOOST_CHECK_MESSAGE(list[1].refusal_reason.find("duplicate plugin id 'test.c-basic'") !=
                            std::string::npos,
                        list[1].refusal_reason);
    BOOST_CHECK(list[2].state == PluginState::refused);
    BOOST_CHECK_EQUAL(list[2].id, "c_broken");
    BOOST_CHECK_MESSAGE(list[2].refusal_reason.find("not a JSON object") != std::string::npos,
                        list[2].refusal_reason);
    BOOST_CHECK(list[3].state == PluginState::refused);
    BOOST_CHECK_MESSAGE(list[3].refusal_reason.find("module file not found") != std::string::npos,
                        list[3].refusal_reason);
    // The survivor works.
    h.enable("test.c-basic");
    BOOST_CHECK_EQUAL(h.notify("test.c-basic", "echo", "hi").http_status, 200);
}

BOOST_AUTO_TEST_CASE(test_only_unload_closes_the_module_at_shutdown) {
    pms::test::TempDir dir{"pms-plugins"};
    fs::create_directories(dir / "only");
    for (const auto& e : fs::directory_iterator(plugins_dir() / "fx_c_basic"))
        fs::copy_file(e.path(), dir / "only" / e.path().filename());
    const std::string module = (dir / "only" / "fx_c_basic.so").string();
    {
        HarnessOptions o;
        o.plugins = dir.path();
        o.tweak = [](RuntimeOptions& r) { r.unload_modules_at_shutdown = true; };
        Harness h{o};
        h.enable("test.c-basic");
        BOOST_CHECK_EQUAL(h.notify("test.c-basic", "echo", "x").http_status, 200);
        void* handle = ::dlopen(module.c_str(), RTLD_NOW | RTLD_NOLOAD);
        BOOST_CHECK(handle != nullptr); // mapped while the runtime runs
        if (handle != nullptr)
            ::dlclose(handle);
    }
    void* after = ::dlopen(module.c_str(), RTLD_NOW | RTLD_NOLOAD);
    BOOST_CHECK_MESSAGE(after == nullptr, "the module is still mapped after shutdown");
    if (after != nullptr)
        ::dlclose(after);
}

BOOST_AUTO_TEST_CASE(production_keeps_modules_resident) {
    pms::test::TempDir dir{"pms-plugins"};
    fs::create_directories(dir / "only");
    for (const auto& e : fs::directory_iterator(plugins_dir() / "fx_c_second"))
        fs::copy_file(e.path(), dir / "only" / e.path().filename());
    const std::string module = (dir / "only" / "fx_c_second.so").string();
    {
        HarnessOptions o;
        o.plugins = dir.path();
        Harness h{o};
        h.enable("test.c-second");
    }
    void* after = ::dlopen(module.c_str(), RTLD_NOW | RTLD_NOLOAD);
    BOOST_CHECK_MESSAGE(after != nullptr, "the module was unloaded");
    if (after != nullptr)
        ::dlclose(after);
}

BOOST_AUTO_TEST_SUITE_END()
