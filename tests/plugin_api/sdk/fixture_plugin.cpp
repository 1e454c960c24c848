// A minimal SDK plugin built exactly like a real one (pms_add_plugin: hidden visibility,
// version script, -z defs), loaded by module_load_test.cpp with dlopen. Proves the packaging
// rules: the module exports pms_plugin_entry_v1 and nothing else, and works when loaded. It also
// offers a plugin page (pms.admin-page/1, ABI 1.2) that the loaded module must serve.
#include <pms/plugin_sdk/entry.hpp>
#include <pms/plugin_sdk/sdk.hpp>

#include <boost/asio/post.hpp>

namespace {

class fixture_plugin : public pms::sdk::plugin<fixture_plugin> {
public:
    static constexpr pms::sdk::plugin_info info{.id = "com.example.pms.fixture",
                                                .name = "Fixture",
                                                .vendor = "Tests",
                                                .version = "1.0.0",
                                                .description = "loaded by module_load_test",
                                                .url = "",
                                                .support_url = "",
                                                .flags = PMS_PLUGIN_FLAG_UNLOADABLE};
    using plugin::plugin;

    std::vector<pms::sdk::payment_type> payment_types() {
        return {{"payment", "Fixture payment", PMS_PAYMENT_INCOMING}};
    }

    std::vector<pms::sdk::admin_page> admin_pages() {
        return {{"suspense", "Fixture page", PMS_ADMIN_SECTION_FINANCE, "suspense.manage"}};
    }
    void on_page_open(std::string_view page_id, std::string_view, const pms::sdk::page_context& ctx,
                      pms::sdk::view_reply reply) {
        reply.show("{\"schema\":\"pms.view/1\",\"title\":\"" + std::string(page_id) + " for " +
                   ctx.staff_user_name + "\",\"elements\":[]}");
    }

    void activate() {
        // Prove the executor works inside a module: post a task that logs.
        boost::asio::post(get_executor(), [this] { host().info("fixture: posted task ran"); });
    }
};

} // namespace

PMS_DECLARE_PLUGIN_ENTRY(fixture_plugin);
