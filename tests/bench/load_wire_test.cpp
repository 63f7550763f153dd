// tallyhub-load's wire reading: server frames (RFC 6455 §5.7 examples), the 101 and negotiate
// responses (RFC 6455 §1.3's key), and the hub records it counts and times, in JSON and MessagePack
// (the ping `02 91 06` from the SignalR MessagePack spec, and invocations written by the server's
// own encoder).

#include "bench/load/load_wire.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "core/utc_time.hpp"
#include "net/ws_frame.hpp"
#include "signalr/msgpack.hpp"
#include "signalr/msgpack_protocol.hpp"

namespace tallyhub::load {
namespace {

using namespace std::string_view_literals;

std::string bytes(std::initializer_list<int> b) {
    std::string s;
    for (int v : b) s += static_cast<char>(v);
    return s;
}

std::int64_t ms_of(std::string_view iso) { return *parse_iso8601_ms(iso); }

TEST(load_wire, rfc_unmasked_hello_frame) {
    const std::string wire = bytes({0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f});
    server_frame f;
    ASSERT_EQ(next_server_frame(wire, f, 1024), frame_status::complete);
    EXPECT_EQ(f.op, ws::opcode::text);
    EXPECT_TRUE(f.fin);
    EXPECT_EQ(f.payload, "Hello");
    EXPECT_EQ(f.size, wire.size());
    for (std::size_t cut = 0; cut < wire.size(); ++cut) {
        EXPECT_EQ(next_server_frame(std::string_view(wire).substr(0, cut), f, 1024), frame_status::need_more) << cut;
    }
}

TEST(load_wire, rfc_fragmented_hello_keeps_fin_bits) {
    const std::string wire = bytes({0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f});
    server_frame f;
    ASSERT_EQ(next_server_frame(wire, f, 1024), frame_status::complete);
    EXPECT_FALSE(f.fin);
    EXPECT_EQ(f.payload, "Hel");
    ASSERT_EQ(next_server_frame(std::string_view(wire).substr(f.size), f, 1024), frame_status::complete);
    EXPECT_TRUE(f.fin);
    EXPECT_EQ(f.op, ws::opcode::continuation);
    EXPECT_EQ(f.payload, "lo");
}

TEST(load_wire, extended_lengths_and_limits) {
    for (std::size_t n : {125u, 126u, 256u, 65535u, 65536u, 70000u}) {
        std::string payload(n, 'x');
        std::string wire;
        ws::append_server_frame(wire, ws::opcode::binary, payload);
        server_frame f;
        ASSERT_EQ(next_server_frame(wire, f, 1 << 20), frame_status::complete) << n;
        EXPECT_EQ(f.payload.size(), n);
        EXPECT_EQ(f.size, wire.size());
        EXPECT_EQ(next_server_frame(wire, f, n - 1), frame_status::invalid) << "over max_payload " << n;
    }
}

TEST(load_wire, rejects_masked_reserved_and_unknown_frames) {
    server_frame f;
    // RFC 6455 §5.7 masked "Hello": a server must not mask.
    EXPECT_EQ(next_server_frame(bytes({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}), f, 1024),
              frame_status::invalid);
    EXPECT_EQ(next_server_frame(bytes({0xc1, 0x00}), f, 1024), frame_status::invalid);  // RSV1
    EXPECT_EQ(next_server_frame(bytes({0x83, 0x00}), f, 1024), frame_status::invalid);  // opcode 3
}

TEST(load_wire, switching_protocols_head) {
    const std::string head =
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "sec-websocket-accept:  s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
    EXPECT_FALSE(parse_response_head(std::string_view(head).substr(0, head.size() - 1)));
    const std::string wire = head + "\x81\x02{}";  // the head's views point into these bytes
    auto h = parse_response_head(wire);
    ASSERT_TRUE(h);
    EXPECT_EQ(h->status, 101);
    EXPECT_EQ(h->head_size, head.size());
    EXPECT_EQ(h->accept_key, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    EXPECT_EQ(parse_response_head("garbage\r\n\r\n")->status, 0);
}

TEST(load_wire, negotiate_response_token) {
    const std::string body =
        R"({"negotiateVersion":1,"connectionId":"abc","connectionToken":"tok+/=","availableTransports":[]})";
    const std::string wire = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                             std::to_string(body.size()) + "\r\n\r\n" + body;
    auto h = parse_response_head(wire);
    ASSERT_TRUE(h);
    EXPECT_EQ(h->status, 200);
    EXPECT_EQ(h->content_length, body.size());
    EXPECT_EQ(negotiate_token(std::string_view(wire).substr(h->head_size)), "tok+/=");
    EXPECT_EQ(negotiate_token(R"({"negotiateVersion":0,"connectionId":"old"})"), "old");
    EXPECT_FALSE(negotiate_token(R"({"error":"nope"})"));
}

TEST(load_wire, websocket_key_is_16_bytes_of_base64) {
    std::mt19937_64 rng(7);
    const std::string a = websocket_key(rng), b = websocket_key(rng);
    EXPECT_EQ(a.size(), 24u);
    EXPECT_EQ(a.substr(22), "==");
    EXPECT_NE(a, b);
}

TEST(load_wire, json_records_count_and_time) {
    const std::string payload =
        R"({"type":1,"target":"ReceiveMetricsUpdate","arguments":[{"TotalOrders":3,"Timestamp":"2026-12-04T05:25:41.595Z"}]})"
        "\x1e"
        R"({"type":6})"
        "\x1e"
        R"({"type":1,"target":"ReceiveSlidingWindowUpdate","arguments":[{"WindowEnd":"2026-12-04T05:25:41.595Z"}]})"
        "\x1e"
        R"({"type":1,"target":"Cut)";
    std::vector<hub_record> seen;
    const std::size_t used = for_each_json_record(payload, [&](const hub_record& r) { seen.push_back(r); });
    ASSERT_EQ(seen.size(), 3u);
    EXPECT_EQ(payload.substr(used), R"({"type":1,"target":"Cut)");
    EXPECT_EQ(seen[0].type, 1);
    EXPECT_EQ(seen[0].timestamp_ms, ms_of("2026-12-04T05:25:41.595Z"));
    EXPECT_EQ(seen[1].type, 6);
    EXPECT_FALSE(seen[1].timestamp_ms);
    EXPECT_EQ(seen[2].type, 1);
    EXPECT_FALSE(seen[2].timestamp_ms);
}

TEST(load_wire, json_time_scanned_only_while_wanted) {
    // One latency sample per message: after the first Timestamp, records are only counted.
    const std::string payload =
        R"({"type":1,"target":"A","arguments":[{"Timestamp":"2026-12-04T05:25:41.595Z"}]})"
        "\x1e"
        R"({"type":1,"target":"B","arguments":[{"Timestamp":"2026-12-04T05:25:42.000Z"}]})"
        "\x1e";
    std::vector<hub_record> seen;
    std::optional<std::int64_t> stamp;
    for_each_json_record(
        payload,
        [&](const hub_record& r) {
            seen.push_back(r);
            if (!stamp) stamp = r.timestamp_ms;
        },
        [&] { return !stamp.has_value(); });
    ASSERT_EQ(seen.size(), 2u);
    EXPECT_EQ(seen[0].timestamp_ms, ms_of("2026-12-04T05:25:41.595Z"));
    EXPECT_EQ(seen[1].type, 1);
    EXPECT_FALSE(seen[1].timestamp_ms);
}

std::string msgpack_invocation(std::string_view target, std::string_view timestamp) {
    std::string body;
    signalr::msgpack::writer w(body);
    w.begin_array(5).int_value(1).begin_map(0).nil_value().string_value(target).begin_array(1);
    w.begin_map(2).string_value("TotalOrders").int_value(3).string_value("Timestamp").string_value(timestamp);
    std::string record;
    signalr::msgpack_protocol::append_length_prefix(record, static_cast<std::uint32_t>(body.size()));
    return record + body;
}

TEST(load_wire, msgpack_records_count_and_time) {
    const std::string ping = bytes({0x02, 0x91, 0x06});  // the spec's Ping, byte for byte
    const std::string inv = msgpack_invocation("ReceiveMetricsUpdate", "2026-12-04T05:25:41.595Z");
    const std::string payload = ping + inv + inv.substr(0, 7);
    std::vector<hub_record> seen;
    auto used = for_each_msgpack_record(payload, [&](const hub_record& r) { seen.push_back(r); });
    ASSERT_TRUE(used);
    EXPECT_EQ(*used, ping.size() + inv.size());
    ASSERT_EQ(seen.size(), 2u);
    EXPECT_EQ(seen[0].type, 6);
    EXPECT_EQ(seen[1].type, 1);
    EXPECT_EQ(seen[1].timestamp_ms, ms_of("2026-12-04T05:25:41.595Z"));
    // A length prefix of six bytes is malformed.
    EXPECT_FALSE(for_each_msgpack_record(bytes({0xff, 0xff, 0xff, 0xff, 0xff, 0x01}), [](const hub_record&) {}));
}

}  // namespace
}  // namespace tallyhub::load
