// SSE framing (reference/signalr-protocol.md §2b, ASP.NET's ServerSentEventsMessageFormatter): byte
// vectors for the events the official client's EventSource parses.
#include <gtest/gtest.h>

#include <string>

#include "signalr/hub_transport.hpp"
#include "signalr/sse.hpp"

namespace tallyhub::signalr {
namespace {

using namespace std::string_literals;

TEST(sse_framing, one_record_is_one_data_line_and_a_blank_line) {
    EXPECT_EQ(sse::event("{}\x1e"), "data: {}\x1e\r\n\r\n"s);
}

TEST(sse_framing, several_records_share_one_event) {
    EXPECT_EQ(sse::event("{\"type\":6}\x1e{\"type\":6}\x1e"), "data: {\"type\":6}\x1e{\"type\":6}\x1e\r\n\r\n"s);
}

TEST(sse_framing, newlines_split_the_payload_into_data_lines_and_a_carriage_return_before_one_is_dropped) {
    EXPECT_EQ(sse::event("a\nb\r\nc"), "data: a\r\ndata: b\r\ndata: c\r\n\r\n"s);
    EXPECT_EQ(sse::event("a\n"), "data: a\r\ndata: \r\n\r\n"s);
}

TEST(sse_framing, an_empty_payload_is_an_empty_data_line) {
    EXPECT_EQ(sse::event(""), "data: \r\n\r\n"s);
}

TEST(sse_framing, append_event_keeps_what_is_there) {
    std::string out = ":\r\n";
    sse::append_event("x", out);
    EXPECT_EQ(out, ":\r\ndata: x\r\n\r\n");
}

TEST(sse_framing, response_head_is_an_event_stream_that_opens_with_a_comment) {
    const std::string head = sse::response_head();
    EXPECT_EQ(head.rfind("HTTP/1.1 200 OK\r\n", 0), 0u);
    EXPECT_NE(head.find("\r\nContent-Type: text/event-stream\r\n"), std::string::npos);
    EXPECT_NE(head.find("\r\nCache-Control: no-cache, no-store\r\n"), std::string::npos);
    EXPECT_NE(head.find("\r\nPragma: no-cache\r\n"), std::string::npos);
    EXPECT_NE(head.find("\r\nContent-Encoding: identity\r\n"), std::string::npos);
    EXPECT_EQ(head.find("Content-Length"), std::string::npos);
    const std::string tail = "\r\n\r\n:\r\n";
    ASSERT_GE(head.size(), tail.size());
    EXPECT_EQ(head.substr(head.size() - tail.size()), tail);
}

TEST(transport_units, each_transport_frames_the_same_records_its_own_way) {
    const std::string records = "{}\x1e";
    EXPECT_EQ(frame_unit(transport_kind::server_sent_events, hub_protocol::json, records), "data: {}\x1e\r\n\r\n"s);
    EXPECT_EQ(frame_unit(transport_kind::long_polling, hub_protocol::json, records), records);
    EXPECT_EQ(frame_unit(transport_kind::long_polling, hub_protocol::messagepack, "\x01\x91\x06"s), "\x01\x91\x06"s);
    // A text WebSocket frame (FIN + opcode 1, unmasked, length 3) and a binary one.
    EXPECT_EQ(frame_unit(transport_kind::websockets, hub_protocol::json, records), "\x81\x03{}\x1e"s);
    EXPECT_EQ(frame_unit(transport_kind::websockets, hub_protocol::messagepack, "\x01\x91\x06"s), "\x82\x03\x01\x91\x06"s);
}

TEST(transport_units, labels_and_names) {
    EXPECT_EQ(transport_label(transport_kind::websockets), "websockets");
    EXPECT_EQ(transport_label(transport_kind::server_sent_events), "sse");
    EXPECT_EQ(transport_label(transport_kind::long_polling), "longpolling");
    EXPECT_EQ(transport_name(transport_kind::server_sent_events), "ServerSentEvents");
    EXPECT_EQ(transport_name(transport_kind::long_polling), "LongPolling");
}

}  // namespace
}  // namespace tallyhub::signalr
