// SignalR negotiate: the query as the JS client sends it (and as .NET reads it: case-insensitive keys,
// int.TryParse, bool.TryParse), the response JSON byte for byte as ASP.NET Core writes it, and the
// connection ids (22 base64url characters from 16 CSPRNG bytes).

#include "signalr/negotiate.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

namespace tallyhub::signalr {
namespace {

constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string b64url(std::string_view text) {
    std::vector<std::uint8_t> bytes(text.begin(), text.end());
    return base64url_encode(bytes);
}

negotiate_query parse(std::string_view raw_query, int min_version = 0) {
    auto q = http::query_params::parse(raw_query);
    EXPECT_TRUE(q.ok()) << raw_query;
    if (!q.ok()) return {};
    return parse_negotiate_query(*q, min_version);
}

negotiate_request accepted(std::string_view raw_query) {
    auto r = parse(raw_query);
    EXPECT_TRUE(r.accepted()) << raw_query << " -> " << r.error;
    return r.request;
}

std::string refusal(std::string_view raw_query, int min_version = 0) {
    auto r = parse(raw_query, min_version);
    EXPECT_FALSE(r.accepted()) << raw_query;
    return r.error;
}

// --- base64url --------------------------------------------------------------------------------------

TEST(Base64Url, Rfc4648TestVectorsWithoutPadding) {
    // RFC 4648 §10 (BASE64 column), '=' padding removed as base64url without padding requires.
    EXPECT_EQ(b64url(""), "");
    EXPECT_EQ(b64url("f"), "Zg");
    EXPECT_EQ(b64url("fo"), "Zm8");
    EXPECT_EQ(b64url("foo"), "Zm9v");
    EXPECT_EQ(b64url("foob"), "Zm9vYg");
    EXPECT_EQ(b64url("fooba"), "Zm9vYmE");
    EXPECT_EQ(b64url("foobar"), "Zm9vYmFy");
}

TEST(Base64Url, UsesTheUrlAlphabetForIndexes62And63) {
    // Standard base64 would give "+/+/", "////" and "+/8=": §5 maps '+' -> '-' and '/' -> '_'.
    std::array<std::uint8_t, 3> a{0xfb, 0xff, 0xbf};
    EXPECT_EQ(base64url_encode(a), "-_-_");
    std::array<std::uint8_t, 3> b{0xff, 0xff, 0xff};
    EXPECT_EQ(base64url_encode(b), "____");
    std::array<std::uint8_t, 2> c{0xfb, 0xff};
    EXPECT_EQ(base64url_encode(c), "-_8");
    std::array<std::uint8_t, 16> zeros{};
    EXPECT_EQ(base64url_encode(zeros), "AAAAAAAAAAAAAAAAAAAAAA");
}

// --- connection ids ---------------------------------------------------------------------------------

TEST(ConnectionId, Is22Base64UrlCharactersOf16Bytes) {
    for (int i = 0; i < 100; ++i) {
        std::string id = new_connection_id();
        ASSERT_EQ(id.size(), 22u) << id;
        EXPECT_EQ(id.find_first_not_of(alphabet), std::string::npos) << id;
        // 128 bits in 22 sextets: the last one carries 2 data bits and 4 zero bits.
        EXPECT_NE(std::string_view("AQgw").find(id.back()), std::string_view::npos) << id;
    }
}

TEST(ConnectionId, DistinctAndUnbiasedAcross10000Calls) {
    constexpr int n = 10000;
    std::unordered_set<std::string> seen;
    // How often each of the 128 bits is set: each should be near n/2 (a stuck byte would show).
    std::array<int, 128> ones{};
    for (int i = 0; i < n; ++i) {
        std::string id = new_connection_id();
        ASSERT_TRUE(seen.insert(id).second) << "duplicate id " << id;
        for (int bit = 0; bit < 128; ++bit) {
            auto sextet = alphabet.find(id[static_cast<std::size_t>(bit / 6)]);
            if ((sextet >> (5 - bit % 6)) & 1) ++ones[static_cast<std::size_t>(bit)];
        }
    }
    for (int bit = 0; bit < 128; ++bit) {
        // Binomial(10000, 0.5): sd = 50, so ±400 is 8 sd.
        EXPECT_NEAR(ones[static_cast<std::size_t>(bit)], n / 2, 400) << "bit " << bit;
    }
}

// --- the query --------------------------------------------------------------------------------------

TEST(NegotiateQuery, WhatTheJsClientSends) {
    auto r = accepted("negotiateVersion=1");
    EXPECT_EQ(r.version, 1);
    EXPECT_FALSE(r.stateful_reconnect);
    // withStatefulReconnect(), and a hub URL that has its own query.
    r = accepted("x=1&negotiateVersion=1&useStatefulReconnect=true");
    EXPECT_EQ(r.version, 1);
    EXPECT_TRUE(r.stateful_reconnect);
}

TEST(NegotiateQuery, AbsentVersionIsZero) {
    EXPECT_EQ(accepted("").version, 0);
    EXPECT_EQ(accepted("id=abc&x=2").version, 0);
}

TEST(NegotiateQuery, KeysMatchCaseInsensitively) {
    EXPECT_EQ(accepted("NEGOTIATEVERSION=1").version, 1);
    EXPECT_EQ(accepted("NegotiateVersion=1").version, 1);
    EXPECT_TRUE(accepted("negotiateVersion=1&USESTATEFULRECONNECT=true").stateful_reconnect);
}

TEST(NegotiateQuery, VersionAboveOneIsClampedToOne) {
    EXPECT_EQ(accepted("negotiateVersion=5").version, 1);
    EXPECT_EQ(accepted("negotiateVersion=2147483647").version, 1);
}

TEST(NegotiateQuery, FollowsIntTryParse) {
    EXPECT_EQ(accepted("negotiateVersion=0").version, 0);
    EXPECT_EQ(accepted("negotiateVersion=%2B1").version, 1);        // "+1"
    EXPECT_EQ(accepted("negotiateVersion=+1+").version, 1);          // " 1 " ('+' is a space in queries)
    EXPECT_EQ(accepted("negotiateVersion=%091%0D%0A").version, 1);  // tab, CR, LF around it
    EXPECT_EQ(accepted("negotiateVersion=0001").version, 1);
    EXPECT_EQ(accepted("negotiateVersion=-0").version, 0);
}

TEST(NegotiateQuery, NonIntegerVersionIsRefused) {
    const std::string expected = "The client requested a non-integer protocol version.";
    EXPECT_EQ(refusal("negotiateVersion=abc"), expected);
    EXPECT_EQ(refusal("negotiateVersion="), expected);
    EXPECT_EQ(refusal("negotiateVersion"), expected);
    EXPECT_EQ(refusal("negotiateVersion=1.0"), expected);
    EXPECT_EQ(refusal("negotiateVersion=1x"), expected);
    EXPECT_EQ(refusal("negotiateVersion=-"), expected);
    EXPECT_EQ(refusal("negotiateVersion=%2B-1"), expected);
    EXPECT_EQ(refusal("negotiateVersion=1+2"), expected);          // "1 2"
    EXPECT_EQ(refusal("negotiateVersion=2147483648"), expected);  // beyond Int32
    EXPECT_EQ(refusal("negotiateVersion=99999999999999999999"), expected);
    // A repeated key reads as "1,1" (StringValues.ToString()), which is not an integer.
    EXPECT_EQ(refusal("negotiateVersion=1&negotiateVersion=1"), expected);
    EXPECT_EQ(refusal("negotiateVersion=1&NEGOTIATEVERSION=1"), expected);
}

TEST(NegotiateQuery, VersionBelowMinimumIsRefusedQuotingTheNumber) {
    EXPECT_EQ(refusal("negotiateVersion=-1"),
              "The client requested version '-1', but the server does not support this version.");
    // The parsed number is quoted, not the text.
    EXPECT_EQ(refusal("negotiateVersion=-01"),
              "The client requested version '-1', but the server does not support this version.");
    EXPECT_EQ(refusal("negotiateVersion=-2147483648"),
              "The client requested version '-2147483648', but the server does not support this version.");
    // With a minimum of 1, an old client without the key asks for version 0.
    EXPECT_EQ(refusal("", 1), "The client requested version '0', but the server does not support this version.");
    EXPECT_EQ(refusal("negotiateVersion=0", 1),
              "The client requested version '0', but the server does not support this version.");
}

TEST(NegotiateQuery, StatefulReconnectFollowsBoolTryParse) {
    EXPECT_TRUE(accepted("useStatefulReconnect=true").stateful_reconnect);
    EXPECT_TRUE(accepted("useStatefulReconnect=True").stateful_reconnect);
    EXPECT_TRUE(accepted("useStatefulReconnect=TRUE").stateful_reconnect);
    EXPECT_TRUE(accepted("useStatefulReconnect=+true+").stateful_reconnect);
    EXPECT_FALSE(accepted("useStatefulReconnect=false").stateful_reconnect);
    EXPECT_FALSE(accepted("useStatefulReconnect=1").stateful_reconnect);
    EXPECT_FALSE(accepted("useStatefulReconnect=yes").stateful_reconnect);
    EXPECT_FALSE(accepted("useStatefulReconnect=").stateful_reconnect);
    EXPECT_FALSE(accepted("useStatefulReconnect=true&useStatefulReconnect=true").stateful_reconnect);
}

// --- the response -----------------------------------------------------------------------------------

constexpr std::string_view all_transports_json =
    R"("availableTransports":[{"transport":"WebSockets","transferFormats":["Text","Binary"]},)"
    R"({"transport":"ServerSentEvents","transferFormats":["Text"]},)"
    R"({"transport":"LongPolling","transferFormats":["Text","Binary"]}]})";

constexpr transports all_transports{true, true, true};

TEST(NegotiateResponse, Version1MatchesDotNet) {
    // The .NET server's response from reference/signalr-protocol.md §1.
    negotiate_request req{1, false};
    EXPECT_EQ(negotiate_response(req, "807809a5-31bf-470d-9e23-afaee35d8a0d", "05265228-1e2c-46c5-82a1-6a5bcc3f0143",
                                 all_transports),
              std::string(R"({"negotiateVersion":1,"connectionId":"807809a5-31bf-470d-9e23-afaee35d8a0d",)"
                          R"("connectionToken":"05265228-1e2c-46c5-82a1-6a5bcc3f0143",)") +
                  std::string(all_transports_json));
}

TEST(NegotiateResponse, Version0HasNoConnectionToken) {
    negotiate_request req{0, false};
    EXPECT_EQ(negotiate_response(req, "a0-_bcdefghijklmnopqrs", "ignored", all_transports),
              std::string(R"({"negotiateVersion":0,"connectionId":"a0-_bcdefghijklmnopqrs",)") +
                  std::string(all_transports_json));
}

TEST(NegotiateResponse, StatefulReconnectOnlyWhenAskedAndAllowed) {
    const std::string tail = R"("negotiateVersion":1,"connectionId":"I","connectionToken":"T",)"
                             R"("availableTransports":[{"transport":"WebSockets","transferFormats":["Text","Binary"]}]})";
    transports ws_only;
    EXPECT_EQ(negotiate_response({1, true}, "I", "T", ws_only, true), R"({"useStatefulReconnect":true,)" + tail);
    // Asked but not allowed: the client then runs without it. Allowed but not asked: never volunteer
    // it ("Client didn't negotiate Stateful Reconnect but the server did.").
    EXPECT_EQ(negotiate_response({1, true}, "I", "T", ws_only, false), "{" + tail);
    EXPECT_EQ(negotiate_response({1, false}, "I", "T", ws_only, true), "{" + tail);
}

TEST(NegotiateResponse, ListsOnlyEnabledTransportsInServerOrder) {
    negotiate_request req{1, false};
    const std::string head = R"({"negotiateVersion":1,"connectionId":"I","connectionToken":"T",)";
    EXPECT_EQ(negotiate_response(req, "I", "T", transports{false, false, false}),
              head + R"("availableTransports":[]})");
    EXPECT_EQ(negotiate_response(req, "I", "T", transports{false, true, false}),
              head + R"("availableTransports":[{"transport":"ServerSentEvents","transferFormats":["Text"]}]})");
    EXPECT_EQ(negotiate_response(req, "I", "T", transports{false, false, true}),
              head + R"("availableTransports":[{"transport":"LongPolling","transferFormats":["Text","Binary"]}]})");
    EXPECT_EQ(negotiate_response(req, "I", "T", transports{true, false, true}),
              head + R"("availableTransports":[{"transport":"WebSockets","transferFormats":["Text","Binary"]},)"
                     R"({"transport":"LongPolling","transferFormats":["Text","Binary"]}]})");
}

TEST(NegotiateResponse, FreshIdsGoInVerbatim) {
    std::string id = new_connection_id();
    std::string token = new_connection_id();
    std::string body = negotiate_response({1, false}, id, token, transports{});
    EXPECT_NE(body.find(R"("connectionId":")" + id + "\""), std::string::npos) << body;
    EXPECT_NE(body.find(R"("connectionToken":")" + token + "\""), std::string::npos) << body;
}

TEST(NegotiateErrorBody, IsAnErrorObjectWithEscapedText) {
    EXPECT_EQ(negotiate_error_body(negotiate_non_integer_error),
              R"({"error":"The client requested a non-integer protocol version."})");
    // Relaxed escaping like .NET's: apostrophes stay raw, quotes, backslashes and controls are escaped.
    EXPECT_EQ(negotiate_error_body("version '-1' \"x\\y\"\n"), R"({"error":"version '-1' \"x\\y\"\n"})");
}

TEST(NegotiateErrorBody, RefusalOfANegativeVersionEndToEnd) {
    EXPECT_EQ(negotiate_error_body(refusal("negotiateVersion=-1")),
              R"({"error":"The client requested version '-1', but the server does not support this version."})");
}

}  // namespace
}  // namespace tallyhub::signalr
