// Writing the JSON hub protocol: every message type byte-exact as ASP.NET Core writes it (property
// order, omitted properties), batching, escaping, and round trips through the parser.

#include <gtest/gtest.h>

#include <string>

#include "signalr/json_protocol.hpp"

namespace tallyhub::signalr {
namespace {

std::string rec(std::string_view json) { return std::string(json) + '\x1e'; }

std::string written(const hub_message& m) {
    std::string out;
    json_protocol::write(m, out);
    return out;
}

TEST(JsonProtocolWrite, CompletionsAsTheReferenceShows) {
    EXPECT_EQ(written(completion_message{.invocation_id = "0", .result = "3"}),
              rec(R"({"type":3,"invocationId":"0","result":3})"));
    // A void hub method still answers with "result":null.
    EXPECT_EQ(written(completion_message{.invocation_id = "0", .result = json_null}),
              rec(R"({"type":3,"invocationId":"0","result":null})"));
    // A stream's end carries neither result nor error.
    EXPECT_EQ(written(completion_message{.invocation_id = "2"}), rec(R"({"type":3,"invocationId":"2"})"));
    EXPECT_EQ(written(completion_message{.invocation_id = "0", .error = "It didn't work!"}),
              rec(R"({"type":3,"invocationId":"0","error":"It didn't work!"})"));
}

TEST(JsonProtocolWrite, CompletionErrorWinsAndEmptyErrorIsOmitted) {
    EXPECT_EQ(written(completion_message{.invocation_id = "1", .error = "e", .result = "1"}),
              rec(R"({"type":3,"invocationId":"1","error":"e"})"));
    EXPECT_EQ(written(completion_message{.invocation_id = "1", .error = "", .result = "1"}),
              rec(R"({"type":3,"invocationId":"1","result":1})"));
}

TEST(JsonProtocolWrite, ServerToClientInvocationHasNoId) {
    const std::string_view args[] = {R"("a")", "1"};
    EXPECT_EQ(written(invocation_message{.target = "ReceiveMessage", .arguments = args}),
              rec(R"({"type":1,"target":"ReceiveMessage","arguments":["a",1]})"));
    EXPECT_EQ(written(invocation_message{.target = "Refresh"}),
              rec(R"({"type":1,"target":"Refresh","arguments":[]})"));
}

TEST(JsonProtocolWrite, MetricsBroadcastByteExact) {
    const std::string_view args[] = {
        R"({"TotalOrders":12345,"TotalRevenue":987654.32,"AverageOrderValue":80.01,"Timestamp":"2026-12-03T20:07:03.123Z"})"};
    EXPECT_EQ(written(invocation_message{.target = "ReceiveMetricsUpdate", .arguments = args}),
              rec(R"({"type":1,"target":"ReceiveMetricsUpdate","arguments":[{"TotalOrders":12345,"TotalRevenue":987654.32,)"
                  R"("AverageOrderValue":80.01,"Timestamp":"2026-12-03T20:07:03.123Z"}]})"));
}

TEST(JsonProtocolWrite, ClientResultInvocationAndStreamIdsInDotNetOrder) {
    EXPECT_EQ(written(invocation_message{.invocation_id = "s1", .target = "GetAnswer"}),
              rec(R"({"type":1,"invocationId":"s1","target":"GetAnswer","arguments":[]})"));
    const std::string_view args[] = {"42"};
    const std::string_view streams[] = {"1", "2"};
    EXPECT_EQ(written(stream_invocation_message{.invocation_id = "123", .target = "Send", .arguments = args,
                                                .stream_ids = streams}),
              rec(R"({"type":4,"invocationId":"123","target":"Send","arguments":[42],"streamIds":["1","2"]})"));
}

TEST(JsonProtocolWrite, HeadersComeRightAfterType) {
    const header hs[] = {{"Foo", "Bar"}, {"k", "v\""}};
    const std::string_view args[] = {"42", R"("Test Message")"};
    EXPECT_EQ(written(invocation_message{.invocation_id = "123", .target = "Send", .arguments = args, .headers = hs}),
              rec(R"({"type":1,"headers":{"Foo":"Bar","k":"v\""},"invocationId":"123","target":"Send",)"
                  R"("arguments":[42,"Test Message"]})"));
    EXPECT_EQ(written(cancel_invocation_message{.invocation_id = "9", .headers = hs}),
              rec(R"({"type":5,"headers":{"Foo":"Bar","k":"v\""},"invocationId":"9"})"));
}

TEST(JsonProtocolWrite, StreamItemsCancelPing) {
    EXPECT_EQ(written(stream_item_message{.invocation_id = "123", .item = "42"}),
              rec(R"({"type":2,"invocationId":"123","item":42})"));
    EXPECT_EQ(written(stream_item_message{.invocation_id = "1"}),
              rec(R"({"type":2,"invocationId":"1","item":null})"));
    EXPECT_EQ(written(stream_item_message{.invocation_id = "1", .item = ""}),
              rec(R"({"type":2,"invocationId":"1","item":null})"));
    EXPECT_EQ(written(cancel_invocation_message{.invocation_id = "123"}), rec(R"({"type":5,"invocationId":"123"})"));
    EXPECT_EQ(written(ping_message{}), rec(R"({"type":6})"));
    EXPECT_EQ(written(ping_message{}), json_protocol::ping_record);
}

TEST(JsonProtocolWrite, CloseVariants) {
    EXPECT_EQ(written(close_message{}), rec(R"({"type":7})"));
    EXPECT_EQ(written(close_message{.allow_reconnect = true}), rec(R"({"type":7,"allowReconnect":true})"));
    EXPECT_EQ(written(close_message{.error = "Connection closed with an error.", .allow_reconnect = true}),
              rec(R"({"type":7,"error":"Connection closed with an error.","allowReconnect":true})"));
    EXPECT_EQ(written(close_message{.error = ""}), rec(R"({"type":7,"error":""})"));
}

TEST(JsonProtocolWrite, AckAndSequence) {
    EXPECT_EQ(written(ack_message{1394}), rec(R"({"type":8,"sequenceId":1394})"));
    EXPECT_EQ(written(sequence_message{1234}), rec(R"({"type":9,"sequenceId":1234})"));
}

TEST(JsonProtocolWrite, EscapesStringsButNotRawJson) {
    const std::string_view args[] = {R"("already \"json\"")"};
    EXPECT_EQ(written(invocation_message{.target = "a\"b\n\xE2\x80\xA8", .arguments = args}),
              rec(R"({"type":1,"target":"a\"b\n\u2028","arguments":["already \"json\""]})"));
    const std::string_view failure = "Failed to invoke 'X' due to an error on the server.";
    EXPECT_EQ(written(completion_message{.invocation_id = "1", .error = failure}),
              rec(R"({"type":3,"invocationId":"1","error":"Failed to invoke 'X' due to an error on the server."})"));
}

TEST(JsonProtocolWrite, AppendsSoOneFrameCanCarrySeveralRecords) {
    std::string frame;
    json_protocol::write(ping_message{}, frame);
    json_protocol::write(close_message{.allow_reconnect = true}, frame);
    EXPECT_EQ(frame, rec(R"({"type":6})") + rec(R"({"type":7,"allowReconnect":true})"));
}

TEST(JsonProtocolWrite, EveryTypeRoundTripsThroughTheParser) {
    const header hs[] = {{"h", "v"}};
    const std::string_view args[] = {R"({"a":[1,"\u00e9"]})", "null"};
    const std::string_view streams[] = {"7"};
    const hub_message messages[] = {
        invocation_message{"1", "Add", args, streams, hs},
        stream_item_message{"1", R"([1,2])", hs},
        completion_message{"1", std::nullopt, "3", hs},
        completion_message{"1", "boom", std::nullopt, {}},
        stream_invocation_message{"2", "Counter", args, {}, {}},
        cancel_invocation_message{"2", hs},
        ping_message{},
        close_message{"bye \"now\"", true},
        ack_message{INT64_MAX},
        sequence_message{1},
    };
    std::string frame;
    for (const auto& m : messages) json_protocol::write(m, frame);

    json_protocol::parser p;
    std::size_t i = 0;
    auto consumed = p.parse(frame, [&](const hub_message& got) {
        ASSERT_LT(i, std::size(messages));
        // Re-encoding what was parsed gives the same bytes: nothing was lost or altered.
        EXPECT_EQ(written(got), written(messages[i])) << i;
        ++i;
    });
    ASSERT_TRUE(consumed.ok());
    EXPECT_EQ(*consumed, frame.size());
    EXPECT_EQ(i, std::size(messages));
}

}  // namespace
}  // namespace tallyhub::signalr
