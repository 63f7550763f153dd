// MessagePack hub protocol violations: each closes the connection, so each must be an error (never a
// message, never a read past the record): malformed bodies, missing items, fields of the wrong type,
// empty required strings, nesting bombs, and values JSON cannot carry.

#include <gtest/gtest.h>

#include <string>

#include "signalr/msgpack_protocol.hpp"

namespace tallyhub::signalr {
namespace {

using msgpack_protocol::errc;
using msgpack_protocol::payload_format;

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

std::string rec_bytes(const std::string& body) {
    std::string out;
    msgpack_protocol::append_length_prefix(out, static_cast<std::uint32_t>(body.size()));
    return out + body;
}

int error_of(std::string_view body_hex, payload_format payload = payload_format::json) {
    msgpack_protocol::parser p(0, payload);
    auto s = p.next(rec_bytes(hex(body_hex)));
    EXPECT_FALSE(s.ok()) << body_hex;
    return s.ok() ? 0 : s.err().code;
}

TEST(MsgpackProtocolErrors, MalformedBodies) {
    EXPECT_EQ(error_of(""), int(errc::malformed));                    // a zero-length record
    EXPECT_EQ(error_of("93 07 c0"), int(errc::malformed));            // the array is cut short
    EXPECT_EQ(error_of("91 06 c0"), int(errc::malformed));            // bytes after the array
    EXPECT_EQ(error_of("92 06 c1"), int(errc::malformed));            // 0xC1
    EXPECT_EQ(error_of("c1"), int(errc::malformed));
    EXPECT_EQ(error_of("95 01 80 c0 a4 46 69 72"), int(errc::malformed));  // target runs past the record
    EXPECT_EQ(error_of("95 01 80 c0 a1 46 dd ff ff ff ff"), int(errc::malformed));  // 4G arguments announced
}

TEST(MsgpackProtocolErrors, NotAnArrayOrNoType) {
    EXPECT_EQ(error_of("06"), int(errc::wrong_type));
    EXPECT_EQ(error_of("81 a4 74 79 70 65 06"), int(errc::wrong_type));  // {"type": 6}: that is JSON's shape
    EXPECT_EQ(error_of("90"), int(errc::missing_field));
    EXPECT_EQ(error_of("91 a1 36"), int(errc::wrong_type));          // type "6"
    EXPECT_EQ(error_of("91 cb 40 18 00 00 00 00 00 00"), int(errc::wrong_type));  // type 6.0
    EXPECT_EQ(error_of("91 ce 80 00 00 00"), int(errc::wrong_type));  // over Int32
}

TEST(MsgpackProtocolErrors, TooFewItems) {
    for (const char* body : {"94 01 80 c0 a1 46", "94 04 80 a1 31 a1 46", "93 02 80 a1 31", "93 03 80 a1 31",
                             "94 03 80 a1 31 01", "94 03 80 a1 31 03", "92 05 80", "91 07", "91 08", "91 09"}) {
        EXPECT_EQ(error_of(body), int(errc::missing_field)) << body;
    }
}

TEST(MsgpackProtocolErrors, FieldsOfTheWrongType) {
    const char* bodies[] = {
        "95 01 90 c0 a1 46 90",        // headers not a map
        "95 01 81 a1 6b 01 c0 a1 46 90",  // header value not a string
        "95 01 81 01 a1 76 c0 a1 46 90",  // header key not a string
        "95 01 81 a0 a1 76 c0 a1 46 90",  // empty header key
        "95 01 81 a1 6b a0 c0 a1 46 90",  // empty header value
        "95 01 80 01 a1 46 90",        // invocation id not a string
        "95 01 80 c0 c0 90",           // nil target
        "95 01 80 c0 a0 90",           // empty target
        "95 01 80 c0 01 90",           // target not a string
        "95 01 80 c0 a1 46 80",        // arguments not an array
        "96 01 80 c0 a1 46 90 80",     // streamIds not an array
        "96 01 80 c0 a1 46 90 91 01",  // a stream id not a string
        "96 01 80 c0 a1 46 90 91 a0",  // an empty stream id
        "96 01 80 c0 a1 46 90 91 c0",  // a nil stream id
        "95 04 80 c0 a1 46 90",        // a stream invocation needs an id
        "95 04 80 a0 a1 46 90",
        "94 02 80 c0 01",              // a stream item needs an id
        "94 03 80 a0 02",              // so does a completion
        "94 03 80 a1 31 04",           // result kind 4
        "94 03 80 a1 31 a1 32",        // result kind not an integer
        "95 03 80 a1 31 01 01",        // error not a string
        "93 05 80 c0",                 // a cancel needs an id
        "92 07 01",                    // close error not a string
        "93 07 c0 01",                 // allowReconnect not a bool
        "92 08 a1 31",                 // sequence id not an integer
        "92 09 cf ff ff ff ff ff ff ff ff",  // over Int64
    };
    for (const char* body : bodies) EXPECT_EQ(error_of(body), int(errc::wrong_type)) << body;
}

TEST(MsgpackProtocolErrors, NestingBombInAnArgument) {
    std::string body = hex("95 01 80 c0 a1 46 91");
    body.append(100'000, '\x91');
    body.push_back('\xc0');
    msgpack_protocol::parser p(0);
    auto s = p.next(rec_bytes(body));
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.err().code, int(errc::malformed));
    // 61 levels inside the argument (64 with the message and the arguments array) are fine.
    std::string ok = hex("95 01 80 c0 a1 46 91") + std::string(62, '\x91') + "\x01";
    EXPECT_TRUE(p.next(rec_bytes(ok)).ok());
    std::string deep = hex("95 01 80 c0 a1 46 91") + std::string(63, '\x91') + "\x01";
    EXPECT_FALSE(p.next(rec_bytes(deep)).ok());
}

TEST(MsgpackProtocolErrors, ValuesJsonCannotCarryOnlyFailTheJsonPayload) {
    const char* with_ext = "95 01 80 c0 a1 46 91 d4 05 00";            // an application ext type
    const char* with_key = "95 01 80 c0 a1 46 91 81 c3 01";            // a map with a boolean key
    const char* item_ext = "94 02 80 a1 31 d4 05 00";
    const char* result_ext = "95 03 80 a1 31 03 d4 05 00";
    for (const char* body : {with_ext, with_key, item_ext, result_ext}) {
        EXPECT_EQ(error_of(body), int(errc::unsupported_value)) << body;
        msgpack_protocol::parser raw(0, payload_format::msgpack);
        EXPECT_TRUE(raw.next(rec_bytes(hex(body))).ok()) << body;
    }
}

TEST(MsgpackProtocolErrors, EveryTruncationOfARecordBodyIsAnError) {
    // The prefix claims the full length but the body ends early, as a hostile peer could send.
    const std::string body =
        hex("96 01 81 a1 6b a1 76 a1 37 a6 55 70 64 61 74 65 93 cd 01 00 82 a1 61 cb 3f f8 00 00 00 00 00 00 a1 62 c4 "
            "02 00 01 d7 ff 1d 53 53 00 6b 11 cb e7 91 a1 31");
    msgpack_protocol::parser p(0);
    ASSERT_TRUE(p.next(rec_bytes(body)).ok());
    for (std::size_t n = 1; n < body.size(); ++n) {
        auto s = p.next(rec_bytes(body.substr(0, n)));
        EXPECT_FALSE(s.ok()) << n;
    }
}

}  // namespace
}  // namespace tallyhub::signalr
