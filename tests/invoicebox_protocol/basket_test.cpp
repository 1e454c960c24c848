// Basket checks and builder on documented and hand-made cases (property test:
// basket_property_test.cpp).
#include "invoicebox/protocol/basket.hpp"

#include <boost/test/unit_test.hpp>

using namespace invoicebox::protocol;

namespace {

BasketItem item(std::int64_t amount, Quantity q, std::int64_t wo_vat, std::int64_t total,
                std::int64_t vat, std::string_view code) {
    BasketItem it;
    it.sku = "SKU";
    it.name = "Item";
    it.quantity = q;
    it.amount = Money::of(amount);
    it.amount_wo_vat = Money::of(wo_vat);
    it.total_amount = Money::of(total);
    it.total_vat_amount = Money::of(vat);
    it.vat_code = VatCode::parse(code);
    return it;
}

BasketLine line(std::int64_t total, std::string_view code, Quantity q = Quantity::units(1)) {
    BasketLine l;
    l.sku = "L";
    l.name = "Line";
    l.total = Money::of(total);
    l.vat_code = VatCode::parse(code);
    l.quantity = q;
    return l;
}

} // namespace

BOOST_AUTO_TEST_SUITE(basket)

BOOST_AUTO_TEST_CASE(documented_baskets_pass) {
    // §8.1: 3 x 450 at 20 % + 200 without VAT.
    std::vector<BasketItem> b81{item(45000, Quantity::units(3), 37500, 135000, 22500, "RUS_VAT20"),
                                item(20000, Quantity::units(1), 20000, 20000, 0, "VATNONE")};
    BOOST_TEST(check_basket(b81, Money::of(155000), Money::of(22500)).empty());
    // §8.2
    std::vector<BasketItem> b82{
        item(219050, Quantity::units(1), 182542, 219050, 36508, "RUS_VAT20"),
        item(30000, Quantity::units(1), 25000, 30000, 5000, "RUS_VAT20")};
    BOOST_TEST(check_basket(b82, Money::of(249050), Money::of(41508)).empty());
    // §4.3: 103.30 x 3 + 61.98 = 371.88; 99.99 x 3 with a one-kopeck net difference.
    std::vector<BasketItem> b43{item(12396, Quantity::units(3), 10330, 37188, 6198, "RUS_VAT20"),
                                item(9999, Quantity::units(3), 8332, 29997, 5000, "RUS_VAT20")};
    BOOST_TEST(check_basket(b43, Money::of(67185), Money::of(11198)).empty());
}

BOOST_AUTO_TEST_CASE(each_check_reports_its_code) {
    auto good = item(45000, Quantity::units(3), 37500, 135000, 22500, "RUS_VAT20");
    {
        auto b = good;
        b.total_amount = Money::of(135001);
        std::vector<BasketItem> v{b};
        auto r = check_basket(v, Money::of(135001), Money::of(22500));
        BOOST_TEST_REQUIRE(!r.empty());
        BOOST_TEST(r.front().code() == "wrong_basket_item_total_amount");
        BOOST_TEST(r.front().field == "basketItems[0].totalAmount");
        BOOST_TEST(r.front().expected_minor == 135000);
        BOOST_TEST(*r.front().item == 0u);
    }
    {
        auto b = good;
        b.total_vat_amount = Money::of(22499);
        std::vector<BasketItem> v{b};
        auto r = check_basket(v, Money::of(135000), Money::of(22499));
        BOOST_TEST_REQUIRE(r.size() == 1u); // check 3 tolerates the one kopeck
        BOOST_TEST(r.front().code() == "wrong_basket_item_total_vat_amount");
    }
    {
        auto b = good;
        b.amount_wo_vat = Money::of(37400);
        std::vector<BasketItem> v{b};
        auto r = check_basket(v, Money::of(135000), Money::of(22500));
        BOOST_TEST_REQUIRE(r.size() == 1u);
        BOOST_TEST(r.front().code() == "wrong_basket_item_amount_wo_vat");
    }
    {
        std::vector<BasketItem> v{good};
        auto r = check_basket(v, Money::of(135100), Money::of(22500));
        BOOST_TEST_REQUIRE(r.size() == 1u);
        BOOST_TEST(r.front().code() == "wrong_total_amount");
        BOOST_TEST(r.front().field == "amount");
        BOOST_TEST(!r.front().item.has_value());
    }
    {
        std::vector<BasketItem> v{good};
        auto r = check_basket(v, Money::of(135000), Money::of(0));
        BOOST_TEST_REQUIRE(r.size() == 1u);
        BOOST_TEST(r.front().code() == "wrong_total_vat_amount");
        BOOST_TEST(r.front().field == "vatAmount");
    }
}

