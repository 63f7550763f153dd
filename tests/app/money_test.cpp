#include "app/money.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>

namespace tallyhub::app {
namespace {

constexpr std::int64_t max64 = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t min64 = std::numeric_limits<std::int64_t>::min();

std::int64_t units(std::string_view text) {
    auto r = parse_money(text);
    EXPECT_TRUE(r.ok()) << text << ": " << (r.ok() ? "" : r.err().reason);
    return r.ok() ? r->units : -424242;
}

money_errc failure(std::string_view text) {
    auto r = parse_money(text);
    EXPECT_FALSE(r.ok()) << text << " parsed as " << (r.ok() ? r->units : 0);
    return r.ok() ? money_errc{} : static_cast<money_errc>(r.err().code);
}

TEST(money_parse, plain_decimals) {
    EXPECT_EQ(units("12.5"), 125000);
    EXPECT_EQ(units("0"), 0);
    EXPECT_EQ(units("-0"), 0);
    EXPECT_EQ(units("45678.90"), 456789000);
    EXPECT_EQ(units("37.02"), 370200);
    EXPECT_EQ(units("0.0001"), 1);
    EXPECT_EQ(units("-12.5"), -125000);
    EXPECT_EQ(units("1234567"), 12345670000);
}

TEST(money_parse, exponent_forms) {
    EXPECT_EQ(units("1e3"), 10000000);
    EXPECT_EQ(units("1E+3"), 10000000);
    EXPECT_EQ(units("1.5e-3"), 15);
    EXPECT_EQ(units("25e-1"), 25000);
    EXPECT_EQ(units("1.23456789e2"), 1234568);
    EXPECT_EQ(units("0e999999999"), 0);
    EXPECT_EQ(units("1e-999999999"), 0);
    EXPECT_EQ(units("1e14"), 1'000'000'000'000'000'000);
}

TEST(money_parse, rounds_half_to_even) {
    EXPECT_EQ(units("0.00005"), 0);   // 0.5 unit → even 0
    EXPECT_EQ(units("0.00015"), 2);   // 1.5 → 2
    EXPECT_EQ(units("0.00025"), 2);   // 2.5 → 2
    EXPECT_EQ(units("0.00035"), 4);   // 3.5 → 4
    EXPECT_EQ(units("0.000251"), 3);  // above half
    EXPECT_EQ(units("0.000249"), 2);  // below half
    EXPECT_EQ(units("-0.00015"), -2);
    EXPECT_EQ(units("-0.00025"), -2);
    EXPECT_EQ(units("1.99995"), 20000);
    EXPECT_EQ(units("0.00004999999999999999999999"), 0);
    EXPECT_EQ(units("0.0000500000000000000000001"), 1);  // a far sticky digit breaks the tie
    EXPECT_EQ(units("0.000000000000000000000000000009"), 0);
    EXPECT_EQ(units("5e-5"), 0);
    EXPECT_EQ(units("15e-5"), 2);
}

TEST(money_parse, range_limits) {
    EXPECT_EQ(units("922337203685477.5807"), max64);
    EXPECT_EQ(units("-922337203685477.5807"), -max64);
    EXPECT_EQ(units("922337203685477.58074"), max64);  // rounds down into range
    EXPECT_EQ(failure("922337203685477.5808"), money_errc::overflow);
    EXPECT_EQ(failure("922337203685477.58075"), money_errc::overflow);  // tie, odd: rounds up out of range
    EXPECT_EQ(failure("-922337203685477.5808"), money_errc::overflow);  // magnitudes are symmetric
    EXPECT_EQ(failure("1e15"), money_errc::overflow);
    EXPECT_EQ(failure("1e999999999"), money_errc::overflow);
    EXPECT_EQ(failure("123456789012345678901234567890"), money_errc::overflow);
}

TEST(money_parse, rejects_what_json_rejects) {
    for (std::string_view bad : {"", "-", "+1", ".5", "5.", "1e", "1e+", "00.5", "01", " 1", "1 ", "0x10", "NaN",
                                 "Infinity", "1.2.3", "1,5", "--1", "1e1.5", "abc"})
        EXPECT_EQ(failure(bad), money_errc::syntax) << bad;
}

TEST(money_format, shortest_exact_text) {
    EXPECT_EQ(to_string(money{456789000}), "45678.9");
    EXPECT_EQ(to_string(money{370200}), "37.02");
    EXPECT_EQ(to_string(money{0}), "0");
    EXPECT_EQ(to_string(money{1}), "0.0001");
    EXPECT_EQ(to_string(money{-1}), "-0.0001");
    EXPECT_EQ(to_string(money{10000}), "1");
    EXPECT_EQ(to_string(money{-125000}), "-12.5");
    EXPECT_EQ(to_string(money{max64}), "922337203685477.5807");
    EXPECT_EQ(to_string(money{min64}), "-922337203685477.5808");
}

TEST(money_format, round_trips_random_values) {
    std::mt19937_64 rng(11);
    for (int i = 0; i < 20000; ++i) {
        const std::int64_t u = static_cast<std::int64_t>(rng() >> (rng() % 63));
        const money m{i % 2 ? u : -u};
        EXPECT_EQ(units(to_string(m)), m.units);
    }
}

TEST(money_arith, checked_add_and_sub) {
    EXPECT_EQ(checked_add(money{5}, money{7})->units, 12);
    EXPECT_EQ(checked_sub(money{5}, money{7})->units, -2);
    EXPECT_FALSE(checked_add(money{max64}, money{1}).ok());
    EXPECT_FALSE(checked_sub(money{min64}, money{1}).ok());
    money a{max64 - 1};
    EXPECT_TRUE(add_into(a, money{1}));
    EXPECT_FALSE(add_into(a, money{1}));
    EXPECT_EQ(a.units, max64);  // unchanged by the failed add
}

TEST(money_arith, divide_rounds_half_to_even) {
    EXPECT_EQ(divide(money{456789000}, 1234)->units, 370169);  // 45678.9 / 1234 = 37.01693…
    EXPECT_EQ(divide(money{5}, 2)->units, 2);
    EXPECT_EQ(divide(money{7}, 2)->units, 4);
    EXPECT_EQ(divide(money{-5}, 2)->units, -2);
    EXPECT_EQ(divide(money{-7}, 2)->units, -4);
    EXPECT_EQ(divide(money{1}, 3)->units, 0);
    EXPECT_EQ(divide(money{2}, 3)->units, 1);
    EXPECT_EQ(divide(money{max64}, max64)->units, 1);
    EXPECT_EQ(divide(money{max64 / 2}, max64)->units, 0);     // just under half
    EXPECT_EQ(divide(money{max64 / 2 + 1}, max64)->units, 1);  // just over half
    EXPECT_EQ(divide(money{min64}, 1)->units, min64);
    EXPECT_FALSE(divide(money{min64}, -1).ok());
    EXPECT_EQ(static_cast<money_errc>(divide(money{1}, 0).err().code), money_errc::divide_by_zero);
    EXPECT_EQ(average_or_zero(money{123}, 0).units, 0);
}

}  // namespace
}  // namespace tallyhub::app
