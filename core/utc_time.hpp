#pragma once
// UTC calendar arithmetic and ISO 8601 text for unix-millisecond times. No time zone database, no
// locale, no allocation beyond the caller's string: what the event decoder and the JSON writers need.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace tallyhub {

inline constexpr std::int64_t ms_per_second = 1000;
inline constexpr std::int64_t ms_per_day = 86'400'000;

/// floor(a / b) for b > 0 (C++ division truncates toward zero).
constexpr std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
    const std::int64_t q = a / b;
    return (a % b != 0 && a < 0) ? q - 1 : q;
}

/// The unix second holding millisecond time `ms`.
constexpr std::int64_t unix_second(std::int64_t ms) noexcept { return floor_div(ms, ms_per_second); }

/// The UTC day (days since 1970-01-01) holding millisecond time `ms`.
constexpr std::int64_t unix_day(std::int64_t ms) noexcept { return floor_div(ms, ms_per_day); }

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

/// A calendar date.
struct civil_date {
    std::int64_t year;
    unsigned month;  ///< 1..12
    unsigned day;    ///< 1..31
};

/// The date of day `z` (days since 1970-01-01), inverse of days_from_civil.
constexpr civil_date civil_from_days(std::int64_t z) noexcept {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return {static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2), m, d};
}

/// Why a timestamp was refused.
enum class time_errc { syntax = 1, out_of_range };

/// Parses an ISO 8601 date-time into unix milliseconds: `YYYY-MM-DDTHH:MM[:SS[.fff…]]` followed by
/// `Z`, `±HH:MM`, `±HHMM` or nothing (taken as UTC). `T` may be `t` or a space. Digits past the
/// millisecond are truncated. Years 0001–9999; fields checked against the calendar.
result<std::int64_t> parse_iso8601_ms(std::string_view text);

/// Appends `ms` as `YYYY-MM-DDTHH:MM:SS.mmmZ` (always three fraction digits, as the hub payloads use).
void append_iso8601_ms(std::string& out, std::int64_t ms);

/// Appends day `day` (days since 1970-01-01) as `YYYY-MM-DD`.
void append_iso8601_date(std::string& out, std::int64_t day);

}  // namespace tallyhub
