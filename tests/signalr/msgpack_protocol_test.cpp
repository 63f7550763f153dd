// Parsing the MessagePack hub protocol: the official JS client's records (5-item invocations,
// `[7, nil]`), the spec's examples, both payload formats, VarInt length prefixes, batching and split
// records, forward compatibility. Errors and writing: msgpack_protocol_errors_test, _write_test.
//
// Client vectors: @microsoft/signalr-protocol-msgpack 10.0.11 (with @msgpack/msgpack 2.8.0), its
// MessagePackHubProtocol.writeMessage() run in Node 20 and printed as hex.

#include "signalr/msgpack_protocol.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <string>
#include <vector>

namespace tallyhub::signalr {
namespace {

using msgpack_protocol::payload_format;
using msgpack_protocol::step_kind;

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

// A record: the length prefix, then the body given in hex. Parsed messages view their input, so every
// record is kept for the life of the program.
const std::string& rec(std::string_view body_hex) {
    static std::deque<std::string> kept;
    const std::string body = hex(body_hex);
    std::string out;
    msgpack_protocol::append_length_prefix(out, static_cast<std::uint32_t>(body.size()));
    return kept.emplace_back(out + body);
}

template <typename T>
T parse_one(msgpack_protocol::parser& p, const std::string& input) {
    auto s = p.next(input);
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.err().reason);
    if (!s.ok()) return T{};
    EXPECT_EQ(s->kind, step_kind::message);
    EXPECT_EQ(s->consumed, input.size());
    const T* m = std::get_if<T>(&s->message);
    EXPECT_NE(m, nullptr);
    return m ? *m : T{};
}

std::vector<std::string> strings(std::span<const std::string_view> views) { return {views.begin(), views.end()}; }

// Official client vectors (see the top of the file); a leading prefix byte included.
const std::string client_fire = hex("0b 95 01 80 c0 a4 46 69 72 65 91 01");
const std::string client_invoke = hex("0c 95 01 80 a1 30 a3 41 64 64 92 01 02");
const std::string client_mixed = hex(
    "4c 95 01 80 a1 31 a6 55 70 64 61 74 65 97 ac 64 61 73 68 62 6f 61 72 64 2d 65 75 82 a4 66 72 6f 6d b4 32 30 32"
    " 36 2d 31 32 2d 30 33 54 32 30 3a 30 30 3a 30 30 5a a5 6c 69 6d 69 74 64 cb 40 04 00 00 00 00 00 00 ff c0 c3 92"
    " 01 a1 78");
const std::string client_upload = hex("0f 96 01 80 c0 a6 55 70 6c 6f 61 64 90 91 a1 31");
const std::string client_item = hex("07 94 02 80 a1 31 a1 61");
const std::string client_upload_done = hex("06 94 03 80 a1 31 02");
const std::string client_stream = hex("0f 95 04 80 a1 32 a7 43 6f 75 6e 74 65 72 91 03");
const std::string client_cancel = hex("05 93 05 80 a1 32");
const std::string client_result = hex("08 95 03 80 a2 73 31 03 2a");
const std::string client_error = hex(
    "27 95 03 80 a2 73 31 01 bf 43 6c 69 65 6e 74 20 64 69 64 6e 27 74 20 70 72 6f 76 69 64 65 20 61 20 72 65 73"
    " 75 6c 74 2e");
const std::string client_ping = hex("02 91 06");
const std::string client_close = hex("03 92 07 c0");
const std::string client_ack = hex("05 92 08 cd 05 72");
const std::string client_sequence = hex("03 92 09 01");
const std::string client_headers = hex(
    "23 95 01 81 a3 46 6f 6f a3 42 61 72 a3 31 32 33 a4 53 65 6e 64 92 2a ac 54 65 73 74 20 4d 65 73 73 61 67 65");
const std::string client_bin_date = hex("17 95 01 80 c0 a1 42 92 c4 04 00 01 02 ff d7 ff 1d 53 53 00 6b 11 cb e7");

TEST(MsgpackProtocolParse, ClientFiveItemInvocationFireAndForget) {
    msgpack_protocol::parser p;
    auto m = parse_one<invocation_message>(p, client_fire);
    EXPECT_EQ(m.invocation_id, "");  // nil: fire-and-forget
    EXPECT_EQ(m.target, "Fire");
    EXPECT_EQ(strings(m.arguments), (std::vector<std::string>{"1"}));
    EXPECT_TRUE(m.stream_ids.empty());
    EXPECT_TRUE(m.headers.empty());
    auto add = parse_one<invocation_message>(p, client_invoke);
    EXPECT_EQ(add.invocation_id, "0");
    EXPECT_EQ(strings(add.arguments), (std::vector<std::string>{"1", "2"}));
}

TEST(MsgpackProtocolParse, ClientArgumentsAsJsonText) {
    msgpack_protocol::parser p;  // payload_format::json by default: what the hub binder reads
    auto m = parse_one<invocation_message>(p, client_mixed);
    EXPECT_EQ(m.invocation_id, "1");
    EXPECT_EQ(m.target, "Update");
    EXPECT_EQ(strings(m.arguments),
              (std::vector<std::string>{R"("dashboard-eu")", R"({"from":"2026-12-03T20:00:00Z","limit":100})", "2.5",
                                        "-1", "null", "true", R"([1,"x"])"}));
    auto b = parse_one<invocation_message>(p, client_bin_date);
    EXPECT_EQ(strings(b.arguments), (std::vector<std::string>{R"("AAEC/w==")", R"("2026-12-03T20:07:03.123Z")"}));
}

TEST(MsgpackProtocolParse, ClientArgumentsAsRawMessagePack) {
    msgpack_protocol::parser p(msgpack_protocol::default_max_message_size, payload_format::msgpack);
    auto m = parse_one<invocation_message>(p, client_mixed);
    EXPECT_EQ(strings(m.arguments),
              (std::vector<std::string>{
                  hex("ac 64 61 73 68 62 6f 61 72 64 2d 65 75"),
                  hex("82 a4 66 72 6f 6d b4 32 30 32 36 2d 31 32 2d 30 33 54 32 30 3a 30 30 3a 30 30 5a a5 6c 69 6d 69 74 64"),
                  hex("cb 40 04 00 00 00 00 00 00"), hex("ff"), hex("c0"), hex("c3"), hex("92 01 a1 78")}));
    // The views point into the input: no copy.
    EXPECT_GE(m.arguments[0].data(), client_mixed.data());
    EXPECT_LT(m.arguments[0].data(), client_mixed.data() + client_mixed.size());
}

TEST(MsgpackProtocolParse, ClientUploadStreamBatchedInOneFrame) {
    const std::string frame = client_upload + client_item + client_upload_done;
    msgpack_protocol::parser p;
    std::vector<message_type> seen;
    auto consumed = p.parse(frame, [&](const hub_message& m) {
        seen.push_back(type_of(m));
        if (auto* inv = std::get_if<invocation_message>(&m)) {
            EXPECT_EQ(inv->target, "Upload");
            EXPECT_TRUE(inv->arguments.empty());
            EXPECT_EQ(strings(inv->stream_ids), (std::vector<std::string>{"1"}));
        } else if (auto* item = std::get_if<stream_item_message>(&m)) {
            EXPECT_EQ(item->invocation_id, "1");
            EXPECT_EQ(item->item, R"("a")");
        } else if (auto* done = std::get_if<completion_message>(&m)) {
            EXPECT_EQ(done->invocation_id, "1");
            EXPECT_FALSE(done->result);  // kind 2: an upload's end carries neither result nor error
            EXPECT_FALSE(done->error);
        }
    });
    ASSERT_TRUE(consumed.ok());
    EXPECT_EQ(*consumed, frame.size());
    EXPECT_EQ(seen, (std::vector{message_type::invocation, message_type::stream_item, message_type::completion}));
}

TEST(MsgpackProtocolParse, ClientStreamInvocationCancelAndClientResults) {
    msgpack_protocol::parser p;
    auto si = parse_one<stream_invocation_message>(p, client_stream);
    EXPECT_EQ(si.invocation_id, "2");
    EXPECT_EQ(si.target, "Counter");
    EXPECT_EQ(strings(si.arguments), (std::vector<std::string>{"3"}));
    EXPECT_EQ(parse_one<cancel_invocation_message>(p, client_cancel).invocation_id, "2");
    auto ok = parse_one<completion_message>(p, client_result);
    EXPECT_EQ(ok.invocation_id, "s1");
    EXPECT_EQ(ok.result, "42");
    EXPECT_FALSE(ok.error);
    auto failed = parse_one<completion_message>(p, client_error);
    EXPECT_EQ(failed.error, "Client didn't provide a result.");
    EXPECT_FALSE(failed.result);
}

TEST(MsgpackProtocolParse, ClientPingCloseAckSequenceHeaders) {
    msgpack_protocol::parser p;
    parse_one<ping_message>(p, client_ping);
    auto c = parse_one<close_message>(p, client_close);  // [7, nil]
    EXPECT_FALSE(c.error);
    EXPECT_FALSE(c.allow_reconnect);
    EXPECT_EQ(parse_one<ack_message>(p, client_ack).sequence_id, 1394);
    EXPECT_EQ(parse_one<sequence_message>(p, client_sequence).sequence_id, 1);
    auto h = parse_one<invocation_message>(p, client_headers);
    ASSERT_EQ(h.headers.size(), 1u);
    EXPECT_EQ(h.headers[0].name, "Foo");
    EXPECT_EQ(h.headers[0].value, "Bar");
    EXPECT_EQ(h.invocation_id, "123");
    EXPECT_EQ(strings(h.arguments), (std::vector<std::string>{"42", R"("Test Message")"}));
}

// HubProtocol.md's "MessagePack Encoding" examples.
TEST(MsgpackProtocolParse, SpecExamples) {
    msgpack_protocol::parser p;
    auto inv = parse_one<invocation_message>(p, rec("96 01 80 a3 78 79 7a a6 6d 65 74 68 6f 64 91 2a 90"));
    EXPECT_EQ(inv.invocation_id, "xyz");
    EXPECT_EQ(inv.target, "method");
    EXPECT_EQ(strings(inv.arguments), (std::vector<std::string>{"42"}));
    EXPECT_EQ(parse_one<invocation_message>(p, rec("96 01 80 c0 a6 6d 65 74 68 6f 64 91 2a 90")).invocation_id, "");
    auto si = parse_one<stream_invocation_message>(p, rec("96 04 80 a3 78 79 7a a6 6d 65 74 68 6f 64 91 2a 90"));
    EXPECT_EQ(si.invocation_id, "xyz");
    EXPECT_EQ(parse_one<stream_item_message>(p, rec("94 02 80 a3 78 79 7a 2a")).item, "42");
    auto err = parse_one<completion_message>(p, rec("95 03 80 a3 78 79 7a 01 a5 45 72 72 6f 72"));
    EXPECT_EQ(err.error, "Error");
    auto v = parse_one<completion_message>(p, rec("94 03 80 a3 78 79 7a 02"));
    EXPECT_FALSE(v.result);
    EXPECT_FALSE(v.error);
    EXPECT_EQ(parse_one<completion_message>(p, rec("95 03 80 a3 78 79 7a 03 2a")).result, "42");
    EXPECT_EQ(parse_one<cancel_invocation_message>(p, rec("93 05 80 a3 78 79 7a")).invocation_id, "xyz");
    parse_one<ping_message>(p, rec("91 06"));
    auto c = parse_one<close_message>(p, rec("92 07 a3 78 79 7a"));
    EXPECT_EQ(c.error, "xyz");
    EXPECT_FALSE(c.allow_reconnect);
    EXPECT_TRUE(parse_one<close_message>(p, rec("93 07 a3 78 79 7a c3")).allow_reconnect);
    EXPECT_EQ(parse_one<ack_message>(p, rec("92 08 cc 24")).sequence_id, 36);
    EXPECT_EQ(parse_one<sequence_message>(p, rec("92 09 cc 13")).sequence_id, 19);
    auto h = parse_one<invocation_message>(
        p, rec("96 01 82 a1 78 a1 79 a1 7a a1 7a a3 78 79 7a a6 6d 65 74 68 6f 64 91 2a 90"));
    ASSERT_EQ(h.headers.size(), 2u);
    EXPECT_EQ(h.headers[0].name, "x");
    EXPECT_EQ(h.headers[0].value, "y");
    EXPECT_EQ(h.headers[1].name, "z");
    EXPECT_EQ(h.headers[1].value, "z");
}

TEST(MsgpackProtocolParse, ServerCloseAndEdgeValues) {
    msgpack_protocol::parser p;
    auto c = parse_one<close_message>(p, rec("93 07 c0 c2"));  // what the .NET server writes
    EXPECT_FALSE(c.error);
    EXPECT_EQ(parse_one<close_message>(p, rec("92 07 a0")).error, "");  // an empty string is still an error
    EXPECT_EQ(parse_one<ack_message>(p, rec("92 08 d3 80 00 00 00 00 00 00 00")).sequence_id, INT64_MIN);
    EXPECT_EQ(parse_one<sequence_message>(p, rec("92 09 cf 00 20 00 00 00 00 00 01")).sequence_id, 9007199254740993);
    EXPECT_EQ(parse_one<invocation_message>(p, rec("95 01 80 a0 a1 46 90")).invocation_id, "");  // "" = nil
    // Completion kind 1 with a nil error: .NET reads it as no error.
    auto nil_error = parse_one<completion_message>(p, rec("95 03 80 a1 31 01 c0"));
    EXPECT_FALSE(nil_error.error);
    // A repeated header name keeps the last value, as the JSON codec does.
    auto dup = parse_one<cancel_invocation_message>(p, rec("93 05 82 a1 6b a1 31 a1 6b a1 32 a1 31"));
    ASSERT_EQ(dup.headers.size(), 1u);
    EXPECT_EQ(dup.headers[0].value, "2");
}

TEST(MsgpackProtocolParse, ItemsPastTheDefinedOnesAreSkipped) {
    msgpack_protocol::parser p;
    parse_one<ping_message>(p, rec("93 06 01 92 02 03"));
    auto inv = parse_one<invocation_message>(p, rec("97 01 80 c0 a1 46 91 01 91 a1 31 82 a1 61 c0 a1 62 90"));
    EXPECT_EQ(strings(inv.stream_ids), (std::vector<std::string>{"1"}));
    EXPECT_FALSE(parse_one<completion_message>(p, rec("95 03 80 a1 31 02 2a")).result);  // void + an extra item
    EXPECT_TRUE(parse_one<close_message>(p, rec("94 07 c0 c3 a1 78")).allow_reconnect);
    EXPECT_EQ(parse_one<ack_message>(p, rec("93 08 05 c0")).sequence_id, 5);
}

TEST(MsgpackProtocolParse, UnknownTypesAreIgnored) {
    msgpack_protocol::parser p;
    for (const char* body : {"93 0a 80 a1 78", "91 00", "92 ff c0", "91 ce 00 01 00 00"}) {
        const std::string& r = rec(body);
        auto s = p.next(r);
        ASSERT_TRUE(s.ok()) << body;
        EXPECT_EQ(s->kind, step_kind::ignored) << body;
        EXPECT_EQ(s->consumed, r.size());
    }
    EXPECT_FALSE(p.next(rec("92 0a c1")).ok());  // still well-formed MessagePack, whatever the type
}

TEST(MsgpackProtocolParse, LengthPrefixEdgeCases) {
    const std::pair<std::uint32_t, const char*> cases[] = {
        {0, "00"}, {1, "01"}, {53, "35"}, {127, "7f"}, {128, "80 01"}, {5248, "80 29"}, {16383, "ff 7f"},
        {16384, "80 80 01"}, {2097151, "ff ff 7f"}, {2097152, "80 80 80 01"}, {268435456, "80 80 80 80 01"},
        {0x7fffffff, "ff ff ff ff 07"},
    };
    for (auto [length, bytes] : cases) {
        std::string out;
        msgpack_protocol::append_length_prefix(out, length);
        EXPECT_EQ(out, hex(bytes)) << length;
        auto lp = msgpack_protocol::read_length_prefix(out + "tail");
        ASSERT_TRUE(lp.ok()) << length;
        EXPECT_TRUE(lp->complete);
        EXPECT_EQ(lp->length, length);
        EXPECT_EQ(lp->size, out.size());
        for (std::size_t n = 0; n < out.size(); ++n) {  // cut short: wait for more
            auto part = msgpack_protocol::read_length_prefix(std::string_view(out).substr(0, n));
            ASSERT_TRUE(part.ok());
            EXPECT_FALSE(part->complete);
        }
    }
    EXPECT_EQ(msgpack_protocol::read_length_prefix(hex("81 00"))->length, 1u);  // non-minimal, as .NET accepts
    for (const char* bad : {"ff ff ff ff 08", "ff ff ff ff 7f", "80 80 80 80 80 01", "80 80 80 80 80"}) {
        auto lp = msgpack_protocol::read_length_prefix(hex(bad));
        ASSERT_FALSE(lp.ok()) << bad;
        EXPECT_EQ(lp.err().code, int(msgpack_protocol::errc::bad_length_prefix)) << bad;
        msgpack_protocol::parser p(0);
        EXPECT_EQ(p.next(hex(bad)).err().code, int(msgpack_protocol::errc::bad_length_prefix)) << bad;
    }
}

TEST(MsgpackProtocolParse, PartialRecordsWaitAtEveryByte) {
    const std::string frame = client_mixed + client_ping + client_headers;
    msgpack_protocol::parser p;
    for (std::size_t n = 0; n < client_mixed.size(); ++n) {
        auto s = p.next(std::string_view(frame).substr(0, n));
        ASSERT_TRUE(s.ok()) << n;
        EXPECT_EQ(s->kind, step_kind::incomplete) << n;
        EXPECT_EQ(s->consumed, 0u);
    }
    // Fed in two pieces split inside the second record, as a transport would.
    const std::size_t cut = client_mixed.size() + 2;
    std::string buf = frame.substr(0, cut);
    int messages = 0;
    auto first = p.parse(buf, [&](const hub_message&) { ++messages; });
    ASSERT_TRUE(first.ok());
    EXPECT_EQ(*first, client_mixed.size());
    buf.erase(0, *first);
    buf += frame.substr(cut);
    auto second = p.parse(buf, [&](const hub_message&) { ++messages; });
    ASSERT_TRUE(second.ok());
    EXPECT_EQ(*second, buf.size());
    EXPECT_EQ(messages, 3);
}

TEST(MsgpackProtocolParse, SizeLimitCountsThePrefixAndIsCheckedEarly) {
    msgpack_protocol::parser p(12);
    EXPECT_TRUE(p.next(client_fire).ok());  // 12 bytes with its prefix
    auto over = p.next(client_invoke);      // 13
    ASSERT_FALSE(over.ok());
    EXPECT_EQ(over.err().code, int(msgpack_protocol::errc::message_too_large));
    // Only the prefix has arrived: no need to wait for a body that will be refused anyway.
    EXPECT_EQ(p.next(hex("80 80 04")).err().code, int(msgpack_protocol::errc::message_too_large));
    msgpack_protocol::parser unlimited(0);
    EXPECT_EQ(unlimited.next(hex("80 80 04"))->kind, step_kind::incomplete);
}

TEST(MsgpackProtocolParse, ViewsStayValidUntilTheNextCall) {
    msgpack_protocol::parser p;
    const std::string frame = client_mixed + client_invoke;
    std::vector<std::vector<std::string>> args;
    auto r = p.parse(frame, [&](const hub_message& m) { args.push_back(strings(std::get<invocation_message>(m).arguments)); });
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(args.size(), 2u);
    EXPECT_EQ(args[0].size(), 7u);
    EXPECT_EQ(args[1], (std::vector<std::string>{"1", "2"}));
}

}  // namespace
}  // namespace tallyhub::signalr
