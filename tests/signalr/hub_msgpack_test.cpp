// The MessagePack hub protocol on a real hub connection (reference/signalr-protocol.md §3, §5, §11):
// the JSON handshake answered in a binary frame, the official JS client's records (vectors from
// tests/signalr/msgpack_protocol_test.cpp) answered byte for byte in binary frames, streams, pings,
// closes and text frames. Both reactor backends. Sends to many connections:
// hub_msgpack_broadcast_test.

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "signalr/hub_endpoint.hpp"
#include "signalr/msgpack_protocol.hpp"
#include "tests/signalr/hub_msgpack_client.hpp"

namespace tallyhub::signalr {
namespace {

using namespace std::chrono_literals;
using namespace test_support;

// The JS client's records (@microsoft/signalr-protocol-msgpack 10.0.11), prefix included.
const std::string client_invoke = hex("0c 95 01 80 a1 30 a3 41 64 64 92 01 02");  // Add(1, 2), id "0"
const std::string client_mixed = hex(
    "4c 95 01 80 a1 31 a6 55 70 64 61 74 65 97 ac 64 61 73 68 62 6f 61 72 64 2d 65 75 82 a4 66 72 6f 6d b4 32 30 32"
    " 36 2d 31 32 2d 30 33 54 32 30 3a 30 30 3a 30 30 5a a5 6c 69 6d 69 74 64 cb 40 04 00 00 00 00 00 00 ff c0 c3 92"
    " 01 a1 78");
const std::string client_bin_date = hex("17 95 01 80 c0 a1 42 92 c4 04 00 01 02 ff d7 ff 1d 53 53 00 6b 11 cb e7");
const std::string client_upload = hex("0f 96 01 80 c0 a6 55 70 6c 6f 61 64 90 91 a1 31");
const std::string client_item = hex("07 94 02 80 a1 31 a1 61");
const std::string client_upload_done = hex("06 94 03 80 a1 31 02");
const std::string client_stream = hex("0f 95 04 80 a1 32 a7 43 6f 75 6e 74 65 72 91 03");  // Counter(3), id "2"
const std::string client_headers = hex(
    "23 95 01 81 a3 46 6f 6f a3 42 61 72 a3 31 32 33 a4 53 65 6e 64 92 2a ac 54 65 73 74 20 4d 65 73 73 61 67 65");
const std::string client_ping = hex("02 91 06");
const std::string client_close = hex("03 92 07 c0");

std::vector<std::string>& recorded() {
    static std::vector<std::string> r;
    return r;
}

const hub& mp_hub() {
    static const hub h = [] {
        hub x;
        x.method("Add", [](hub_call&, int a, int b) { return a + b; });
        x.method("Nothing", [](hub_call&) {});
        // The client's mixed arguments, bound to typed parameters and written back as one array.
        x.method("Update", [](hub_call&, std::string s, json_text obj, double d, std::int64_t i, std::optional<int> n,
                              bool b, json_text arr) {
            return json_text{"[" + json_of(s) + "," + obj.text + "," + json_of(d) + "," + json_of(i) + "," + json_of(n) +
                             "," + json_of(b) + "," + arr.text + "]"};
        });
        x.method("B", [](hub_call&, std::string bytes, std::string when) {
            recorded().push_back(bytes);
            recorded().push_back(when);
        });
        x.method("Send", [](hub_call&, int n, std::string s) { return s + " " + std::to_string(n); });
        x.method("BadJson", [](hub_call&) { return json_text{"{oops"}; });
        x.method("NoteThenReturn", [](hub_call& c) {
            c.clients().caller("Note", 1);
            return 2;
        });
        x.method("Abort", [](hub_call& c) { c.abort(); });
        x.stream("Counter", [](hub_call&, stream_writer& w, int count) -> task<void> {
            for (int i = 0; i < count; ++i)
                if (!w.write(i)) co_return;
            co_return;
        });
        x.method("Upload", [](hub_call&, upload<std::string> xs) -> task<void> {
            std::string all;
            while (auto v = co_await xs.next()) all += *v;
            recorded().push_back(all);
        });
        return x;
    }();
    return h;
}

const hub& welcoming_hub() {
    static const hub h = [] {
        hub x;
        x.on_connected = [](hub_call& c) { c.clients().caller("Welcome", c.connection_id()); };
        return x;
    }();
    return h;
}


class hub_msgpack_test : public ::testing::TestWithParam<std::string> {
protected:
    void run(scenario body, hub_options opts = {}, const hub& h = mp_hub()) {
        tallyhub::testing::run_on_reactor(tallyhub::testing::backend_param(GetParam()),
                                          [&] { return run_scenario(&h, opts, body); });
    }
};

// ---- handshake ----

task<void> handshake_then_welcome(test_client& c, hub_endpoint& ep) {
    co_await c.send_text(std::string(handshake_messagepack));
    auto f = co_await c.next_frame();
    CO_ASSERT_TRUE(f.has_value());
    // One binary frame: the JSON answer, then the on-connected call in MessagePack.
    EXPECT_EQ(f->op, ws::opcode::binary);
    EXPECT_EQ(f->payload, "{}\x1e" + mp("96 01 80 c0 a7 57 65 6c 63 6f 6d 65 91 a6 63 6f 6e 6e 2d 31 90"));
    EXPECT_EQ(ep.counters(0).messagepack_connections.load(), 1);
    EXPECT_EQ(ep.counters(0).json_connections.load(), 0);
}
TEST_P(hub_msgpack_test, handshake_answer_and_first_messages_share_a_binary_frame) {
    run(handshake_then_welcome, {}, welcoming_hub());
}

task<void> handshake_refused(test_client& c, hub_endpoint&) {
    co_await c.send_text("{\"protocol\":\"messagepack\",\"version\":3}\x1e");
    auto f = co_await c.next_frame();
    CO_ASSERT_TRUE(f.has_value());
    EXPECT_EQ(f->op, ws::opcode::text);  // no protocol was agreed: the error goes out as text
    EXPECT_EQ(f->payload, rec(R"({"error":"The server does not support version 3 of the 'messagepack' protocol."})"));
    EXPECT_EQ(co_await c.close_code(), 1000);
}
TEST_P(hub_msgpack_test, refused_handshake_is_answered_in_a_text_frame) { run(handshake_refused); }

// ---- invocations ----

task<void> invocations(test_client& c, hub_endpoint&) {
    co_await mp_handshake(c);
    co_await send_binary(c, client_invoke);
    auto r = co_await mp_records(c, 1);
    EXPECT_EQ(r, std::vector<std::string>{mp("95 03 80 a1 30 03 03")});
    // Void: kind 3 with nil, as JSON's result:null. Several records in one frame, one frame back.
    co_await send_binary(c, mp("95 01 80 a1 32 a7 4e 6f 74 68 69 6e 67 90") + client_mixed);
    r = co_await mp_records(c, 2);
    EXPECT_EQ(r, (std::vector<std::string>{
                     mp("95 03 80 a1 32 03 c0"),
                     mp("95 03 80 a1 31 03 97 ac 64 61 73 68 62 6f 61 72 64 2d 65 75 82 a4 66 72 6f 6d b4 32 30 32 36 2d"
                        " 31 32 2d 30 33 54 32 30 3a 30 30 3a 30 30 5a a5 6c 69 6d 69 74 64 cb 40 04 00 00 00 00 00 00 ff"
                        " c0 c3 92 01 a1 78")}));
    // Headers are read and not echoed.
    co_await send_binary(c, client_headers);
    r = co_await mp_records(c, 1);
    EXPECT_EQ(r, std::vector<std::string>{mp("95 03 80 a3 31 32 33 03 af 54 65 73 74 20 4d 65 73 73 61 67 65 20 34 32")});
    // Fire-and-forget with bin and timestamp arguments: bound as base64 and ISO 8601 strings, no reply.
    recorded().clear();
    co_await send_binary(c, client_bin_date);
    EXPECT_TRUE(co_await c.silent_for(100ms));
    EXPECT_EQ(recorded(), (std::vector<std::string>{"AAEC/w==", "2026-12-03T20:07:03.123Z"}));
}
TEST_P(hub_msgpack_test, invocations_are_answered_in_messagepack) { run(invocations); }

// The JS client's handshake text frame and its first binary frame may arrive in one read; a record
// may be split across binary frames.
task<void> framing(test_client& c, hub_endpoint&) {
    co_await c.send_raw(test_client::frame(handshake_messagepack) + test_client::frame(client_ping, ws::opcode::binary) +
                        test_client::frame(client_invoke.substr(0, 5), ws::opcode::binary));
    auto f = co_await c.next_frame();
    CO_ASSERT_TRUE(f.has_value());
    EXPECT_EQ(f->op, ws::opcode::binary);
    EXPECT_EQ(f->payload, "{}\x1e");
    EXPECT_TRUE(co_await c.silent_for(100ms));  // half a record: nothing to answer yet
    co_await send_binary(c, client_invoke.substr(5) + client_invoke.substr(0, 1));
    auto r = co_await mp_records(c, 1);
    EXPECT_EQ(r, std::vector<std::string>{mp("95 03 80 a1 30 03 03")});
    co_await send_binary(c, client_invoke.substr(1));
    r = co_await mp_records(c, 1);
    EXPECT_EQ(r, std::vector<std::string>{mp("95 03 80 a1 30 03 03")});
}
TEST_P(hub_msgpack_test, records_split_across_frames_and_frames_batched_in_one_read) { run(framing); }

task<void> invocation_errors(test_client& c, hub_endpoint&) {
    co_await mp_handshake(c);
    co_await send_binary(c, mp("95 01 80 a1 33 a4 4e 6f 70 65 90") +           // Nope()
                                mp("95 01 80 a1 34 a3 41 64 64 92 a1 78 01") +  // Add("x", 1)
                                mp("95 01 80 a1 35 a7 42 61 64 4a 73 6f 6e 90"));  // BadJson()
    auto r = co_await mp_records(c, 3);
    CO_ASSERT_TRUE(r.size() == 3);
    EXPECT_EQ(completion_error(r[0]), "Failed to invoke 'Nope' due to an error on the server. HubException: Method does not exist.");
    EXPECT_EQ(completion_error(r[1]), "Failed to invoke 'Add' due to an error on the server.");
    EXPECT_EQ(completion_error(r[2]), "The result could not be encoded in the MessagePack protocol.");
}
TEST_P(hub_msgpack_test, invocation_errors_are_completions_in_messagepack) { run(invocation_errors); }

task<void> caller_sends(test_client& c, hub_endpoint&) {
    co_await mp_handshake(c);
    co_await send_binary(c, mp("95 01 80 a1 31 ae 4e 6f 74 65 54 68 65 6e 52 65 74 75 72 6e 90"));
    auto r = co_await mp_records(c, 2);
    EXPECT_EQ(r, (std::vector<std::string>{mp("96 01 80 c0 a4 4e 6f 74 65 91 01 90"), mp("95 03 80 a1 31 03 02")}));
}
TEST_P(hub_msgpack_test, calls_from_hub_code_to_the_caller_are_transcoded) { run(caller_sends); }

// ---- streams ----

task<void> streams(test_client& c, hub_endpoint&) {
    co_await mp_handshake(c);
    co_await send_binary(c, client_stream);
    auto r = co_await mp_records(c, 4);
    EXPECT_EQ(r, (std::vector<std::string>{mp("94 02 80 a1 32 00"), mp("94 02 80 a1 32 01"), mp("94 02 80 a1 32 02"),
                                           mp("94 03 80 a1 32 02")}));
    recorded().clear();
    co_await send_binary(c, client_upload + client_item + client_item + client_upload_done);
    EXPECT_TRUE(co_await c.silent_for(100ms));  // fire-and-forget upload
    EXPECT_EQ(recorded(), std::vector<std::string>{"aa"});
}
TEST_P(hub_msgpack_test, server_and_upload_streams) { run(streams); }

// ---- keep-alive, close, framing ----

task<void> pings(test_client& c, hub_endpoint&) {
    co_await mp_handshake(c);
    co_await send_binary(c, client_ping);  // the client's ping: accepted, not answered
    auto r = co_await mp_records(c, 1);
    EXPECT_EQ(r, std::vector<std::string>{hex("02 91 06")});
}
TEST_P(hub_msgpack_test, idle_connection_gets_messagepack_pings) {
    hub_options o;
    o.keep_alive_interval = 300ms;
    run(pings, o);
}

task<void> client_says_close(test_client& c, hub_endpoint&) {
    co_await mp_handshake(c);
    co_await send_binary(c, client_close);  // [7, nil]
    std::vector<std::string> before;
    EXPECT_EQ(co_await mp_close_code(c, before), 1000);
    EXPECT_TRUE(before.empty());
}
TEST_P(hub_msgpack_test, client_close_ends_the_connection_without_a_reply) { run(client_says_close); }

task<void> abort_call(test_client& c, hub_endpoint&) {
    co_await mp_handshake(c);
    co_await send_binary(c, mp("95 01 80 a1 31 a5 41 62 6f 72 74 90"));
    std::vector<std::string> before;
    EXPECT_EQ(co_await mp_close_code(c, before), 1000);
    EXPECT_EQ(before, std::vector<std::string>{mp("93 07 c0 c2")});
}
TEST_P(hub_msgpack_test, abort_sends_a_three_item_close) { run(abort_call); }

task<void> malformed(test_client& c, hub_endpoint&) {
    co_await mp_handshake(c);
    co_await send_binary(c, client_invoke + mp("81 01 02"));  // a map, not an array
    std::vector<std::string> before;
    EXPECT_EQ(co_await mp_close_code(c, before), 1000);
    EXPECT_EQ(before, (std::vector<std::string>{
                          mp("95 03 80 a1 30 03 03"),
                          mp("93 07 d9 41 " + hex_of("Connection closed with an error. Reading message as Array failed.") +
                             "c3")}));
}
TEST_P(hub_msgpack_test, malformed_record_closes_with_error_and_allow_reconnect) { run(malformed); }

// ASP.NET Core feeds frames of either type to the hub parser; a text frame must still be UTF-8,
// which MessagePack records (arrays start at 0x90) never are: the WebSocket layer refuses it.
task<void> text_frame(test_client& c, hub_endpoint&) {
    co_await mp_handshake(c);
    co_await c.send_text(client_invoke);
    std::vector<std::string> before;
    EXPECT_EQ(co_await mp_close_code(c, before), 1007);
    EXPECT_TRUE(before.empty());
}
TEST_P(hub_msgpack_test, messagepack_in_a_text_frame_is_refused_as_invalid_utf8) { run(text_frame); }

INSTANTIATE_TEST_SUITE_P(backends, hub_msgpack_test, ::testing::Values("uring", "epoll"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace tallyhub::signalr
