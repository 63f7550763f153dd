// Hub argument binding: the raw JSON texts of invocation arguments (as the JS and .NET clients send
// them) into typed C++ parameters, with the checks a hub method relies on (JSON type, integer range,
// no silent truncation), and C++ results back into JSON, as the client reads them.

#include "signalr/hub_binding.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "signalr/hub.hpp"

namespace tallyhub::signalr {
namespace {

using namespace std::string_literals;

// ---- bool ----

TEST(HubBinding, BoolAcceptsOnlyJsonBooleans) {
    EXPECT_EQ(from_json<bool>("true"), true);
    EXPECT_EQ(from_json<bool>("false"), false);
    EXPECT_EQ(from_json<bool>(" \ttrue\n"), true);
    EXPECT_EQ(from_json<bool>("1"), std::nullopt);
    EXPECT_EQ(from_json<bool>("0"), std::nullopt);
    EXPECT_EQ(from_json<bool>(R"("true")"), std::nullopt);
    EXPECT_EQ(from_json<bool>("null"), std::nullopt);
}

// ---- integers ----

TEST(HubBinding, Int32ReadsIntegersInRange) {
    EXPECT_EQ(from_json<std::int32_t>("5"), 5);
    EXPECT_EQ(from_json<std::int32_t>("-5"), -5);
    EXPECT_EQ(from_json<std::int32_t>("0"), 0);
    EXPECT_EQ(from_json<std::int32_t>("-0"), 0);
    EXPECT_EQ(from_json<std::int32_t>(" 42 "), 42);
    EXPECT_EQ(from_json<std::int32_t>("2147483647"), 2147483647);
    EXPECT_EQ(from_json<std::int32_t>("-2147483648"), std::numeric_limits<std::int32_t>::min());
}

TEST(HubBinding, Int32RejectsOverflowInsteadOfWrapping) {
    EXPECT_EQ(from_json<std::int32_t>("2147483648"), std::nullopt);
    EXPECT_EQ(from_json<std::int32_t>("-2147483649"), std::nullopt);
    EXPECT_EQ(from_json<std::int32_t>("4294967296"), std::nullopt);
    EXPECT_EQ(from_json<std::int32_t>("99999999999999999999999"), std::nullopt);
    // The same values written as JavaScript doubles.
    EXPECT_EQ(from_json<std::int32_t>("2147483648.0"), std::nullopt);
    EXPECT_EQ(from_json<std::int32_t>("3e9"), std::nullopt);
    EXPECT_EQ(from_json<std::int32_t>("-3e9"), std::nullopt);
    EXPECT_EQ(from_json<std::int32_t>("1e400"), std::nullopt);
}

TEST(HubBinding, IntegersAcceptIntegralDoublesAsJavaScriptSendsThem) {
    EXPECT_EQ(from_json<std::int32_t>("1.0"), 1);
    EXPECT_EQ(from_json<std::int32_t>("-7.000"), -7);
    EXPECT_EQ(from_json<std::int32_t>("1e3"), 1000);
    EXPECT_EQ(from_json<std::int32_t>("1E2"), 100);
    EXPECT_EQ(from_json<std::int32_t>("1.5e1"), 15);
    EXPECT_EQ(from_json<std::int32_t>("2147483647.0"), 2147483647);
    EXPECT_EQ(from_json<std::int64_t>("1e15"), 1'000'000'000'000'000);
}

TEST(HubBinding, IntegersRejectFractionsStringsAndOtherTypes) {
    EXPECT_EQ(from_json<std::int32_t>("1.5"), std::nullopt);
    EXPECT_EQ(from_json<std::int32_t>("-0.5"), std::nullopt);
    EXPECT_EQ(from_json<std::int32_t>("1e-1"), std::nullopt);
    EXPECT_EQ(from_json<std::int32_t>(R"("1")"), std::nullopt);
    EXPECT_EQ(from_json<std::int32_t>("true"), std::nullopt);
    EXPECT_EQ(from_json<std::int32_t>("null"), std::nullopt);
    EXPECT_EQ(from_json<std::int32_t>("[1]"), std::nullopt);
    EXPECT_EQ(from_json<std::int32_t>(R"({"v":1})"), std::nullopt);
    EXPECT_EQ(from_json<std::int32_t>(""), std::nullopt);
}

TEST(HubBinding, SmallAndUnsignedIntegersCheckTheirOwnRange) {
    EXPECT_EQ(from_json<std::uint8_t>("255"), 255);
    EXPECT_EQ(from_json<std::uint8_t>("256"), std::nullopt);
    EXPECT_EQ(from_json<std::uint8_t>("-1"), std::nullopt);
    EXPECT_EQ(from_json<std::int16_t>("-32768"), -32768);
    EXPECT_EQ(from_json<std::int16_t>("32768"), std::nullopt);
    EXPECT_EQ(from_json<std::uint32_t>("4294967295"), 4294967295u);
    EXPECT_EQ(from_json<std::uint32_t>("-1"), std::nullopt);
    EXPECT_EQ(from_json<std::uint32_t>("-1.0"), std::nullopt);
    EXPECT_EQ(from_json<std::uint32_t>("4294967296"), std::nullopt);
}

TEST(HubBinding, SixtyFourBitIntegersKeepEveryDigit) {
    EXPECT_EQ(from_json<std::int64_t>("9223372036854775807"), std::numeric_limits<std::int64_t>::max());
    EXPECT_EQ(from_json<std::int64_t>("-9223372036854775808"), std::numeric_limits<std::int64_t>::min());
    EXPECT_EQ(from_json<std::int64_t>("9223372036854775808"), std::nullopt);
    EXPECT_EQ(from_json<std::int64_t>("9007199254740993"), 9007199254740993);  // not a double
    EXPECT_EQ(from_json<std::uint64_t>("18446744073709551615"), std::numeric_limits<std::uint64_t>::max());
    EXPECT_EQ(from_json<std::uint64_t>("18446744073709551616"), std::nullopt);
}

// ---- double ----

TEST(HubBinding, DoubleReadsEveryJsonNumberForm) {
    EXPECT_EQ(from_json<double>("1.5"), 1.5);
    EXPECT_EQ(from_json<double>("-2.5e-3"), -2.5e-3);
    EXPECT_EQ(from_json<double>("1E+2"), 100.0);
    EXPECT_EQ(from_json<double>("7"), 7.0);
    EXPECT_EQ(from_json<double>("-0"), 0.0);
    EXPECT_EQ(from_json<double>(" 0.1 "), 0.1);
    EXPECT_EQ(from_json<double>("987654.32"), 987654.32);
}

TEST(HubBinding, DoubleRejectsNonNumbers) {
    EXPECT_EQ(from_json<double>(R"("1.5")"), std::nullopt);
    EXPECT_EQ(from_json<double>("null"), std::nullopt);
    EXPECT_EQ(from_json<double>("true"), std::nullopt);
    EXPECT_EQ(from_json<double>("[1.5]"), std::nullopt);
    EXPECT_EQ(from_json<double>("NaN"), std::nullopt);
    EXPECT_EQ(from_json<double>("Infinity"), std::nullopt);
}

// ---- strings ----

TEST(HubBinding, StringReadsPlainAndRawUtf8Text) {
    EXPECT_EQ(from_json<std::string>(R"("hello")"), "hello");
    EXPECT_EQ(from_json<std::string>(R"("")"), "");
    EXPECT_EQ(from_json<std::string>(" \"padded\" \n"), "padded");
    EXPECT_EQ(from_json<std::string>("\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\""), "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
}

TEST(HubBinding, StringDecodesEveryShortEscape) {
    EXPECT_EQ(from_json<std::string>(R"("\"\\\/\b\f\n\r\t")"), "\"\\/\b\f\n\r\t");
    EXPECT_EQ(from_json<std::string>(R"("a\"b")"), "a\"b");
    EXPECT_EQ(from_json<std::string>(R"("ends with backslash\\")"), "ends with backslash\\");
}

TEST(HubBinding, StringDecodesUnicodeEscapesToUtf8) {
    EXPECT_EQ(from_json<std::string>(R"("\u0041")"), "A");
    EXPECT_EQ(from_json<std::string>(R"("\u0000")"), "\0"s);
    EXPECT_EQ(from_json<std::string>(R"("\u001F\u007f")"), "\x1f\x7f");
    EXPECT_EQ(from_json<std::string>(R"("\u00e9\u00E9")"), "\xC3\xA9\xC3\xA9");        // 2 bytes
    EXPECT_EQ(from_json<std::string>(R"("\u20AC")"), "\xE2\x82\xAC");                  // 3 bytes
    EXPECT_EQ(from_json<std::string>(R"("\u2028")"), "\xE2\x80\xA8");
    EXPECT_EQ(from_json<std::string>(R"("\uFFFF")"), "\xEF\xBF\xBF");
}

TEST(HubBinding, StringJoinsSurrogatePairs) {
    // U+1F600 as .NET writes it (upper case) and as JSON.stringify may (lower case).
    EXPECT_EQ(from_json<std::string>(R"("\uD83D\uDE00")"), "\xF0\x9F\x98\x80");
    EXPECT_EQ(from_json<std::string>(R"("\ud83d\ude00")"), "\xF0\x9F\x98\x80");
    EXPECT_EQ(from_json<std::string>(R"("x\uD800\uDC00y")"), "x\xF0\x90\x80\x80y");      // U+10000
    EXPECT_EQ(from_json<std::string>(R"("\uDBFF\uDFFF")"), "\xF4\x8F\xBF\xBF");          // U+10FFFF
}

TEST(HubBinding, StringReplacesLoneSurrogatesWithReplacementCharacter) {
    const std::string fffd = "\xEF\xBF\xBD";
    EXPECT_EQ(from_json<std::string>(R"("\uD83D")"), fffd);                    // high at the end
    EXPECT_EQ(from_json<std::string>(R"("\uDE00")"), fffd);                    // low alone
    EXPECT_EQ(from_json<std::string>(R"("a\uD83Db")"), "a" + fffd + "b");      // high, then a letter
    EXPECT_EQ(from_json<std::string>(R"("\uD83D\u0041")"), fffd + "A");        // high, then a non-surrogate escape
    EXPECT_EQ(from_json<std::string>(R"("\uD83D\n")"), fffd + "\n");           // high, then a short escape
    EXPECT_EQ(from_json<std::string>(R"("\uDE00\uD83D")"), fffd + fffd);       // low then high: reversed pair
    EXPECT_EQ(from_json<std::string>(R"("\uD83D\uD83D\uDE00")"), fffd + "\xF0\x9F\x98\x80");
}

TEST(HubBinding, StringRejectsNonStringsAndBrokenEscapes) {
    EXPECT_EQ(from_json<std::string>("null"), std::nullopt);
    EXPECT_EQ(from_json<std::string>("1"), std::nullopt);
    EXPECT_EQ(from_json<std::string>(R"(["a"])"), std::nullopt);
    EXPECT_EQ(from_json<std::string>(R"("unterminated)"), std::nullopt);
    EXPECT_EQ(decode_json_string(R"("\x")"), std::nullopt);
    EXPECT_EQ(decode_json_string(R"("\u12")"), std::nullopt);
    EXPECT_EQ(decode_json_string(R"("\u12G4")"), std::nullopt);
    EXPECT_EQ(decode_json_string("\"\\\""), std::nullopt);  // "\"  : the escape eats the closing quote
}

// ---- json_text, optional ----

TEST(HubBinding, JsonTextKeepsAnyValueAsItsText) {
    EXPECT_EQ(from_json<json_text>(R"( {"a": [1, "x"]} )")->text, R"({"a": [1, "x"]})");
    EXPECT_EQ(from_json<json_text>("null")->text, "null");
    EXPECT_EQ(from_json<json_text>("\"s\"")->text, "\"s\"");
    EXPECT_EQ(from_json<json_text>("-1.5e3")->text, "-1.5e3");
}

TEST(HubBinding, OptionalMapsNullToNulloptAndStillChecksTheType) {
    auto n = from_json<std::optional<std::int32_t>>("null");
    ASSERT_TRUE(n.has_value());
    EXPECT_FALSE(n->has_value());
    auto v = from_json<std::optional<std::int32_t>>(" 3 ");
    ASSERT_TRUE(v.has_value());
    EXPECT_EQ(*v, 3);
    EXPECT_EQ(from_json<std::optional<std::int32_t>>(R"("3")"), std::nullopt);
    EXPECT_EQ(from_json<std::optional<std::int32_t>>("1.5"), std::nullopt);
    auto s = from_json<std::optional<std::string>>(R"("x")");
    ASSERT_TRUE(s.has_value());
    EXPECT_EQ(*s, "x");
    // A required (non-optional) parameter does not take null.
    EXPECT_EQ(from_json<std::string>("null"), std::nullopt);
}

// ---- vectors ----

TEST(HubBinding, VectorReadsArraysWithAnySpacing) {
    EXPECT_EQ(from_json<std::vector<int>>("[]"), std::vector<int>{});
    EXPECT_EQ(from_json<std::vector<int>>("[ \n\t ]"), std::vector<int>{});
    EXPECT_EQ(from_json<std::vector<int>>("[1,2,3]"), (std::vector<int>{1, 2, 3}));
    EXPECT_EQ(from_json<std::vector<int>>(" [ 1 ,\n2\t, 3 ] "), (std::vector<int>{1, 2, 3}));
    EXPECT_EQ(from_json<std::vector<int>>("[1.0,2e0]"), (std::vector<int>{1, 2}));
}

TEST(HubBinding, VectorRejectsAWrongElementOrANonArray) {
    EXPECT_EQ(from_json<std::vector<int>>(R"([1,"2"])"), std::nullopt);
    EXPECT_EQ(from_json<std::vector<int>>("[1,2.5]"), std::nullopt);
    EXPECT_EQ(from_json<std::vector<int>>("[1,null]"), std::nullopt);
    EXPECT_EQ(from_json<std::vector<int>>("[2147483648]"), std::nullopt);
    EXPECT_EQ(from_json<std::vector<int>>("null"), std::nullopt);
    EXPECT_EQ(from_json<std::vector<int>>("{}"), std::nullopt);
    EXPECT_EQ(from_json<std::vector<int>>("1"), std::nullopt);
    EXPECT_EQ(from_json<std::vector<int>>(R"("[1]")"), std::nullopt);
}

TEST(HubBinding, VectorOfOptionalTakesNullElements) {
    auto v = from_json<std::vector<std::optional<int>>>("[1, null ,3]");
    ASSERT_TRUE(v.has_value());
    ASSERT_EQ(v->size(), 3u);
    EXPECT_EQ((*v)[0], 1);
    EXPECT_EQ((*v)[1], std::nullopt);
    EXPECT_EQ((*v)[2], 3);
}

TEST(HubBinding, VectorOfStringsIsNotFooledByCommasBracketsAndQuotesInside) {
    auto v = from_json<std::vector<std::string>>(R"(["a,b", "[c]", "{d}", "e\"],[\"f", "\\", "", "]", "\\\"", "\u002C"])");
    ASSERT_TRUE(v.has_value());
    EXPECT_EQ(*v, (std::vector<std::string>{"a,b", "[c]", "{d}", "e\"],[\"f", "\\", "", "]", "\\\"", ","}));
}

TEST(HubBinding, NestedVectors) {
    EXPECT_EQ(from_json<std::vector<std::vector<int>>>("[[1,2],[],[ 3 ]]"),
              (std::vector<std::vector<int>>{{1, 2}, {}, {3}}));
    EXPECT_EQ(from_json<std::vector<std::vector<std::string>>>(R"([["a]","b,"],["[\"c\"]"]])"),
              (std::vector<std::vector<std::string>>{{"a]", "b,"}, {"[\"c\"]"}}));
    EXPECT_EQ(from_json<std::vector<std::vector<int>>>("[[1],2]"), std::nullopt);
}

TEST(HubBinding, VectorOfJsonTextKeepsObjectsAndArraysWhole) {
    auto v = from_json<std::vector<json_text>>(R"([{"a":[1,2],"b":"x,y}"}, [3,{"c":"]"}] ,"s",null,true,-1.5])");
    ASSERT_TRUE(v.has_value());
    std::vector<std::string> texts;
    for (auto& t : *v) texts.push_back(t.text);
    EXPECT_EQ(texts, (std::vector<std::string>{R"({"a":[1,2],"b":"x,y}"})", R"([3,{"c":"]"}])", R"("s")", "null",
                                               "true", "-1.5"}));
}

