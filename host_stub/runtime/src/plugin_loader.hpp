// The plugin loader: turns one `<dir>/plugin.json` into a loaded or refused plugin, in the order
// of plugin-abi.md §2.4, running no plugin code before the manifest passed:
//  1. read the manifest; check its api major and min_host_minor against the host;
//  2. dlopen the module next to it with RTLD_NOW | RTLD_LOCAL (Boost.DLL);
//  3. find `pms_plugin_entry_v1`; check struct_size, function pointers, api major, the plugin's
//     min_host_minor, and that the entry's version equals the manifest's;
//  4. entry.init() (reference-counted by the module; deinit on every later refusal);
//  5. get the factory "pms.plugin-factory/1", find the descriptor with the manifest's id and
//     compare id, name, version and capabilities with the manifest.
// Every refusal gives one log line naming the file, both versions and the reason.
// [loader thread only]
#pragma once

#include "logger.hpp"
#include "plugin_module.hpp"

#include <pms/host/runtime/runtime.hpp>
#include <pms/plugin_api/plugin.h>

#include <filesystem>
#include <memory>
#include <string>

namespace pms::host::detail {

struct LoadedPlugin {
    PluginInfo info;
    std::shared_ptr<PluginModule> module;              ///< null when refused
    const pms_plugin_descriptor* descriptor = nullptr; ///< owned by the module
};

struct HostIdentity {
    std::string name;
    std::string vendor;
    std::string version;
};

class PluginLoader {
  public:
    PluginLoader(Logger& log, HostIdentity host, bool allow_unload);

    /// Loads the plugin described by `manifest_file`. Never throws.
    [[nodiscard]] LoadedPlugin load(const std::filesystem::path& manifest_file);

  private:
    /// Moves `plugin` out as refused, deinit'ing its module if it was initialised.
    LoadedPlugin refuse(LoadedPlugin& plugin, std::string plugin_version,
                        const std::string& reason);
    void keep_resident_or_close(boost::dll::shared_library& library);

    Logger& log_;
    HostIdentity host_;
    bool allow_unload_;
};

/// "1.0.0", the API version this host implements.
[[nodiscard]] std::string host_api_version();

} // namespace pms::host::detail
