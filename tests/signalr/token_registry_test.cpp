// Pending connection tokens: a token yields its connection id once, within its ttl (15 s, .NET's
// DisconnectTimeout), the store is bounded, and token_owner() routes a token to the same core from any
// core. A fake clock stands in for steady_clock.

#include "signalr/token_registry.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>

#include "signalr/negotiate.hpp"

namespace tallyhub::signalr {
namespace {

using namespace std::chrono_literals;
using time_point = token_registry::time_point;

const time_point t0 = time_point{} + 1000h;

TEST(TokenRegistry, TakeReturnsTheConnectionIdOnce) {
    token_registry reg;
    ASSERT_TRUE(reg.add("tok", "conn", t0).ok());
    EXPECT_EQ(reg.size(), 1u);
    EXPECT_EQ(reg.take("tok", t0 + 1s), "conn");
    EXPECT_EQ(reg.size(), 0u);
    // A second connect with the same token (replay, or a second tab) finds nothing: 404 for the lead.
    EXPECT_EQ(reg.take("tok", t0 + 1s), std::nullopt);
}

TEST(TokenRegistry, UnknownTokensAndTheConnectionIdAreNotAccepted) {
    token_registry reg;
    ASSERT_TRUE(reg.add("secret-token", "public-id", t0).ok());
    EXPECT_EQ(reg.take("public-id", t0), std::nullopt);  // only the token is accepted in id=
    EXPECT_EQ(reg.take("", t0), std::nullopt);
    EXPECT_EQ(reg.take("secret-toke", t0), std::nullopt);
    EXPECT_EQ(reg.take(std::string_view("secret-token\0", 13), t0), std::nullopt);
    EXPECT_EQ(reg.take("secret-token", t0), "public-id");
}

TEST(TokenRegistry, ExpiresExactlyAtTtl) {
    token_registry reg(15s);
    ASSERT_TRUE(reg.add("a", "A", t0).ok());
    ASSERT_TRUE(reg.add("b", "B", t0).ok());
    EXPECT_EQ(reg.take("a", t0 + 15s - 1ns), "A");
    EXPECT_EQ(reg.take("b", t0 + 15s), std::nullopt);
}

TEST(TokenRegistry, SweepDropsOnlyExpiredTokensAndCountsThem) {
    token_registry reg(15s);
    for (const char* t : {"a", "b", "c"}) ASSERT_TRUE(reg.add(t, "x", t0).ok());
    ASSERT_TRUE(reg.add("d", "x", t0 + 5s).ok());
    ASSERT_TRUE(reg.add("e", "x", t0 + 5s).ok());
    EXPECT_EQ(reg.take("b", t0 + 1s), "x");  // used: its deadline must not count
    EXPECT_EQ(reg.sweep(t0 + 15s - 1ns), 0u);
    EXPECT_EQ(reg.size(), 4u);
    EXPECT_EQ(reg.sweep(t0 + 15s), 2u);
    EXPECT_EQ(reg.size(), 2u);
    EXPECT_EQ(reg.sweep(t0 + 15s), 0u);
    EXPECT_EQ(reg.sweep(t0 + 20s), 2u);
    EXPECT_EQ(reg.size(), 0u);
    EXPECT_EQ(reg.sweep(t0 + 60s), 0u);
}

TEST(TokenRegistry, RefusesNewTokensWhenFull) {
    token_registry reg(15s, 2);
    ASSERT_TRUE(reg.add("a", "A", t0).ok());
    ASSERT_TRUE(reg.add("b", "B", t0).ok());
    auto r = reg.add("c", "C", t0 + 1s);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.err().reason, "too many pending negotiations");
    EXPECT_EQ(r.err().code, static_cast<int>(token_registry::errc::full));
    EXPECT_EQ(reg.take("c", t0 + 1s), std::nullopt);
    // A used token frees its place at once; expired ones are swept by add() itself.
    EXPECT_EQ(reg.take("a", t0 + 1s), "A");
    ASSERT_TRUE(reg.add("c", "C", t0 + 2s).ok());
    EXPECT_FALSE(reg.add("d", "D", t0 + 3s).ok());
    ASSERT_TRUE(reg.add("d", "D", t0 + 15s).ok());  // "b" expired at t0 + 15s
    EXPECT_EQ(reg.size(), 2u);
    EXPECT_EQ(reg.take("d", t0 + 16s), "D");
}

TEST(TokenRegistry, RefusesADuplicatePendingToken) {
    token_registry reg;
    ASSERT_TRUE(reg.add("a", "first", t0).ok());
    auto r = reg.add("a", "second", t0 + 1s);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.err().code, static_cast<int>(token_registry::errc::duplicate));
    EXPECT_EQ(reg.take("a", t0 + 2s), "first");
}

