/*
 * pms/plugin_api/hooks/payment_types.h — "pms.payment-types/1": the payment kinds a plugin
 * posts (e.g. "payment", "refund").
 *
 * The admin maps each kind to a host payment category and type on the host's integration page;
 * the host stores the mapping and applies it in pms.folio/1 post_payment(). A kind without a
 * mapping makes post_payment complete with PMS_NO_MAPPING.
 */
#ifndef PMS_PLUGIN_API_HOOKS_PAYMENT_TYPES_H
#define PMS_PLUGIN_API_HOOKS_PAYMENT_TYPES_H

#include <stdint.h>

#include "../macros.h"
#include "../plugin.h"
#include "../status.h"

#define PMS_HOOK_PAYMENT_TYPES "pms.payment-types/1"

PMS_EXTERN_C_BEGIN

/* pms_payment_type_info.direction */
typedef int32_t pms_payment_direction;
enum pms_payment_direction_value {
    /* Money received from the guest: reduces the folio balance. */
    PMS_PAYMENT_INCOMING = 1,
    /* Money returned to the guest (refund): increases the folio balance. */
    PMS_PAYMENT_OUTGOING = 2
};

/*
 * One payment kind, filled by get(). The host sets struct_size before the call; the plugin
 * fills only fields that fit. Strings are owned by the plugin, NUL-terminated, valid until the
 * instance is destroyed.
 */
typedef struct pms_payment_type_info {
    uint32_t struct_size;
    /* Stable code, unique in the plugin, e.g. "payment". Used as pms_payment_posting.kind. */
    const char *code;
    /* Display name for the mapping page, e.g. "InvoiceBox payment". */
    const char *name;
    /* PMS_PAYMENT_INCOMING or PMS_PAYMENT_OUTGOING. */
    pms_payment_direction direction;
} pms_payment_type_info;

typedef struct pms_plugin_payment_types {
    /*
     * Number of payment kinds.
     * [strand]
     */
    uint32_t (*count)(const pms_plugin *plugin);

    /*
     * Fills `info` for kind `index`. Returns PMS_OK or PMS_INVALID_ARGUMENT (index out of range).
     * [strand]
     */
    pms_status (*get)(const pms_plugin *plugin, uint32_t index, pms_payment_type_info *info);

    /*
     * The admin changed the mapping. A plugin that holds payments in suspense with
     * PMS_NO_MAPPING retries them now.
     * [strand & active]
     */
    void (*on_mapping_changed)(const pms_plugin *plugin);
} pms_plugin_payment_types;

PMS_EXTERN_C_END

#endif /* PMS_PLUGIN_API_HOOKS_PAYMENT_TYPES_H */
