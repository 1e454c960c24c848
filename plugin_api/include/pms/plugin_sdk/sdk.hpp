// pms/plugin_sdk/sdk.hpp — the whole plugin SDK (header-only, namespace pms::sdk).
// Plugins that include executor.hpp, timer.hpp or an async service wrapper link
// pms::boost_impl (Asio compiled once). entry.hpp is included separately, in one .cpp.
#pragma once

#include <pms/plugin_sdk/status.hpp>
#include <pms/plugin_sdk/strings.hpp>
#include <pms/plugin_sdk/trampoline.hpp>
#include <pms/plugin_sdk/host.hpp>
#include <pms/plugin_sdk/executor.hpp>
#include <pms/plugin_sdk/timer.hpp>
#include <pms/plugin_sdk/http.hpp>
#include <pms/plugin_sdk/store.hpp>
#include <pms/plugin_sdk/folio.hpp>
#include <pms/plugin_sdk/folio_document.hpp>
#include <pms/plugin_sdk/mail.hpp>
#include <pms/plugin_sdk/reply.hpp>
#include <pms/plugin_sdk/view.hpp>
#include <pms/plugin_sdk/plugin.hpp>
