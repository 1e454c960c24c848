// Target: the money/decimal reader (invoicebox/protocol/money.hpp, quantity.hpp,
// detail/decimal.hpp). Input: one JSON number text, as InvoiceBox sends amounts.
//
// Beyond "does not crash", it checks the properties the codecs rely on, so that a misreading is a
// crash libFuzzer keeps:
//  - an accepted amount is within max_amount_minor and format_amount() of it reads back to the
//    same value (what we sign is what we meant);
//  - money (scale 2) and parse_scaled(…, 2, max) agree;
//  - an accepted quantity formats and reads back, and multiply_rounded() by it is symmetric in
//    sign (round half away from zero).
#include "input.hpp"

#include <invoicebox/protocol/detail/decimal.hpp>
#include <invoicebox/protocol/money.hpp>
#include <invoicebox/protocol/quantity.hpp>

#include <cstdlib>

namespace pr = invoicebox::protocol;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto text = fuzz::as_view(data, size);

    const auto minor = pr::parse_amount_minor(text);
    const auto scaled = pr::detail::parse_scaled(text, 2, pr::max_amount_minor);
    FUZZ_REQUIRE(minor.has_value() == scaled.has_value());
    if (minor) {
        FUZZ_REQUIRE(*minor == *scaled);
        FUZZ_REQUIRE(*minor <= pr::max_amount_minor && *minor >= -pr::max_amount_minor);
        const auto written = pr::format_amount(*minor);
        const auto back = pr::parse_amount_minor(written);
        FUZZ_REQUIRE(back.has_value() && *back == *minor);
        const auto m = pr::parse_money(text, pr::Currency::rub);
        FUZZ_REQUIRE(m && m->minor == *minor);
        // Sums of two accepted amounts never overflow (the limit exists for exactly that).
        FUZZ_REQUIRE(pr::checked_add(*m, *m).has_value());
        FUZZ_REQUIRE(pr::checked_sub(*m, pr::Money::of(-*minor)).has_value());
    } else {
        FUZZ_REQUIRE(minor.error() == scaled.error());
        (void)pr::to_string(minor.error());
    }

    if (const auto q = pr::parse_quantity(text)) {
        FUZZ_REQUIRE(q->millionths >= -pr::max_quantity_units * pr::Quantity::scale &&
                q->millionths <= pr::max_quantity_units * pr::Quantity::scale);
        const auto written = pr::format_quantity(*q);
        const auto back = pr::parse_quantity(written);
        FUZZ_REQUIRE(back && *back == *q);
        // 1 minor unit × q, and −1 × q: rounding half away from zero is symmetric.
        const auto up = pr::multiply_rounded(1, *q);
        const auto down = pr::multiply_rounded(-1, *q);
        FUZZ_REQUIRE(up.has_value() && down.has_value() && *up == -*down);
        if (minor) {
            const auto a = pr::multiply_rounded(*minor, *q);
            const auto b = pr::multiply_rounded(-*minor, *q);
            FUZZ_REQUIRE(a.has_value() == b.has_value());
            if (a)
                FUZZ_REQUIRE(*a == -*b);
        }
    }

    // Other scales the decimal reader serves (and the edges of its limit).
    for (int scale : {0, 6}) {
        const auto v = pr::detail::parse_scaled(text, scale, INT64_MAX);
        if (v) {
            const auto back = pr::detail::parse_scaled(pr::detail::format_scaled(*v, scale), scale, INT64_MAX);
            FUZZ_REQUIRE(back && *back == *v);
        }
    }
    return 0;
}
