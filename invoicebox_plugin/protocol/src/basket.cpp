// Basket reconciliation: check_basket and the builder; the rules are stated in basket.hpp.
#include "invoicebox/protocol/basket.hpp"

#include "invoicebox/protocol/detail/int128.hpp"

#include <algorithm>
#include <numeric>

namespace invoicebox::protocol {

using detail::int128;

std::string_view error_code(BasketRule r) noexcept {
    switch (r) {
    case BasketRule::item_total_amount:
    case BasketRule::item_quantity:
        return "wrong_basket_item_total_amount";
    case BasketRule::item_total_vat_amount:
    case BasketRule::unknown_vat_code:
        return "wrong_basket_item_total_vat_amount";
    case BasketRule::item_amount_wo_vat:
        return "wrong_basket_item_amount_wo_vat";
    case BasketRule::total_amount:
    case BasketRule::empty_basket:
        return "wrong_total_amount";
    case BasketRule::total_vat_amount:
        return "wrong_total_vat_amount";
    case BasketRule::currency_mismatch:
        return "wrong_currency";
    }
    return "wrong_total_amount";
}

bool is_documented(BasketRule r) noexcept {
    return r == BasketRule::item_total_amount || r == BasketRule::item_total_vat_amount ||
           r == BasketRule::item_amount_wo_vat || r == BasketRule::total_amount ||
           r == BasketRule::total_vat_amount;
}

std::string_view describe(BasketRule r) noexcept {
    switch (r) {
    case BasketRule::item_total_amount:
        return "item totalAmount is not amount x quantity";
    case BasketRule::item_total_vat_amount:
        return "item totalVatAmount is not the VAT contained in totalAmount";
    case BasketRule::item_amount_wo_vat:
        return "item amountWoVat x quantity + totalVatAmount does not give totalAmount";
    case BasketRule::total_amount:
        return "order amount is not the sum of item totals";
    case BasketRule::total_vat_amount:
        return "order vatAmount is not the sum of item VAT";
    case BasketRule::empty_basket:
        return "basket is empty";
    case BasketRule::item_quantity:
        return "item quantity is not positive";
    case BasketRule::unknown_vat_code:
        return "item vatCode is unknown";
    case BasketRule::currency_mismatch:
        return "item currency differs from the order currency";
    }
    return "basket rule";
}

std::vector<BasketViolation> check_basket(std::span<const BasketItem> items, Money order_amount,
                                          Money order_vat_amount, const BasketCheckOptions& opt) {
    std::vector<BasketViolation> out;
    if (items.empty())
        out.push_back({BasketRule::empty_basket, std::nullopt, "basketItems", 0, 0});

    int128 sum_total = 0;
    int128 sum_vat = 0;
    for (std::size_t i = 0; i < items.size(); ++i) {
        const auto& it = items[i];
        const std::string base = "basketItems[" + std::to_string(i) + "].";
        const std::int64_t total = it.total_amount.minor;
        const std::int64_t vat = it.total_vat_amount.minor;
        sum_total += total;
        sum_vat += vat;

        const Currency c = order_amount.currency;
        if (it.amount.currency != c || it.amount_wo_vat.currency != c ||
            it.total_amount.currency != c || it.total_vat_amount.currency != c)
            out.push_back({BasketRule::currency_mismatch, i, base + "totalAmount", 0, 0});

        const bool quantity_ok = it.quantity.millionths > 0;
        if (!quantity_ok)
            out.push_back(
                {BasketRule::item_quantity, i, base + "quantity", 0, it.quantity.millionths});

        if (quantity_ok) {
            const auto expected = multiply_rounded(it.amount.minor, it.quantity);
            if (!expected || *expected != total)
                out.push_back({BasketRule::item_total_amount, i, base + "totalAmount",
                               expected.value_or(0), total});
        }

        if (const auto expected_vat = vat_in_gross(total, it.vat_code)) {
            if (*expected_vat != vat)
                out.push_back({BasketRule::item_total_vat_amount, i, base + "totalVatAmount",
                               *expected_vat, vat});
        } else if (opt.reject_unknown_vat_code) {
            out.push_back({BasketRule::unknown_vat_code, i, base + "vatCode", 0, vat});
        }

        if (quantity_ok) {
            const auto net_total = multiply_rounded(it.amount_wo_vat.minor, it.quantity);
            const int128 diff = net_total ? static_cast<int128>(*net_total) + vat - total
                                          : opt.wo_vat_tolerance_minor + 1;
            if (diff > opt.wo_vat_tolerance_minor || diff < -opt.wo_vat_tolerance_minor)
                out.push_back({BasketRule::item_amount_wo_vat, i, base + "amountWoVat", total - vat,
                               net_total.value_or(0)});
        }
    }
    if (sum_total != order_amount.minor)
        out.push_back({BasketRule::total_amount, std::nullopt, "amount",
                       detail::narrow(sum_total).value_or(0), order_amount.minor});
    if (sum_vat != order_vat_amount.minor)
        out.push_back({BasketRule::total_vat_amount, std::nullopt, "vatAmount",
                       detail::narrow(sum_vat).value_or(0), order_vat_amount.minor});
    return out;
}

std::string_view to_string(BasketBuildError e) noexcept {
    switch (e) {
    case BasketBuildError::empty_basket:
        return "nothing to charge";
    case BasketBuildError::non_positive_quantity:
        return "quantity is not positive";
    case BasketBuildError::negative_amount:
        return "line total is negative";
    case BasketBuildError::unknown_vat_code:
        return "VAT code is unknown";
    case BasketBuildError::currency_mismatch:
        return "lines have different currencies";
    case BasketBuildError::out_of_range:
        return "amount out of range";
    case BasketBuildError::part_not_positive:
        return "partial amount is not positive";
    case BasketBuildError::part_exceeds_total:
        return "partial amount exceeds the total";
    }
    return "basket build error";
}

namespace {

// The unit price that reproduces `total` for `q` units, if the rounding allows one.
std::optional<std::int64_t> exact_unit_price(std::int64_t total, Quantity q) {
    const auto unit = detail::narrow(
        detail::div_round_half_away(static_cast<int128>(total) * Quantity::scale, q.millionths));
    if (!unit)
        return std::nullopt;
    const auto back = multiply_rounded(*unit, q);
    if (!back || *back != total)
        return std::nullopt;
    return unit;
}

BasketItem item_from_line(const BasketLine& line) {
    BasketItem it;
    it.sku = line.sku;
    it.name = line.name;
    it.group_name = line.group_name;
    it.measure = line.measure;
    it.measure_code = line.measure_code;
    it.vat_code = line.vat_code;
    it.type = line.type;
    it.payment_type = line.payment_type;
    it.service_date = line.service_date;
    return it;
}

} // namespace

Expected<BasketItem, BasketBuildFailure> make_basket_item(const BasketLine& line,
                                                          const BasketCheckOptions& opt) {
    if (line.quantity.millionths <= 0)
        return unexpected(
            BasketBuildFailure{BasketBuildError::non_positive_quantity, std::nullopt});
    if (line.total.minor < 0)
        return unexpected(BasketBuildFailure{BasketBuildError::negative_amount, std::nullopt});
    if (line.total.minor > max_amount_minor)
        return unexpected(BasketBuildFailure{BasketBuildError::out_of_range, std::nullopt});
    const auto vat = vat_in_gross(line.total.minor, line.vat_code);
    if (!vat)
        return unexpected(BasketBuildFailure{BasketBuildError::unknown_vat_code, std::nullopt});

    const Currency c = line.total.currency;
    const std::int64_t total = line.total.minor;
    const std::int64_t net = total - *vat;
    BasketItem it = item_from_line(line);
    it.total_amount = Money{total, c};
    it.total_vat_amount = Money{*vat, c};

    // Keep the real quantity when a unit price reproduces the total exactly (check 1) and the
    // per-unit net price rounds back within the tolerance (check 3); otherwise collapse.
    if (const auto unit = exact_unit_price(total, line.quantity)) {
        const auto unit_net = detail::narrow(detail::div_round_half_away(
            static_cast<int128>(net) * Quantity::scale, line.quantity.millionths));
        if (unit_net) {
            const auto net_back = multiply_rounded(*unit_net, line.quantity);
            if (net_back) {
                const std::int64_t diff = *net_back - net;
                if (diff <= opt.wo_vat_tolerance_minor && diff >= -opt.wo_vat_tolerance_minor) {
                    it.quantity = line.quantity;
                    it.amount = Money{*unit, c};
                    it.amount_wo_vat = Money{*unit_net, c};
                    return it;
                }
            }
        }
    }
    it.quantity = Quantity::units(1);
    it.amount = Money{total, c};
    it.amount_wo_vat = Money{net, c};
    return it;
}

namespace {

Expected<Basket, BasketBuildFailure> build_with_totals(std::span<const BasketLine> lines,
                                                       std::span<const std::int64_t> charged,
                                                       bool collapse_partial,
                                                       const BasketCheckOptions& opt) {
    Basket b;
    const Currency c = lines.front().total.currency;
    b.amount = Money{0, c};
    b.vat_amount = Money{0, c};
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (charged[i] == 0)
            continue;
        BasketLine line = lines[i];
        const bool partial = charged[i] != line.total.minor;
        line.total = Money{charged[i], c};
        if (partial && collapse_partial)
            line.quantity = Quantity::units(1);
        auto item = make_basket_item(line, opt);
        if (!item)
            return unexpected(BasketBuildFailure{item.error().error, i});
        if (item->quantity != lines[i].quantity)
            b.collapsed_lines.push_back(i);
        const auto amount = checked_add(b.amount, item->total_amount);
        const auto vat = checked_add(b.vat_amount, item->total_vat_amount);
        if (!amount || !vat)
            return unexpected(BasketBuildFailure{BasketBuildError::out_of_range, i});
        b.amount = *amount;
        b.vat_amount = *vat;
        b.items.push_back(std::move(item).value());
        b.source_lines.push_back(i);
    }
    if (b.items.empty())
        return unexpected(BasketBuildFailure{BasketBuildError::empty_basket, std::nullopt});
    return b;
}

// Validates lines that every builder needs valid, and returns their total.
Expected<std::int64_t, BasketBuildFailure> validate_lines(std::span<const BasketLine> lines) {
    if (lines.empty())
        return unexpected(BasketBuildFailure{BasketBuildError::empty_basket, std::nullopt});
    int128 sum = 0;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const auto& l = lines[i];
        if (l.total.currency != lines.front().total.currency)
            return unexpected(BasketBuildFailure{BasketBuildError::currency_mismatch, i});
        if (l.quantity.millionths <= 0)
            return unexpected(BasketBuildFailure{BasketBuildError::non_positive_quantity, i});
        if (l.total.minor < 0)
            return unexpected(BasketBuildFailure{BasketBuildError::negative_amount, i});
        if (l.total.minor > max_amount_minor)
            return unexpected(BasketBuildFailure{BasketBuildError::out_of_range, i});
        if (!l.vat_code.is_known())
            return unexpected(BasketBuildFailure{BasketBuildError::unknown_vat_code, i});
        sum += l.total.minor;
    }
    const auto total = detail::narrow(sum);
    if (!total)
        return unexpected(BasketBuildFailure{BasketBuildError::out_of_range, std::nullopt});
    return *total;
}

} // namespace