BOOST_AUTO_TEST_CASE(structural_rules) {
    BOOST_TEST(
        (check_basket({}, Money::of(0), Money::of(0)).front().rule == BasketRule::empty_basket));
    std::vector<BasketItem> zero_q{item(100, Quantity{0}, 100, 0, 0, "VATNONE")};
    BOOST_TEST((check_basket(zero_q, Money::of(0), Money::of(0)).front().rule ==
                BasketRule::item_quantity));
    std::vector<BasketItem> unknown{item(12000, Quantity::units(1), 10000, 12000, 2000, "NONE")};
    auto r = check_basket(unknown, Money::of(12000), Money::of(2000));
    BOOST_TEST_REQUIRE(r.size() == 1u);
    BOOST_TEST((r.front().rule == BasketRule::unknown_vat_code));
    BOOST_TEST(!is_documented(r.front().rule));
    BOOST_TEST(
        check_basket(unknown, Money::of(12000), Money::of(2000), {.reject_unknown_vat_code = false})
            .empty());
    auto usd = item(100, Quantity::units(1), 100, 100, 0, "VATNONE");
    usd.total_amount.currency = Currency::usd;
    std::vector<BasketItem> mixed{usd};
    BOOST_TEST((check_basket(mixed, Money::of(100), Money::of(0)).front().rule ==
                BasketRule::currency_mismatch));
}

BOOST_AUTO_TEST_CASE(builder_keeps_exact_quantities) {
    std::vector<BasketLine> lines{line(135000, "RUS_VAT20", Quantity::units(3)),
                                  line(20000, "VATNONE")};
    auto b = build_basket(lines);
    BOOST_TEST_REQUIRE(b.has_value());
    BOOST_TEST(b->items.size() == 2u);
    BOOST_TEST(b->items[0].quantity.millionths == 3'000'000);
    BOOST_TEST(b->items[0].amount.minor == 45000);
    BOOST_TEST(b->items[0].amount_wo_vat.minor == 37500);
    BOOST_TEST(b->items[0].total_vat_amount.minor == 22500);
    BOOST_TEST(b->amount.minor == 155000);
    BOOST_TEST(b->vat_amount.minor == 22500);
    BOOST_TEST(b->collapsed_lines.empty());
    BOOST_TEST(check_basket(b->items, b->amount, b->vat_amount).empty());
}

BOOST_AUTO_TEST_CASE(builder_collapses_inexact_quantities) {
    // 1000.00 for 3 nights has no kopeck unit price: written as one unit of 1000.00.
    std::vector<BasketLine> lines{line(100000, "RUS_VAT10", Quantity::units(3))};
    auto b = build_basket(lines);
    BOOST_TEST_REQUIRE(b.has_value());
    BOOST_TEST(b->items[0].quantity.millionths == Quantity::scale);
    BOOST_TEST(b->items[0].amount.minor == 100000);
    BOOST_TEST(b->items[0].total_vat_amount.minor == 9091);
    BOOST_TEST(b->items[0].amount_wo_vat.minor == 100000 - 9091);
    BOOST_TEST(b->collapsed_lines == std::vector<std::size_t>{0});
    // 0.01 x 1000 at 20 %: unit price exists, but the unit net (0.01) misses by far more than a
    // kopeck.
    std::vector<BasketLine> many{line(1000, "RUS_VAT20", Quantity::units(1000))};
    auto m = build_basket(many);
    BOOST_TEST_REQUIRE(m.has_value());
    BOOST_TEST(m->items[0].quantity.millionths == Quantity::scale);
    BOOST_TEST(check_basket(m->items, m->amount, m->vat_amount).empty());
}

