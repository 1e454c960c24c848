// Money, currencies and the exact decimal parser shared with Quantity.
#include "invoicebox/protocol/money.hpp"

#include "invoicebox/protocol/detail/int128.hpp"

#include <array>
#include <limits>

namespace invoicebox::protocol {

namespace {

constexpr std::array<CurrencyInfo, 4> currencies{{
    {Currency::rub, "RUB", 643, 2},
    {Currency::usd, "USD", 840, 2},
    {Currency::eur, "EUR", 978, 2},
    {Currency::gbp, "GBP", 826, 2},
}};

constexpr bool is_digit(char c) noexcept {
    return c >= '0' && c <= '9';
}

} // namespace

std::string_view to_string(DecimalError e) noexcept {
    switch (e) {
    case DecimalError::syntax:
        return "not a JSON number";
    case DecimalError::too_precise:
        return "too many decimals";
    case DecimalError::out_of_range:
        return "out of range";
    }
    return "unknown decimal error";
}

namespace detail {

Expected<std::int64_t, DecimalError> parse_scaled(std::string_view text, int scale,
                                                  std::int64_t max_abs) noexcept {
    // JSON grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?  -- nothing else, no spaces.
    std::size_t i = 0;
    const std::size_t n = text.size();
    bool negative = false;
    if (i < n && text[i] == '-') {
        negative = true;
        ++i;
    }
    const std::size_t int_begin = i;
    if (i >= n || !is_digit(text[i]))
        return unexpected(DecimalError::syntax);
    if (text[i] == '0') {
        ++i;
    } else {
        while (i < n && is_digit(text[i]))
            ++i;
    }
    const std::string_view int_digits = text.substr(int_begin, i - int_begin);
    std::string_view frac_digits;
    if (i < n && text[i] == '.') {
        ++i;
        const std::size_t frac_begin = i;
        while (i < n && is_digit(text[i]))
            ++i;
        if (i == frac_begin)
            return unexpected(DecimalError::syntax);
        frac_digits = text.substr(frac_begin, i - frac_begin);
    }
    // The exponent is clamped while read: anything beyond +-100000 is absurd for money, and the
    // clamp keeps the arithmetic below from overflowing on hostile input like "1e99999999999".
    long exponent = 0;
    if (i < n && (text[i] == 'e' || text[i] == 'E')) {
        ++i;
        bool exp_negative = false;
        if (i < n && (text[i] == '+' || text[i] == '-')) {
            exp_negative = text[i] == '-';
            ++i;
        }
        const std::size_t exp_begin = i;
        while (i < n && is_digit(text[i])) {
            if (exponent < 100000)
                exponent = exponent * 10 + (text[i] - '0');
            ++i;
        }
        if (i == exp_begin)
            return unexpected(DecimalError::syntax);
        if (exp_negative)
            exponent = -exponent;
    }
    if (i != n)
        return unexpected(DecimalError::syntax);

    // value = digits * 10^(exponent - |frac|); we want value * 10^scale as an integer.
    const long shift = static_cast<long>(scale) + exponent - static_cast<long>(frac_digits.size());

    // Strip leading zeros so that the significant digit count says something about magnitude.
    std::string digits;
    digits.reserve(int_digits.size() + frac_digits.size());
    digits.append(int_digits);
    digits.append(frac_digits);
    const auto first_nonzero = digits.find_first_not_of('0');
    if (first_nonzero == std::string::npos)
        return std::int64_t{0}; // any spelling of zero, "-0.000e5" included
    digits.erase(0, first_nonzero);

    std::string_view kept = digits;
    if (shift < 0) {
        // The last -shift digits fall below the unit: they must all be zero.
        const auto drop = static_cast<std::size_t>(-shift);
        if (drop >= kept.size())
            return unexpected(DecimalError::too_precise); // a non-zero digit is below the unit
        const auto tail = kept.substr(kept.size() - drop);
        if (tail.find_first_not_of('0') != std::string_view::npos)
            return unexpected(DecimalError::too_precise);
        kept = kept.substr(0, kept.size() - drop);
    } else if (static_cast<std::size_t>(shift) + kept.size() > 19) {
        return unexpected(DecimalError::out_of_range); // >= 10^19 cannot be an int64
    }

    int128 value = 0;
    for (char c : kept) {
        value = value * 10 + (c - '0');
        if (value > max_abs)
            return unexpected(DecimalError::out_of_range);
    }
    for (long k = 0; k < shift; ++k) {
        value *= 10;
        if (value > max_abs)
            return unexpected(DecimalError::out_of_range);
    }
    const auto v = static_cast<std::int64_t>(value);
    return negative ? -v : v;
}

std::string format_scaled(std::int64_t value, int scale) {
    // Work on the magnitude as unsigned so that INT64_MIN formats too.
    const bool negative = value < 0;
    std::uint64_t mag =
        negative ? (~static_cast<std::uint64_t>(value) + 1) : static_cast<std::uint64_t>(value);
    std::uint64_t unit = 1;
    for (int k = 0; k < scale; ++k)
        unit *= 10;
    std::string out = negative ? "-" : "";
    out += std::to_string(mag / unit);
    std::uint64_t frac = mag % unit;
    if (frac != 0) {
        std::string f = std::to_string(frac);
        f.insert(0, static_cast<std::size_t>(scale) - f.size(), '0');
        f.erase(f.find_last_not_of('0') + 1);
        out += '.';
        out += f;
    }
    return out;
}

} // namespace detail

std::span<const CurrencyInfo> known_currencies() noexcept {
    return currencies;
}

const CurrencyInfo& currency_info(Currency c) noexcept {
    for (const auto& info : currencies)
        if (info.currency == c)
            return info;
    return currencies[0]; // unreachable for a valid enumerator
}

std::optional<Currency> currency_from_alpha(std::string_view alpha) noexcept {
    for (const auto& info : currencies)
        if (info.alpha == alpha)
            return info.currency;
    return std::nullopt;
}

std::optional<Currency> currency_from_numeric(std::uint16_t numeric) noexcept {
    for (const auto& info : currencies)
        if (info.numeric == numeric)
            return info.currency;
    return std::nullopt;
}

Expected<std::int64_t, AmountError> parse_amount_minor(std::string_view json_number) noexcept {
    return detail::parse_scaled(json_number, 2, max_amount_minor);
}

std::string format_amount(std::int64_t minor) {
    return detail::format_scaled(minor, 2);
}

std::optional<Money> checked_add(Money a, Money b) noexcept {
    std::int64_t r = 0;
    if (a.currency != b.currency || __builtin_add_overflow(a.minor, b.minor, &r))
        return std::nullopt;
    return Money{r, a.currency};
}

std::optional<Money> checked_sub(Money a, Money b) noexcept {
    std::int64_t r = 0;
    if (a.currency != b.currency || __builtin_sub_overflow(a.minor, b.minor, &r))
        return std::nullopt;
    return Money{r, a.currency};
}

} // namespace invoicebox::protocol