// ---- split_json_array ----

std::vector<std::string> split(std::string_view raw) {
    auto parts = split_json_array(raw);
    EXPECT_TRUE(parts.has_value()) << raw;
    if (!parts) return {};
    return {parts->begin(), parts->end()};
}

TEST(HubBinding, SplitEmptyArrays) {
    EXPECT_TRUE(split("[]").empty());
    EXPECT_TRUE(split("[ ]").empty());
    EXPECT_TRUE(split(" \r\n[\t\n ]\n").empty());
}

TEST(HubBinding, SplitTrimsWhitespaceAroundEveryElement) {
    EXPECT_EQ(split("[1]"), (std::vector<std::string>{"1"}));
    EXPECT_EQ(split("[ 1 ]"), (std::vector<std::string>{"1"}));
    EXPECT_EQ(split("\n[\n1\n,\r\n\"a b\"\t,\tnull ,true, false\n]\n"),
              (std::vector<std::string>{"1", "\"a b\"", "null", "true", "false"}));
    EXPECT_EQ(split(R"([ "x" , {"k" : "v"} , [ 1 , 2 ] ])"),
              (std::vector<std::string>{R"("x")", R"({"k" : "v"})", "[ 1 , 2 ]"}));
}

TEST(HubBinding, SplitKeepsNestedValuesWhole) {
    EXPECT_EQ(split(R"([[],{},[[]],{"a":{}}])"), (std::vector<std::string>{"[]", "{}", "[[]]", R"({"a":{}})"}));
    EXPECT_EQ(split(R"(["]", "[", "}", "{", ",", "\"", "\\"])"),
              (std::vector<std::string>{R"("]")", R"("[")", R"("}")", R"("{")", R"(",")", R"("\"")", R"("\\")"}));
    EXPECT_EQ(split(R"([{"s":"a\"}]"},2])"), (std::vector<std::string>{R"({"s":"a\"}]"})", "2"}));
}

