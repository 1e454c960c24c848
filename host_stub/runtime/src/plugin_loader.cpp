// See plugin_loader.hpp.
#include "plugin_loader.hpp"

#include "manifest.hpp"

#include <pms/plugin_api/version.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <set>

namespace pms::host::detail {
namespace {

constexpr std::uint32_t host_major = PMS_PLUGIN_API_VERSION_MAJOR;
constexpr std::uint32_t host_minor = PMS_PLUGIN_API_VERSION_MINOR;

// The last field a v1.0 reader needs in each root struct.
constexpr std::size_t entry_min_size =
    offsetof(pms_plugin_entry, get_factory) + sizeof(pms_plugin_entry::get_factory);
constexpr std::size_t descriptor_min_size =
    offsetof(pms_plugin_descriptor, flags) + sizeof(pms_plugin_descriptor::flags);

std::string safe(const char* s) {
    return s == nullptr ? std::string{} : std::string{s};
}

} // namespace

std::string host_api_version() {
    return version_text(PMS_PLUGIN_API_VERSION_MAJOR, PMS_PLUGIN_API_VERSION_MINOR,
                        PMS_PLUGIN_API_VERSION_PATCH);
}

PluginLoader::PluginLoader(Logger& log, HostIdentity host, bool allow_unload)
    : log_{log}, host_{std::move(host)}, allow_unload_{allow_unload} {}

LoadedPlugin PluginLoader::refuse(LoadedPlugin& refused, std::string plugin_version,
                                  const std::string& reason) {
    LoadedPlugin plugin = std::move(refused);
    if (plugin.module)
        plugin.module->deinit();
    plugin.module.reset();
    plugin.descriptor = nullptr;
    plugin.info.state = PluginState::refused;
    const std::filesystem::path& file =
        plugin.info.library_file.empty() ? plugin.info.manifest_file : plugin.info.library_file;
    plugin.info.refusal_reason = "plugin " + file.string() + " refused (plugin API " +
                                 (plugin_version.empty() ? "unknown" : plugin_version) +
                                 ", host API " + host_api_version() + "): " + reason;
    log_.write(LogLevel::error, "loader", plugin.info.refusal_reason);
    return plugin;
}

LoadedPlugin PluginLoader::load(const std::filesystem::path& manifest_file) {
    LoadedPlugin out;
    PluginInfo& info = out.info;
    info.manifest_file = manifest_file;
    info.id = manifest_file.parent_path().filename().string();

    // 1. The manifest: no plugin code runs until it passed.
    ManifestResult read = read_manifest(manifest_file);
    {
        const Manifest& m = read.manifest ? *read.manifest : read.partial;
        if (!m.id.empty())
            info.id = m.id;
        info.name = m.name;
        info.vendor = m.vendor;
        info.version = m.version;
        info.description = m.description;
        info.capabilities = m.capabilities;
        info.min_host_minor = m.min_host_minor;
        if (!m.library.empty() && m.library.find('/') == std::string::npos)
            info.library_file = manifest_file.parent_path() / m.library;
        if (m.api_major != 0 || m.api_minor != 0 || m.api_patch != 0)
            info.api_version = version_text(m.api_major, m.api_minor, m.api_patch);
    }
    if (!read.manifest)
        return refuse(out, info.api_version, read.error);
    const Manifest& m = *read.manifest;
    if (m.api_major != host_major)
        return refuse(out, info.api_version,
                      "API major version " + std::to_string(m.api_major) +
                          " differs from the host's " + std::to_string(host_major) +
                          " (manifest; module not opened)");
    if (m.min_host_minor > host_minor)
        return refuse(out, info.api_version,
                      "requires host API minor " + std::to_string(m.min_host_minor) +
                          " or newer, host has " + std::to_string(host_minor) +
                          " (manifest; module not opened)");
    std::error_code fs_ec;
    if (!std::filesystem::is_regular_file(info.library_file, fs_ec))
        return refuse(out, info.api_version, "module file not found");

    // 2. Open the module: RTLD_NOW makes an unresolved symbol fail here, not mid-payment;
    //    RTLD_LOCAL keeps its symbols from binding to other plugins (plugin-abi.md §3 #12-13).
    boost::dll::shared_library library;
    try {
        library.load(info.library_file,
                     boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
    } catch (const std::exception& e) {
        return refuse(out, info.api_version, std::string{"cannot open the module: "} + e.what());
    }

    // 3. The entry.
    if (!library.has(PMS_PLUGIN_ENTRY_SYMBOL)) {
        keep_resident_or_close(library);
        return refuse(out, info.api_version, "the module does not export " PMS_PLUGIN_ENTRY_SYMBOL);
    }
    const pms_plugin_entry* entry = nullptr;
    try {
        entry = &library.get<const pms_plugin_entry>(PMS_PLUGIN_ENTRY_SYMBOL);
    } catch (const std::exception& e) {
        keep_resident_or_close(library);
        return refuse(out, info.api_version,
                      std::string{"cannot read " PMS_PLUGIN_ENTRY_SYMBOL ": "} + e.what());
    }
    out.module =
        std::make_shared<PluginModule>(std::move(library), info.library_file, entry, allow_unload_);
    if (entry->struct_size < entry_min_size)
        return refuse(out, info.api_version,
                      "entry struct_size " + std::to_string(entry->struct_size) +
                          " is smaller than the v1.0 entry (" + std::to_string(entry_min_size) +
                          ")");
    const std::string entry_version =
        version_text(entry->api.major, entry->api.minor, entry->api.patch);
    if (entry->init == nullptr || entry->deinit == nullptr || entry->get_factory == nullptr)
        return refuse(out, entry_version, "entry has a NULL function pointer");
    if (entry->api.major != host_major)
        return refuse(out, entry_version,
                      "API major version " + std::to_string(entry->api.major) +
                          " differs from the host's " + std::to_string(host_major) + " (entry)");
    if (entry->min_host_minor > host_minor)
        return refuse(out, entry_version,
                      "requires host API minor " + std::to_string(entry->min_host_minor) +
                          " or newer, host has " + std::to_string(host_minor) + " (entry)");
    if (entry->api.major != m.api_major || entry->api.minor != m.api_minor)
        return refuse(out, entry_version,
                      "entry API version " + entry_version + " does not match the manifest's " +
                          info.api_version);
    info.api_version = entry_version;
    info.min_host_minor = entry->min_host_minor;

    // 4. init (reference-counted by the module; we pair it with exactly one deinit).
    pms_host_info host_info{};
    host_info.struct_size = sizeof(pms_host_info);
    host_info.api = pms_version PMS_VERSION_INIT;
    host_info.name = host_.name.c_str();
    host_info.vendor = host_.vendor.c_str();
    host_info.version = host_.version.c_str();
    const std::string path_text = std::filesystem::absolute(info.library_file, fs_ec).string();
    const pms_status init_status =
        entry->init(&host_info, pms_str{path_text.data(), path_text.size()});
    if (init_status != PMS_OK)
        return refuse(out, entry_version,
                      std::string{"entry.init failed: "} + pms_status_name(init_status));

    // 5. The factory and the descriptor, compared with the manifest.
    const auto* factory =
        static_cast<const pms_plugin_factory*>(entry->get_factory(PMS_PLUGIN_FACTORY_ID));
    out.module->set_initialised(factory);
    if (factory == nullptr)
        return refuse(out, entry_version, "the module has no factory " PMS_PLUGIN_FACTORY_ID);
    if (factory->count == nullptr || factory->descriptor == nullptr || factory->create == nullptr)
        return refuse(out, entry_version, "the factory has a NULL function pointer");
    const std::uint32_t count = factory->count(factory);
    const pms_plugin_descriptor* desc = nullptr;
    for (std::uint32_t i = 0; i < count && i < 1024; ++i) {
        const pms_plugin_descriptor* d = factory->descriptor(factory, i);
        if (d != nullptr && d->struct_size >= descriptor_min_size && d->id != nullptr &&
            m.id == d->id) {
            desc = d;
            break;
        }
    }
    if (desc == nullptr)
        return refuse(out, entry_version,
                      "manifest does not match the module: no descriptor with id '" + m.id + "'");
    std::string mismatch;
    if (safe(desc->name) != m.name)
        mismatch = "name '" + safe(desc->name) + "' vs manifest '" + m.name + "'";
    else if (safe(desc->version) != m.version)
        mismatch = "version '" + safe(desc->version) + "' vs manifest '" + m.version + "'";
    else if (desc->api.major != entry->api.major)
        mismatch = "descriptor API major " + std::to_string(desc->api.major) + " vs entry " +
                   std::to_string(entry->api.major);
    else {
        std::set<std::string> from_desc;
        if (desc->capabilities != nullptr)
            for (std::size_t i = 0; desc->capabilities[i] != nullptr && i < 256; ++i)
                from_desc.insert(desc->capabilities[i]);
        const std::set<std::string> from_manifest(m.capabilities.begin(), m.capabilities.end());
        if (from_desc != from_manifest) {
            auto join = [](const std::set<std::string>& s) {
                std::string t;
                for (const auto& x : s)
                    t += (t.empty() ? "" : ",") + x;
                return "[" + t + "]";
            };
            mismatch = "capabilities " + join(from_desc) + " vs manifest " + join(from_manifest);
        }
    }
    if (!mismatch.empty())
        return refuse(out, entry_version, "manifest does not match the descriptor: " + mismatch);

    out.descriptor = desc;
    info.state = PluginState::loaded;
    info.vendor = safe(desc->vendor);
    info.description = safe(desc->description);
    log_.write(LogLevel::info, "loader",
               "plugin " + info.id + " " + info.version + " loaded from " +
                   info.library_file.string() + " (plugin API " + entry_version + ", host API " +
                   host_api_version() + ")");
    return out;
}

void PluginLoader::keep_resident_or_close(boost::dll::shared_library& library) {
    if (!allow_unload_)
        keep_resident(std::move(library));
}

} // namespace pms::host::detail
