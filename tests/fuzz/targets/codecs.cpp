// Target: every InvoiceBox response codec (invoicebox/protocol/endpoints.hpp parsers,
// envelope.hpp, api_error.hpp) on what a transport could deliver.
//
// Input (parts split by fuzz::part_marker):
//   1. "<codec> <status>", codec one of auth order orders items refund refunds error envelope
//      (anything else picks one by its first byte);
//   2. response headers, "Name: value" lines (Retry-After, X-Request-Id, Content-Type);
//   3. the response body.
//
// Properties checked besides memory safety: an order read from a response writes out
// (order_json) as a document that reads back and writes out to the same bytes, so what the
// plugin stores and signs is stable; and the glance at an order page never vouches for a page
// the full decode reads otherwise (check_glance_agrees).
#include "input.hpp"

#include <invoicebox/protocol/api_error.hpp>
#include <invoicebox/protocol/endpoints.hpp>
#include <invoicebox/protocol/envelope.hpp>
#include <invoicebox/protocol/json_reader.hpp>
#include <invoicebox/protocol/order_codec.hpp>
#include <invoicebox/protocol/order_glance.hpp>

#include <array>
#include <charconv>
#include <cstdlib>
#include <string>

namespace pr = invoicebox::protocol;

namespace {


// The written form of an order must be a fixed point of read + write.
void check_order_round_trip(const pr::Order& o) {
    const std::string once = pr::order_json(o);
    auto doc = pr::parse_json(once);
    FUZZ_REQUIRE(doc.has_value());
    auto again = pr::read_order(*doc);
    FUZZ_REQUIRE(again.has_value());
    FUZZ_REQUIRE(pr::order_json(*again) == once);
}

// The glance at an order page (order_glance.hpp) answers only for a 2xx document the JSON
// reader accepts whose (last) `data` is a list of objects, each with a string `id` and `status`
// and a string, null or no `merchantOrderId`, and reads them as the tree does (the last
// duplicate); where the full decode reads the page too, it reads the same.
void check_glance_agrees(const pr::HttpOutcome& outcome) {
    const auto glances = pr::glance_order_page(outcome);
    if (!glances)
        return;
    FUZZ_REQUIRE(outcome.has_value() && outcome->status >= 200 && outcome->status <= 299);
    const auto doc = pr::parse_json(outcome->body);
    FUZZ_REQUIRE(doc.has_value());
    const auto* data = doc->find("data");
    FUZZ_REQUIRE(data && data->if_array() && data->if_array()->size() == glances->size());
    for (std::size_t i = 0; i < glances->size(); ++i) {
        const auto* order = (*data->if_array())[i].if_object();
        FUZZ_REQUIRE(order);
        const auto* id = order->find("id");
        const auto* status = order->find("status");
        const auto* number = order->find("merchantOrderId");
        FUZZ_REQUIRE(id && id->if_string() && *id->if_string() == (*glances)[i].id.str());
        FUZZ_REQUIRE(status && status->if_string() && *status->if_string() == (*glances)[i].status.wire());
        FUZZ_REQUIRE(!number || number->is_null() || number->if_string());
        FUZZ_REQUIRE((number && number->if_string() ? *number->if_string() : std::string()) ==
                     (*glances)[i].merchant_order_id.str());
    }
    const auto page = pr::InvoiceboxApi::parse_orders(outcome, pr::InvoiceboxApi::OrderListDetail::without_basket_items);
    if (!page)
        return; // refused for a field the glance does not read (money, dates, the customer)
    FUZZ_REQUIRE(page->items.size() == glances->size());
    for (std::size_t i = 0; i < glances->size(); ++i) {
        FUZZ_REQUIRE((*glances)[i].id == page->items[i].id);
        FUZZ_REQUIRE((*glances)[i].merchant_order_id == page->items[i].merchant_order_id);
        FUZZ_REQUIRE((*glances)[i].status == page->items[i].status);
    }
}

template <class T>
void touch_error(const pr::Result<T>& r) {
    if (!r) {
        (void)pr::describe(r.error());
        (void)r.error().known_code();
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto parts = fuzz::split_parts(fuzz::as_view(data, size), 3);
    std::string_view head = parts[0];
    const auto space = head.find(' ');
    const auto codec = head.substr(0, space);
    int status = 200;
    if (space != std::string_view::npos) {
        const auto num = head.substr(space + 1);
        std::from_chars(num.data(), num.data() + num.size(), status);
    }

    pr::HttpResponse response;
    response.status = status;
    response.headers = fuzz::parse_header_lines<pr::HttpHeader>(parts[1]);
    response.body = std::string(parts[2]);
    const pr::HttpOutcome outcome{response};

    static constexpr std::array<std::string_view, 8> names{
        "auth", "order", "orders", "items", "refund", "refunds", "error", "envelope"};
    std::size_t which = names.size();
    for (std::size_t i = 0; i < names.size(); ++i)
        if (codec == names[i])
            which = i;
    if (which == names.size())
        which = codec.empty() ? 0 : static_cast<unsigned char>(codec[0]) % names.size();

    // The refund codecs take the order's currency from the caller.
    const pr::Currency currency = static_cast<pr::Currency>(status & 3);
    switch (which) {
    case 0:
        touch_error(pr::InvoiceboxApi::parse_check_auth(outcome));
        break;
    case 1: {
        auto r = pr::InvoiceboxApi::parse_order(outcome);
        touch_error(r);
        if (r)
            check_order_round_trip(*r);
        break;
    }
    case 2: {
        auto r = pr::InvoiceboxApi::parse_orders(outcome);
        touch_error(r);
        if (r) {
            (void)r->has_more(100);
            for (const auto& o : r->items)
                check_order_round_trip(o);
        }
        check_glance_agrees(outcome);
        break;
    }
    case 3:
        touch_error(pr::InvoiceboxApi::parse_refundable_items(outcome, currency));
        break;
    case 4:
        touch_error(pr::InvoiceboxApi::parse_refund(outcome, currency));
        break;
    case 5: {
        auto r = pr::InvoiceboxApi::parse_refunds(outcome, currency);
        touch_error(r);
        if (r)
            (void)r->has_more(50);
        break;
    }
    case 6: {
        const auto e = pr::error_from_response(response);
        (void)pr::describe(e);
        (void)pr::describe(pr::malformed_response(response, "fuzz"));
        break;
    }
    default: {
        touch_error(pr::read_envelope(outcome));
        if (auto ra = pr::find_header(response.headers, "Retry-After"))
            (void)pr::parse_retry_after(*ra);
        break;
    }
    }
    return 0;
}
