// plugin.json, the manifest next to each plugin module: lets the host list and verify a plugin
// without running its code (plugin-abi.md §2.5). Parsed here; checked by the loader.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace pms::host::detail {

struct Manifest {
    std::string id;
    std::string name;
    std::string vendor;
    std::string version;
    std::string description;
    std::string library; ///< file name of the module, in the manifest's folder
    std::uint32_t api_major = 0;
    std::uint32_t api_minor = 0;
    std::uint32_t api_patch = 0;
    std::uint32_t min_host_minor = 0;
    std::vector<std::string> capabilities;
};

struct ManifestResult {
    std::optional<Manifest> manifest;
    std::string error; ///< why it could not be read, when !manifest
    /// Whatever could be read even on an error (id, name, versions) for the refusal record.
    Manifest partial;
};

/// Reads and checks the shape of `file` (no version policy here). Never throws.
[[nodiscard]] ManifestResult read_manifest(const std::filesystem::path& file);

/// "1.2.3"
[[nodiscard]] std::string version_text(std::uint32_t major, std::uint32_t minor,
                                       std::uint32_t patch);

} // namespace pms::host::detail
