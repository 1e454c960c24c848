/*
 * pms/plugin_api/ext/property.h — "pms.property/1" (since 1.2): read the property the instance
 * serves, with its legal entities.
 *
 * Why a new extension and not a function appended to pms.folio/1: function tables carry no
 * struct_size and are frozen per id (plugin_api/README.md, "Growth"), so a plugin could not
 * tell a 1.1 host's pms_host_folio from a longer one and would call past its end. A new id is
 * negotiated the usual way: host->get_extension(host, PMS_EXT_PROPERTY) returns NULL on a host
 * older than 1.2.
 *
 * get_property() writes a JSON document, schema "pms.property/1", documented in
 * plugin_api/schema/property-v1.md (JSON Schema: property-v1.schema.json). In short:
 *   { "schema": "pms.property/1", "property_id", "name",
 *     "legal_entities": [{"id", "name", "tax_id"}] }
 * A legal entity's "id" is the same string as "legal_entity.id" in the folio document
 * (pms.folio/1), so settings kept per legal entity can be matched with folios. Like every
 * document, it may gain members in later minors: readers ignore members they do not know.
 */
#ifndef PMS_PLUGIN_API_EXT_PROPERTY_H
#define PMS_PLUGIN_API_EXT_PROPERTY_H

#include "../host.h"
#include "../macros.h"
#include "../status.h"
#include "../types.h"

#define PMS_EXT_PROPERTY "pms.property/1"

/* The schema tag of the document get_property() writes. */
#define PMS_PROPERTY_SCHEMA "pms.property/1"

PMS_EXTERN_C_BEGIN

typedef struct pms_host_property {
    /*
     * Writes the property document (JSON, schema "pms.property/1", UTF-8) of host->property_id
     * to `json_out`: every legal entity of the property, in a stable order (by id). Reads a
     * consistent snapshot; synchronous (a handful of rows).
     * Returns PMS_OK, PMS_INVALID_ARGUMENT (json_out NULL), PMS_STORAGE_ERROR, or the writer's
     * error.
     * [strand]
     */
    pms_status (*get_property)(const pms_host *host, const pms_writer *json_out);
} pms_host_property;

PMS_EXTERN_C_END

#endif /* PMS_PLUGIN_API_EXT_PROPERTY_H */
