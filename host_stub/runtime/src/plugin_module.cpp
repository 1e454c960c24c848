// See plugin_module.hpp.
#include "plugin_module.hpp"

#include <mutex>
#include <vector>

namespace pms::host::detail {

void keep_resident(boost::dll::shared_library library) noexcept {
    // Leaked on purpose: modules stay mapped until exit (thread-local and atexit handlers of a
    // plugin, e.g. OpenSSL's, must never point into unmapped code). Reachable through these
    // statics, so LeakSanitizer does not report them.
    static std::mutex* mutex = new std::mutex;
    static auto* resident = new std::vector<boost::dll::shared_library>;
    try {
        std::lock_guard lock(*mutex);
        resident->push_back(std::move(library));
    } catch (...) {
        // Out of memory: leak the mapping instead (never dlclose).
        new boost::dll::shared_library(std::move(library));
    }
}

PluginModule::PluginModule(boost::dll::shared_library library, std::filesystem::path file,
                           const pms_plugin_entry* entry, bool allow_unload) noexcept
    : library_{std::move(library)}, file_{std::move(file)}, entry_{entry}, allow_unload_{
                                                                               allow_unload} {}

PluginModule::~PluginModule() {
    if (!allow_unload_ || zombie_.load())
        keep_resident(std::move(library_));
    // else: library_'s destructor dlcloses (test-only hot unload).
}

void PluginModule::set_initialised(const pms_plugin_factory* factory) noexcept {
    initialised_ = true;
    factory_ = factory;
}

void PluginModule::deinit() noexcept {
    if (!initialised_ || zombie_.load())
        return;
    initialised_ = false;
    factory_ = nullptr;
    if (entry_ != nullptr && entry_->deinit != nullptr)
        entry_->deinit();
}

} // namespace pms::host::detail
