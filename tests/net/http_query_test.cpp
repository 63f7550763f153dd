#include "net/http_query.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tallyhub::http {
namespace {

TEST(HttpQuery, DecodePathEscapes) {
    EXPECT_EQ(decode_path("/plain/path").value(), "/plain/path");
    EXPECT_EQ(decode_path("/a%20b").value(), "/a b");
    EXPECT_EQ(decode_path("/%2e%2E/x").value(), "/../x");  // decoding only; callers judge segments
    EXPECT_EQ(decode_path("/caf%C3%A9").value(), "/caf\xC3\xA9");
    EXPECT_EQ(decode_path("/a+b").value(), "/a+b");  // '+' is literal in paths
    EXPECT_EQ(decode_path("").value(), "");
    EXPECT_EQ(decode_path("%41%42%43").value(), "ABC");
}

TEST(HttpQuery, DecodePathRejectsBadEscapesAndNul) {
    const error bad{400, "bad percent-encoding"};
    EXPECT_EQ(decode_path("/a%").err(), bad);
    EXPECT_EQ(decode_path("/a%4").err(), bad);
    EXPECT_EQ(decode_path("/a%g1").err(), bad);
    EXPECT_EQ(decode_path("/a%1g").err(), bad);
    EXPECT_EQ(decode_path("/a% 1").err(), bad);
    EXPECT_EQ(decode_path("/a%00").err(), (error{400, "percent-encoded NUL"}));
}

TEST(HttpQuery, DecodeQueryComponentTurnsPlusIntoSpace) {
    EXPECT_EQ(decode_query_component("x+y").value(), "x y");
    EXPECT_EQ(decode_query_component("x%2By").value(), "x+y");
    EXPECT_EQ(decode_query_component("%2F").value(), "/");
    EXPECT_FALSE(decode_query_component("%zz").ok());
}

TEST(HttpQuery, ParsesPairsInOrder) {
    auto q = query_params::parse("a=1&b=x+y&c=%2F");
    ASSERT_TRUE(q.ok());
    std::vector<query_params::pair> pairs(q->begin(), q->end());
    EXPECT_EQ(pairs, (std::vector<query_params::pair>{{"a", "1"}, {"b", "x y"}, {"c", "/"}}));
    EXPECT_EQ(q->get("b"), "x y");
    EXPECT_EQ(q->get("c"), "/");
    EXPECT_FALSE(q->get("d").has_value());
}

TEST(HttpQuery, RepeatedKeysAndKeysWithoutValues) {
    auto q = query_params::parse("tag=a&flag&tag=b&empty=&tag=c");
    ASSERT_TRUE(q.ok());
    EXPECT_EQ(q->size(), 5u);
    EXPECT_EQ(q->get("tag"), "a");
    EXPECT_EQ(q->get_all("tag"), (std::vector<std::string_view>{"a", "b", "c"}));
    EXPECT_TRUE(q->contains("flag"));
    EXPECT_EQ(q->get("flag"), "");
    EXPECT_EQ(q->get("empty"), "");
    EXPECT_TRUE(q->get_all("missing").empty());
}

TEST(HttpQuery, EmptyPiecesAreSkippedAndEqualsInValueKept) {
    auto q = query_params::parse("&&a=1&&b=c=d&");
    ASSERT_TRUE(q.ok());
    EXPECT_EQ(q->size(), 2u);
    EXPECT_EQ(q->get("a"), "1");
    EXPECT_EQ(q->get("b"), "c=d");
    EXPECT_TRUE(query_params::parse("")->empty());
}

TEST(HttpQuery, EncodedKeysAndSeparators) {
    auto q = query_params::parse("my+key=v%26w&k%3D=1");
    ASSERT_TRUE(q.ok());
    EXPECT_EQ(q->get("my key"), "v&w");
    EXPECT_EQ(q->get("k="), "1");
}

TEST(HttpQuery, SignalRNegotiateQuery) {
    auto q = query_params::parse("negotiateVersion=1&id=Y2Fw%2BdGVzdA%3D%3D&access_token=a.b.c");
    ASSERT_TRUE(q.ok());
    EXPECT_EQ(q->get("negotiateVersion"), "1");
    EXPECT_EQ(q->get("id"), "Y2Fw+dGVzdA==");
    EXPECT_EQ(q->get("access_token"), "a.b.c");
}

TEST(HttpQuery, BadEscapeFailsTheWholeQuery) {
    EXPECT_EQ(query_params::parse("a=1&b=%G0").err(), (error{400, "bad percent-encoding"}));
    EXPECT_EQ(query_params::parse("a%00=1").err(), (error{400, "percent-encoded NUL"}));
}

}  // namespace
}  // namespace tallyhub::http