TEST(HubBinding, SplitRefusesNonArrays) {
    EXPECT_EQ(split_json_array("{}"), std::nullopt);
    EXPECT_EQ(split_json_array("1"), std::nullopt);
    EXPECT_EQ(split_json_array(""), std::nullopt);
    EXPECT_EQ(split_json_array("   "), std::nullopt);
    EXPECT_EQ(split_json_array("["), std::nullopt);
    EXPECT_EQ(split_json_array(R"("[1,2]")"), std::nullopt);
    EXPECT_EQ(split_json_array("null"), std::nullopt);
}

// ---- to_json ----

TEST(HubBinding, ToJsonWritesScalars) {
    EXPECT_EQ(json_of(true), "true");
    EXPECT_EQ(json_of(false), "false");
    EXPECT_EQ(json_of(0), "0");
    EXPECT_EQ(json_of(-5), "-5");
    EXPECT_EQ(json_of(std::int8_t(-128)), "-128");
    EXPECT_EQ(json_of(std::uint8_t(255)), "255");
    EXPECT_EQ(json_of(std::numeric_limits<std::int64_t>::min()), "-9223372036854775808");
    EXPECT_EQ(json_of(std::numeric_limits<std::uint64_t>::max()), "18446744073709551615");
    EXPECT_EQ(json_of(1.5), "1.5");
    EXPECT_EQ(json_of(3.0), "3");
    EXPECT_EQ(json_of(0.1), "0.1");
    EXPECT_EQ(json_of(-2.5e-7), "-2.5e-07");
    EXPECT_EQ(json_of(std::nan("")), "null");
    EXPECT_EQ(json_of(std::numeric_limits<double>::infinity()), "null");
}

