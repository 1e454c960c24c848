// pms.property/1 (since 1.2): the property document — the instance's property and its legal
// entities — so that a plugin can key settings by legal entity without a folio at hand. A
// handful of rows read synchronously on the strand, like get_folio.
#include "service_support.hpp"
#include "services.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>

namespace pms::host::detail {
namespace {

pms_status property_get(const pms_host* host, const pms_writer* json_out) noexcept {
    try {
        Instance* inst = Instance::from_host(host);
        if (inst == nullptr || json_out == nullptr || json_out->write == nullptr)
            return PMS_INVALID_ARGUMENT;
        auto& folios = inst->rt.storage.folios();
        const auto property = folios.get_property(inst->property);
        if (!property)
            return PMS_STORAGE_ERROR; // an instance outlives no property: storage is broken
        auto entities = folios.list_legal_entities(inst->property);
        // Ordered by id, as documented, whatever order the backend returns.
        std::sort(entities.begin(), entities.end(),
                  [](const LegalEntity& a, const LegalEntity& b) { return a.id.value < b.id.value; });
        boost::json::array list;
        for (const auto& e : entities)
            // The id is written exactly as the folio document writes legal_entity.id.
            list.push_back(boost::json::object{{"id", std::to_string(e.id.value)},
                                               {"name", e.name},
                                               {"tax_id", e.tax_id}});
        const boost::json::object doc{{"schema", PMS_PROPERTY_SCHEMA},
                                      {"property_id", inst->property_text},
                                      {"name", property->name},
                                      {"legal_entities", std::move(list)}};
        return write_out(json_out, boost::json::serialize(doc));
    } catch (const StorageError& e) {
        return storage_status(e) == PMS_UNAVAILABLE ? PMS_UNAVAILABLE : PMS_STORAGE_ERROR;
    } catch (...) {
        return PMS_STORAGE_ERROR;
    }
}

constexpr pms_host_property table{&property_get};

} // namespace

const pms_host_property* property_service() noexcept {
    return &table;
}

} // namespace pms::host::detail