TEST(TokenRegistry, AStaleDeadlineDoesNotEvictALaterTokenOfTheSameName) {
    token_registry reg(15s);
    ASSERT_TRUE(reg.add("a", "old", t0).ok());
    EXPECT_EQ(reg.take("a", t0 + 1s), "old");
    ASSERT_TRUE(reg.add("a", "new", t0 + 10s).ok());
    EXPECT_EQ(reg.sweep(t0 + 15s), 0u);  // the first deadline belongs to the token already taken
    EXPECT_EQ(reg.take("a", t0 + 16s), "new");
}

TEST(TokenRegistry, ManyNegotiateConnectPairsKeepOlderTokensAlive) {
    // Negotiate-then-connect bursts leave dead deadlines behind; compaction must keep the live ones.
    token_registry reg(15s);
    ASSERT_TRUE(reg.add("waiting", "W", t0).ok());
    for (int i = 0; i < 20000; ++i) {
        std::string token = std::to_string(i);  // (not "t" + ...: g++ 12 -O3 warns falsely, -Wrestrict)
        ASSERT_TRUE(reg.add(token, "x", t0 + 1ms * (i / 10)).ok());
        ASSERT_EQ(reg.take(token, t0 + 1ms * (i / 10)), "x");
    }
    ASSERT_TRUE(reg.add("late", "L", t0 + 3s).ok());
    EXPECT_EQ(reg.size(), 2u);
    EXPECT_EQ(reg.sweep(t0 + 15s), 1u);
    EXPECT_EQ(reg.take("waiting", t0 + 15s), std::nullopt);
    EXPECT_EQ(reg.take("late", t0 + 15s), "L");
}

TEST(TokenOwner, InRangeAndStable) {
    const std::string token = new_connection_id();
    for (std::size_t cores : {1u, 2u, 3u, 4u, 7u, 64u}) {
        auto owner = token_owner(token, cores);
        EXPECT_LT(owner, cores);
        EXPECT_EQ(token_owner(token, cores), owner);
        EXPECT_EQ(token_owner(std::string(token), cores), owner);  // depends on the bytes only
    }
    EXPECT_EQ(token_owner(token, 1), 0u);
    EXPECT_EQ(token_owner(token, 0), 0u);
}

TEST(TokenOwner, IsTheDocumentedFunction) {
    // Pinned values from an independent model of the documented formula (FNV-1a 64, fmix64, high half
    // of hash * cores): the same in every process and build, so any core can name a token's owner.
    EXPECT_EQ(token_owner("", 4), 3u);
    EXPECT_EQ(token_owner("", 1024), 959u);
    EXPECT_EQ(token_owner("AAAAAAAAAAAAAAAAAAAAAA", 2), 1u);
    EXPECT_EQ(token_owner("AAAAAAAAAAAAAAAAAAAAAA", 1024), 891u);
    EXPECT_EQ(token_owner("05265228-1e2c-46c5-82a1-6a5bcc3f0143", 4), 0u);
    EXPECT_EQ(token_owner("05265228-1e2c-46c5-82a1-6a5bcc3f0143", 1024), 102u);
    EXPECT_EQ(token_owner("tallyhub", 3), 1u);
    EXPECT_EQ(token_owner("tallyhub", 1024), 460u);
}

TEST(TokenOwner, AcceptsAnyBytes) {
    std::string garbage(1 << 20, '\xff');
    garbage[7] = '\0';
    EXPECT_LT(token_owner(garbage, 4), 4u);
    EXPECT_LT(token_owner(std::string_view("\0\0\0", 3), 3), 3u);
    EXPECT_LT(token_owner("id with spaces & %zz", 5), 5u);
}

// 4000 ids over 4 cores: 1000 expected per core, sd ≈ 27; ±150 is over 5 sd.
TEST(TokenOwner, SpreadsRandomTokensUniformly) {
    std::array<int, 4> count{};
    for (int i = 0; i < 4000; ++i) ++count[token_owner(new_connection_id(), 4)];
    for (int c : count) EXPECT_NEAR(c, 1000, 150);
}

TEST(TokenOwner, SpreadsSimilarTokensToo) {
    // Tokens differing in one trailing character (not what we issue, but what a client could try)
    // still spread, over a core count that is not a power of two.
    std::array<int, 3> count{};
    for (int i = 0; i < 3000; ++i) ++count[token_owner("token-" + std::to_string(i), 3)];
    for (int c : count) EXPECT_NEAR(c, 1000, 150);
}

}  // namespace
}  // namespace tallyhub::signalr
