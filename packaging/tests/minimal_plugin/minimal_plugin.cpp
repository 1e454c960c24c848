// The smallest useful SDK plugin: one payment type. It exists to prove that the installed
// headers, the CMake package and pms_add_plugin() are enough to build a loadable module.
#include <pms/plugin_sdk/entry.hpp>
#include <pms/plugin_sdk/sdk.hpp>

namespace {

class minimal_plugin : public pms::sdk::plugin<minimal_plugin> {
public:
    static constexpr pms::sdk::plugin_info info{.id = "com.example.pms.minimal",
                                                .name = "Minimal",
                                                .vendor = "Packaging test",
                                                .version = "1.0.0",
                                                .description =
                                                    "built out of tree against pms-plugin-api-dev",
                                                .url = "",
                                                .support_url = "",
                                                .flags = PMS_PLUGIN_FLAG_UNLOADABLE};
    using plugin::plugin;

    std::vector<pms::sdk::payment_type> payment_types() {
        return {{"payment", "Minimal payment", PMS_PAYMENT_INCOMING}};
    }
};

} // namespace

PMS_DECLARE_PLUGIN_ENTRY(minimal_plugin);
