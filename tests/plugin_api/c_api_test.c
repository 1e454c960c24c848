/*
 * A minimal plugin written in plain C11 against the v1 headers, driven in-process the way the
 * host drives a loaded module: proves that the headers are usable from C (entry definition,
 * factory, instance, a hook), and checks PMS_HAS_FIELD, the version rule and status names.
 */
#include <stdio.h>
#include <string.h>

#include "pms/plugin_api/pms_plugin_api.h"

static int failures;
#define CHECK(cond)                                                                              \
    do {                                                                                         \
        if (!(cond)) {                                                                           \
            fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);             \
            ++failures;                                                                          \
        }                                                                                        \
    } while (0)

/* ---- the plugin ---- */

static int init_count;

static pms_status entry_init(const pms_host_info *info, pms_str path) {
    (void)path;
    if (info == NULL || info->api.major != PMS_PLUGIN_API_VERSION_MAJOR)
        return PMS_VERSION_MISMATCH;
    ++init_count;
    return PMS_OK;
}

static void entry_deinit(void) { --init_count; }

static const char *const capabilities[] = {PMS_HOOK_PAYMENT_TYPES, NULL};
static const pms_plugin_descriptor descriptor = {
    sizeof(pms_plugin_descriptor), PMS_VERSION_INIT, "com.example.c-plugin", "C plugin",
    "Example", "1.0.0", "A plugin in C", "", "", capabilities, 0};

static uint32_t pt_count(const pms_plugin *plugin) {
    (void)plugin;
    return 1;
}

static pms_status pt_get(const pms_plugin *plugin, uint32_t index, pms_payment_type_info *info) {
    (void)plugin;
    if (index != 0 || info == NULL)
        return PMS_INVALID_ARGUMENT;
    info->code = "payment";
    info->name = "Payment";
    if (PMS_HAS_FIELD(info, pms_payment_type_info, direction))
        info->direction = PMS_PAYMENT_INCOMING;
    return PMS_OK;
}

static void pt_mapping_changed(const pms_plugin *plugin) { (void)plugin; }

static const pms_plugin_payment_types payment_types = {pt_count, pt_get, pt_mapping_changed};

static pms_status p_init(const pms_plugin *p) {
    (void)p;
    return PMS_OK;
}
static pms_status p_activate(const pms_plugin *p) {
    (void)p;
    return PMS_OK;
}
static void p_deactivate(const pms_plugin *p) { (void)p; }
static void p_destroy(const pms_plugin *p) { (void)p; }
static const void *p_get_extension(const pms_plugin *p, const char *id) {
    (void)p;
    return strcmp(id, PMS_HOOK_PAYMENT_TYPES) == 0 ? &payment_types : NULL;
}

static pms_plugin instance = {sizeof(pms_plugin), &descriptor, NULL, p_init, p_activate,
                              p_deactivate, p_destroy, p_get_extension};

static uint32_t f_count(const pms_plugin_factory *f) {
    (void)f;
    return 1;
}
static const pms_plugin_descriptor *f_descriptor(const pms_plugin_factory *f, uint32_t i) {
    (void)f;
    return i == 0 ? &descriptor : NULL;
}
static const pms_plugin *f_create(const pms_plugin_factory *f, const pms_host *host,
                                  const char *id) {
    (void)f;
    (void)host;
    return strcmp(id, descriptor.id) == 0 ? &instance : NULL;
}
static const pms_plugin_factory factory = {f_count, f_descriptor, f_create};

static const void *entry_get_factory(const char *id) {
    return strcmp(id, PMS_PLUGIN_FACTORY_ID) == 0 ? &factory : NULL;
}

PMS_EXPORT const pms_plugin_entry pms_plugin_entry_v1 = {
    sizeof(pms_plugin_entry), PMS_VERSION_INIT, PMS_PLUGIN_API_VERSION_MINOR, "c11-test",
    entry_init, entry_deinit, entry_get_factory};

/* ---- the "host" ---- */

static const void *host_get_extension(const pms_host *host, const char *id) {
    (void)host;
    (void)id;
    return NULL;
}