Expected<Basket, BasketBuildFailure> build_basket(std::span<const BasketLine> lines,
                                                  const BasketCheckOptions& opt) {
    auto total = validate_lines(lines);
    if (!total)
        return unexpected(total.error());
    std::vector<std::int64_t> charged;
    charged.reserve(lines.size());
    for (const auto& l : lines)
        charged.push_back(l.total.minor);
    return build_with_totals(lines, charged, false, opt);
}

Expected<Basket, BasketBuildFailure>
build_partial_basket(std::span<const BasketLine> lines, Money part, const BasketCheckOptions& opt) {
    auto total = validate_lines(lines);
    if (!total)
        return unexpected(total.error());
    if (part.currency != lines.front().total.currency)
        return unexpected(BasketBuildFailure{BasketBuildError::currency_mismatch, std::nullopt});
    if (part.minor <= 0)
        return unexpected(BasketBuildFailure{BasketBuildError::part_not_positive, std::nullopt});
    if (part.minor > *total)
        return unexpected(BasketBuildFailure{BasketBuildError::part_exceeds_total, std::nullopt});
    std::vector<std::int64_t> weights;
    weights.reserve(lines.size());
    for (const auto& l : lines)
        weights.push_back(l.total.minor);
    const auto charged = allocate_proportionally(weights, part.minor);
    return build_with_totals(lines, charged, true, opt);
}

std::vector<std::int64_t> allocate_proportionally(std::span<const std::int64_t> weights,
                                                  std::int64_t part) {
    std::vector<std::int64_t> shares(weights.size(), 0);
    int128 sum = 0;
    for (auto w : weights)
        sum += w;
    if (sum <= 0 || part <= 0)
        return shares;
    // Floor of each exact share, then hand the leftover units to the largest remainders.
    std::vector<std::pair<int128, std::size_t>> remainders;
    remainders.reserve(weights.size());
    int128 given = 0;
    for (std::size_t i = 0; i < weights.size(); ++i) {
        const int128 exact = static_cast<int128>(part) * weights[i];
        shares[i] = static_cast<std::int64_t>(exact / sum);
        given += shares[i];
        remainders.emplace_back(exact % sum, i);
    }
    std::stable_sort(remainders.begin(), remainders.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    auto left = static_cast<std::int64_t>(part - given);
    for (std::size_t k = 0; left > 0 && k < remainders.size(); ++k, --left)
        ++shares[remainders[k].second];
    return shares;
}

} // namespace invoicebox::protocol