TEST(HubBinding, ToJsonEscapesStrings) {
    EXPECT_EQ(json_of(std::string("plain")), R"("plain")");
    EXPECT_EQ(json_of(std::string_view("a\"b\\c")), R"("a\"b\\c")");
    EXPECT_EQ(json_of("line\nbreak\ttab"), R"("line\nbreak\ttab")");
    EXPECT_EQ(json_of(std::string("\x01\xE2\x80\xA8", 4)), R"("\u0001\u2028")");
    EXPECT_EQ(json_of(std::string("\xF0\x9F\x98\x80")), "\"\xF0\x9F\x98\x80\"");
    EXPECT_EQ(json_of(std::string()), R"("")");
}

TEST(HubBinding, ToJsonWritesJsonTextOptionalAndVectors) {
    EXPECT_EQ(json_of(json_text{R"({"a":1})"}), R"({"a":1})");
    EXPECT_EQ(json_of(json_text{}), "null");
    EXPECT_EQ(json_of(std::optional<int>{}), "null");
    EXPECT_EQ(json_of(std::optional<int>{4}), "4");
    EXPECT_EQ(json_of(std::optional<std::string>{"s"}), R"("s")");
    EXPECT_EQ(json_of(std::vector<int>{}), "[]");
    EXPECT_EQ(json_of(std::vector<int>{1, 2, 3}), "[1,2,3]");
    EXPECT_EQ(json_of(std::vector<std::string>{"a,b", "]"}), R"(["a,b","]"])");
    EXPECT_EQ(json_of(std::vector<std::vector<int>>{{1}, {}, {2, 3}}), "[[1],[],[2,3]]");
    EXPECT_EQ(json_of(std::vector<std::optional<double>>{0.5, std::nullopt}), "[0.5,null]");
    EXPECT_EQ(json_of(std::vector<bool>{true, false}), "[true,false]");
    // Each container template finds the others, whichever is declared first.
    EXPECT_EQ(json_of(std::optional<std::vector<int>>{std::vector<int>{1}}), "[1]");
    EXPECT_EQ(json_of(std::vector<std::optional<std::vector<int>>>{std::nullopt, std::vector<int>{}}), "[null,[]]");
}

