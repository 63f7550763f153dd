#pragma once
// money: exact fixed-point amounts, 4 fractional digits in a signed 64-bit integer (1.0 = 10000 units),
// as DESIGN §5.1 requires. Never a double on the way in or through the sums: text is parsed digit by
// digit, extra digits are rounded half-to-even (banker's rounding, what .NET decimal does), and every
// operation that could leave the int64 range reports overflow instead of wrapping.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace tallyhub::app {

/// Why a money operation failed.
enum class money_errc { syntax = 1, overflow, divide_by_zero };

/// An exact amount: `units` ten-thousandths of the currency unit.
struct money {
    static constexpr std::int64_t scale = 10'000;  ///< units per 1.0

    std::int64_t units = 0;  ///< the amount × 10^4

    /// The amount of `whole` currency units plus `ten_thousandths`.
    static constexpr money of(std::int64_t whole, std::int64_t ten_thousandths = 0) noexcept {
        return money{whole * scale + ten_thousandths};
    }

    friend constexpr bool operator==(money a, money b) noexcept { return a.units == b.units; }
    friend constexpr auto operator<=>(money a, money b) noexcept { return a.units <=> b.units; }
};

/// Parses JSON number text (`-?int[.frac][e±exp]`, as a JSON number or the content of a numeric
/// string) into money, rounding digits past the fourth fractional one half-to-even. Anything outside
/// the JSON number grammar (leading `+`, `.5`, `1.`, spaces, hex, `NaN`) is a syntax error; a value
/// whose magnitude does not fit in int64 units is an overflow error. Negative values are returned as
/// such (rejecting them is the event layer's policy).
result<money> parse_money(std::string_view text) noexcept;

/// a + b, or overflow.
result<money> checked_add(money a, money b) noexcept;

/// a − b, or overflow.
result<money> checked_sub(money a, money b) noexcept;

/// a + b into `a`; false (and `a` unchanged) on overflow. For hot paths that want no result<>.
bool add_into(money& a, money b) noexcept;

/// total / count rounded half-to-even to 4 fractional digits (an average order value); a zero
/// count yields divide_by_zero.
result<money> divide(money total, std::int64_t count) noexcept;

/// total / count, or 0 when count is 0 (what the dashboards show before the first order).
money average_or_zero(money total, std::int64_t count) noexcept;

/// Appends the shortest exact decimal text: 45678.9, 37.02, 0, -0.0001. Valid JSON number text.
void append_money(std::string& out, money m);

/// The shortest exact decimal text as a string.
std::string to_string(money m);

/// An approximation for display only; never feed it back into sums.
constexpr double to_double(money m) noexcept { return static_cast<double>(m.units) / money::scale; }

}  // namespace tallyhub::app