int main(void) {
    const pms_plugin_entry *entry = &pms_plugin_entry_v1;
    pms_version host_version = PMS_VERSION_INIT;
    pms_host_info info = {sizeof(pms_host_info), PMS_VERSION_INIT, "test-host", "", "0"};
    pms_str path = PMS_STR_LIT("/tmp/c_plugin.so");
    pms_host host = {sizeof(pms_host), PMS_VERSION_INIT, NULL, "test-host", "", "0",
                     "hotel-1", "ru-RU", host_get_extension};

    CHECK(entry->struct_size == sizeof(pms_plugin_entry));
    CHECK(pms_version_is_compatible(host_version, entry->api, entry->min_host_minor));
    CHECK(entry->init(&info, path) == PMS_OK);
    CHECK(entry->init(&info, path) == PMS_OK);
    CHECK(init_count == 2);

    const pms_plugin_factory *fac = (const pms_plugin_factory *)entry->get_factory(PMS_PLUGIN_FACTORY_ID);
    CHECK(fac != NULL);
    CHECK(entry->get_factory("pms.plugin-factory/2") == NULL);
    CHECK(fac->count(fac) == 1);
    CHECK(strcmp(fac->descriptor(fac, 0)->id, "com.example.c-plugin") == 0);
    CHECK(fac->descriptor(fac, 1) == NULL);
    const pms_plugin *p = fac->create(fac, &host, "com.example.c-plugin");
    CHECK(p != NULL && p->init(p) == PMS_OK && p->activate(p) == PMS_OK);

    const pms_plugin_payment_types *pt = (const pms_plugin_payment_types *)p->get_extension(p, PMS_HOOK_PAYMENT_TYPES);
    CHECK(pt != NULL && pt->count(p) == 1);
    pms_payment_type_info ti;
    memset(&ti, 0, sizeof ti);
    ti.struct_size = sizeof ti;
    CHECK(pt->get(p, 0, &ti) == PMS_OK && strcmp(ti.code, "payment") == 0 &&
          ti.direction == PMS_PAYMENT_INCOMING);
    /* A host that knows an older, smaller struct: the plugin leaves the later field alone. */
    memset(&ti, 0, sizeof ti);
    ti.struct_size = (uint32_t)offsetof(pms_payment_type_info, direction);
    CHECK(pt->get(p, 0, &ti) == PMS_OK && ti.direction == 0);
    CHECK(p->get_extension(p, PMS_HOOK_FOLIO_BUTTON) == NULL);
    p->deactivate(p);
    p->destroy(p);
    entry->deinit();
    entry->deinit();
    CHECK(init_count == 0);

    /* PMS_HAS_FIELD */
    pms_host small = host;
    small.struct_size = (uint32_t)offsetof(pms_host, locale);
    CHECK(PMS_HAS_FIELD(&host, pms_host, locale));
    CHECK(!PMS_HAS_FIELD(&small, pms_host, locale));
    CHECK(PMS_HAS_FIELD(&small, pms_host, property_id));
    const pms_host *none = NULL;
    CHECK(!PMS_HAS_FIELD(none, pms_host, name));

    /* The version rule: same major, min_host_minor <= host minor, patch ignored. */
    pms_version h = {1, 2, 0}, same = {1, 2, 7}, older = {1, 0, 0}, newer = {1, 3, 0}, other = {2, 0, 0};
    CHECK(pms_version_is_compatible(h, same, 2));
    CHECK(pms_version_is_compatible(h, older, 0));
    CHECK(!pms_version_is_compatible(h, newer, 3));
    CHECK(pms_version_is_compatible(h, newer, 1)); /* lowered min_host_minor: feature-detects */
    CHECK(!pms_version_is_compatible(h, other, 0));
#if !PMS_VERSION_EQ(1, 5, 0) || !PMS_VERSION_GE(1, 0, 0) || !PMS_VERSION_GE(1, 5, 0) ||       \
    PMS_VERSION_LT(1, 5, 0) || !PMS_VERSION_LT(1, 6, 0) || !PMS_VERSION_LT(2, 0, 0)
#error "version macros"
#endif
    /* This host (1.5) loads plugins built for 1.0 to 1.5; one that needs minor 6 or another
     * major is refused. */
    {
        const pms_version v1_0 = {1, 0, 0}, v1_1 = {1, 1, 0}, v1_2 = {1, 2, 0}, v1_3 = {1, 3, 0},
                          v1_4 = {1, 4, 0}, v1_5 = {1, 5, 0}, v1_6 = {1, 6, 0}, v2_0 = {2, 0, 0};
        CHECK(host_version.major == 1 && host_version.minor == 5 && host_version.patch == 0);
        CHECK(pms_version_is_compatible(host_version, v1_0, 0));
        CHECK(pms_version_is_compatible(host_version, v1_1, 0));
        CHECK(pms_version_is_compatible(host_version, v1_1, 1));
        CHECK(pms_version_is_compatible(host_version, v1_2, 2));
        CHECK(pms_version_is_compatible(host_version, v1_3, 3));
        CHECK(pms_version_is_compatible(host_version, v1_4, 4));
        CHECK(pms_version_is_compatible(host_version, v1_5, 5));
        CHECK(!pms_version_is_compatible(host_version, v1_6, 6));
        CHECK(!pms_version_is_compatible(host_version, v2_0, 0));
        /* and a 1.3 host refuses a plugin that needs minor 4 (pms.store/2 it cannot do without). */
        CHECK(!pms_version_is_compatible(v1_3, v1_4, 4));
        /* and a 1.2 host refuses a plugin that needs minor 3 (x-prefill, x-check). */
        CHECK(!pms_version_is_compatible(v1_2, v1_3, 3));
        /* and a 1.1 host refuses a plugin that needs minor 2 (the admin pages). */
        CHECK(!pms_version_is_compatible(v1_1, v1_2, 2));
    }

    /* Status names, and unknown values. */
    CHECK(strcmp(pms_status_name(PMS_CANCELLED), "PMS_CANCELLED") == 0);
    CHECK(strcmp(pms_status_name(PMS_DUPLICATE), "PMS_DUPLICATE") == 0);
    CHECK(strcmp(pms_status_name(-1000), "PMS_UNKNOWN_STATUS") == 0);
    CHECK(strcmp(pms_status_name(1000), "PMS_UNKNOWN_STATUS") == 0);
    CHECK(PMS_STATUS_IS_SUCCESS(PMS_OK) && PMS_STATUS_IS_SUCCESS(PMS_DUPLICATE));
    CHECK(!PMS_STATUS_IS_SUCCESS(PMS_CONFLICT) && !PMS_STATUS_IS_SUCCESS(PMS_DECLINED));

    pms_money m = {155000, "RUB"};
    CHECK(m.minor == 155000 && strcmp(m.currency, "RUB") == 0);

    if (failures == 0)
        printf("c_api_test: all checks passed\n");
    return failures == 0 ? 0 : 1;
}
