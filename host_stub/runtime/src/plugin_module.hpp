// A loaded plugin module (.so): the Boost.DLL library, its checked entry and its factory.
// Held by shared_ptr by the loader's record and by every instance created from it
// (Boost.DLL tutorial8's library_holding_deleter turned into the host's invariant), so the code
// stays mapped while anything may call it. Production never dlcloses: a module whose last
// reference goes away is parked in a process-lifetime registry (plugin-abi.md §2.11).
#pragma once

#include <pms/plugin_api/entry.h>
#include <pms/plugin_api/factory.h>

#include <boost/dll/shared_library.hpp>

#include <atomic>
#include <filesystem>
#include <memory>

namespace pms::host::detail {

class PluginModule {
  public:
    PluginModule(boost::dll::shared_library library, std::filesystem::path file,
                 const pms_plugin_entry* entry, bool allow_unload) noexcept;
    /// Parks the library in the resident registry unless unloading is allowed (tests).
    ~PluginModule();

    PluginModule(const PluginModule&) = delete;
    PluginModule& operator=(const PluginModule&) = delete;

    [[nodiscard]] const std::filesystem::path& file() const noexcept { return file_; }
    [[nodiscard]] const pms_plugin_entry& entry() const noexcept { return *entry_; }
    [[nodiscard]] const pms_plugin_factory* factory() const noexcept { return factory_; }

    /// Records a successful entry.init() and the factory obtained after it.
    void set_initialised(const pms_plugin_factory* factory) noexcept;

    /// Calls entry.deinit() once if init succeeded and the module is not a zombie's.
    /// [loader thread]
    void deinit() noexcept;

    /// A drained-too-slowly instance still references this module's code: never deinit or
    /// unload it.
    void mark_zombie() noexcept { zombie_.store(true); }
    [[nodiscard]] bool zombie() const noexcept { return zombie_.load(); }

  private:
    boost::dll::shared_library library_;
    std::filesystem::path file_;
    const pms_plugin_entry* entry_;
    const pms_plugin_factory* factory_ = nullptr;
    bool initialised_ = false;
    bool allow_unload_;
    std::atomic<bool> zombie_{false};
};

/// Keeps `library` mapped until the process exits. Thread-safe.
void keep_resident(boost::dll::shared_library library) noexcept;

} // namespace pms::host::detail
