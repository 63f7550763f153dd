// pg_schema's value forms and batches, and --postgres connection-string checks, without a server.

#include <gtest/gtest.h>

#include <cstdlib>
#include <limits>

#include "store/pg_conninfo.hpp"
#include "store/pg_schema.hpp"

namespace tallyhub::store {
namespace {

using namespace pg_schema;

TEST(pg_money, formats_four_fraction_digits) {
    EXPECT_EQ(format_money(0), "0.0000");
    EXPECT_EQ(format_money(123456), "12.3456");
    EXPECT_EQ(format_money(5), "0.0005");
    EXPECT_EQ(format_money(-5), "-0.0005");
    EXPECT_EQ(format_money(-120000), "-12.0000");
    EXPECT_EQ(format_money(std::numeric_limits<std::int64_t>::max()), "922337203685477.5807");
    EXPECT_EQ(format_money(std::numeric_limits<std::int64_t>::min()), "-922337203685477.5808");
}

TEST(pg_money, parses_back_exactly) {
    for (std::int64_t v : {std::int64_t(0), std::int64_t(1), std::int64_t(-1), std::int64_t(99999), std::int64_t(10000),
                           std::numeric_limits<std::int64_t>::max(), std::numeric_limits<std::int64_t>::min()}) {
        auto back = parse_money(format_money(v));
        ASSERT_TRUE(back.ok()) << v;
        EXPECT_EQ(*back, v);
    }
    EXPECT_EQ(*parse_money("12.5"), 125000);
    EXPECT_EQ(*parse_money("12"), 120000);
    EXPECT_EQ(*parse_money(".5"), 5000);
    EXPECT_EQ(*parse_money("-0.0001"), -1);
}

TEST(pg_money, refuses_bad_text_and_overflow) {
    for (const char* bad : {"", "-", ".", "1.23456", "1,5", "abc", "1e5", "--1", "1.2.3", " 1"})
        EXPECT_EQ(parse_money(bad).err().code, EINVAL) << bad;
    EXPECT_EQ(parse_money("922337203685477.5808").err().code, ERANGE);
    EXPECT_EQ(parse_money("9999999999999999.9999").err().code, ERANGE);
    EXPECT_TRUE(parse_money("-922337203685477.5808").ok());
}

TEST(pg_keys, pack_and_unpack_binary_and_long_keys) {
    std::string nul("a\0b", 3), long_key(300, 'k'), empty;
    std::vector<std::string_view> keys{"msg-1", nul, long_key, empty};
    std::string packed = encode_keys(keys);
    EXPECT_EQ(packed.size(), 1 + 5 + 1 + 3 + 2 + 300 + 1 + 0u);
    auto back = decode_keys(packed);
    ASSERT_TRUE(back.ok());
    ASSERT_EQ(back->size(), 4u);
    EXPECT_EQ((*back)[0], "msg-1");
    EXPECT_EQ((*back)[1], nul);
    EXPECT_EQ((*back)[2], long_key);
    EXPECT_EQ((*back)[3], "");
    EXPECT_TRUE(decode_keys("").ok());
    EXPECT_FALSE(decode_keys("\x05" "abc").ok());      // shorter than its length
    EXPECT_FALSE(decode_keys("\x80\x80\x80\x80\x80\x80").ok());  // unterminated length
}

TEST(pg_keys, bytea_hex_both_ways) {
    EXPECT_EQ(to_bytea_hex(std::string("\x00\xff\x10", 3)), "\\x00ff10");
    EXPECT_EQ(*from_bytea_hex("\\x00FF10"), std::string("\x00\xff\x10", 3));
    EXPECT_EQ(*from_bytea_hex("\\x"), "");
    EXPECT_FALSE(from_bytea_hex("00ff").ok());
    EXPECT_FALSE(from_bytea_hex("\\x0").ok());
    EXPECT_FALSE(from_bytea_hex("\\xzz").ok());
}

TEST(pg_days, text_both_ways) {
    EXPECT_EQ(format_day(0), "1970-01-01");
    EXPECT_EQ(format_day(20000), "2024-10-04");
    EXPECT_EQ(*parse_day("2024-10-04"), 20000);
    EXPECT_EQ(*parse_day("1969-12-31"), -1);
    EXPECT_EQ(*parse_day("2024-02-29"), *parse_day("2024-03-01") - 1);
    for (const char* bad : {"2023-02-29", "2024-13-01", "2024-1-01", "20241001", "2024-10-0x", ""})
        EXPECT_FALSE(parse_day(bad).ok()) << bad;
}

TEST(pg_batches, a_tick_is_guard_totals_days_prune) {
    std::string key = "m-1";
    tick_delta t;
    t.tick = 7;
    t.at_ms = 1'700'000'000'000;
    t.orders = 3;
    t.revenue_units = 123456;
    t.payments = 2;
    t.days = {{19700, 2, 100000, 1}, {19701, 1, 23456, 1}};
    t.dedup_keys = {key};
    t.prune_before_ms = t.at_ms - 300'000;
    pg_batch b = tick_batch(t);
    EXPECT_EQ(b.begin, "BEGIN");
    ASSERT_EQ(b.statements.size(), 5u);
    EXPECT_TRUE(b.statements[0].sql.starts_with("INSERT INTO tallyhub_dedup"));
    EXPECT_EQ(b.statements[0].params[0], "7");
    EXPECT_EQ(b.statements[0].params[2], "1");
    EXPECT_EQ(b.statements[0].params[3], "\\x036d2d31");
    EXPECT_EQ(b.statements[1].params[1], "12.3456");
    EXPECT_EQ(b.statements[2].params[0], "2023-12-09");
    EXPECT_EQ(b.statements[3].params[2], "2.3456");
    EXPECT_TRUE(b.statements[4].sql.starts_with("DELETE FROM tallyhub_dedup"));
    t.prune_before_ms = 0;
    EXPECT_EQ(tick_batch(t).statements.size(), 4u);

    pg_failure dup{pg_errc::rolled_back, "23505", "duplicate key", "", 0};
    EXPECT_TRUE(is_duplicate_tick(dup));
    dup.statement = 2;
    EXPECT_FALSE(is_duplicate_tick(dup));
}

TEST(pg_conninfo_check, uri_and_keywords) {
    auto a = parse_pg_conninfo("postgresql://app:pw@127.0.0.1:5433/tallyhub");
    ASSERT_TRUE(a.ok()) << a.err().reason;
    EXPECT_EQ(*a->find("host"), "127.0.0.1");
    EXPECT_EQ(*a->find("port"), "5433");
    EXPECT_EQ(*a->find("dbname"), "tallyhub");
    EXPECT_EQ(a->display, "app@127.0.0.1:5433/tallyhub");
    EXPECT_EQ(a->display.find("pw"), std::string::npos);

    auto b = parse_pg_conninfo("host=localhost dbname=x");
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(*b->find("hostaddr"), "127.0.0.1");

    auto c = parse_pg_conninfo("host=/run/postgresql,::1 dbname=x");
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->find("hostaddr"), nullptr);
}

TEST(pg_conninfo_check, names_and_garbage_are_refused) {
    std::string why;
    auto a = parse_pg_conninfo("postgresql://db.internal/tallyhub", &why);
    ASSERT_FALSE(a.ok());
    EXPECT_NE(std::string(a.err().reason).find("no DNS"), std::string::npos);
    EXPECT_NE(why.find("db.internal"), std::string::npos);
    // With hostaddr the name is only used for authentication: allowed.
    EXPECT_TRUE(parse_pg_conninfo("host=db.internal hostaddr=10.0.0.5 dbname=x").ok());

    auto b = parse_pg_conninfo("host='unterminated", &why);
    ASSERT_FALSE(b.ok());
    EXPECT_FALSE(why.empty());
    EXPECT_FALSE(parse_pg_conninfo("postgresql://127.0.0.1/x?nosuchoption=1", &why).ok());
}

TEST(pg_conninfo_check, session_settings_ride_the_startup_packet) {
    auto a = parse_pg_conninfo("postgresql://127.0.0.1/x?options=-c%20work_mem%3D8MB");
    ASSERT_TRUE(a.ok());
    auto p = session_params(*a, std::chrono::milliseconds(2500), "tallyhub");
    std::string options, app, gss;
    for (auto& [k, v] : p) {
        if (k == "options") options = v;
        if (k == "fallback_application_name") app = v;
        if (k == "gssencmode") gss = v;
    }
    EXPECT_TRUE(options.starts_with("-c work_mem=8MB "));
    EXPECT_NE(options.find("statement_timeout=2500"), std::string::npos);
    EXPECT_NE(options.find("TimeZone=UTC"), std::string::npos);
    EXPECT_NE(options.find("bytea_output=hex"), std::string::npos);
    EXPECT_EQ(app, "tallyhub");
    EXPECT_EQ(gss, "disable");
}

}  // namespace
}  // namespace tallyhub::store