BOOST_AUTO_TEST_CASE(builder_refuses_bad_lines) {
    std::vector<BasketLine> none;
    BOOST_TEST((build_basket(none).error().error == BasketBuildError::empty_basket));
    std::vector<BasketLine> zeros{line(0, "RUS_VAT20")};
    BOOST_TEST((build_basket(zeros).error().error == BasketBuildError::empty_basket));
    std::vector<BasketLine> negative{line(100, "RUS_VAT20"), line(-50, "RUS_VAT20")};
    BOOST_TEST((build_basket(negative).error() ==
                BasketBuildFailure{BasketBuildError::negative_amount, 1}));
    std::vector<BasketLine> unknown{line(100, "NONE")};
    BOOST_TEST((build_basket(unknown).error().error == BasketBuildError::unknown_vat_code));
    std::vector<BasketLine> zero_q{line(100, "RUS_VAT20", Quantity{0})};
    BOOST_TEST((build_basket(zero_q).error().error == BasketBuildError::non_positive_quantity));
    auto usd = line(100, "RUS_VAT20");
    usd.total.currency = Currency::usd;
    std::vector<BasketLine> mixed{line(100, "RUS_VAT20"), usd};
    BOOST_TEST((build_basket(mixed).error() ==
                BasketBuildFailure{BasketBuildError::currency_mismatch, 1}));
}

BOOST_AUTO_TEST_CASE(zero_lines_are_left_out) {
    std::vector<BasketLine> lines{line(0, "RUS_VAT20"), line(500, "RUS_VAT10")};
    auto b = build_basket(lines);
    BOOST_TEST_REQUIRE(b.has_value());
    BOOST_TEST(b->items.size() == 1u);
    BOOST_TEST(b->source_lines == std::vector<std::size_t>{1});
}

BOOST_AUTO_TEST_CASE(partial_payment_split_over_vat_codes) {
    // Folio: 3 nights 9000.00 at 10 % (accommodation), breakfast 1500.00 at 20 %, tourist tax
    // 300.00 without VAT. The guest pays 5000.00 now.
    std::vector<BasketLine> folio{line(900000, "RUS_VAT10", Quantity::units(3)),
                                  line(150000, "RUS_VAT20"), line(30000, "VATNONE")};
    auto b = build_partial_basket(folio, Money::of(500000));
    BOOST_TEST_REQUIRE(b.has_value());
    BOOST_TEST(b->amount.minor == 500000);
    BOOST_TEST(b->items.size() == 3u);
    // 5000 x 9000/10800 = 4166.666.. ; 5000 x 1500/10800 = 694.444.. ; 5000 x 300/10800 = 138.888..
    // floors 416666 + 69444 + 13888 = 499998; the two extra kopecks go to the largest remainders.
    BOOST_TEST(b->items[0].total_amount.minor == 416667);
    BOOST_TEST(b->items[1].total_amount.minor == 69444);
    BOOST_TEST(b->items[2].total_amount.minor == 13889);
    BOOST_TEST(b->items[0].vat_code.wire() == "RUS_VAT10");
    BOOST_TEST(b->items[0].quantity.millionths == Quantity::scale); // partial lines are one unit
    BOOST_TEST(check_basket(b->items, b->amount, b->vat_amount).empty());

    auto full = build_partial_basket(folio, Money::of(1080000));
    BOOST_TEST_REQUIRE(full.has_value());
    BOOST_TEST(full->items[0].quantity.millionths ==
               3 * Quantity::scale); // whole lines keep quantity

    BOOST_TEST((build_partial_basket(folio, Money::of(1080001)).error().error ==
                BasketBuildError::part_exceeds_total));
    BOOST_TEST((build_partial_basket(folio, Money::of(0)).error().error ==
                BasketBuildError::part_not_positive));
    BOOST_TEST((build_partial_basket(folio, Money::of(1, Currency::eur)).error().error ==
                BasketBuildError::currency_mismatch));
}

BOOST_AUTO_TEST_CASE(tiny_partial_payment_drops_lines_that_get_nothing) {
    std::vector<BasketLine> folio{line(900000, "RUS_VAT10"), line(100, "RUS_VAT20")};
    auto b = build_partial_basket(folio, Money::of(1));
    BOOST_TEST_REQUIRE(b.has_value());
    BOOST_TEST(b->items.size() == 1u);
    BOOST_TEST(b->amount.minor == 1);
    BOOST_TEST(check_basket(b->items, b->amount, b->vat_amount).empty());
}

BOOST_AUTO_TEST_CASE(allocation_is_exact_and_bounded) {
    std::vector<std::int64_t> w{1, 1, 1};
    BOOST_TEST(allocate_proportionally(w, 2) == (std::vector<std::int64_t>{1, 1, 0}));
    std::vector<std::int64_t> w2{0, 5, 5};
    BOOST_TEST(allocate_proportionally(w2, 5) == (std::vector<std::int64_t>{0, 3, 2}));
    BOOST_TEST(allocate_proportionally(w2, 10) == w2);
}

BOOST_AUTO_TEST_SUITE_END()