template <typename T>
void expect_round_trip(const T& v) {
    std::string text = json_of(v);
    auto back = from_json<T>(text);
    ASSERT_TRUE(back.has_value()) << text;
    EXPECT_EQ(*back, v) << text;
}

TEST(HubBinding, RoundTripsThroughJson) {
    expect_round_trip(true);
    expect_round_trip(std::numeric_limits<std::int32_t>::min());
    expect_round_trip(std::numeric_limits<std::int64_t>::max());
    expect_round_trip(std::numeric_limits<std::uint64_t>::max());
    expect_round_trip(0.1);
    expect_round_trip(-1e300);
    expect_round_trip(5e-324);
    expect_round_trip(std::string("quote \" backslash \\ slash / nl \n cr \r tab \t bs \b ff \f"));
    std::string controls;
    for (int c = 0; c < 0x20; ++c) controls += char(c);
    controls += '\x7f';
    expect_round_trip(controls);
    expect_round_trip(std::string("\xE2\x80\xA8\xE2\x80\xA9 \xC3\xA9 \xF0\x9F\x98\x80"));
    expect_round_trip(std::optional<std::string>{});
    expect_round_trip(std::optional<std::string>{"x"});
    expect_round_trip(std::vector<std::string>{"a,b", "[c]", "{d}", "\"", "\\", ""});
    expect_round_trip(std::vector<std::vector<std::int64_t>>{{1, -2}, {}, {std::numeric_limits<std::int64_t>::min()}});
    expect_round_trip(std::vector<std::optional<int>>{1, std::nullopt});
    expect_round_trip(std::optional<std::vector<std::string>>{std::vector<std::string>{"x"}});
}

