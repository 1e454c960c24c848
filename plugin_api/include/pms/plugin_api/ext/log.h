/*
 * pms/plugin_api/ext/log.h — "pms.log/1": the host's log.
 *
 * The host writes the instance's plugin id and property with every line and redacts card-number
 * and Authorization-like text; that redaction is a backstop, not a licence to log secrets.
 *
 * The host may hold back a line repeated within a short window: it writes the first copies, then
 * one line with the count of the rest (the reference host: 3 a minute per plugin, level and text).
 * A line meant to be kept per event carries what tells the events apart (an order number); a line
 * shaped by what a stranger sends (a path, a body) should not, so a flood costs a few lines.
 */
#ifndef PMS_PLUGIN_API_EXT_LOG_H
#define PMS_PLUGIN_API_EXT_LOG_H

#include <stdint.h>

#include "../host.h"
#include "../macros.h"
#include "../types.h"

#define PMS_EXT_LOG "pms.log/1"

PMS_EXTERN_C_BEGIN

/* Log levels. Unknown values are logged as PMS_LOG_ERROR. */
typedef int32_t pms_log_level;
enum pms_log_level_value {
    PMS_LOG_DEBUG = 0,
    PMS_LOG_INFO = 1,
    PMS_LOG_WARNING = 2,
    PMS_LOG_ERROR = 3,
    PMS_LOG_FATAL = 4,
    /* The host broke the API contract (seen by the plugin, e.g. a completion delivered twice). */
    PMS_LOG_HOST_MISBEHAVING = 5,
    /* The plugin broke the API contract (the SDK logs this, e.g. for a caught exception). */
    PMS_LOG_PLUGIN_MISBEHAVING = 6
};

typedef struct pms_host_log {
    /*
     * Writes one log line. `msg` is UTF-8 text without a trailing newline, valid only during the
     * call. Never fails, never blocks on I/O for long.
     * [thread-safe]
     */
    void (*log)(const pms_host *host, pms_log_level level, pms_str msg);

    /*
     * Returns 1 if a line at `level` would be written, 0 otherwise; lets the plugin skip
     * building expensive debug text.
     * [thread-safe]
     */
    int32_t (*enabled)(const pms_host *host, pms_log_level level);
} pms_host_log;

PMS_EXTERN_C_END

#endif /* PMS_PLUGIN_API_EXT_LOG_H */
