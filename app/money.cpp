#include "app/money.hpp"

#include <limits>

namespace tallyhub::app {

namespace {

constexpr error syntax_error{static_cast<int>(money_errc::syntax), "amount is not a decimal number"};
constexpr error overflow_error{static_cast<int>(money_errc::overflow), "amount out of range"};
constexpr error zero_divisor{static_cast<int>(money_errc::divide_by_zero), "division by zero"};

constexpr std::int64_t max_units = std::numeric_limits<std::int64_t>::max();

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

// q·10 + d without leaving [0, max_units].
bool push_digit(std::int64_t& q, int d) noexcept {
    if (q > (max_units - d) / 10) return false;
    q = q * 10 + d;
    return true;
}

}  // namespace

// The value is D × 10^p, D being all significant digits (integer and fraction parts run together) and
// p = exponent − number of fraction digits. In units it is D × 10^(p+4): with shift = p + 4 ≥ 0 the
// digits are followed by `shift` zeros; with shift < 0 the last −shift digits are dropped, the first
// dropped digit and a sticky "anything non-zero after it" deciding half-to-even rounding. Working on the
// digit string keeps arbitrarily long inputs ("0.000000000000000000001", 40-digit integers) exact.
result<money> parse_money(std::string_view s) noexcept {
    std::size_t p = 0;
    const bool negative = p < s.size() && s[p] == '-';
    if (negative) ++p;
    const std::size_t int_begin = p;
    while (p < s.size() && is_digit(s[p])) ++p;
    const std::size_t int_end = p;
    if (int_end == int_begin) return syntax_error;
    if (s[int_begin] == '0' && int_end - int_begin > 1) return syntax_error;  // no leading zeros in JSON
    std::size_t frac_begin = p, frac_end = p;
    if (p < s.size() && s[p] == '.') {
        frac_begin = ++p;
        while (p < s.size() && is_digit(s[p])) ++p;
        frac_end = p;
        if (frac_end == frac_begin) return syntax_error;
    }
    std::int64_t exponent = 0;
    if (p < s.size() && (s[p] == 'e' || s[p] == 'E')) {
        ++p;
        bool exp_negative = false;
        if (p < s.size() && (s[p] == '+' || s[p] == '-')) exp_negative = s[p++] == '-';
        const std::size_t exp_begin = p;
        while (p < s.size() && is_digit(s[p])) {
            // Saturate: past a million the answer is 0 or overflow either way.
            if (exponent < 1'000'000) exponent = exponent * 10 + (s[p] - '0');
            ++p;
        }
        if (p == exp_begin) return syntax_error;
        if (exp_negative) exponent = -exponent;
    }
    if (p != s.size()) return syntax_error;

    const auto digit_at = [&](std::size_t i) -> int {  // i-th significant digit, integer part first
        const std::size_t n_int = int_end - int_begin;
        return (i < n_int ? s[int_begin + i] : s[frac_begin + (i - n_int)]) - '0';
    };
    const std::size_t n = (int_end - int_begin) + (frac_end - frac_begin);
    const std::int64_t shift = exponent - static_cast<std::int64_t>(frac_end - frac_begin) + 4;

    std::int64_t q = 0;
    if (shift >= 0) {
        for (std::size_t i = 0; i < n; ++i)
            if (!push_digit(q, digit_at(i))) return overflow_error;
        for (std::int64_t i = 0; i < shift && q != 0; ++i)
            if (!push_digit(q, 0)) return overflow_error;
    } else {
        // keep = number of leading digits that land at or above the units position.
        const std::int64_t keep = static_cast<std::int64_t>(n) + shift;
        for (std::int64_t i = 0; i < keep; ++i)
            if (!push_digit(q, digit_at(static_cast<std::size_t>(i)))) return overflow_error;
        int round_digit = 0;
        bool sticky = false;
        for (std::int64_t i = keep < 0 ? 0 : keep; i < static_cast<std::int64_t>(n); ++i) {
            const int d = digit_at(static_cast<std::size_t>(i));
            if (i == keep) round_digit = d;  // keep < 0: the rounding digit is an implicit leading 0
            else if (d != 0) sticky = true;
        }
        if (round_digit > 5 || (round_digit == 5 && (sticky || (q & 1) != 0))) {
            if (q == max_units) return overflow_error;
            ++q;
        }
    }
    return money{negative ? -q : q};
}

result<money> checked_add(money a, money b) noexcept {
    std::int64_t r = 0;
    if (__builtin_add_overflow(a.units, b.units, &r)) return overflow_error;
    return money{r};
}

result<money> checked_sub(money a, money b) noexcept {
    std::int64_t r = 0;
    if (__builtin_sub_overflow(a.units, b.units, &r)) return overflow_error;
    return money{r};
}

bool add_into(money& a, money b) noexcept {
    std::int64_t r = 0;
    if (__builtin_add_overflow(a.units, b.units, &r)) return false;
    a.units = r;
    return true;
}

// Half-to-even on the magnitude: compare the remainder with the divisor's other part (r vs c − r) so
// that doubling the remainder can never overflow.
result<money> divide(money total, std::int64_t count) noexcept {
    if (count == 0) return zero_divisor;
    const bool negative = (total.units < 0) != (count < 0);
    const std::uint64_t num =
        total.units < 0 ? 0 - static_cast<std::uint64_t>(total.units) : static_cast<std::uint64_t>(total.units);
    const std::uint64_t den = count < 0 ? 0 - static_cast<std::uint64_t>(count) : static_cast<std::uint64_t>(count);
    std::uint64_t q = num / den;
    const std::uint64_t r = num % den;
    if (r > den - r || (r == den - r && (q & 1) != 0)) ++q;
    // q ≤ |total| ≤ 2^63; 2^63 itself fits only as INT64_MIN (total = INT64_MIN, count = 1).
    if (q > static_cast<std::uint64_t>(max_units)) {
        if (negative) return money{std::numeric_limits<std::int64_t>::min()};
        return overflow_error;
    }
    const auto signed_q = static_cast<std::int64_t>(q);
    return money{negative ? -signed_q : signed_q};
}

money average_or_zero(money total, std::int64_t count) noexcept {
    if (count == 0) return money{};
    auto r = divide(total, count);
    return r ? *r : money{};
}

void append_money(std::string& out, money m) {
    const bool negative = m.units < 0;
    std::uint64_t mag = negative ? 0 - static_cast<std::uint64_t>(m.units) : static_cast<std::uint64_t>(m.units);
    char buf[32];
    char* end = buf + sizeof buf;
    char* p = end;
    std::uint64_t frac = mag % money::scale;
    mag /= money::scale;
    if (frac != 0) {
        int width = 4;
        while (frac % 10 == 0) {  // shortest: drop trailing zeros
            frac /= 10;
            --width;
        }
        for (int i = 0; i < width; ++i) {
            *--p = static_cast<char>('0' + frac % 10);
            frac /= 10;
        }
        *--p = '.';
    }
    do {
        *--p = static_cast<char>('0' + mag % 10);
        mag /= 10;
    } while (mag != 0);
    if (negative) *--p = '-';
    out.append(p, static_cast<std::size_t>(end - p));
}

std::string to_string(money m) {
    std::string s;
    append_money(s, m);
    return s;
}

}  // namespace tallyhub::app
