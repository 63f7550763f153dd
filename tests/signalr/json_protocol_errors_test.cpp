// Protocol violations in received JSON hub messages: each one is an error (the connection is closed),
// with ASP.NET Core's reason text; malformed JSON anywhere in a record, nesting and size limits.

#include "signalr/json_protocol.hpp"

#include <gtest/gtest.h>

#include <string>

namespace tallyhub::signalr {
namespace {

using json_protocol::errc;
using json_protocol::step_kind;

std::string rec(std::string_view json) { return std::string(json) + '\x1e'; }

error parse_error(const std::string& json) {
    json_protocol::parser p;
    auto s = p.next(rec(json));
    EXPECT_FALSE(s.ok()) << json;
    return s.ok() ? error{} : s.err();
}

struct error_case {
    const char* json;
    errc code;
    const char* reason;
};

TEST(JsonProtocolParse, ProtocolErrorsWithDotNetReasons) {
    const error_case cases[] = {
        {R"({"target":"x","arguments":[]})", errc::missing_property, "Missing required property 'type'."},
        {R"({"type":1,"arguments":[]})", errc::missing_property, "Missing required property 'target'."},
        {R"({"type":1,"target":"","arguments":[]})", errc::missing_property, "Missing required property 'target'."},
        {R"({"type":1,"target":"x"})", errc::missing_property, "Missing required property 'arguments'."},
        {R"({"type":4,"target":"x","arguments":[]})", errc::missing_property,
         "Missing required property 'invocationId'."},
        {R"({"type":2,"item":1})", errc::missing_property, "Missing required property 'invocationId'."},
        {R"({"type":2,"invocationId":"1"})", errc::missing_property, "Missing required property 'item'."},
        {R"({"type":3,"invocationId":"","result":1})", errc::missing_property,
         "Missing required property 'invocationId'."},
        {R"({"type":5})", errc::missing_property, "Missing required property 'invocationId'."},
        {R"({"type":8})", errc::missing_property, "Missing required property 'sequenceId'."},
        {R"({"type":9,"sequenceId":null})", errc::missing_property, "Missing required property 'sequenceId'."},
        {R"({"type":3,"invocationId":"1","result":1,"error":"e"})", errc::conflicting_properties,
         "The 'error' and 'result' properties are mutually exclusive."},
        {R"({"type":"1"})", errc::wrong_type, "Expected 'type' to be of type Number."},
        {R"({"type":null})", errc::wrong_type, "Expected 'type' to be of type Number."},
        {R"({"type":1.5})", errc::wrong_type, "Expected 'type' to be of type Number."},
        {R"({"type":4294967297})", errc::wrong_type, "Expected 'type' to be of type Number."},
        {R"({"type":1,"target":1,"arguments":[]})", errc::wrong_type, "Expected 'target' to be of type String."},
        {R"({"type":1,"target":null,"arguments":[]})", errc::wrong_type, "Expected 'target' to be of type String."},
        {R"({"type":3,"invocationId":1})", errc::wrong_type, "Expected 'invocationId' to be of type String."},
        {R"({"type":7,"error":false})", errc::wrong_type, "Expected 'error' to be of type String."},
        {R"({"type":7,"allowReconnect":"true"})", errc::wrong_type, "Expected 'allowReconnect' to be true or false."},
        {R"({"type":1,"target":"x","arguments":{}})", errc::wrong_type, "Expected 'arguments' to be of type Array."},
        {R"({"type":1,"target":"x","arguments":[],"streamIds":"1"})", errc::wrong_type,
         "Expected 'streamIds' to be of type Array."},
        {R"({"type":1,"target":"x","arguments":[],"streamIds":[null]})", errc::wrong_type,
         "Null value for 'streamIds' is not valid."},
        {R"({"type":1,"target":"x","arguments":[],"streamIds":[1]})", errc::wrong_type,
         "Expected 'streamIds' to contain strings."},
        {R"({"type":5,"invocationId":"1","headers":[]})", errc::wrong_type,
         "Expected 'headers' to be of type StartObject."},
        {R"({"type":5,"invocationId":"1","headers":{"a":1}})", errc::wrong_type,
         "Expected header values to be of type String."},
        {R"({"type":8,"sequenceId":"1"})", errc::wrong_type, "Expected 'sequenceId' to be of type Number."},
    };
    for (const auto& c : cases) {
        error e = parse_error(c.json);
        EXPECT_EQ(e.code, static_cast<int>(c.code)) << c.json;
        EXPECT_EQ(e.reason, c.reason) << c.json;
    }
}

TEST(JsonProtocolParse, MalformedJsonAnywhereIsAnError) {
    const char* cases[] = {
        "",                                                     // empty record
        "not json",
        "[1]",                                                  // not an object
        R"({"type":6)",                                         // unterminated
        R"({"type":6} {"type":6})",                             // two objects in one record
        R"({"type":6,})",
        R"({"type":1,"target":"x","arguments":[1,,2]})",        // bad argument structure
        R"({"type":1,"target":"x","arguments":[tru]})",         // bad literal
        R"({"type":1,"target":"x","arguments":[01]})",          // bad number
        R"({"type":1,"target":"x","arguments":["\x"]})",        // bad escape
        R"({"type":1,"target":"x","arguments":["\ud800"]})",    // lone surrogate
        R"({"type":1,"target":"x","arguments":[{"a" 1}]})",
        R"({"type":6,"unknown":[1,,2]})",                       // unknown fields must still be JSON
        "{\"type\":1,\"target\":\"\xC3\x28\",\"arguments\":[]}",  // invalid UTF-8
    };
    for (const char* json : cases) {
        EXPECT_EQ(parse_error(json).code, static_cast<int>(errc::malformed_json)) << json;
    }
}

TEST(JsonProtocolParse, NestingIsLimitedTo64LikeSystemTextJson) {
    auto nested = [](int arrays) {
        return R"({"type":1,"target":"x","arguments":[)" + std::string(arrays, '[') + std::string(arrays, ']') + "]}";
    };
    json_protocol::parser p;
    EXPECT_TRUE(p.next(rec(nested(62))).ok());  // message object + arguments + 62 = depth 64
    EXPECT_EQ(parse_error(nested(63)).code, static_cast<int>(errc::malformed_json));
    EXPECT_EQ(parse_error(nested(5000)).code, static_cast<int>(errc::malformed_json));
}

TEST(JsonProtocolParse, EnforcesTheMaximumMessageSize) {
    const std::string ping = rec(R"({"type":6})");  // 11 bytes with its separator
    json_protocol::parser p(11);
    EXPECT_EQ(p.next(ping)->kind, step_kind::message);
    json_protocol::parser small(10);
    EXPECT_EQ(small.next(ping).err().code, static_cast<int>(errc::message_too_large));
    // Without a separator: incomplete up to the limit, an error past it.
    EXPECT_EQ(small.next(std::string(10, ' '))->kind, step_kind::incomplete);
    EXPECT_EQ(small.next(std::string(11, ' ')).err().reason, "The maximum message size was exceeded.");
    json_protocol::parser unlimited(0);
    EXPECT_EQ(unlimited.next(std::string(100000, ' '))->kind, step_kind::incomplete);
}

}  // namespace
}  // namespace tallyhub::signalr