TEST(HubBinding, InvalidUtf8IsWrittenAsReplacementCharacters) {
    // A text frame must be valid UTF-8, so a result string holding stray bytes cannot go out raw.
    auto back = from_json<std::string>(json_of(std::string("a\xFF" "b")));
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, "a\xEF\xBF\xBD" "b");
}

// ---- json_writable ----

struct point {
    int x = 0;
    std::string label;
    void write_json(json_writer& w) const { w.begin_object().key("x").int_value(x).key("label").string_value(label).end_object(); }
};

struct kpi_snapshot {
    std::int64_t orders = 0;
    double revenue = 0;
    std::vector<point> points;
    void write_json(json_writer& w) const {
        w.begin_object().key("orders").int_value(orders).key("revenue").double_value(revenue).key("points").begin_array();
        for (const auto& p : points) p.write_json(w);
        w.end_array().end_object();
    }
};

static_assert(json_writable<point>);
static_assert(json_writable<kpi_snapshot>);
static_assert(!json_writable<int>);
static_assert(!json_writable<std::string>);

TEST(HubBinding, JsonWritableTypesWriteThemselves) {
    EXPECT_EQ(json_of(point{1, "a\"b"}), R"({"x":1,"label":"a\"b"})");
    EXPECT_EQ(json_of(std::vector<point>{{1, "a"}, {2, "b"}}), R"([{"x":1,"label":"a"},{"x":2,"label":"b"}])");
    EXPECT_EQ(json_of(std::optional<point>{}), "null");
    EXPECT_EQ(json_of(std::optional<point>{point{3, ""}}), R"({"x":3,"label":""})");
    EXPECT_EQ(json_of(std::vector<std::optional<point>>{std::nullopt, point{5, "q"}}), R"([null,{"x":5,"label":"q"}])");
    EXPECT_EQ(json_of(kpi_snapshot{12345, 987654.32, {{0, "p"}}}),
              R"({"orders":12345,"revenue":987654.32,"points":[{"x":0,"label":"p"}]})");
    // Appended after what the output already holds, as in an arguments array.
    std::string out = "[1,";
    to_json(out, point{4, "z"});
    EXPECT_EQ(out, R"([1,{"x":4,"label":"z"})");
}

// ---- server-to-client invocations ----

TEST(HubBinding, MakeInvocationEncodesEachArgumentOnce) {
    EXPECT_EQ(make_invocation("ReceiveMessage", std::string("a"), 1),
              "{\"type\":1,\"target\":\"ReceiveMessage\",\"arguments\":[\"a\",1]}\x1e");
    EXPECT_EQ(make_invocation("Ping"), "{\"type\":1,\"target\":\"Ping\",\"arguments\":[]}\x1e");
    EXPECT_EQ(make_invocation("Kpi", point{1, "x"}, std::optional<int>{}, std::vector<int>{1, 2}, json_text{"{}"}),
              "{\"type\":1,\"target\":\"Kpi\",\"arguments\":[{\"x\":1,\"label\":\"x\"},null,[1,2],{}]}\x1e");
}

}  // namespace
}  // namespace tallyhub::signalr
