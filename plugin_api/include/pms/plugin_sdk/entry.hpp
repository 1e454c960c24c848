// pms/plugin_sdk/entry.hpp — PMS_DECLARE_PLUGIN_ENTRY(Plugin, ...): the module's exported entry.
//
// Put the macro in exactly one .cpp of the module, after the plugin classes:
//
//     PMS_DECLARE_PLUGIN_ENTRY(my_plugin);                // or several: (a_plugin, b_plugin)
//
// It defines the only exported symbol, `pms_plugin_entry_v1`, constant-initialised (no static
// constructor runs at dlopen), with:
//  - init/deinit: reference-counted under a mutex; the first init and the last deinit call the
//    optional `static pms_status module_init(const pms_host_info&)` /
//    `static void module_deinit()` of each plugin class; init refuses a host of another major;
//  - the factory "pms.plugin-factory/1" over the listed classes (descriptor ids must differ).
// Compile-time options (define before including):
//  - PMS_SDK_MIN_HOST_MINOR: lowest host minor the module accepts (default: the headers' minor;
//    lower it only if the plugin feature-detects everything newer).
#pragma once

#include <pms/plugin_api/entry.h>
#include <pms/plugin_api/factory.h>

#include <pms/plugin_sdk/plugin.hpp>

#include <boost/version.hpp>

#include <array>
#include <cstdint>
#include <cstring>
#include <mutex>

#ifndef PMS_SDK_MIN_HOST_MINOR
#define PMS_SDK_MIN_HOST_MINOR PMS_PLUGIN_API_VERSION_MINOR
#endif

#define PMS_SDK_STRINGIZE_(x) #x
#define PMS_SDK_STRINGIZE(x) PMS_SDK_STRINGIZE_(x)

/// The informational build key: compiler, standard library ABI, Boost, API version.
#if defined(__clang__)
#define PMS_SDK_COMPILER_KEY "clang-" __clang_version__
#elif defined(__GNUC__)
#define PMS_SDK_COMPILER_KEY "gcc-" PMS_SDK_STRINGIZE(__GNUC__) "." PMS_SDK_STRINGIZE(__GNUC_MINOR__)
#else
#define PMS_SDK_COMPILER_KEY "unknown-compiler"
#endif
#if defined(_GLIBCXX_USE_CXX11_ABI)
#define PMS_SDK_STDLIB_KEY ";libstdc++;cxx11abi=" PMS_SDK_STRINGIZE(_GLIBCXX_USE_CXX11_ABI)
#else
#define PMS_SDK_STDLIB_KEY ";stdlib=other"
#endif
#define PMS_SDK_BUILD_KEY                                                                        \
    PMS_SDK_COMPILER_KEY PMS_SDK_STDLIB_KEY ";boost=" PMS_SDK_STRINGIZE(BOOST_VERSION)           \
        ";pms-api=" PMS_PLUGIN_API_VERSION_STRING

namespace pms::sdk::detail {

template <class... Plugins>
struct module {
    static_assert(sizeof...(Plugins) > 0, "PMS_DECLARE_PLUGIN_ENTRY needs at least one plugin");

    static std::mutex& mutex() noexcept {
        static std::mutex m; // constexpr constructor: no dynamic initialisation
        return m;
    }
    static int& init_count() noexcept {
        static int n = 0;
        return n;
    }

    template <class P>
    static pms_status init_one(const pms_host_info& info) {
        if constexpr (requires(const pms_host_info& i) {
                          { P::module_init(i) } -> std::convertible_to<pms_status>;
                      })
            return P::module_init(info);
        else
            return PMS_OK;
    }
    template <class P>
    static void deinit_one() {
        if constexpr (requires { P::module_deinit(); })
            P::module_deinit();
    }

    static pms_status init(const pms_host_info* info, pms_str /*plugin_path*/) noexcept {
        if (info == nullptr)
            return PMS_INVALID_ARGUMENT;
        const pms_version compiled = PMS_VERSION_INIT;
        if (!pms_version_is_compatible(info->api, compiled, PMS_SDK_MIN_HOST_MINOR))
            return PMS_VERSION_MISMATCH;
        try {
            std::lock_guard<std::mutex> lock(mutex());
            if (init_count() == 0) {
                using init_fn = pms_status (*)(const pms_host_info&);
                using deinit_fn = void (*)();
                constexpr init_fn inits[] = {&init_one<Plugins>...};
                constexpr deinit_fn deinits[] = {&deinit_one<Plugins>...};
                // Initialise in order; on a failure undo the ones already done.
                for (std::size_t i = 0; i < sizeof...(Plugins); ++i) {
                    pms_status s = PMS_INTERNAL;
                    try {
                        s = inits[i](*info);
                    } catch (...) {
                    }
                    if (s != PMS_OK) {
                        for (std::size_t j = i; j-- > 0;)
                            deinits[j]();
                        return s;
                    }
                }
            }
            ++init_count();
            return PMS_OK;
        } catch (...) {
            return PMS_INTERNAL;
        }
    }

    static void deinit() noexcept {
        try {
            std::lock_guard<std::mutex> lock(mutex());
            if (init_count() == 0)
                return; // unbalanced deinit: ignore
            if (--init_count() == 0)
                (deinit_one<Plugins>(), ...);
        } catch (...) {
        }
    }

    static const pms_plugin_descriptor* descriptor_at(std::uint32_t index) noexcept {
        const pms_plugin_descriptor* list[] = {&Plugins::descriptor()...};
        return index < sizeof...(Plugins) ? list[index] : nullptr;
    }

    static std::uint32_t f_count(const pms_plugin_factory*) noexcept {
        return static_cast<std::uint32_t>(sizeof...(Plugins));
    }
    static const pms_plugin_descriptor* f_descriptor(const pms_plugin_factory*,
                                                     std::uint32_t index) noexcept {
        return descriptor_at(index);
    }
    static const pms_plugin* f_create(const pms_plugin_factory*, const pms_host* host,
                                      const char* plugin_id) noexcept {
        if (host == nullptr || plugin_id == nullptr)
            return nullptr;
        const pms_plugin* created = nullptr;
        ((created == nullptr && std::strcmp(Plugins::descriptor().id, plugin_id) == 0
              ? (created = Plugins::create(host), 0)
              : 0),
         ...);
        return created;
    }

    static constexpr pms_plugin_factory factory{&f_count, &f_descriptor, &f_create};

    static const void* get_factory(const char* id) noexcept {
        if (id != nullptr && std::strcmp(id, PMS_PLUGIN_FACTORY_ID) == 0)
            return &factory;
        return nullptr;
    }

    static constexpr pms_plugin_entry entry{
        sizeof(pms_plugin_entry), PMS_VERSION_INIT, PMS_SDK_MIN_HOST_MINOR, PMS_SDK_BUILD_KEY,
        &init, &deinit, &get_factory};
};

} // namespace pms::sdk::detail

/// Defines the exported entry `pms_plugin_entry_v1` for the listed plugin classes.
#define PMS_DECLARE_PLUGIN_ENTRY(...)                                                            \
    extern "C" PMS_EXPORT const pms_plugin_entry pms_plugin_entry_v1 =                          \
        ::pms::sdk::detail::module<__VA_ARGS__>::entry
