// Named crash points of the plugin (architecture §7: crash tests kill at a named step, never at
// random). The plugin runs inside the host process, so it reads the host's variable: PMS_FAILPOINT
// holds a comma-separated list of names ("name=..." options are ignored here); reaching a listed
// name raises SIGKILL — no destructor, no flush, no reply, as a power cut would. Unset (production)
// the check is one getenv. The host's own failpoints live in host_stub; the plugin cannot link
// them (plugin code sees only plugin_api), hence this small twin.
//
// The plugin's names (tests/invoicebox_e2e/crash_test.cpp kills at each):
//   invoicebox.create.after_record  the link is recorded (state creating), the create not sent
//   invoicebox.create.after_answer  InvoiceBox answered the create, the answer not recorded
//   invoicebox.post.after_posting   the host posted the payment, the outcome (and so the staff
//                                   alert) not recorded
//   invoicebox.alert.before_raise   the posting and its alert are recorded, the alert not raised
//   invoicebox.mail.before_send     the mail is recorded as attempted, not handed to the host
//   invoicebox.mail.after_send      the host took the mail, its result not recorded
//   invoicebox.refund.after_record  the refund is recorded (state creating), the create not sent
//   invoicebox.refund.after_answer  InvoiceBox answered the refund create, the answer not recorded
#pragma once

#include <csignal>
#include <cstdlib>
#include <string_view>

namespace invoicebox::plugin {

[[nodiscard]] inline bool failpoint_armed(std::string_view name) noexcept {
    const char* spec = std::getenv("PMS_FAILPOINT");
    if (spec == nullptr || *spec == '\0')
        return false;
    std::string_view rest{spec};
    while (!rest.empty()) {
        const auto comma = rest.find(',');
        std::string_view entry = rest.substr(0, comma);
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        if (const auto eq = entry.find('='); eq != std::string_view::npos)
            entry = entry.substr(0, eq);
        if (entry == name)
            return true;
    }
    return false;
}

inline void failpoint(std::string_view name) noexcept {
    if (failpoint_armed(name))
        std::raise(SIGKILL);
}

} // namespace invoicebox::plugin
