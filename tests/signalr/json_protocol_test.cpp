// Parsing the JSON hub protocol: the real JS client's records, several per buffer, split records,
// field order, escapes, raw arguments, padding. Errors: json_protocol_errors_test; writing: json_protocol_write_test.

#include "signalr/json_protocol.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

namespace tallyhub::signalr {
namespace {

using json_protocol::step_kind;

std::string rec(std::string_view json) { return std::string(json) + '\x1e'; }

template <typename T>
T parse_one(json_protocol::parser& p, const std::string& input) {
    auto s = p.next(input);
    EXPECT_TRUE(s.ok()) << input << (s.ok() ? "" : s.err().reason);
    if (!s.ok()) return T{};
    EXPECT_EQ(s->kind, step_kind::message);
    EXPECT_EQ(s->consumed, input.size());
    const T* m = std::get_if<T>(&s->message);
    EXPECT_NE(m, nullptr) << input;
    return m ? *m : T{};
}

std::vector<std::string> strings(std::span<const std::string_view> views) {
    return {views.begin(), views.end()};
}

TEST(JsonProtocolParse, JsClientInvocationWithTypeLast) {
    json_protocol::parser p;
    auto m = parse_one<invocation_message>(p, rec(R"({"target":"Fire","arguments":[1],"type":1})"));
    EXPECT_EQ(m.invocation_id, "");  // fire-and-forget
    EXPECT_EQ(m.target, "Fire");
    EXPECT_EQ(strings(m.arguments), (std::vector<std::string>{"1"}));
    EXPECT_TRUE(m.stream_ids.empty());
    EXPECT_TRUE(m.headers.empty());
}

TEST(JsonProtocolParse, JsClientStreamInvocationCancelAndClientResult) {
    json_protocol::parser p;
    auto si = parse_one<stream_invocation_message>(
        p, rec(R"({"target":"Counter","arguments":[3],"invocationId":"2","type":4})"));
    EXPECT_EQ(si.invocation_id, "2");
    EXPECT_EQ(si.target, "Counter");
    EXPECT_EQ(strings(si.arguments), (std::vector<std::string>{"3"}));
    EXPECT_EQ(parse_one<cancel_invocation_message>(p, rec(R"({"invocationId":"2","type":5})")).invocation_id, "2");
    auto c = parse_one<completion_message>(p, rec(R"({"invocationId":"s1","result":42,"type":3})"));
    EXPECT_EQ(c.invocation_id, "s1");
    EXPECT_EQ(c.result, "42");
    EXPECT_FALSE(c.error);
}

TEST(JsonProtocolParse, UploadStreamBatchedInOneFrame) {
    const std::string frame = rec(R"({"target":"Upload","arguments":[],"streamIds":["1"],"type":1})") +
                              rec(R"({"invocationId":"1","item":"a","type":2})") +
                              rec(R"({"invocationId":"1","type":3})");
    json_protocol::parser p;
    std::vector<message_type> seen;
    auto consumed = p.parse(frame, [&](const hub_message& m) {
        seen.push_back(type_of(m));
        if (auto* inv = std::get_if<invocation_message>(&m)) {
            EXPECT_TRUE(inv->arguments.empty());
            EXPECT_EQ(strings(inv->stream_ids), (std::vector<std::string>{"1"}));
        } else if (auto* item = std::get_if<stream_item_message>(&m)) {
            EXPECT_EQ(item->invocation_id, "1");
            EXPECT_EQ(item->item, R"("a")");
        } else if (auto* done = std::get_if<completion_message>(&m)) {
            EXPECT_FALSE(done->result);  // an upload's end carries neither result nor error
            EXPECT_FALSE(done->error);
        }
    });
    ASSERT_TRUE(consumed.ok());
    EXPECT_EQ(*consumed, frame.size());
    EXPECT_EQ(seen, (std::vector{message_type::invocation, message_type::stream_item, message_type::completion}));
}

TEST(JsonProtocolParse, PingCloseAckSequence) {
    json_protocol::parser p;
    parse_one<ping_message>(p, rec(R"({"type":6})"));
    auto bare = parse_one<close_message>(p, rec(R"({"type":7})"));
    EXPECT_FALSE(bare.error);
    EXPECT_FALSE(bare.allow_reconnect);
    auto c = parse_one<close_message>(
        p, rec(R"({"type":7,"error":"Connection closed with an error.","allowReconnect":true})"));
    EXPECT_EQ(c.error, "Connection closed with an error.");
    EXPECT_TRUE(c.allow_reconnect);
    EXPECT_EQ(parse_one<close_message>(p, rec(R"({"type":7,"error":""})")).error, "");  // still an error
    EXPECT_EQ(parse_one<ack_message>(p, rec(R"({"type":8,"sequenceId":1394})")).sequence_id, 1394);
    EXPECT_EQ(parse_one<sequence_message>(p, rec(R"({"sequenceId":9007199254740993,"type":9})")).sequence_id,
              9007199254740993);
}

TEST(JsonProtocolParse, SpecHeaderExamplePrettyPrinted) {
    json_protocol::parser p;
    auto m = parse_one<invocation_message>(p, rec(R"({
    "type": 1,
    "headers": {
        "Foo": "Bar"
    },
    "invocationId": "123",
    "target": "Send",
    "arguments": [
        42,
        "Test Message"
    ]
})"));
    EXPECT_EQ(m.invocation_id, "123");
    ASSERT_EQ(m.headers.size(), 1u);
    EXPECT_EQ(m.headers[0].name, "Foo");
    EXPECT_EQ(m.headers[0].value, "Bar");
    EXPECT_EQ(strings(m.arguments), (std::vector<std::string>{"42", R"("Test Message")"}));
}

TEST(JsonProtocolParse, KeepsArgumentsAsExactRawJson) {
    json_protocol::parser p;
    auto m = parse_one<invocation_message>(
        p, rec(R"({"type":1,"target":"Update","arguments":[ {"a": [1, 2, {"b":null}], "c":"\u00e9"} ,)"
               R"( -2.5e3 ,true,null,"x\"y",[] ]})"));
    EXPECT_EQ(strings(m.arguments), (std::vector<std::string>{R"({"a": [1, 2, {"b":null}], "c":"\u00e9"})", "-2.5e3",
                                                              "true", "null", R"("x\"y")", "[]"}));
}

TEST(JsonProtocolParse, DecodesEscapesInStrings) {
    json_protocol::parser p;
    auto m = parse_one<completion_message>(
        p, rec(R"({"type":3,"invocationId":"\ud83d\ude00","error":"line\nbreak \"q\" \u00e9",)"
               R"("headers":{"k\u0041":"\t"}})"));
    EXPECT_EQ(m.invocation_id, "\xF0\x9F\x98\x80");
    EXPECT_EQ(m.error, "line\nbreak \"q\" \xC3\xA9");
    ASSERT_EQ(m.headers.size(), 1u);
    EXPECT_EQ(m.headers[0].name, "kA");
    EXPECT_EQ(m.headers[0].value, "\t");
    // Escaped property names match too, as in System.Text.Json.
    EXPECT_EQ(parse_one<invocation_message>(p, rec(R"({"t\u0079pe":1,"target":"Se\u006Ed","arguments":[]})")).target,
              "Send");
}

TEST(JsonProtocolParse, AnyFieldOrderGivesTheSameMessage) {
    std::vector<std::string> parts = {R"("arguments":[1,{"x":2}])", R"("invocationId":"7")", R"("target":"Add")",
                                      R"("type":1)", R"("headers":{"h":"v"})"};
    std::sort(parts.begin(), parts.end());
    json_protocol::parser p;
    int permutations = 0;
    do {
        std::string json = "{" + parts[0];
        for (std::size_t i = 1; i < parts.size(); ++i) json += "," + parts[i];
        auto m = parse_one<invocation_message>(p, rec(json + "}"));
        EXPECT_EQ(m.invocation_id, "7") << json;
        EXPECT_EQ(m.target, "Add") << json;
        EXPECT_EQ(strings(m.arguments), (std::vector<std::string>{"1", R"({"x":2})"})) << json;
        ASSERT_EQ(m.headers.size(), 1u) << json;
        ++permutations;
    } while (std::next_permutation(parts.begin(), parts.end()));
    EXPECT_EQ(permutations, 120);
}

TEST(JsonProtocolParse, PartialRecordsAreIncompleteNotErrors) {
    json_protocol::parser p;
    for (std::string partial : {"", "{", R"({"type":6})", R"({"type":1,"target":"x","argu)"}) {
        auto s = p.next(partial);
        ASSERT_TRUE(s.ok()) << partial;
        EXPECT_EQ(s->kind, step_kind::incomplete);
        EXPECT_EQ(s->consumed, 0u);
    }
}

TEST(JsonProtocolParse, LeavesATrailingPartialRecordUnconsumed) {
    const std::string complete = rec(R"({"type":6})") + rec(R"({"type":7})");
    json_protocol::parser p;
    int n = 0;
    auto consumed = p.parse(complete + R"({"type":1,"tar)", [&](const hub_message&) { ++n; });
    ASSERT_TRUE(consumed.ok());
    EXPECT_EQ(*consumed, complete.size());
    EXPECT_EQ(n, 2);
}

TEST(JsonProtocolParse, ByteAtATimeDeliveryYieldsEveryMessage) {
    const std::string stream = rec(R"({"type":1,"target":"Add","arguments":[1,2],"invocationId":"0"})") +
                               rec(R"({"type":6})") + rec(R"({"invocationId":"1","item":{"v":[1]},"type":2})");
    json_protocol::parser p;
    std::string buffered;
    std::vector<std::string> got;
    for (char c : stream) {
        buffered.push_back(c);
        auto consumed = p.parse(buffered, [&](const hub_message& m) {
            if (auto* inv = std::get_if<invocation_message>(&m)) got.push_back(std::string(inv->target));
            if (auto* item = std::get_if<stream_item_message>(&m)) got.push_back(std::string(item->item));
            if (std::holds_alternative<ping_message>(m)) got.push_back("ping");
        });
        ASSERT_TRUE(consumed.ok());
        buffered.erase(0, *consumed);
    }
    EXPECT_TRUE(buffered.empty());
    EXPECT_EQ(got, (std::vector<std::string>{"Add", "ping", R"({"v":[1]})"}));
}

TEST(JsonProtocolParse, UnknownTypesAreSkippedAndUnknownFieldsIgnored) {
    // 257 must not wrap around to 1 (Invocation).
    const std::string frame = rec(R"({"type":99,"future":[1,{"a":2}]})") + rec(R"({"type":0})") +
                              rec(R"({"type":257})") +
                              rec(R"({"type":6,"headers":{"x":"y"},"extra":{"n":null}})");
    json_protocol::parser p;
    auto s = p.next(frame);
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(s->kind, step_kind::ignored);
    EXPECT_EQ(s->consumed, frame.find('\x1e') + 1);
    std::vector<message_type> seen;
    ASSERT_TRUE(p.parse(frame, [&](const hub_message& m) { seen.push_back(type_of(m)); }).ok());
    EXPECT_EQ(seen, (std::vector{message_type::ping}));
}

TEST(JsonProtocolParse, RepeatedHeaderNameKeepsTheLastValue) {
    json_protocol::parser p;
    auto m = parse_one<cancel_invocation_message>(
        p, rec(R"({"type":5,"invocationId":"1","headers":{"a":"1","b":"2","a":"3"}})"));
    ASSERT_EQ(m.headers.size(), 2u);
    EXPECT_EQ(m.headers[0].value, "3");
    EXPECT_EQ(m.headers[1].name, "b");
}

TEST(JsonProtocolParse, NullErrorMeansNoErrorAndNullResultIsAResult) {
    json_protocol::parser p;
    auto m = parse_one<completion_message>(p, rec(R"({"type":3,"invocationId":"1","error":null,"result":null})"));
    EXPECT_FALSE(m.error);
    EXPECT_EQ(m.result, "null");
}

TEST(JsonProtocolParse, ParsesInPlaceOnlyWithEnoughReadableBytesAfterTheRecord) {
    const std::string record = rec(R"({"type":1,"target":"x","arguments":[12345]})");
    json_protocol::parser p;
    // Last record of an exactly-sized heap block: must be copied (ASan would flag an over-read).
    auto exact = std::make_unique<char[]>(record.size());
    std::copy(record.begin(), record.end(), exact.get());
    auto a = p.next(std::string_view(exact.get(), record.size()));
    ASSERT_TRUE(a.ok());
    const auto& copied = std::get<invocation_message>(a->message).arguments[0];
    EXPECT_EQ(copied, "12345");
    EXPECT_FALSE(copied.data() >= exact.get() && copied.data() < exact.get() + record.size());
    // With the caller vouching for padding bytes after the input, raw views point into the input.
    std::string roomy = record + std::string(json_protocol::padding, ' ');
    auto b = p.next(std::string_view(roomy).substr(0, record.size()), json_protocol::padding);
    ASSERT_TRUE(b.ok());
    const auto& in_place = std::get<invocation_message>(b->message).arguments[0];
    EXPECT_EQ(in_place, "12345");
    EXPECT_TRUE(in_place.data() >= roomy.data() && in_place.data() < roomy.data() + record.size());
}

}  // namespace
}  // namespace tallyhub::signalr
