// Property test: every basket the builder makes passes the five checks, for many thousands of
// generated amounts, quantities, VAT codes and partial payments (fixed seed, so reproducible).
//
// The baskets are verified twice: by check_basket and by an independent checker written here
// from the rules in invoicebox-api.md §4.3, which reads the JSON the writer produced through its
// own digit-string arithmetic (no code shared with the library's checker or parser).
#include "invoicebox/protocol/basket.hpp"
#include "invoicebox/protocol/json_reader.hpp"
#include "invoicebox/protocol/json_writer.hpp"

#include <boost/test/unit_test.hpp>

#include <random>

using namespace invoicebox::protocol;

namespace {

__extension__ using i128 = __int128;

struct BadNumber {
    std::string text;
};

// "2490.5" -> 249050 when scale = 2; "0.25" -> 250000 when scale = 6. Plain digit handling;
// throws BadNumber for anything but digits with an optional point and at most `scale` decimals.
i128 digits_to_scaled(const std::string& text, int scale) {
    bool neg = !text.empty() && text[0] == '-';
    std::string s = neg ? text.substr(1) : text;
    const auto dot = s.find('.');
    std::string ip = dot == std::string::npos ? s : s.substr(0, dot);
    std::string fp = dot == std::string::npos ? "" : s.substr(dot + 1);
    if (ip.empty() || fp.size() > static_cast<std::size_t>(scale) ||
        (dot != std::string::npos && fp.empty()) ||
        (ip + fp).find_first_not_of("0123456789") != std::string::npos)
        throw BadNumber{text};
    while (fp.size() < static_cast<std::size_t>(scale))
        fp += '0';
    i128 v = 0;
    for (char c : ip + fp)
        v = v * 10 + (c - '0');
    return neg ? -v : v;
}

// Round-half-up of a non-negative fraction n/d, written as a quotient/remainder comparison.
i128 round_frac(i128 n, i128 d) {
    i128 q = n / d, r = n % d;
    return (2 * r >= d) ? q + 1 : q;
}

int rate_of(const std::string& code) {
    if (code == "VATNONE" || code == "RUS_VAT0")
        return 0;
    // RUS_VAT<rate>[_ADDED]
    const auto digits = code.substr(
        7, code.find('_', 7) == std::string::npos ? std::string::npos : code.find('_', 7) - 7);
    return std::stoi(digits);
}

const std::string& num(const JsonValue& o, const char* key) {
    const auto* v = o.find(key);
    if (!v || !v->if_number())
        throw BadNumber{std::string("missing ") + key};
    return v->if_number()->text;
}

// Checks the serialised order {amount, vatAmount, basketItems:[...]}; returns "" when it passes.
std::string independent_check_or_throw(const std::string& json);

std::string independent_check(const std::string& json) {
    try {
        return independent_check_or_throw(json);
    } catch (const BadNumber& b) {
        return "bad number: " + b.text;
    }
}

std::string independent_check_or_throw(const std::string& json) {
    auto doc = parse_json(json);
    if (!doc)
        return "unparsable";
    const auto& items = *doc->find("basketItems")->if_array();
    if (items.empty())
        return "empty";
    i128 sum_total = 0, sum_vat = 0;
    for (const auto& it : items) {
        const i128 q = digits_to_scaled(num(it, "quantity"), 6);
        const i128 amount = digits_to_scaled(num(it, "amount"), 2);
        const i128 wo_vat = digits_to_scaled(num(it, "amountWoVat"), 2);
        const i128 total = digits_to_scaled(num(it, "totalAmount"), 2);
        const i128 vat = digits_to_scaled(num(it, "totalVatAmount"), 2);
        const int r = rate_of(*it.find("vatCode")->if_string());
        if (q <= 0 || amount < 0 || total < 0 || vat < 0)
            return "sign";
        if (round_frac(amount * q, 1000000) != total)
            return "check 1";
        if (round_frac(total * r, 100 + r) != vat)
            return "check 2";
        const i128 diff = round_frac(wo_vat * q, 1000000) + vat - total;
        if (diff > 1 || diff < -1)
            return "check 3";
        if (vat > total)
            return "vat above amount";
        sum_total += total;
        sum_vat += vat;
    }
    if (sum_total != digits_to_scaled(num(*doc, "amount"), 2))
        return "check 4";
    if (sum_vat != digits_to_scaled(num(*doc, "vatAmount"), 2))
        return "check 5";
    return "";
}

std::string serialise(const Basket& b) {
    JsonWriter w;
    w.begin_object();
    w.member_amount("amount", b.amount);
    w.member_amount("vatAmount", b.vat_amount);
    w.key("basketItems");
    write_basket_items(w, b.items);
    w.end_object();
    return w.take();
}

struct Generator {
    std::mt19937_64 rng{0x1b0c5eedULL};

    std::int64_t uniform(std::int64_t lo, std::int64_t hi) {
        return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
    }

    // Log-uniform amounts from 1 kopeck to 10^9 roubles.
    std::int64_t amount() {
        const int digits = static_cast<int>(uniform(1, 11));
        std::int64_t hi = 1;
        for (int k = 0; k < digits; ++k)
            hi *= 10;
        return uniform(hi / 10, hi - 1);
    }

