/*
 * pms/plugin_api/pms_plugin_api.h — the whole PMS plugin API v1 (all stable headers).
 * Start reading at entry.h, then factory.h, plugin.h, host.h, ext/ and hooks/.
 */
#ifndef PMS_PLUGIN_API_H
#define PMS_PLUGIN_API_H

#include "macros.h"
#include "version.h"
#include "status.h"
#include "types.h"
#include "host.h"
#include "plugin.h"
#include "factory.h"
#include "entry.h"

#include "ext/log.h"
#include "ext/executor.h"
#include "ext/clock.h"
#include "ext/http.h"
#include "ext/store.h"
#include "ext/folio.h"
#include "ext/mail.h"
#include "ext/notify.h"
#include "ext/settings.h"
#include "ext/property.h"

#include "hooks/folio_button.h"
#include "hooks/settings_schema.h"
#include "hooks/payment_types.h"
#include "hooks/notification_sink.h"
#include "hooks/admin_page.h"

#endif /* PMS_PLUGIN_API_H */
