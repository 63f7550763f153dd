// The text forms of pg_schema's values: money as numeric, days as dates, dedup keys as a packed bytea.

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <limits>

#include "core/utc_time.hpp"
#include "store/pg_schema.hpp"

namespace tallyhub::store::pg_schema {

namespace {

constexpr error money_syntax{EINVAL, "money text is not [-]digits[.digits] with at most 4 fractional digits"};
constexpr error money_range{ERANGE, "money value does not fit in int64 units of 1/10000"};
constexpr error keys_malformed{EBADMSG, "dedup keys bytea is malformed"};
constexpr error hex_malformed{EBADMSG, "bytea text is not in hex form (\\x…)"};
constexpr error day_malformed{EINVAL, "date text is not YYYY-MM-DD"};

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

std::string format_money(std::int64_t units) {
    // Work on the magnitude as unsigned: INT64_MIN has no positive counterpart.
    bool negative = units < 0;
    std::uint64_t mag = negative ? ~std::uint64_t(units) + 1 : std::uint64_t(units);
    std::string whole = std::to_string(mag / 10000);
    std::string frac = std::to_string(mag % 10000);
    return (negative ? "-" : "") + whole + "." + std::string(4 - frac.size(), '0') + frac;
}

result<std::int64_t> parse_money(std::string_view text) {
    bool negative = false;
    if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
        negative = text[0] == '-';
        text.remove_prefix(1);
    }
    std::string_view whole = text, frac;
    if (auto dot = text.find('.'); dot != std::string_view::npos) {
        whole = text.substr(0, dot);
        frac = text.substr(dot + 1);
        if (frac.empty() && whole.empty()) return money_syntax;
    }
    if ((whole.empty() && frac.empty()) || frac.size() > 4) return money_syntax;
    for (char c : whole)
        if (c < '0' || c > '9') return money_syntax;
    for (char c : frac)
        if (c < '0' || c > '9') return money_syntax;
    // Accumulate the magnitude as unsigned with overflow checks; INT64_MIN's magnitude is allowed.
    const std::uint64_t limit = negative ? std::uint64_t(std::numeric_limits<std::int64_t>::max()) + 1
                                         : std::uint64_t(std::numeric_limits<std::int64_t>::max());
    std::uint64_t mag = 0;
    auto push = [&](unsigned d) {
        if (mag > (limit - d) / 10) return false;
        mag = mag * 10 + d;
        return true;
    };
    for (char c : whole)
        if (!push(unsigned(c - '0'))) return money_range;
    for (std::size_t i = 0; i < 4; ++i)
        if (!push(i < frac.size() ? unsigned(frac[i] - '0') : 0u)) return money_range;
    return negative ? std::int64_t(~mag + 1) : std::int64_t(mag);
}

std::string encode_keys(std::span<const std::string_view> keys) {
    std::size_t size = 0;
    for (auto k : keys) size += k.size() + 5;
    std::string out;
    out.reserve(size);
    for (auto k : keys) {
        std::uint64_t n = k.size();
        do {
            unsigned char b = n & 0x7f;
            n >>= 7;
            out += char(n ? b | 0x80 : b);
        } while (n);
        out.append(k);
    }
    return out;
}

result<std::vector<std::string>> decode_keys(std::string_view packed) {
    std::vector<std::string> keys;
    std::size_t i = 0;
    while (i < packed.size()) {
        std::uint64_t n = 0;
        int shift = 0;
        for (;;) {
            if (i >= packed.size() || shift > 28) return keys_malformed;
            auto b = static_cast<unsigned char>(packed[i++]);
            n |= std::uint64_t(b & 0x7f) << shift;
            shift += 7;
            if (!(b & 0x80)) break;
        }
        if (n > packed.size() - i) return keys_malformed;
        keys.emplace_back(packed.substr(i, n));
        i += n;
    }
    return keys;
}

std::string to_bytea_hex(std::string_view bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(2 + bytes.size() * 2);
    out += "\\x";
    for (char c : bytes) {
        auto b = static_cast<unsigned char>(c);
        out += digits[b >> 4];
        out += digits[b & 15];
    }
    return out;
}

result<std::string> from_bytea_hex(std::string_view text) {
    if (!text.starts_with("\\x") || text.size() % 2 != 0) return hex_malformed;
    std::string out;
    out.reserve(text.size() / 2 - 1);
    for (std::size_t i = 2; i < text.size(); i += 2) {
        int hi = hex_digit(text[i]), lo = hex_digit(text[i + 1]);
        if (hi < 0 || lo < 0) return hex_malformed;
        out += char(hi << 4 | lo);
    }
    return out;
}

std::string format_day(std::int64_t day) {
    std::string out;
    append_iso8601_date(out, day);
    return out;
}

result<std::int64_t> parse_day(std::string_view text) {
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') return day_malformed;
    unsigned y = 0, m = 0, d = 0;
    auto num = [&](std::size_t at, std::size_t len, unsigned& v) {
        auto r = std::from_chars(text.data() + at, text.data() + at + len, v);
        return r.ec == std::errc{} && r.ptr == text.data() + at + len;
    };
    if (!num(0, 4, y) || !num(5, 2, m) || !num(8, 2, d) || m < 1 || m > 12 || d < 1 || d > 31) return day_malformed;
    std::int64_t day = days_from_civil(y, m, d);
    civil_date back = civil_from_days(day);
    if (back.month != m || back.day != d) return day_malformed;  // 2023-02-30
    return day;
}

}  // namespace tallyhub::store::pg_schema
