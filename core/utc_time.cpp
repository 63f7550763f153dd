#include "core/utc_time.hpp"

namespace tallyhub {

namespace {

constexpr error bad_syntax{static_cast<int>(time_errc::syntax), "timestamp is not ISO 8601"};
constexpr error bad_range{static_cast<int>(time_errc::out_of_range), "timestamp field out of range"};

constexpr bool is_leap(std::int64_t y) noexcept { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

constexpr unsigned days_in_month(std::int64_t y, unsigned m) noexcept {
    constexpr unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

// Reads exactly `n` digits at `pos` into `out`; false if any is missing.
bool digits(std::string_view s, std::size_t& pos, int n, int& out) {
    if (pos + static_cast<std::size_t>(n) > s.size()) return false;
    int v = 0;
    for (int i = 0; i < n; ++i) {
        const char c = s[pos + static_cast<std::size_t>(i)];
        if (c < '0' || c > '9') return false;
        v = v * 10 + (c - '0');
    }
    pos += static_cast<std::size_t>(n);
    out = v;
    return true;
}

bool expect(std::string_view s, std::size_t& pos, char c) {
    if (pos >= s.size() || s[pos] != c) return false;
    ++pos;
    return true;
}

void append_digits(std::string& out, std::int64_t v, int width) {
    char buf[20];
    for (int i = width - 1; i >= 0; --i) {
        buf[i] = static_cast<char>('0' + v % 10);
        v /= 10;
    }
    out.append(buf, static_cast<std::size_t>(width));
}

}  // namespace

result<std::int64_t> parse_iso8601_ms(std::string_view s) {
    std::size_t p = 0;
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    if (!digits(s, p, 4, year) || !expect(s, p, '-') || !digits(s, p, 2, month) || !expect(s, p, '-') ||
        !digits(s, p, 2, day))
        return bad_syntax;
    if (p >= s.size() || (s[p] != 'T' && s[p] != 't' && s[p] != ' ')) return bad_syntax;
    ++p;
    if (!digits(s, p, 2, hour) || !expect(s, p, ':') || !digits(s, p, 2, minute)) return bad_syntax;
    std::int64_t millis = 0;
    if (p < s.size() && s[p] == ':') {
        ++p;
        if (!digits(s, p, 2, second)) return bad_syntax;
        if (p < s.size() && (s[p] == '.' || s[p] == ',')) {
            ++p;
            const std::size_t first = p;
            int scale = 100;
            while (p < s.size() && s[p] >= '0' && s[p] <= '9') {
                millis += (s[p] - '0') * scale;
                scale /= 10;
                ++p;
            }
            if (p == first) return bad_syntax;
        }
    }
    std::int64_t offset_min = 0;
    if (p < s.size()) {
        const char z = s[p];
        if (z == 'Z' || z == 'z') {
            ++p;
        } else if (z == '+' || z == '-') {
            ++p;
            int oh = 0, om = 0;
            if (!digits(s, p, 2, oh)) return bad_syntax;
            if (p < s.size() && s[p] == ':') ++p;
            if (!digits(s, p, 2, om)) return bad_syntax;
            if (oh > 23 || om > 59) return bad_range;
            offset_min = (z == '+' ? 1 : -1) * (oh * 60 + om);
        } else {
            return bad_syntax;
        }
    }
    if (p != s.size()) return bad_syntax;
    if (year < 1 || month < 1 || month > 12 || day < 1 ||
        static_cast<unsigned>(day) > days_in_month(year, static_cast<unsigned>(month)) || hour > 23 ||
        minute > 59 || second > 59)
        return bad_range;
    const std::int64_t days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
    const std::int64_t local_s = days * 86400 + hour * 3600 + minute * 60 + second;
    return (local_s - offset_min * 60) * ms_per_second + millis;
}

void append_iso8601_date(std::string& out, std::int64_t day) {
    const civil_date c = civil_from_days(day);
    // Years outside 0000–9999 cannot be written in this form; clamp rather than emit garbage.
    const std::int64_t y = c.year < 0 ? 0 : (c.year > 9999 ? 9999 : c.year);
    append_digits(out, y, 4);
    out.push_back('-');
    append_digits(out, c.month, 2);
    out.push_back('-');
    append_digits(out, c.day, 2);
}

void append_iso8601_ms(std::string& out, std::int64_t ms) {
    const std::int64_t day = unix_day(ms);
    const std::int64_t in_day = ms - day * ms_per_day;
    append_iso8601_date(out, day);
    out.push_back('T');
    append_digits(out, in_day / 3'600'000, 2);
    out.push_back(':');
    append_digits(out, in_day / 60'000 % 60, 2);
    out.push_back(':');
    append_digits(out, in_day / 1000 % 60, 2);
    out.push_back('.');
    append_digits(out, in_day % 1000, 3);
    out.push_back('Z');
}

}  // namespace tallyhub
