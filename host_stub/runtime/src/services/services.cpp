// The extension lookup behind pms_host.get_extension, and shared helpers.
#include "services.hpp"

#include "service_support.hpp"

#include <charconv>
#include <cstring>

namespace pms::host::detail {

const void* host_extension(const char* id) noexcept {
    if (id == nullptr)
        return nullptr;
    struct Entry {
        const char* id;
        const void* (*table)() noexcept;
    };
    static constexpr Entry entries[] = {
        {PMS_EXT_LOG, []() noexcept -> const void* { return log_service(); }},
        {PMS_EXT_EXECUTOR, []() noexcept -> const void* { return executor_service(); }},
        {PMS_EXT_CLOCK, []() noexcept -> const void* { return clock_service(); }},
        {PMS_EXT_HTTP, []() noexcept -> const void* { return http_service(); }},
        {PMS_EXT_STORE, []() noexcept -> const void* { return store_service(); }},
        {PMS_EXT_FOLIO, []() noexcept -> const void* { return folio_service(); }},
        {PMS_EXT_MAIL, []() noexcept -> const void* { return mail_service(); }},
        {PMS_EXT_NOTIFY, []() noexcept -> const void* { return notify_service(); }},
        {PMS_EXT_SETTINGS, []() noexcept -> const void* { return settings_service(); }},
        {PMS_HOOK_FOLIO_BUTTON, []() noexcept -> const void* { return folio_button_service(); }},
        // Since 1.2: offered to every instance, whatever minor the plugin was built against
        // (an older plugin never asks for them).
        {PMS_EXT_PROPERTY, []() noexcept -> const void* { return property_service(); }},
        {PMS_HOOK_ADMIN_PAGE, []() noexcept -> const void* { return admin_page_service(); }},
        // Since 1.4, likewise.
        {PMS_EXT_STORE2, []() noexcept -> const void* { return store2_service(); }},
    };
    for (const auto& e : entries)
        if (std::strcmp(e.id, id) == 0)
            return e.table();
    return nullptr;
}

std::optional<std::int64_t> parse_id(std::string_view text) noexcept {
    std::int64_t v = 0;
    if (text.empty() || text.size() > 19)
        return std::nullopt;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || end != text.data() + text.size() || v <= 0)
        return std::nullopt;
    return v;
}

} // namespace pms::host::detail
