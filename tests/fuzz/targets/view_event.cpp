// Target: pms.view-event/1 documents from the browser, as the plugin reads them:
// LinkDialog::event (the folio button «InvoiceBox»: create, submit_create[_force], back,
// refresh, cancel, resend, with form values) over LinkService and an in-memory host that holds one
// open link (row key FUZZ00-F-1-1).
//
// Input: up to four event documents separated by fuzz::part_marker, sent in order to one open
// dialog session (so a create form can be submitted, a row cancelled, ...).
//
// Properties checked besides memory safety: every event is answered exactly once, and every
// answer (and every view pushed meanwhile) is a JSON object with "schema": "pms.view/1".
#include "fuzz_host.hpp"
#include "input.hpp"

#include <invoicebox/plugin/link_dialog.hpp>
#include <invoicebox/plugin/link_service.hpp>

#include <boost/json/parse.hpp>

#include <cstdio>
#include <cstdlib>

namespace pl = invoicebox::plugin;
namespace bj = boost::json;

namespace {


void require_view(std::string_view view) {
    bj::error_code ec;
    const auto v = bj::parse(view, ec);
    FUZZ_REQUIRE(!ec && v.is_object());
    const auto* schema = v.as_object().if_contains("schema");
    FUZZ_REQUIRE(schema && schema->is_string() && schema->as_string() == "pms.view/1");
}

// The store after one link was created through the stub InvoiceBox: made once per process and
// copied into each input's fresh host.
const fuzz::FuzzHost::Store& with_link_store() {
    static const fuzz::FuzzHost::Store store = [] {
        fuzz::FuzzHost host;
        pl::LinkService service(host);
        service.configure(fuzz::settings());
        pl::CreateInput in;
        in.folio_id = "F-1";
        in.amount_text = "1000";
        in.description = "Предоплата";
        in.lifetime = "24h";
        bool created = false;
        service.create_link(in, pl::StaffUser{"u1", "Fuzz"},
                            [&created](pl::CreateOutcome o) {
                                created = o.kind == pl::CreateOutcome::Kind::created;
                                // If the workflow's rules change, say why the set-up failed.
                                if (!created) {
                                    std::fprintf(stderr, "fuzz set-up: create_link: kind %d, %s\n",
                                                 static_cast<int>(o.kind), o.message.c_str());
                                    for (const auto& [field, msg] : o.field_errors)
                                        std::fprintf(stderr, "  %s: %s\n", field.c_str(), msg.c_str());
                                }
                            });
        host.drain();
        // Without the link the target still fuzzes every path but the paid one; say so loudly
        // instead of failing every input (the workflow is being changed by others meanwhile).
        if (!created)
            std::fprintf(stderr, "fuzz set-up WARNING: create_link did not complete: no open link, "
                                 "posting paths are not reached\n");
        service.stop();
        host.drain();
        return host.store();
    }();
    return store;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto events = fuzz::split_parts(fuzz::as_view(data, size), 4);

    fuzz::FuzzHost host;
    host.restore(with_link_store()); // one open link (row key FUZZ00-F-1-1)
    pl::LinkService service(host);
    service.configure(fuzz::settings());
    pl::LinkDialog dialog(service);
    service.on_folio_changed = [&dialog](const std::string& folio) { dialog.folio_changed(folio); };


    int answers = 0;
    dialog.open("s1", "F-1", [&answers](std::string view) {
        ++answers;
        require_view(view);
    });
    host.drain();
    FUZZ_REQUIRE(answers == 1);

    const pl::StaffUser staff{"u7", "Мария"};
    for (const auto& ev : events) {
        if (ev.empty())
            continue;
        int n = 0;
        dialog.event("s1", "F-1", staff, ev, [&n](std::string view) {
            ++n;
            require_view(view);
        });
        host.drain();
        FUZZ_REQUIRE(n == 1);
        if (!host.last_pushed.empty()) {
            require_view(host.last_pushed);
            host.last_pushed.clear();
        }
    }
    dialog.closed("s1");
    return 0;
}
