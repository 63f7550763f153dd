// Converting values between MessagePack and JSON (what lets the JSON hub binder serve MessagePack
// connections): every MessagePack family to JSON text, JSON numbers/strings/containers to the smallest
// MessagePack, round trips, and the values either side cannot carry.

#include "signalr/msgpack_json.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "signalr/msgpack.hpp"

namespace tallyhub::signalr {
namespace {

using msgpack_protocol::append_json_from_msgpack;
using msgpack_protocol::append_msgpack_from_json;
using msgpack_protocol::convert_errc;

std::string hex(std::string_view h) {
    std::string out;
    int nibble = -1;
    for (char c : h) {
        int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (v < 0) continue;
        if (nibble < 0) {
            nibble = v;
        } else {
            out.push_back(static_cast<char>(nibble << 4 | v));
            nibble = -1;
        }
    }
    return out;
}

std::string json_of_msgpack(std::string_view hex_bytes) {
    std::string out;
    auto r = append_json_from_msgpack(hex(hex_bytes), out);
    EXPECT_TRUE(r.ok()) << hex_bytes << ": " << (r.ok() ? "" : r.err().reason);
    return out;
}

int json_error(std::string_view hex_bytes) {
    std::string out = "keep";
    auto r = append_json_from_msgpack(hex(hex_bytes), out);
    EXPECT_FALSE(r.ok()) << hex_bytes;
    EXPECT_EQ(out, "keep");  // nothing half-written
    return r.ok() ? 0 : r.err().code;
}

std::string msgpack_of_json(std::string_view json) {
    std::string out;
    auto r = append_msgpack_from_json(json, out);
    EXPECT_TRUE(r.ok()) << json << ": " << (r.ok() ? "" : r.err().reason);
    return out;
}

int msgpack_error(std::string_view json) {
    std::string out = "keep";
    auto r = append_msgpack_from_json(json, out);
    EXPECT_FALSE(r.ok()) << json;
    EXPECT_EQ(out, "keep");
    return r.ok() ? 0 : r.err().code;
}

TEST(MsgpackToJson, Scalars) {
    EXPECT_EQ(json_of_msgpack("c0"), "null");
    EXPECT_EQ(json_of_msgpack("c2"), "false");
    EXPECT_EQ(json_of_msgpack("c3"), "true");
    EXPECT_EQ(json_of_msgpack("00"), "0");
    EXPECT_EQ(json_of_msgpack("e0"), "-32");
    EXPECT_EQ(json_of_msgpack("cd 01 00"), "256");
    EXPECT_EQ(json_of_msgpack("cf ff ff ff ff ff ff ff ff"), "18446744073709551615");
    EXPECT_EQ(json_of_msgpack("d3 80 00 00 00 00 00 00 00"), "-9223372036854775808");
    EXPECT_EQ(json_of_msgpack("cf 00 1f ff ff ff ff ff ff"), "9007199254740991");  // JS MAX_SAFE_INTEGER
}

TEST(MsgpackToJson, FloatsAreShortestRoundTrip) {
    EXPECT_EQ(json_of_msgpack("cb 3f b9 99 99 99 99 99 9a"), "0.1");
    EXPECT_EQ(json_of_msgpack("cb bf f8 00 00 00 00 00 00"), "-1.5");
    EXPECT_EQ(json_of_msgpack("cb 7e 37 e4 3c 88 00 75 9c"), "1e+300");
    EXPECT_EQ(json_of_msgpack("cb 40 08 00 00 00 00 00 00"), "3");
    EXPECT_EQ(json_of_msgpack("ca 3d cc cc cd"), "0.1");  // float32 0.1f, not 0.10000000149011612
    EXPECT_EQ(json_of_msgpack("cb 7f f8 00 00 00 00 00 00"), "null");  // NaN is not JSON
    EXPECT_EQ(json_of_msgpack("ca ff 80 00 00"), "null");              // -inf
}

TEST(MsgpackToJson, StringsAreEscaped) {
    // The official client's encoding of "é\"\\\n\u2028😀" (@microsoft/signalr-protocol-msgpack 10.0.11).
    EXPECT_EQ(json_of_msgpack("ac c3 a9 22 5c 0a e2 80 a8 f0 9f 98 80"), "\"\xC3\xA9\\\"\\\\\\n\\u2028\xF0\x9F\x98\x80\"");
    EXPECT_EQ(json_of_msgpack("a0"), "\"\"");
    EXPECT_EQ(json_of_msgpack("a2 01 7f"), "\"\\u0001\\u007F\"");
    EXPECT_EQ(json_of_msgpack("a1 ff"), "\"\xEF\xBF\xBD\"");  // invalid UTF-8 -> U+FFFD
}

TEST(MsgpackToJson, BinaryBecomesBase64AsSystemTextJsonWritesByteArrays) {
    EXPECT_EQ(json_of_msgpack("c4 04 00 01 02 ff"), "\"AAEC/w==\"");  // the client's Uint8Array [0,1,2,255]
    EXPECT_EQ(json_of_msgpack("c4 00"), "\"\"");
    EXPECT_EQ(json_of_msgpack("c4 01 66"), "\"Zg==\"");
    EXPECT_EQ(json_of_msgpack("c4 02 66 6f"), "\"Zm8=\"");
    EXPECT_EQ(json_of_msgpack("c5 00 03 66 6f 6f"), "\"Zm9v\"");
}

TEST(MsgpackToJson, TimestampsBecomeIso8601) {
    // The client's Date.UTC(2026, 11, 3, 20, 7, 3, 123): timestamp 64.
    EXPECT_EQ(json_of_msgpack("d7 ff 1d 53 53 00 6b 11 cb e7"), "\"2026-12-03T20:07:03.123Z\"");
    EXPECT_EQ(json_of_msgpack("d6 ff 00 00 00 00"), "\"1970-01-01T00:00:00Z\"");        // timestamp 32
    EXPECT_EQ(json_of_msgpack("d6 ff 38 6d 43 80"), "\"2000-01-01T00:00:00Z\"");
    EXPECT_EQ(json_of_msgpack("c7 0c ff 00 00 00 01 ff ff ff ff ff ff ff ff"),  // timestamp 96: second -1, plus 1 ns
              "\"1969-12-31T23:59:59.000000001Z\"");
    EXPECT_EQ(json_of_msgpack("c7 0c ff 00 00 00 00 ff ff ff f1 88 6e 09 00"), "\"0001-01-01T00:00:00Z\"");
    EXPECT_EQ(json_of_msgpack("c7 0c ff 00 00 00 00 00 00 00 3a ff f4 41 7f"), "\"9999-12-31T23:59:59Z\"");
    EXPECT_EQ(json_error("c7 0c ff 00 00 00 00 00 00 00 3a ff f4 41 80"), int(convert_errc::unsupported));  // year 10000
    EXPECT_EQ(json_error("c7 0c ff 3b 9a ca 00 00 00 00 00 00 00 00 00"), int(convert_errc::malformed));  // 1e9 ns
    EXPECT_EQ(json_error("d5 ff 00 00"), int(convert_errc::malformed));  // no such timestamp size
    EXPECT_EQ(json_error("d4 01 00"), int(convert_errc::unsupported));   // an application ext
}

TEST(MsgpackToJson, ContainersAndKeys) {
    // {"from": "2026-12-03T20:00:00Z", "limit": 100}, as the client encodes it.
    EXPECT_EQ(json_of_msgpack("82 a4 66 72 6f 6d b4 32 30 32 36 2d 31 32 2d 30 33 54 32 30 3a 30 30 3a 30 30 5a a5 6c "
                              "69 6d 69 74 64"),
              R"({"from":"2026-12-03T20:00:00Z","limit":100})");
    EXPECT_EQ(json_of_msgpack("92 01 a1 78"), R"([1,"x"])");
    EXPECT_EQ(json_of_msgpack("90"), "[]");
    EXPECT_EQ(json_of_msgpack("80"), "{}");
    EXPECT_EQ(json_of_msgpack("81 a1 61 92 81 a1 62 c0 90"), R"({"a":[{"b":null},[]]})");
    EXPECT_EQ(json_of_msgpack("82 01 a1 61 ff a1 62"), R"({"1":"a","-1":"b"})");  // integer keys, as .NET writes
    EXPECT_EQ(json_of_msgpack("81 a2 0a 22 01"), R"({"\n\"":1})");
    EXPECT_EQ(json_error("81 c3 01"), int(convert_errc::unsupported));
    EXPECT_EQ(json_error("81 90 01"), int(convert_errc::unsupported));
}

TEST(MsgpackToJson, MalformedInputLeavesTheOutputAlone) {
    EXPECT_EQ(json_error(""), int(convert_errc::malformed));
    EXPECT_EQ(json_error("92 01"), int(convert_errc::malformed));
    EXPECT_EQ(json_error("01 02"), int(convert_errc::malformed));  // two values
    EXPECT_EQ(json_error("c1"), int(convert_errc::malformed));
    EXPECT_EQ(json_error("db ff ff ff ff"), int(convert_errc::malformed));
    std::string deep(msgpack::max_depth, '\x91');
    deep.push_back('\x01');
    std::string out;
    ASSERT_TRUE(append_json_from_msgpack(deep, out).ok());
    EXPECT_EQ(out, std::string(msgpack::max_depth, '[') + "1" + std::string(msgpack::max_depth, ']'));
    deep.insert(0, 1, '\x91');
    out.clear();
    EXPECT_EQ(append_json_from_msgpack(deep, out).err().code, int(convert_errc::too_deep));
}

TEST(JsonToMsgpack, NumbersKeepIntegersIntegers) {
    EXPECT_EQ(msgpack_of_json("0"), hex("00"));
    EXPECT_EQ(msgpack_of_json("127"), hex("7f"));
    EXPECT_EQ(msgpack_of_json("128"), hex("cc 80"));
    EXPECT_EQ(msgpack_of_json("-33"), hex("d0 df"));
    EXPECT_EQ(msgpack_of_json("12345"), hex("cd 30 39"));
    EXPECT_EQ(msgpack_of_json("-9223372036854775808"), hex("d3 80 00 00 00 00 00 00 00"));
    EXPECT_EQ(msgpack_of_json("18446744073709551615"), hex("cf ff ff ff ff ff ff ff ff"));
    EXPECT_EQ(msgpack_of_json("1.5"), hex("cb 3f f8 00 00 00 00 00 00"));
    EXPECT_EQ(msgpack_of_json("1.0"), hex("cb 3f f0 00 00 00 00 00 00"));  // written as a float: stays one
    EXPECT_EQ(msgpack_of_json("1e3"), hex("cb 40 8f 40 00 00 00 00 00"));
    EXPECT_EQ(msgpack_of_json("987654.32"), hex("cb 41 2e 24 0c a3 d7 0a 3d"));
}

TEST(JsonToMsgpack, ScalarsStringsContainers) {
    EXPECT_EQ(msgpack_of_json("null"), hex("c0"));
    EXPECT_EQ(msgpack_of_json(" true "), hex("c3"));
    EXPECT_EQ(msgpack_of_json("false"), hex("c2"));
    EXPECT_EQ(msgpack_of_json(R"("x\"\u00e9\ud83d\ude00")"), hex("a8 78 22 c3 a9 f0 9f 98 80"));
    EXPECT_EQ(msgpack_of_json(R"({"a":[1,{"b":null}],"c":"d"})"), hex("82 a1 61 92 01 81 a1 62 c0 a1 63 a1 64"));
    EXPECT_EQ(msgpack_of_json("[]"), hex("90"));
    EXPECT_EQ(msgpack_of_json("{}"), hex("80"));
    std::string sixteen = "[";
    for (int i = 0; i < 16; ++i) sixteen += i ? ",0" : "0";
    sixteen += "]";
    EXPECT_EQ(msgpack_of_json(sixteen), hex("dc 00 10") + std::string(16, '\0'));
}

TEST(JsonToMsgpack, RejectsWhatIsNotOneJsonValue) {
    EXPECT_EQ(msgpack_error(""), int(convert_errc::malformed));
    EXPECT_EQ(msgpack_error("1 2"), int(convert_errc::malformed));
    EXPECT_EQ(msgpack_error("[1,]"), int(convert_errc::malformed));
    EXPECT_EQ(msgpack_error("tru"), int(convert_errc::malformed));
    EXPECT_EQ(msgpack_error(R"({"a":1)"), int(convert_errc::malformed));
    EXPECT_EQ(msgpack_error("18446744073709551616"), int(convert_errc::malformed));  // 2^64
    EXPECT_EQ(msgpack_error("1e400"), int(convert_errc::malformed));
    const std::string ok = std::string(msgpack::max_depth, '[') + std::string(msgpack::max_depth, ']');
    EXPECT_EQ(msgpack_of_json(ok), std::string(msgpack::max_depth - 1, '\x91') + "\x90");
    EXPECT_EQ(msgpack_error("[" + ok + "]"), int(convert_errc::too_deep));
    EXPECT_EQ(msgpack_error(std::string(5000, '[') + std::string(5000, ']')), int(convert_errc::too_deep));
}

TEST(MsgpackJson, RoundTripsGiveTheSameValue) {
    for (std::string_view json : {
             R"({"TotalOrders":12345,"TotalRevenue":987654.32,"AverageOrderValue":80.01,"Timestamp":"2026-12-03T20:07:03.123Z"})",
             R"([null,true,false,-1,0.1,"",[],{},{"k":[1,[2,[3]]]}])",
             R"("\u2028")", "-0.5", "1e+300", "9007199254740993"}) {
        const std::string mp = msgpack_of_json(json);
        std::string back;
        ASSERT_TRUE(append_json_from_msgpack(mp, back).ok()) << json;
        EXPECT_EQ(back, json);
    }
}

}  // namespace
}  // namespace tallyhub::signalr
