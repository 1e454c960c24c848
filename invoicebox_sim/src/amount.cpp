// Amount and quantity text (see amount.hpp).
#include "invoicebox/sim/amount.hpp"

#include <array>

namespace invoicebox::sim {

Expected<std::int64_t, AmountError> read_scaled(std::string_view s, int decimals,
                                                std::int64_t max_abs) {
    // JSON number grammar: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
    std::size_t i = 0;
    const bool negative = i < s.size() && s[i] == '-';
    if (negative) {
        ++i;
    }
    auto digit = [&](std::size_t k) { return k < s.size() && s[k] >= '0' && s[k] <= '9'; };
    const std::size_t int_begin = i;
    if (!digit(i)) {
        return unexpected(AmountError::not_a_number);
    }
    if (s[i] == '0') {
        ++i;
    } else {
        while (digit(i)) {
            ++i;
        }
    }
    std::string digits(s.substr(int_begin, i - int_begin)); // all significant digits
    long point = static_cast<long>(digits.size());          // decimal point position in them
    if (i < s.size() && s[i] == '.') {
        ++i;
        if (!digit(i)) {
            return unexpected(AmountError::not_a_number);
        }
        while (digit(i)) {
            digits.push_back(s[i++]);
        }
    }
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        bool exp_negative = false;
        if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
            exp_negative = s[i++] == '-';
        }
        if (!digit(i)) {
            return unexpected(AmountError::not_a_number);
        }
        long exp = 0;
        while (digit(i)) {
            exp = std::min(exp * 10 + (s[i++] - '0'), 100000L); // huge exponents: range error below
        }
        point += exp_negative ? -exp : exp;
    }
    if (i != s.size()) {
        return unexpected(AmountError::not_a_number);
    }
    // value = 0.digits × 10^point; scaled = digits with the point moved `decimals` right.
    const long scaled_point = point + decimals;
    std::int64_t value = 0;
    for (long k = 0; k < static_cast<long>(digits.size()); ++k) {
        const int d = digits[static_cast<std::size_t>(k)] - '0';
        if (k >= scaled_point) {
            if (d != 0) {
                return unexpected(AmountError::too_precise);
            }
            continue;
        }
        if (value > (max_abs - d) / 10) {
            return unexpected(AmountError::out_of_range);
        }
        value = value * 10 + d;
    }
    for (long k = static_cast<long>(digits.size()); k < scaled_point; ++k) {
        if (value != 0 && value > max_abs / 10) {
            return unexpected(AmountError::out_of_range);
        }
        value *= 10;
    }
    if (value > max_abs) {
        return unexpected(AmountError::out_of_range);
    }
    return negative ? -value : value;
}

std::string write_scaled(std::int64_t value, int decimals) {
    const bool negative = value < 0;
    // |INT64_MIN| does not fit; amounts never get near it (max_amount_minor).
    std::string digits = std::to_string(negative ? -value : value);
    if (static_cast<int>(digits.size()) <= decimals) {
        digits.insert(0, static_cast<std::size_t>(decimals + 1) - digits.size(), '0');
    }
    std::string whole = digits.substr(0, digits.size() - static_cast<std::size_t>(decimals));
    std::string frac = digits.substr(digits.size() - static_cast<std::size_t>(decimals));
    while (!frac.empty() && frac.back() == '0') {
        frac.pop_back();
    }
    std::string out = negative ? "-" : "";
    out += whole;
    if (!frac.empty()) {
        out += "." + frac;
    }
    return out;
}

std::string write_amount(std::int64_t minor) {
    return write_scaled(minor, 2);
}

bool known_currency(std::string_view alpha) noexcept {
    static constexpr std::array<std::string_view, 6> codes{"RUB", "USD", "EUR",
                                                           "GBP", "CNY", "UZS"};
    for (const auto c : codes) {
        if (c == alpha) {
            return true;
        }
    }
    return false;
}

JsonValue json_amount(std::int64_t minor) {
    return JsonNumber{write_amount(minor)};
}

} // namespace invoicebox::sim
