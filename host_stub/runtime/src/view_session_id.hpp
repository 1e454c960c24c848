// The ids of view sessions (folio dialogs, plugin pages): "vs-" and 128 random bits in hex,
// grouped by 8 characters ("vs-1f0a9c3e-…").
//
// Why grouped: the log masks what looks like a card number (13–19 digits in a row that pass the
// Luhn check, logger.cpp), and an ungrouped hex id sometimes holds such a run; its log lines then
// named a masked session, which the runtime tests looking for them failed on, about one id in
// several hundred (CI of ecbe050, host_runtime.pages). A group of 8 can never be masked.
#pragma once

#include <array>
#include <string>

namespace pms::host::detail {

/// A new id from the OS's random source (a counter if that fails).
[[nodiscard]] std::string new_view_session_id();

/// The id of these 16 bytes.
[[nodiscard]] std::string format_view_session_id(const std::array<unsigned char, 16>& raw);

} // namespace pms::host::detail
