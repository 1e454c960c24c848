/*
 * pms/plugin_api/ext/clock.h — "pms.clock/1": the host's clock and the property's time zone.
 *
 * Times are UTC inside (milliseconds since the Unix epoch). The host owns the zone database
 * (g++ 12 has no std::chrono::locate_zone), so the plugin asks it for the property's UTC offset
 * at an instant and formats RFC 3339 itself. Tests and the simulator use one injected clock:
 * always read time through this extension, never from the system clock.
 */
#ifndef PMS_PLUGIN_API_EXT_CLOCK_H
#define PMS_PLUGIN_API_EXT_CLOCK_H

#include <stdint.h>

#include "../host.h"
#include "../macros.h"

#define PMS_EXT_CLOCK "pms.clock/1"

PMS_EXTERN_C_BEGIN

typedef struct pms_host_clock {
    /*
     * Current time, UTC milliseconds since 1970-01-01T00:00:00Z (wall clock; may be a test
     * clock).
     * [thread-safe]
     */
    int64_t (*now_utc_ms)(const pms_host *host);

    /*
     * The property's UTC offset in minutes at the UTC instant `at_utc_ms` (e.g. +180 for
     * Europe/Moscow), daylight saving time applied. 0 when the zone is unknown.
     * [thread-safe]
     */
    int32_t (*utc_offset_minutes)(const pms_host *host, int64_t at_utc_ms);

    /*
     * The property's IANA time-zone name, e.g. "Europe/Moscow". NUL-terminated, never NULL,
     * owned by the host and valid until the instance is destroyed.
     * [thread-safe]
     */
    const char *(*property_timezone)(const pms_host *host);
} pms_host_clock;

PMS_EXTERN_C_END

#endif /* PMS_PLUGIN_API_EXT_CLOCK_H */
