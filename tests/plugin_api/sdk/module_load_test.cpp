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
        // The page hook (1.2), declared and served by the loaded module.
        BOOST_TEST(std::string(d->capabilities[1]) == PMS_HOOK_ADMIN_PAGE);
        const auto* ap = static_cast<const pms_plugin_admin_page*>(
            p->get_extension(p, PMS_HOOK_ADMIN_PAGE));
        BOOST_REQUIRE(ap != nullptr);
        pms_admin_page_info page{};
        page.struct_size = sizeof page;
        BOOST_TEST(ap->get(p, 0, &page) == PMS_OK);
        BOOST_TEST(std::string(page.permission) == "suspense.manage");
        const std::string property = "hotel-1", page_id = "suspense", user = "u-5", name = "Olga";
        const pms_admin_page_context ctx{sizeof ctx,           pms_test::view(property),
                                         pms_test::view(page_id), pms_test::view(user),
                                         pms_test::view(name),  pms_str{nullptr, 0}};
        std::string shown;
        int calls = 0;
        struct sink_t {
            std::string* shown;
            int* calls;
        } sink{&shown, &calls};
        BOOST_TEST(ap->on_open(p, "suspense", pms_str{"vs-1", 4}, &ctx,
                               pms_view_done{[](void* u, pms_status s, pms_str json) {
                                                 auto* k = static_cast<sink_t*>(u);
                                                 ++*k->calls;
                                                 if (s == PMS_OK)
                                                     *k->shown = pms_test::str(json);
                                             },
                                             &sink}) == PMS_OK);
        BOOST_TEST(calls == 1);
        BOOST_TEST(shown.find("suspense for Olga") != std::string::npos, shown);
        h.drain();
        h.run();
        p->deactivate(p);
        p->destroy(p);
    }
    entry->deinit();
    BOOST_TEST(dlclose(lib) == 0); // test-only unload: the module declared itself unloadable
}