    Quantity quantity() {
        switch (uniform(0, 9)) {
        case 0:
        case 1:
        case 2:
        case 3:
        case 4:
            return Quantity::units(uniform(1, 10));
        case 5:
            return Quantity::units(uniform(11, 10000));
        case 6:
        case 7:
            return Quantity{uniform(1, 100000) * 10000}; // two decimals, 0.01 .. 1000
        case 8:
            return Quantity{uniform(1, 999) * 1000}; // three decimals below one
        default:
            return Quantity{uniform(1, 10 * Quantity::scale)}; // six decimals
        }
    }

    VatCode code() {
        const auto all = known_vat_codes();
        return VatCode(
            all[static_cast<std::size_t>(uniform(0, static_cast<std::int64_t>(all.size()) - 1))]);
    }

    BasketLine line() {
        BasketLine l;
        l.sku = "S";
        l.name = "N";
        l.quantity = quantity();
        l.vat_code = code();
        // Half the lines are priced per unit (total = unit x quantity), half carry arbitrary
        // totals.
        if (uniform(0, 1) == 0) {
            const auto unit =
                amount() / (l.quantity.millionths > 1000 * Quantity::scale ? 1000 : 1);
            l.total = Money::of(multiply_rounded(unit, l.quantity).value_or(0));
        } else {
            l.total = Money::of(amount());
        }
        return l;
    }
};

} // namespace

BOOST_AUTO_TEST_SUITE(basket_property)

BOOST_AUTO_TEST_CASE(single_lines_always_reconcile) {
    Generator g;
    int kept = 0, must_keep = 0;
    for (int i = 0; i < 30000; ++i) {
        BasketLine l = g.line();
        if (l.total.minor == 0)
            continue;
        std::vector<BasketLine> lines{l};
        auto b = build_basket(lines);
        BOOST_TEST_REQUIRE(b.has_value(), "line " << i);
        BOOST_TEST_REQUIRE(check_basket(b->items, b->amount, b->vat_amount).empty(), "line " << i);
        const auto verdict = independent_check(serialise(*b));
        BOOST_TEST_REQUIRE(verdict.empty(),
                           "line " << i << ": " << verdict << " " << serialise(*b));
        // A whole quantity up to 3 with a unit-priced total can always keep its quantity
        // (the net rounding error is at most 1.5 kopecks, i.e. 1): collapsing it would be a bug.
        const bool unit_priced = l.quantity.is_whole() &&
                                 l.quantity.millionths <= 3 * Quantity::scale &&
                                 l.total.minor % (l.quantity.millionths / Quantity::scale) == 0;
        if (unit_priced) {
            ++must_keep;
            if (b->items[0].quantity == l.quantity)
                ++kept;
        }
    }
    BOOST_TEST(must_keep > 500);
    BOOST_TEST(kept == must_keep);
}

BOOST_AUTO_TEST_CASE(full_and_partial_baskets_always_reconcile) {
    Generator g;
    int partial_count = 0;
    for (int i = 0; i < 10000; ++i) {
        std::vector<BasketLine> lines;
        const auto n = g.uniform(1, 10);
        for (std::int64_t k = 0; k < n; ++k)
            lines.push_back(g.line());
        std::int64_t total = 0;
        for (const auto& l : lines)
            total += l.total.minor;
        if (total == 0)
            continue;
        const bool partial = g.uniform(0, 1) == 1;
        Expected<Basket, BasketBuildFailure> b =
            partial ? build_partial_basket(lines, Money::of(g.uniform(1, total)))
                    : build_basket(lines);
        BOOST_TEST_REQUIRE(b.has_value(), "basket " << i);
        BOOST_TEST_REQUIRE(check_basket(b->items, b->amount, b->vat_amount).empty(),
                           "basket " << i);
        const auto verdict = independent_check(serialise(*b));
        BOOST_TEST_REQUIRE(verdict.empty(), "basket " << i << ": " << verdict);
        if (partial) {
            ++partial_count;
            // Each line's share stays within its own total and keeps its VAT code.
            for (std::size_t k = 0; k < b->items.size(); ++k) {
                const auto& src = lines[b->source_lines[k]];
                BOOST_TEST_REQUIRE(b->items[k].total_amount.minor <= src.total.minor);
                BOOST_TEST_REQUIRE((b->items[k].vat_code == src.vat_code));
            }
        } else {
            BOOST_TEST_REQUIRE(b->amount.minor == total);
        }
    }
    BOOST_TEST(partial_count > 4000);
}

BOOST_AUTO_TEST_CASE(checker_catches_one_kopeck_errors) {
    // The checkers must not be vacuous: nudging any field of a valid basket by one kopeck is
    // caught.
    Generator g;
    int caught = 0, tried = 0;
    for (int i = 0; i < 3000; ++i) {
        std::vector<BasketLine> lines{g.line(), g.line()};
        auto b = build_basket(lines);
        if (!b)
            continue;
        ++tried;
        auto bad = *b;
        switch (i % 4) {
        case 0:
            bad.items[0].total_amount.minor += 1;
            bad.amount.minor += 1;
            break;
        case 1:
            bad.items[0].total_vat_amount.minor += 1;
            bad.vat_amount.minor += 1;
            break;
        case 2:
            bad.amount.minor += 1;
            break;
        default:
            bad.vat_amount.minor -= 1;
            break;
        }
        const bool lib = !check_basket(bad.items, bad.amount, bad.vat_amount).empty();
        const bool indep = !independent_check(serialise(bad)).empty();
        BOOST_TEST_REQUIRE(lib == indep, "checkers disagree on basket " << i);
        caught += lib ? 1 : 0;
    }
    BOOST_TEST(caught == tried);
}

BOOST_AUTO_TEST_SUITE_END()
