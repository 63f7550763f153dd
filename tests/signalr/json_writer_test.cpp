// The hand-written JSON writer: structure, RFC 8259 string escaping as ASP.NET Core's SignalR writer
// emits it, always-valid UTF-8 output, and number formatting.

#include "signalr/json_writer.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

namespace tallyhub::signalr {
namespace {

std::string quoted(std::string_view s) {
    std::string out;
    append_json_string(out, s);
    return out;
}

TEST(JsonWriter, WritesTheMetricsPayloadByteExact) {
    std::string out;
    json_writer w(out);
    w.begin_object()
        .key("TotalOrders").int_value(12345)
        .key("TotalRevenue").double_value(987654.32)
        .key("AverageOrderValue").double_value(80.01)
        .key("Timestamp").string_value("2026-12-03T20:07:03.123Z")
        .end_object();
    EXPECT_EQ(out, R"({"TotalOrders":12345,"TotalRevenue":987654.32,"AverageOrderValue":80.01,)"
                   R"("Timestamp":"2026-12-03T20:07:03.123Z"})");
}

TEST(JsonWriter, PlacesCommasAndColonsInNestedContainers) {
    std::string out;
    json_writer w(out);
    w.begin_object().key("a").int_value(1).key("b").begin_array();
    w.int_value(1).string_value("x").null_value().bool_value(true).bool_value(false);
    w.begin_object().end_object().begin_array().end_array();
    w.begin_object().key("c").begin_array().uint_value(7).end_array().end_object();
    w.end_array().key("d").begin_object().end_object().end_object();
    EXPECT_EQ(out, R"({"a":1,"b":[1,"x",null,true,false,{},[],{"c":[7]}],"d":{}})");
}

TEST(JsonWriter, AppendsAfterExistingContent) {
    std::string out = "prefix:";
    json_writer(out).begin_array().int_value(-1).end_array();
    EXPECT_EQ(out, "prefix:[-1]");
}

TEST(JsonWriter, RawValuesAreCopiedVerbatimAndEmptyRawIsNull) {
    std::string out;
    json_writer(out).begin_array().raw_value(R"({"k": [1, 2]})").raw_value("").raw_value("3").end_array();
    EXPECT_EQ(out, R"([{"k": [1, 2]},null,3])");
}

TEST(JsonWriter, EscapesQuoteBackslashAndControlsLikeDotNet) {
    EXPECT_EQ(quoted(R"(say "hi" \ bye)"), R"("say \"hi\" \\ bye")");
    EXPECT_EQ(quoted("\b\t\n\f\r"), R"("\b\t\n\f\r")");
    EXPECT_EQ(quoted(std::string_view("\x00\x01\x1f\x7f", 4)), R"("\u0000\u0001\u001F\u007F")");
    EXPECT_EQ(quoted("\x1e"), R"("\u001E")");  // the record separator never appears raw in a record
}

TEST(JsonWriter, LeavesSlashAndHtmlCharactersAlone) {
    // UnsafeRelaxedJsonEscaping does not escape these (the default .NET encoder would).
    EXPECT_EQ(quoted("a/b <i>&'+`"), R"("a/b <i>&'+`")");
}

TEST(JsonWriter, CopiesNonAsciiUtf8Raw) {
    EXPECT_EQ(quoted("caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC \xE2\x82\xAC \xF0\x9F\x98\x80"),
              "\"caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC \xE2\x82\xAC \xF0\x9F\x98\x80\"");
}

TEST(JsonWriter, EscapesJavaScriptLineTerminators) {
    EXPECT_EQ(quoted("a\xE2\x80\xA8" "b\xE2\x80\xA9" "c"), R"("a\u2028b\u2029c")");
    EXPECT_EQ(quoted("\xE2\x80\xA7"), "\"\xE2\x80\xA7\"");  // U+2027 is an ordinary character
}

TEST(JsonWriter, ReplacesInvalidUtf8WithReplacementCharacter) {
    const std::string fffd = "\xEF\xBF\xBD";
    EXPECT_EQ(quoted("a\x80z"), "\"a" + fffd + "z\"");                           // stray continuation
    EXPECT_EQ(quoted("a\xE2\x82z"), "\"a" + fffd + "z\"");                       // truncated 3-byte form
    EXPECT_EQ(quoted("\xE2\x82"), "\"" + fffd + "\"");                           // truncated at the end
    EXPECT_EQ(quoted("\xC0\xAF"), "\"" + fffd + fffd + "\"");                    // overlong '/'
    EXPECT_EQ(quoted("\xED\xA0\x80"), "\"" + fffd + fffd + fffd + "\"");         // UTF-16 surrogate
    EXPECT_EQ(quoted("\xF4\x90\x80\x80"), "\"" + fffd + fffd + fffd + fffd + "\"");  // above U+10FFFF
    EXPECT_EQ(quoted("\xFF"), "\"" + fffd + "\"");
}

TEST(JsonWriter, EscapesKeysToo) {
    std::string out;
    json_writer(out).begin_object().key("a\"b").int_value(1).end_object();
    EXPECT_EQ(out, R"({"a\"b":1})");
}

TEST(JsonWriter, FormatsIntegersAtTheirLimits) {
    std::string out;
    json_writer(out)
        .begin_array()
        .int_value(0)
        .int_value(std::numeric_limits<std::int64_t>::min())
        .int_value(std::numeric_limits<std::int64_t>::max())
        .uint_value(std::numeric_limits<std::uint64_t>::max())
        .end_array();
    EXPECT_EQ(out, "[0,-9223372036854775808,9223372036854775807,18446744073709551615]");
}

TEST(JsonWriter, FormatsDoublesInShortestRoundTripForm) {
    std::string out;
    json_writer w(out);
    w.begin_array().double_value(0.1).double_value(12345.0).double_value(-0.0).double_value(1e21);
    w.double_value(5e-324).double_value(1.7976931348623157e308).end_array();
    EXPECT_EQ(out, "[0.1,12345,-0,1e+21,5e-324,1.7976931348623157e+308]");
}

TEST(JsonWriter, WritesNonFiniteDoublesAsNull) {
    std::string out;
    json_writer(out)
        .begin_array()
        .double_value(std::nan(""))
        .double_value(std::numeric_limits<double>::infinity())
        .double_value(-std::numeric_limits<double>::infinity())
        .end_array();
    EXPECT_EQ(out, "[null,null,null]");
}

}  // namespace
}  // namespace tallyhub::signalr
