// Writing the MessagePack hub protocol: every message type byte-exact as ASP.NET Core's
// MessagePackHubProtocolWorker writes it (6-item invocations, headers always, Completion kinds, 3-item
// Close), the MetricsHub broadcast, length prefixes past one byte, JSON payload conversion, and round
// trips through the parser. The records written here were also decoded by the official client
// (@microsoft/signalr-protocol-msgpack 10.0.11 parseMessages in Node 20), singly and as one batch.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "signalr/msgpack_protocol.hpp"

namespace tallyhub::signalr {
namespace {

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

std::string rec(std::string_view body_hex) {
    const std::string body = hex(body_hex);
    std::string out;
    msgpack_protocol::append_length_prefix(out, static_cast<std::uint32_t>(body.size()));
    return out + body;
}

std::string written(const hub_message& m) {
    std::string out;
    msgpack_protocol::write(m, out);
    return out;
}

std::string written_from_json(const hub_message& m) {
    std::string out;
    auto r = msgpack_protocol::write_json_payload(m, out);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.err().reason);
    return out;
}

const std::string forty_two = hex("2a");

TEST(MsgpackProtocolWrite, SpecExamplesByteExact) {
    const std::string_view args[] = {forty_two};
    EXPECT_EQ(written(invocation_message{.invocation_id = "xyz", .target = "method", .arguments = args}),
              rec("96 01 80 a3 78 79 7a a6 6d 65 74 68 6f 64 91 2a 90"));
    EXPECT_EQ(written(invocation_message{.target = "method", .arguments = args}),
              rec("96 01 80 c0 a6 6d 65 74 68 6f 64 91 2a 90"));
    EXPECT_EQ(written(stream_invocation_message{.invocation_id = "xyz", .target = "method", .arguments = args}),
              rec("96 04 80 a3 78 79 7a a6 6d 65 74 68 6f 64 91 2a 90"));
    EXPECT_EQ(written(stream_item_message{.invocation_id = "xyz", .item = forty_two}), rec("94 02 80 a3 78 79 7a 2a"));
    EXPECT_EQ(written(completion_message{.invocation_id = "xyz", .error = "Error"}),
              rec("95 03 80 a3 78 79 7a 01 a5 45 72 72 6f 72"));
    EXPECT_EQ(written(completion_message{.invocation_id = "xyz"}), rec("94 03 80 a3 78 79 7a 02"));
    EXPECT_EQ(written(completion_message{.invocation_id = "xyz", .result = forty_two}), rec("95 03 80 a3 78 79 7a 03 2a"));
    EXPECT_EQ(written(cancel_invocation_message{.invocation_id = "xyz"}), rec("93 05 80 a3 78 79 7a"));
    EXPECT_EQ(written(ping_message{}), msgpack_protocol::ping_record);
    EXPECT_EQ(msgpack_protocol::ping_record, hex("02 91 06"));
    const header hs[] = {{"x", "y"}, {"z", "z"}};
    EXPECT_EQ(written(invocation_message{.invocation_id = "xyz", .target = "method", .arguments = args, .headers = hs}),
              rec("96 01 82 a1 78 a1 79 a1 7a a1 7a a3 78 79 7a a6 6d 65 74 68 6f 64 91 2a 90"));
}

TEST(MsgpackProtocolWrite, CloseAlwaysHasThreeItems) {
    EXPECT_EQ(written(close_message{}), rec("93 07 c0 c2"));  // as the .NET server writes it
    EXPECT_EQ(written(close_message{.error = "xyz", .allow_reconnect = true}), rec("93 07 a3 78 79 7a c3"));
    EXPECT_EQ(written(close_message{.error = ""}), rec("93 07 c0 c2"));  // .NET writes an empty error as nil
}

TEST(MsgpackProtocolWrite, SequenceIdsUseTheSmallestInteger) {
    EXPECT_EQ(written(ack_message{36}), rec("92 08 24"));  // the spec's `cc 24` reads the same
    EXPECT_EQ(written(ack_message{1394}), rec("92 08 cd 05 72"));
    EXPECT_EQ(written(sequence_message{-1}), rec("92 09 ff"));
    EXPECT_EQ(written(sequence_message{INT64_MAX}), rec("92 09 cf 7f ff ff ff ff ff ff ff"));
}

TEST(MsgpackProtocolWrite, CompletionKinds) {
    // A void hub method still answers with a result: kind 3 + nil, mirroring JSON's "result":null.
    EXPECT_EQ(written(completion_message{.invocation_id = "0", .result = json_null}), rec("95 03 80 a1 30 03 c0"));
    EXPECT_EQ(written_from_json(completion_message{.invocation_id = "0", .result = json_null}), rec("95 03 80 a1 30 03 c0"));
    EXPECT_EQ(written_from_json(completion_message{.invocation_id = "1", .result = "3"}), rec("95 03 80 a1 31 03 03"));
    // The error wins over a result; an empty error does not count.
    EXPECT_EQ(written(completion_message{.invocation_id = "1", .error = "e", .result = forty_two}),
              rec("95 03 80 a1 31 01 a1 65"));
    EXPECT_EQ(written(completion_message{.invocation_id = "1", .error = "", .result = forty_two}),
              rec("95 03 80 a1 31 03 2a"));
    EXPECT_EQ(written(completion_message{.invocation_id = "2"}), rec("94 03 80 a1 32 02"));  // a stream's end
}

TEST(MsgpackProtocolWrite, MetricsBroadcastByteExact) {
    const std::string_view args[] = {
        R"({"TotalOrders":12345,"TotalRevenue":987654.32,"AverageOrderValue":80.01,"Timestamp":"2026-12-03T20:07:03.123Z"})"};
    const std::string record = written_from_json(invocation_message{.target = "ReceiveMetricsUpdate", .arguments = args});
    EXPECT_EQ(record, hex("7f 96 01 80 c0 b4 52 65 63 65 69 76 65 4d 65 74 72 69 63 73 55 70 64 61 74 65 91 84 ab 54 6f "
                          "74 61 6c 4f 72 64 65 72 73 cd 30 39 ac 54 6f 74 61 6c 52 65 76 65 6e 75 65 cb 41 2e 24 0c "
                          "a3 d7 0a 3d b1 41 76 65 72 61 67 65 4f 72 64 65 72 56 61 6c 75 65 cb 40 54 00 a3 d7 0a 3d "
                          "71 a9 54 69 6d 65 73 74 61 6d 70 b8 32 30 32 36 2d 31 32 2d 30 33 54 32 30 3a 30 37 3a 30 "
                          "33 2e 31 32 33 5a 90"));
    // Back through the parser, the argument is the same JSON text.
    msgpack_protocol::parser p;
    auto s = p.next(record);
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(std::get<invocation_message>(s->message).arguments[0], args[0]);
}

TEST(MsgpackProtocolWrite, JsonBroadcastRecordsTranscodeOnce) {
    const std::string_view arg = R"({"TotalOrders":1,"Timestamp":"2026-12-03T20:07:03.123Z"})";
    const std::string_view args[] = {arg};
    const std::string_view two[] = {R"("eu")", "[1,2]"};
    std::string json;
    json_protocol::write(invocation_message{.target = "ReceiveMetricsUpdate", .arguments = args}, json);
    json_protocol::write(invocation_message{.target = "ReceiveBatchUpdate", .arguments = two}, json);
    std::string want;
    ASSERT_TRUE(msgpack_protocol::write_json_payload(invocation_message{.target = "ReceiveMetricsUpdate", .arguments = args}, want).ok());
    ASSERT_TRUE(msgpack_protocol::write_json_payload(invocation_message{.target = "ReceiveBatchUpdate", .arguments = two}, want).ok());
    json_protocol::parser jp;
    std::string out;
    ASSERT_TRUE(msgpack_protocol::transcode_json_records(jp, json, out).ok());
    EXPECT_EQ(out, want);
    // A broken or cut record is refused whole.
    out = "x";
    EXPECT_FALSE(msgpack_protocol::transcode_json_records(jp, json.substr(0, json.size() - 1), out).ok());
    EXPECT_FALSE(msgpack_protocol::transcode_json_records(jp, json + "{\"type\":}\x1e", out).ok());
    EXPECT_EQ(out, "x");
}

TEST(MsgpackProtocolWrite, LongerBodiesGetLongerPrefixes) {
    for (std::size_t n : {100u, 117u, 118u, 16'373u, 16'374u, 3'000'000u}) {
        const std::string text(n, 'q');
        std::string item;
        item += '\xdb';  // str32, so the body is easy to size: 94 02 80 a1 31, then 5 + n bytes
        for (int i = 3; i >= 0; --i) item += static_cast<char>(n >> (8 * i));
        item += text;
        const std::string out = written(stream_item_message{.invocation_id = "1", .item = item});
        auto lp = msgpack_protocol::read_length_prefix(out);
        ASSERT_TRUE(lp.ok());
        EXPECT_EQ(lp->length, 10 + n);
        EXPECT_EQ(lp->size + lp->length, out.size());
        EXPECT_EQ(lp->size, lp->length < 128 ? 1u : lp->length < 16384 ? 2u : lp->length < 2097152 ? 3u : 4u);
        msgpack_protocol::parser p(0, payload_format::msgpack);
        auto s = p.next(out);
        ASSERT_TRUE(s.ok());
        EXPECT_EQ(std::get<stream_item_message>(s->message).item, item);
    }
}

TEST(MsgpackProtocolWrite, JsonPayloadThatIsNotJsonLeavesTheOutputAlone) {
    const std::string_view args[] = {"1", "{oops"};
    std::string out = "before";
    auto r = msgpack_protocol::write_json_payload(invocation_message{.target = "T", .arguments = args}, out);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(out, "before");
    // Empty raw text is nil in both forms.
    const std::string_view empty[] = {""};
    EXPECT_EQ(written_from_json(invocation_message{.target = "T", .arguments = empty}), rec("96 01 80 c0 a1 54 91 c0 90"));
    EXPECT_EQ(written(stream_item_message{.invocation_id = "1"}), rec("94 02 80 a1 31 c0"));  // default item: null
}

TEST(MsgpackProtocolWrite, BatchedRecordsParseBack) {
    std::string frame;
    msgpack_protocol::write(ping_message{}, frame);
    msgpack_protocol::write(completion_message{.invocation_id = "7", .result = forty_two}, frame);
    msgpack_protocol::write(close_message{.error = "bye"}, frame);
    msgpack_protocol::parser p(0, payload_format::msgpack);
    std::vector<message_type> seen;
    auto r = p.parse(frame, [&](const hub_message& m) { seen.push_back(type_of(m)); });
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(*r, frame.size());
    EXPECT_EQ(seen, (std::vector{message_type::ping, message_type::completion, message_type::close}));
}

// Every type, written with JSON payloads and parsed back with JSON payloads: the message model comes
// through unchanged, so the hub dispatcher cannot tell the protocols apart.
TEST(MsgpackProtocolWrite, EveryTypeRoundTripsThroughJsonPayloads) {
    const std::string_view args[] = {R"("a")", "-7", R"({"k":[true,null,1.5]})"};
    const std::string_view sids[] = {"1", "2"};
    const header hs[] = {{"h", "v"}};
    const std::vector<hub_message> messages = {
        invocation_message{"", "Fire", args, {}, {}},
        invocation_message{"3", "Call", args, sids, hs},
        stream_item_message{"3", R"([1,2])", hs},
        completion_message{"3", std::nullopt, R"("done")", {}},
        completion_message{"3", "boom", std::nullopt, {}},
        completion_message{"3", std::nullopt, std::nullopt, hs},
        stream_invocation_message{"4", "Counter", args, sids, {}},
        cancel_invocation_message{"4", hs},
        ping_message{},
        close_message{"why", true},
        close_message{std::nullopt, false},
        ack_message{9},
        sequence_message{10},
    };
    msgpack_protocol::parser p;
    for (const hub_message& m : messages) {
        const std::string out = written_from_json(m);
        auto s = p.next(out);
        ASSERT_TRUE(s.ok()) << int(type_of(m));
        ASSERT_EQ(s->message.index(), m.index());
        std::visit(
            [&](const auto& got) {
                using T = std::decay_t<decltype(got)>;
                const T& want = std::get<T>(m);
                if constexpr (requires { got.target; }) {
                    EXPECT_EQ(got.target, want.target);
                    EXPECT_EQ(std::vector<std::string_view>(got.arguments.begin(), got.arguments.end()),
                              std::vector<std::string_view>(want.arguments.begin(), want.arguments.end()));
                    EXPECT_EQ(got.stream_ids.size(), want.stream_ids.size());
                }
                if constexpr (requires { got.invocation_id; }) {
                    EXPECT_EQ(got.invocation_id, want.invocation_id);
                }
                if constexpr (requires { got.headers; }) {
                    ASSERT_EQ(got.headers.size(), want.headers.size());
                    for (std::size_t i = 0; i < got.headers.size(); ++i) {
                        EXPECT_EQ(got.headers[i].name, want.headers[i].name);
                        EXPECT_EQ(got.headers[i].value, want.headers[i].value);
                    }
                }
                if constexpr (requires { got.item; }) {
                    EXPECT_EQ(got.item, want.item);
                }
                if constexpr (requires { got.result; }) {
                    EXPECT_EQ(got.result, want.result);
                    EXPECT_EQ(got.error, want.error);
                }
                if constexpr (std::is_same_v<T, close_message>) {
                    EXPECT_EQ(got.error, want.error);
                    EXPECT_EQ(got.allow_reconnect, want.allow_reconnect);
                }
                if constexpr (requires { got.sequence_id; }) {
                    EXPECT_EQ(got.sequence_id, want.sequence_id);
                }
            },
            s->message);
    }
}

}  // namespace
}  // namespace tallyhub::signalr
