/* Layout snapshot of the v1 ABI, checked by a C11 compiler (see abi_snapshot.inc). */
#include <assert.h>
#include <stdalign.h>
#include <stddef.h>

#include "pms/plugin_api/pms_plugin_api.h"

#if !defined(__x86_64__) || !defined(__LP64__)
#error "the ABI snapshot is recorded for x86_64 LP64"
#endif

#define PMS_ABI_SIZE(type, size, align)                                                          \
    static_assert(sizeof(type) == (size), "sizeof(" #type ") changed");                          \
    static_assert(alignof(type) == (align), "alignof(" #type ") changed");
#define PMS_ABI_OFFSET(type, field, offset)                                                      \
    static_assert(offsetof(type, field) == (offset), "offsetof(" #type ", " #field ") changed");

#include "abi_snapshot.inc"

/* Scalar types and constants that are part of the ABI. */
static_assert(sizeof(pms_status) == 4, "pms_status is int32_t");
static_assert((pms_status)-1 < 0, "pms_status is signed");
static_assert(sizeof(pms_log_level) == 4 && sizeof(pms_store_op_kind) == 4, "enum carriers");
static_assert(sizeof(pms_notify_level) == 4 && sizeof(pms_payment_direction) == 4, "enum carriers");
static_assert(PMS_OK == 0 && PMS_INVALID_ARGUMENT == -1 && PMS_NOT_FOUND == -2, "status values");
static_assert(PMS_NOT_SUPPORTED == -3 && PMS_UNAVAILABLE == -4 && PMS_TIMEOUT == -5, "status values");
static_assert(PMS_CANCELLED == -6 && PMS_BUFFER_TOO_SMALL == -7, "status values");
static_assert(PMS_PERMISSION_DENIED == -8 && PMS_CONFLICT == -9 && PMS_INTERNAL == -10, "status values");
static_assert(PMS_TLS_ERROR == -11 && PMS_NETWORK_ERROR == -12 && PMS_TOO_LARGE == -13, "status values");
static_assert(PMS_INVALID_STATE == -14 && PMS_PROTOCOL_ERROR == -15, "status values");
static_assert(PMS_STORAGE_ERROR == -16 && PMS_VERSION_MISMATCH == -17, "status values");
static_assert(PMS_DUPLICATE == 1 && PMS_DECLINED == 2 && PMS_REQUIRES_ACTION == 3, "status values");
static_assert(PMS_FOLIO_CLOSED == 4 && PMS_NO_MAPPING == 5 && PMS_CURRENCY_MISMATCH == 6, "status values");
static_assert(PMS_LOG_DEBUG == 0 && PMS_LOG_PLUGIN_MISBEHAVING == 6 && PMS_LOG_HOST_MISBEHAVING == 5, "log levels");
static_assert(PMS_STORE_PUT == 1 && PMS_STORE_ERASE == 2, "store op kinds");
static_assert(PMS_PAYMENT_INCOMING == 1 && PMS_PAYMENT_OUTGOING == 2, "payment directions");
static_assert(PMS_SCAN_STOP == 0 && PMS_SCAN_CONTINUE == 1, "scan results");
static_assert(PMS_PLUGIN_FLAG_UNLOADABLE == 1 && PMS_HTTP_FLAG_FRESH_CONNECTION == 1, "flags");

int main(void) { return 0; }
