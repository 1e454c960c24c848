// pms.settings/1: the instance's saved settings (never with secrets) and its secrets one by one.
#include "service_support.hpp"
#include "services.hpp"

#include <boost/json/serialize.hpp>

namespace pms::host::detail {
namespace {

pms_status settings_get(const pms_host* host, const pms_writer* json_out) noexcept {
    try {
        Instance* inst = Instance::from_host(host);
        if (inst == nullptr || json_out == nullptr || json_out->write == nullptr)
            return PMS_INVALID_ARGUMENT;
        const auto record = inst->rt.storage.settings().resolve_settings(inst->settings_scope());
        if (record)
            return write_out(json_out, record->json);
        return write_out(json_out, inst->default_settings_json());
    } catch (...) {
        return PMS_STORAGE_ERROR;
    }
}

pms_status settings_get_secret(const pms_host* host, pms_str key,
                               const pms_writer* value_out) noexcept {
    try {
        Instance* inst = Instance::from_host(host);
        if (inst == nullptr || !valid(key) || key.len == 0 || value_out == nullptr ||
            value_out->write == nullptr)
            return PMS_INVALID_ARGUMENT;
        const auto value = inst->rt.storage.settings().get_secret(inst->settings_scope(),
                                                                  std::string{view_of(key)});
        if (!value)
            return PMS_NOT_FOUND;
        return write_out(value_out, *value);
    } catch (...) {
        return PMS_STORAGE_ERROR;
    }
}

constexpr pms_host_settings table{&settings_get, &settings_get_secret};

} // namespace

const pms_host_settings* settings_service() noexcept {
    return &table;
}

} // namespace pms::host::detail
