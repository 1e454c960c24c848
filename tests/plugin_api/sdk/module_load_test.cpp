// Loads the fixture plugin module with dlopen (RTLD_NOW | RTLD_LOCAL, as the host does) and
// drives it through the exported entry and the fake C host.
#include <pms/plugin_api/pms_plugin_api.h>

#include "fake_host.hpp"

#define BOOST_TEST_MODULE pms_plugin_sdk_module_load
#include <boost/test/unit_test.hpp>

#include <dlfcn.h>

#include <string>

#ifndef PMS_FIXTURE_PLUGIN_PATH
#error "PMS_FIXTURE_PLUGIN_PATH must name the fixture module"
#endif

BOOST_AUTO_TEST_CASE(load_init_create_run_unload) {
    void* lib = dlopen(PMS_FIXTURE_PLUGIN_PATH, RTLD_NOW | RTLD_LOCAL);
    BOOST_REQUIRE_MESSAGE(lib != nullptr, dlerror());
    // Everything but the entry is hidden.
    BOOST_TEST(dlsym(lib, "_ZN4pms3sdk15status_categoryEv") == nullptr);
    const auto* entry = static_cast<const pms_plugin_entry*>(dlsym(lib, PMS_PLUGIN_ENTRY_SYMBOL));
    BOOST_REQUIRE(entry != nullptr);
    BOOST_TEST(entry->struct_size == sizeof(pms_plugin_entry));
    const pms_version host_version = PMS_VERSION_INIT;
    BOOST_TEST(pms_version_is_compatible(host_version, entry->api, entry->min_host_minor));

    const pms_host_info info{sizeof(pms_host_info), PMS_VERSION_INIT, "fake-host", "tests", "0"};
    const std::string path = PMS_FIXTURE_PLUGIN_PATH;
    BOOST_REQUIRE(entry->init(&info, pms_test::view(path)) == PMS_OK);
    {
        const auto* factory =
            static_cast<const pms_plugin_factory*>(entry->get_factory(PMS_PLUGIN_FACTORY_ID));
        BOOST_REQUIRE(factory != nullptr);
        BOOST_TEST(factory->count(factory) == 1u);
        const pms_plugin_descriptor* d = factory->descriptor(factory, 0);
        BOOST_TEST(std::string(d->id) == "com.example.pms.fixture");
        BOOST_TEST((d->flags & PMS_PLUGIN_FLAG_UNLOADABLE) != 0u);

        pms_test::fake_host h;
        const pms_plugin* p = factory->create(factory, h.c_host(), d->id);
        BOOST_REQUIRE(p != nullptr);
        BOOST_TEST(p->init(p) == PMS_OK);
        BOOST_TEST(p->activate(p) == PMS_OK);
        h.run();
        BOOST_TEST(pms_test::logged(h, PMS_LOG_INFO, "fixture: posted task ran"));
        const auto* pt = static_cast<const pms_plugin_payment_types*>(
            p->get_extension(p, PMS_HOOK_PAYMENT_TYPES));
        BOOST_REQUIRE(pt != nullptr);
        pms_payment_type_info t{};
        t.struct_size = sizeof t;
        BOOST_TEST(pt->get(p, 0, &t) == PMS_OK);
        BOOST_TEST(std::string(t.code) == "payment");
        h.drain();
        h.run();
        p->deactivate(p);
        p->destroy(p);
    }
    entry->deinit();
    BOOST_TEST(dlclose(lib) == 0); // test-only unload: the module declared itself unloadable
}
