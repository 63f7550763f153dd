#include "core/utc_time.hpp"

#include <gtest/gtest.h>

#include <random>

namespace tallyhub {
namespace {

std::int64_t ms(std::string_view text) {
    auto r = parse_iso8601_ms(text);
    EXPECT_TRUE(r.ok()) << text;
    return r.ok() ? *r : -1;
}

std::string iso(std::int64_t t) {
    std::string s;
    append_iso8601_ms(s, t);
    return s;
}

TEST(utc_time, parses_the_usual_forms) {
    EXPECT_EQ(ms("1970-01-01T00:00:00Z"), 0);
    EXPECT_EQ(ms("2026-12-03T12:00:00.123Z"), 1796299200123);
    EXPECT_EQ(ms("2026-12-03T12:00:00.1234567Z"), 1796299200123);  // .NET's 7 digits, truncated
    EXPECT_EQ(ms("2026-12-03T12:00:00.5Z"), 1796299200500);
    EXPECT_EQ(ms("2026-12-03T12:00:00"), 1796299200000);  // no zone: UTC
    EXPECT_EQ(ms("2026-12-03t12:00:00z"), 1796299200000);
    EXPECT_EQ(ms("2026-12-03 12:00:00Z"), 1796299200000);
    EXPECT_EQ(ms("2026-12-03T12:00Z"), 1796299200000);
    EXPECT_EQ(ms("2026-12-03T14:30:00+02:30"), 1796299200000);
    EXPECT_EQ(ms("2026-12-03T07:00:00-0500"), 1796299200000);
    EXPECT_EQ(ms("2024-02-29T00:00:00Z"), 1709164800000);
}

TEST(utc_time, rejects_malformed_and_impossible_dates) {
    for (std::string_view bad : {"", "2026-12-03", "2026-12-03T", "2026-12-03T12", "2026-1-03T12:00:00Z",
                                 "2026-12-03T12:00:00.Z", "2026-12-03T12:00:00Q", "2026-12-03T12:00:00Z ",
                                 "2026-12-03T12:00:00+2", "yesterday"})
        EXPECT_EQ(static_cast<time_errc>(parse_iso8601_ms(bad).err().code), time_errc::syntax) << bad;
    for (std::string_view bad : {"2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z", "2025-02-29T00:00:00Z",
                                 "2026-04-31T00:00:00Z", "2026-12-03T24:00:00Z", "2026-12-03T12:60:00Z",
                                 "2026-12-03T12:00:60Z", "0000-01-01T00:00:00Z", "2026-12-03T12:00:00+24:00"})
        EXPECT_EQ(static_cast<time_errc>(parse_iso8601_ms(bad).err().code), time_errc::out_of_range) << bad;
}

TEST(utc_time, formats_with_milliseconds_and_z) {
    EXPECT_EQ(iso(1796299200123), "2026-12-03T12:00:00.123Z");
    EXPECT_EQ(iso(0), "1970-01-01T00:00:00.000Z");
    EXPECT_EQ(iso(-1), "1969-12-31T23:59:59.999Z");
    std::string d;
    append_iso8601_date(d, unix_day(1796299200123));
    EXPECT_EQ(d, "2026-12-03");
}

TEST(utc_time, format_and_parse_round_trip) {
    std::mt19937_64 rng(3);
    std::uniform_int_distribution<std::int64_t> t(-62135596800000, 253402300799999);  // 0001..9999
    for (int i = 0; i < 20000; ++i) {
        const std::int64_t v = t(rng);
        EXPECT_EQ(ms(iso(v)), v);
    }
}

TEST(utc_time, day_and_second_floor_before_the_epoch) {
    EXPECT_EQ(unix_second(-1), -1);
    EXPECT_EQ(unix_second(999), 0);
    EXPECT_EQ(unix_day(ms_per_day - 1), 0);
    EXPECT_EQ(unix_day(ms_per_day), 1);
    EXPECT_EQ(unix_day(-1), -1);
}

}  // namespace
}  // namespace tallyhub
