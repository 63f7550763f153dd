// One SignalR connection over a real WebSocket byte stream, on a real reactor (io_uring and epoll):
// the test plays the client over a socketpair, writing masked frames with the bytes the JS client
// sends and decoding the server's frames, and checks the server's answers byte for byte
// (reference/signalr-protocol.md §3, §4, §6, §8, §11).

#include "signalr/hub_connection.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/io.hpp"
#include "net/connection.hpp"
#include "net/ws_frame.hpp"
#include "signalr/hub.hpp"
#include "signalr/hub_endpoint.hpp"
#include "tests/core/reactor_harness.hpp"
#include "tests/signalr/hub_test_client.hpp"

namespace tallyhub::signalr {
namespace {

using namespace std::chrono_literals;
using namespace std::string_literals;
using namespace test_support;

// ---- the test hub ----

std::vector<std::string>& recorded() {
    static std::vector<std::string> r;
    return r;
}

void define_hub(hub& h) {
    h.method("Add", [](hub_call&, int a, int b) { return a + b; });
    h.method("Echo", [](hub_call&, std::string s) { return s; });
    h.method("Nothing", [](hub_call&) {});
    h.method("Record", [](hub_call&, std::string s) { recorded().push_back(std::move(s)); });
    h.method("Fail", [](hub_call&, std::string message) -> int { throw hub_error(message); });
    h.method("Crash", [](hub_call&) -> int { throw std::runtime_error("internal detail"); });
    h.method("Slow", [](hub_call&, int ms) -> task<int> {
        co_await io::sleep(std::chrono::milliseconds(ms));
        co_return ms;
    });
    h.method("Shout", [](hub_call& c, std::string s) {
        c.clients().all("Shout", s);
        return 1;
    });
    h.method("NoteThenReturn", [](hub_call& c) {
        c.clients().caller("Note", 1);
        return 2;
    });
    h.method("JoinGroup", [](hub_call& c, std::string g) { c.join_group(g); });
    h.method("LeaveGroup", [](hub_call& c, std::string g) { c.leave_group(g); });
    h.method("ToGroup", [](hub_call& c, std::string g, std::string s) { c.clients().group(g, "InGroup", g, s); });
    h.method("Abort", [](hub_call& c) { c.abort(); });
    h.method("ActiveStreams", [](hub_call& c) { return std::int64_t(c.connection().active_streams()); });
    h.stream("Counter", [](hub_call&, stream_writer& w, int count, int delay_ms) -> task<void> {
        for (int i = 0; i < count; ++i) {
            if (!w.write(i)) co_return;
            if (delay_ms > 0 && !co_await w.sleep(std::chrono::milliseconds(delay_ms))) co_return;
        }
    });
    h.stream("BrokenStream", [](hub_call&, stream_writer& w) -> task<void> {
        w.write(std::string("first"));
        throw hub_error("stream broke");
        co_return;
    });
    h.method("Sum", [](hub_call&, upload<int> xs) -> task<std::int64_t> {
        std::int64_t total = 0;
        while (auto x = co_await xs.next()) total += *x;
        co_return total;
    });
    h.method("Concat", [](hub_call&, std::string sep, upload<std::string> a, upload<std::string> b) -> task<std::string> {
        std::string out;
        while (auto x = co_await a.next()) out += *x + sep;
        while (auto x = co_await b.next()) out += *x + sep;
        co_return out;
    });
}

// Upload methods that return without reading their stream to the end.
void define_early_returns(hub& h) {
    h.method("First", [](hub_call&, upload<int> xs) -> task<int> {
        auto x = co_await xs.next();
        co_return x ? *x : -1;
    });
    h.method("Limited", [](hub_call&, upload<int> xs, int limit) -> task<int> {
        if (limit < 0) throw hub_error("limit must not be negative");
        int n = 0;
        while (n < limit && co_await xs.next()) ++n;
        co_return n;
    });
}

const hub& test_hub() {
    static const hub h = [] {
        hub x;
        define_hub(x);
        define_early_returns(x);
        return x;
    }();
    return h;
}

const hub& welcoming_hub() {
    static const hub h = [] {
        hub x;
        define_hub(x);
        x.on_connected = [](hub_call& c) { c.clients().caller("Welcome", c.connection_id()); };
        return x;
    }();
    return h;
}

std::vector<std::string>& lifecycle() {
    static std::vector<std::string> events;
    return events;
}

const hub& hooked_hub() {
    static const hub h = [] {
        hub x;
        define_hub(x);
        x.on_connected = [](hub_call& c) { lifecycle().push_back("connected " + std::string(c.connection_id())); };
        x.on_disconnected = [](hub_call& c) {
            lifecycle().push_back("disconnected " + std::string(c.connection_id()) + " groups " +
                                  std::to_string(c.connection().groups().size()));
        };
        return x;
    }();
    return h;
}

const hub& refusing_hub() {
    static const hub h = [] {
        hub x;
        define_hub(x);
        x.on_connected = [](hub_call&) { throw std::runtime_error("not today"); };
        return x;
    }();
    return h;
}

class hub_connection_test : public ::testing::TestWithParam<std::string> {
protected:
    void run(scenario body, hub_options opts = {}, const hub& h = test_hub()) {
        tallyhub::testing::run_on_reactor(tallyhub::testing::backend_param(GetParam()),
                                          [&] { return run_scenario(&h, opts, body); });
    }
};

// ---- handshake ----

task<void> handshake_v1(test_client& c, hub_endpoint&) {
    co_await c.send_raw(test_client::frame(handshake_json));
    auto f = co_await c.next_frame();
    CO_ASSERT_TRUE(f.has_value());
    EXPECT_EQ(f->op, ws::opcode::text);
    EXPECT_TRUE(f->fin);
    EXPECT_EQ(f->payload, "{}\x1e");
}
TEST_P(hub_connection_test, handshake_answers_empty_object) { run(handshake_v1); }

task<void> handshake_v2(test_client& c, hub_endpoint&) {
    co_await c.send_text("{\"protocol\":\"json\",\"version\":2}\x1e");
    auto f = co_await c.next_frame();
    CO_ASSERT_TRUE(f.has_value());
    EXPECT_EQ(f->payload, "{}\x1e");
}
TEST_P(hub_connection_test, handshake_accepts_version_2) { run(handshake_v2); }

task<void> handshake_unknown_protocol(test_client& c, hub_endpoint&) {
    co_await c.send_text("{\"protocol\":\"xml\",\"version\":1}\x1e");
    std::vector<std::string> before;
    int code = co_await c.close_code(&before);
    EXPECT_EQ(before, std::vector<std::string>{rec(R"({"error":"The protocol 'xml' is not supported."})")});
    EXPECT_EQ(code, 1000);
}
TEST_P(hub_connection_test, handshake_with_unknown_protocol_gets_error_then_close) { run(handshake_unknown_protocol); }

task<void> handshake_unsupported_version(test_client& c, hub_endpoint&) {
    co_await c.send_text("{\"protocol\":\"json\",\"version\":3}\x1e");
    std::vector<std::string> before;
    int code = co_await c.close_code(&before);
    EXPECT_EQ(before,
              std::vector<std::string>{rec(R"({"error":"The server does not support version 3 of the 'json' protocol."})")});
    EXPECT_EQ(code, 1000);
}
TEST_P(hub_connection_test, handshake_with_version_3_gets_error_then_close) { run(handshake_unsupported_version); }

task<void> handshake_malformed(test_client& c, hub_endpoint&) {
    co_await c.send_text("{\"protocol\":\"json\"}\x1e");
    std::vector<std::string> before;
    int code = co_await c.close_code(&before);
    EXPECT_EQ(before, std::vector<std::string>{rec(R"({"error":"An unexpected error occurred during connection handshake."})")});
    EXPECT_EQ(code, 1000);
}
TEST_P(hub_connection_test, handshake_without_version_gets_error_then_close) { run(handshake_malformed); }

task<void> handshake_split(test_client& c, hub_endpoint&) {
    co_await c.send_text("{\"protocol\":\"js");
    EXPECT_TRUE(co_await c.silent_for(100ms));
    co_await c.send_text("on\",\"version\":1}\x1e");
    auto f = co_await c.next_frame();
    CO_ASSERT_TRUE(f.has_value());
    EXPECT_EQ(f->payload, "{}\x1e");
    // And the connection works afterwards.
    co_await c.send_text(rec(R"({"type":1,"invocationId":"1","target":"Add","arguments":[2,3]})"));
    auto r = co_await c.records(1);
    EXPECT_EQ(r, std::vector<std::string>{rec(R"({"type":3,"invocationId":"1","result":5})")});
}
TEST_P(hub_connection_test, handshake_split_across_two_frames) { run(handshake_split); }

task<void> handshake_with_invocation(test_client& c, hub_endpoint&) {
    co_await c.send_text(std::string(handshake_json) + rec(R"({"type":1,"invocationId":"1","target":"Add","arguments":[2,3]})"));
    auto f = co_await c.next_frame();
    CO_ASSERT_TRUE(f.has_value());
    EXPECT_EQ(f->payload, "{}\x1e" + rec(R"({"type":3,"invocationId":"1","result":5})"));
}
TEST_P(hub_connection_test, handshake_and_invocation_in_one_frame) { run(handshake_with_invocation); }

task<void> handshake_then_welcome(test_client& c, hub_endpoint&) {
    co_await c.send_text(std::string(handshake_json));
    auto f = co_await c.next_frame();
    CO_ASSERT_TRUE(f.has_value());
    EXPECT_EQ(f->payload, "{}\x1e" + rec(R"({"type":1,"target":"Welcome","arguments":["conn-1"]})"));
}
TEST_P(hub_connection_test, on_connected_call_follows_the_handshake_response) {
    run(handshake_then_welcome, {}, welcoming_hub());
}

task<void> lifecycle_hooks(test_client& c, hub_endpoint&) {
    EXPECT_TRUE(lifecycle().empty());
    co_await c.handshake();
    EXPECT_EQ(lifecycle(), std::vector<std::string>{"connected conn-1"});
    co_await c.send_text(rec(R"({"type":1,"invocationId":"1","target":"JoinGroup","arguments":["g"]})"));
    auto r = co_await c.records(1);
    EXPECT_EQ(r.size(), 1u);
}
TEST_P(hub_connection_test, on_disconnected_runs_once_after_the_client_left_before_groups_are_left) {
    lifecycle().clear();
    run(lifecycle_hooks, {}, hooked_hub());
    EXPECT_EQ(lifecycle(), (std::vector<std::string>{"connected conn-1", "disconnected conn-1 groups 1"}));
}

task<void> on_connected_throws(test_client& c, hub_endpoint&) {
    co_await c.send_text(std::string(handshake_json) + rec(R"({"type":1,"invocationId":"1","target":"Add","arguments":[1,2]})"));
    std::vector<std::string> before;
    int code = co_await c.close_code(&before);
    EXPECT_EQ(before, (std::vector<std::string>{"{}\x1e", rec(R"({"type":7,"error":"Connection closed with an error."})")}));
    EXPECT_EQ(code, 1000);
}
TEST_P(hub_connection_test, on_connected_failure_closes_without_allow_reconnect) {
    run(on_connected_throws, {}, refusing_hub());
}

task<void> handshake_too_large(test_client& c, hub_endpoint&) {
    co_await c.send_text("{\"protocol\":\"json\",\"version\":1,\"padding\":\"" + std::string(300, 'x'));
    std::vector<std::string> before;
    int code = co_await c.close_code(&before);
    EXPECT_EQ(before, std::vector<std::string>{rec(R"({"error":"Handshake was canceled."})")});
    EXPECT_EQ(code, 1000);
}
TEST_P(hub_connection_test, handshake_over_the_size_limit_is_canceled) {
    hub_options o;
    o.max_message_size = 128;
    run(handshake_too_large, o);
}

task<void> handshake_times_out(test_client& c, hub_endpoint&) {
    auto t0 = std::chrono::steady_clock::now();
    std::vector<std::string> before;
    int code = co_await c.close_code(&before, 4s);
    auto took = std::chrono::steady_clock::now() - t0;
    EXPECT_EQ(before, std::vector<std::string>{rec(R"({"error":"Handshake was canceled."})")});
    EXPECT_EQ(code, 1000);
    EXPECT_GE(took, 400ms);
    EXPECT_LT(took, 3s);
}
TEST_P(hub_connection_test, handshake_timeout_cancels_the_handshake) {
    hub_options o;
    o.handshake_timeout = 500ms;
    run(handshake_times_out, o);
}

// ---- invocations ----

task<void> several_in_one_frame(test_client& c, hub_endpoint&) {
    co_await c.handshake();
    co_await c.send_text(rec(R"({"type":1,"invocationId":"1","target":"Add","arguments":[2,3]})") +
                         rec(R"({"type":1,"invocationId":"2","target":"Echo","arguments":["hi"]})") +
                         rec(R"({"type":1,"invocationId":"3","target":"Nothing","arguments":[]})"));
    auto f = co_await c.next_frame();
    CO_ASSERT_TRUE(f.has_value());
    // One loop turn's answers share one text frame.
    EXPECT_EQ(f->payload, rec(R"({"type":3,"invocationId":"1","result":5})") +
                              rec(R"({"type":3,"invocationId":"2","result":"hi"})") +
                              rec(R"({"type":3,"invocationId":"3","result":null})"));
}
TEST_P(hub_connection_test, several_invocations_in_one_frame_get_one_frame_of_completions) { run(several_in_one_frame); }

task<void> several_frames_one_write(test_client& c, hub_endpoint&) {
    co_await c.handshake();
    co_await c.send_raw(test_client::frame(rec(R"({"type":1,"invocationId":"1","target":"Add","arguments":[1,1]})")) +
                        test_client::frame(rec(R"({"type":1,"invocationId":"2","target":"Add","arguments":[2,2]})")));
    auto f = co_await c.next_frame();
    CO_ASSERT_TRUE(f.has_value());
    EXPECT_EQ(f->payload, rec(R"({"type":3,"invocationId":"1","result":2})") +
                              rec(R"({"type":3,"invocationId":"2","result":4})"));
}
TEST_P(hub_connection_test, frames_read_in_one_turn_are_answered_in_one_frame) { run(several_frames_one_write); }

task<void> record_split(test_client& c, hub_endpoint&) {
    co_await c.handshake();
    co_await c.send_text(R"({"type":1,"invocationId":"1","tar)");
    EXPECT_TRUE(co_await c.silent_for(100ms));
    co_await c.send_text(R"(get":"Add","arguments":[2,3]})" "\x1e" R"({"type":1,"invocationId":"2","target":"Add",)");
    auto r = co_await c.records(1);
    EXPECT_EQ(r, std::vector<std::string>{rec(R"({"type":3,"invocationId":"1","result":5})")});
    co_await c.send_text(R"("arguments":[4,5]})" "\x1e");
    r = co_await c.records(1);
    EXPECT_EQ(r, std::vector<std::string>{rec(R"({"type":3,"invocationId":"2","result":9})")});
}
TEST_P(hub_connection_test, record_split_across_frames_is_reassembled) { run(record_split); }

task<void> fragmented_message(test_client& c, hub_endpoint&) {
    co_await c.handshake();
    std::string rec1 = rec(R"({"type":1,"invocationId":"1","target":"Echo","arguments":["frag"]})");
    co_await c.send_raw(test_client::frame(rec1.substr(0, 10), ws::opcode::text, false) +
                        test_client::frame(rec1.substr(10, 20), ws::opcode::continuation, false) +
                        test_client::frame(rec1.substr(30), ws::opcode::continuation, true));
    auto r = co_await c.records(1);
    EXPECT_EQ(r, std::vector<std::string>{rec(R"({"type":3,"invocationId":"1","result":"frag"})")});
}
TEST_P(hub_connection_test, fragmented_websocket_message_is_one_hub_message) { run(fragmented_message); }

task<void> js_client_order(test_client& c, hub_endpoint&) {
    co_await c.handshake();
    co_await c.send_text(rec(R"({"target":"Add","arguments":[2,3],"invocationId":"0","type":1})"));
    auto r = co_await c.records(1);
    EXPECT_EQ(r, std::vector<std::string>{rec(R"({"type":3,"invocationId":"0","result":5})")});
}
TEST_P(hub_connection_test, fields_in_js_client_order_with_type_last) { run(js_client_order); }

task<void> void_result(test_client& c, hub_endpoint&) {
    co_await c.handshake();
    co_await c.send_text(rec(R"({"type":1,"invocationId":"7","target":"Nothing","arguments":[]})"));
    auto r = co_await c.records(1);
    EXPECT_EQ(r, std::vector<std::string>{rec(R"({"type":3,"invocationId":"7","result":null})")});
}
TEST_P(hub_connection_test, void_method_answers_result_null) { run(void_result); }

task<void> fire_and_forget(test_client& c, hub_endpoint&) {
    co_await c.handshake();
    recorded().clear();
    co_await c.send_text(rec(R"({"type":1,"target":"Record","arguments":["a"]})") +
                         rec(R"({"type":1,"invocationId":"","target":"Record","arguments":["b"]})") +
                         rec(R"({"type":1,"target":"NoSuchMethod","arguments":[]})") +
                         rec(R"({"type":1,"target":"Add","arguments":["not a number",1]})") +
                         rec(R"({"type":1,"target":"Fail","arguments":["x"]})") +
                         rec(R"({"type":1,"target":"Counter","arguments":[1,0]})"));
    EXPECT_TRUE(co_await c.silent_for(300ms));
    EXPECT_EQ(recorded(), (std::vector<std::string>{"a", "b"}));
    co_await c.send_text(rec(R"({"type":1,"invocationId":"1","target":"Add","arguments":[1,2]})"));
    auto r = co_await c.records(1);
    EXPECT_EQ(r, std::vector<std::string>{rec(R"({"type":3,"invocationId":"1","result":3})")});
}
TEST_P(hub_connection_test, fire_and_forget_gets_no_reply_not_even_an_error) { run(fire_and_forget); }

task<void> unknown_method(test_client& c, hub_endpoint&) {
    co_await c.handshake();
    co_await c.send_text(rec(R"({"type":1,"invocationId":"1","target":"Nope","arguments":[1]})"));
    auto r = co_await c.records(1);
    EXPECT_EQ(r, std::vector<std::string>{rec(
                     R"({"type":3,"invocationId":"1","error":"Failed to invoke 'Nope' due to an error on the server. HubException: Method does not exist."})")});
    co_await c.send_text(rec(R"({"type":1,"invocationId":"2","target":"Add","arguments":[1,2]})"));
    r = co_await c.records(1);
    EXPECT_EQ(r, std::vector<std::string>{rec(R"({"type":3,"invocationId":"2","result":3})")});
}
TEST_P(hub_connection_test, unknown_method_gets_exact_error_and_connection_stays_open) { run(unknown_method); }

task<void> method_names(test_client& c, hub_endpoint&) {
    co_await c.handshake();
    co_await c.send_text(rec(R"({"type":1,"invocationId":"1","target":"add","arguments":[1,2]})") +
                         rec(R"({"type":1,"invocationId":"2","target":"ECHO","arguments":["x"]})"));
    auto r = co_await c.records(2);
    EXPECT_EQ(r, (std::vector<std::string>{rec(R"({"type":3,"invocationId":"1","result":3})"),
                                           rec(R"({"type":3,"invocationId":"2","result":"x"})")}));
}
TEST_P(hub_connection_test, method_names_match_case_insensitively) { run(method_names); }

task<void> bad_arguments(test_client& c, hub_endpoint&) {
    co_await c.handshake();
    co_await c.send_text(rec(R"({"type":1,"invocationId":"1","target":"Add","arguments":["1",2]})") +
                         rec(R"({"type":1,"invocationId":"2","target":"Add","arguments":[1.5,2]})") +
                         rec(R"({"type":1,"invocationId":"3","target":"Add","arguments":[2147483648,2]})") +
                         rec(R"({"type":1,"invocationId":"4","target":"Add","arguments":[1]})") +
                         rec(R"({"type":1,"invocationId":"5","target":"Add","arguments":[1,2,3]})") +
                         rec(R"({"type":1,"invocationId":"6","target":"Add","arguments":[1.0,2e0]})"));
    auto r = co_await c.records(6);
    const std::string failed = "Failed to invoke 'Add' due to an error on the server.";
    std::vector<std::string> want;
    for (int i = 1; i <= 5; ++i)
        want.push_back(rec(R"({"type":3,"invocationId":")" + std::to_string(i) + R"(","error":")" + failed + "\"}"));
    want.push_back(rec(R"({"type":3,"invocationId":"6","result":3})"));
    EXPECT_EQ(r, want);
}
TEST_P(hub_connection_test, arguments_that_do_not_bind_get_failed_to_invoke) { run(bad_arguments); }

task<void> method_throws(test_client& c, hub_endpoint&) {
    co_await c.handshake();
    co_await c.send_text(rec(R"({"type":1,"invocationId":"1","target":"Fail","arguments":["no \"way\""]})") +
                         rec(R"({"type":1,"invocationId":"2","target":"Crash","arguments":[]})"));
    auto r = co_await c.records(2);
    EXPECT_EQ(r, (std::vector<std::string>{
                     rec(R"({"type":3,"invocationId":"1","error":"An unexpected error occurred invoking 'Fail' on the server. HubException: no \"way\""})"),
                     rec(R"({"type":3,"invocationId":"2","error":"An unexpected error occurred invoking 'Crash' on the server."})")}));
}
TEST_P(hub_connection_test, hub_error_text_reaches_the_caller_other_exceptions_do_not) { run(method_throws); }

task<void> invocations_in_order(test_client& c, hub_endpoint&) {
    co_await c.handshake();
    // The slow call finishes before the next message is dispatched (one invocation at a time).
    co_await c.send_text(rec(R"({"type":1,"invocationId":"1","target":"Slow","arguments":[150]})") +
                         rec(R"({"type":1,"invocationId":"2","target":"Add","arguments":[1,1]})"));
    auto r = co_await c.records(2);
    EXPECT_EQ(r, (std::vector<std::string>{rec(R"({"type":3,"invocationId":"1","result":150})"),
                                           rec(R"({"type":3,"invocationId":"2","result":2})")}));
}
TEST_P(hub_connection_test, ordinary_invocations_run_one_at_a_time) { run(invocations_in_order); }

task<void> sends_before_completion(test_client& c, hub_endpoint&) {
    co_await c.handshake();
    co_await c.send_text(rec(R"({"type":1,"invocationId":"1","target":"NoteThenReturn","arguments":[]})"));
    auto f = co_await c.next_frame();
    CO_ASSERT_TRUE(f.has_value());
    EXPECT_EQ(f->payload, rec(R"({"type":1,"target":"Note","arguments":[1]})") +
                              rec(R"({"type":3,"invocationId":"1","result":2})"));
    co_await c.send_text(rec(R"({"type":1,"invocationId":"2","target":"Shout","arguments":["hey"]})"));
    auto r = co_await c.records(2);
    EXPECT_EQ(r, (std::vector<std::string>{rec(R"({"type":1,"target":"Shout","arguments":["hey"]})"),
                                           rec(R"({"type":3,"invocationId":"2","result":1})")}));
}
TEST_P(hub_connection_test, calls_a_method_makes_arrive_before_its_completion) { run(sends_before_completion); }

task<void> groups(test_client& c, hub_endpoint& ep) {
    co_await c.handshake();
    co_await c.send_text(rec(R"({"type":1,"invocationId":"1","target":"JoinGroup","arguments":["g"]})") +
                         rec(R"({"type":1,"invocationId":"2","target":"ToGroup","arguments":["g","m"]})") +
                         rec(R"({"type":1,"invocationId":"3","target":"ToGroup","arguments":["G","m"]})"));
    auto r = co_await c.records(4);
    EXPECT_EQ(r, (std::vector<std::string>{rec(R"({"type":3,"invocationId":"1","result":null})"),
                                           rec(R"({"type":1,"target":"InGroup","arguments":["g","m"]})"),
                                           rec(R"({"type":3,"invocationId":"2","result":null})"),
                                           rec(R"({"type":3,"invocationId":"3","result":null})")}));
    EXPECT_EQ(ep.local().groups.count("g"), 1u);
    co_await c.send_text(rec(R"({"type":1,"invocationId":"4","target":"LeaveGroup","arguments":["g"]})") +
                         rec(R"({"type":1,"invocationId":"5","target":"ToGroup","arguments":["g","m"]})"));
    r = co_await c.records(2);
    EXPECT_EQ(r, (std::vector<std::string>{rec(R"({"type":3,"invocationId":"4","result":null})"),
                                           rec(R"({"type":3,"invocationId":"5","result":null})")}));
    EXPECT_TRUE(ep.local().groups.empty());
    // Membership ends with the connection (run_scenario checks the registry is empty afterwards).
    co_await c.send_text(rec(R"({"type":1,"invocationId":"6","target":"JoinGroup","arguments":["h"]})"));
    r = co_await c.records(1);
    EXPECT_EQ(r.size(), 1u);
}
TEST_P(hub_connection_test, group_membership_and_group_sends) { run(groups); }

// ---- server-to-client streams ----

task<void> stream_items(test_client& c, hub_endpoint&) {
    co_await c.handshake();
    co_await c.send_text(rec(R"({"type":4,"invocationId":"s1","target":"Counter","arguments":[3,0]})"));
    auto r = co_await c.records(4);
    EXPECT_EQ(r, (std::vector<std::string>{rec(R"({"type":2,"invocationId":"s1","item":0})"),
                                           rec(R"({"type":2,"invocationId":"s1","item":1})"),
                                           rec(R"({"type":2,"invocationId":"s1","item":2})"),
                                           rec(R"({"type":3,"invocationId":"s1"})")}));
    // JS client order, and an empty stream.
    co_await c.send_text(rec(R"({"target":"Counter","arguments":[0,0],"invocationId":"2","type":4})"));
    r = co_await c.records(1);
    EXPECT_EQ(r, std::vector<std::string>{rec(R"({"type":3,"invocationId":"2"})")});
}
TEST_P(hub_connection_test, stream_invocation_gets_items_then_completion_without_result) { run(stream_items); }

task<void> stream_error(test_client& c, hub_endpoint&) {
    co_await c.handshake();
    co_await c.send_text(rec(R"({"type":4,"invocationId":"s","target":"BrokenStream","arguments":[]})"));
    auto r = co_await c.records(2);
    EXPECT_EQ(r, (std::vector<std::string>{
                     rec(R"({"type":2,"invocationId":"s","item":"first"})"),
                     rec(R"({"type":3,"invocationId":"s","error":"An unexpected error occurred invoking 'BrokenStream' on the server. HubException: stream broke"})")}));
}
TEST_P(hub_connection_test, stream_that_throws_completes_with_error) { run(stream_error); }

task<void> stream_mode_mismatch(test_client& c, hub_endpoint&) {
    co_await c.handshake();
    co_await c.send_text(rec(R"({"type":4,"invocationId":"1","target":"Add","arguments":[1,2]})") +
                         rec(R"({"type":1,"invocationId":"2","target":"Counter","arguments":[1,0]})") +
                         rec(R"({"type":4,"invocationId":"3","target":"Nope","arguments":[]})") +
                         rec(R"({"type":4,"invocationId":"4","target":"Counter","arguments":["x",0]})"));
    auto r = co_await c.records(4);
    EXPECT_EQ(r, (std::vector<std::string>{
                     rec(R"({"type":3,"invocationId":"1","error":"The client attempted to invoke the non-streaming 'Add' method with a streaming invocation."})"),
                     rec(R"({"type":3,"invocationId":"2","error":"The client attempted to invoke the streaming 'Counter' method with a non-streaming invocation."})"),
                     rec(R"({"type":3,"invocationId":"3","error":"Failed to invoke 'Nope' due to an error on the server. HubException: Method does not exist."})"),
                     rec(R"({"type":3,"invocationId":"4","error":"Failed to invoke 'Counter' due to an error on the server."})")}));
}
TEST_P(hub_connection_test, invocation_kind_must_match_the_method) { run(stream_mode_mismatch); }

task<void> stream_id_in_use(test_client& c, hub_endpoint&) {
    co_await c.handshake();
    co_await c.send_text(rec(R"({"type":4,"invocationId":"s","target":"Counter","arguments":[1000,20]})"));
    auto r = co_await c.records(1);
    EXPECT_EQ(r, std::vector<std::string>{rec(R"({"type":2,"invocationId":"s","item":0})")});
    co_await c.send_text(rec(R"({"type":4,"invocationId":"s","target":"Counter","arguments":[1,0]})"));
    bool saw_error = false;
    for (int i = 0; i < 20 && !saw_error; ++i) {
        for (auto& x : co_await c.records(1))
            if (x == rec(R"({"type":3,"invocationId":"s","error":"Invocation ID 's' is already in use."})")) saw_error = true;
    }
    EXPECT_TRUE(saw_error);
    co_await c.send_text(rec(R"({"type":5,"invocationId":"s"})"));
}
TEST_P(hub_connection_test, stream_id_already_in_use_is_refused) { run(stream_id_in_use); }

task<void> cancel_stream(test_client& c, hub_endpoint&) {
    co_await c.handshake();
    co_await c.send_text(rec(R"({"type":4,"invocationId":"s1","target":"Counter","arguments":[1000,20]})"));
    auto r = co_await c.records(2);
    CO_ASSERT_TRUE(r.size() >= 2);
    EXPECT_EQ(r[0], rec(R"({"type":2,"invocationId":"s1","item":0})"));
    co_await c.send_text(rec(R"({"invocationId":"s1","type":5})"));
    // Items already on their way may still come, then the (ignored) completion, then nothing.
    bool completed = false;
    int items = 0;
    for (int i = 0; i < 50 && !completed; ++i) {
        for (auto& x : co_await c.records(1)) {
            if (x == rec(R"({"type":3,"invocationId":"s1"})"))
                completed = true;
            else if (x.starts_with(R"({"type":2,"invocationId":"s1")"))
                ++items;
            else
                ADD_FAILURE() << "unexpected record " << x;
        }
    }
    EXPECT_TRUE(completed);
    EXPECT_LE(items, 3);
    EXPECT_TRUE(co_await c.silent_for(200ms));
    co_await c.send_text(rec(R"({"type":1,"invocationId":"1","target":"ActiveStreams","arguments":[]})") +
                         rec(R"({"type":5,"invocationId":"unknown"})"));
    r = co_await c.records(1);
    EXPECT_EQ(r, std::vector<std::string>{rec(R"({"type":3,"invocationId":"1","result":0})")});
}
TEST_P(hub_connection_test, cancel_invocation_stops_a_stream) { run(cancel_stream); }

task<void> cancel_right_away(test_client& c, hub_endpoint&) {
    co_await c.handshake();
    // Cancelled in the same frame as it starts: at most an item or two, then the completion.
    co_await c.send_text(rec(R"({"type":4,"invocationId":"s","target":"Counter","arguments":[1000,20]})") +
                         rec(R"({"type":5,"invocationId":"s"})"));
    bool completed = false;
    int items = 0;
    for (int i = 0; i < 10 && !completed; ++i)
        for (auto& x : co_await c.records(1)) {
            if (x == rec(R"({"type":3,"invocationId":"s"})")) completed = true;
            else ++items;
        }
    EXPECT_TRUE(completed);
    EXPECT_LE(items, 1);
    EXPECT_TRUE(co_await c.silent_for(200ms));
}
TEST_P(hub_connection_test, cancel_in_the_same_frame_as_the_stream_invocation) { run(cancel_right_away); }

// ---- client-to-server (upload) streams ----

task<void> upload_stream(test_client& c, hub_endpoint&) {
    co_await c.handshake();
    // As the JS client sends it: one counter for invocation and stream ids, type last.
    co_await c.send_text(rec(R"({"target":"Sum","arguments":[],"streamIds":["1"],"invocationId":"0","type":1})"));
    co_await c.send_text(rec(R"({"invocationId":"1","item":1,"type":2})") + rec(R"({"invocationId":"1","item":2,"type":2})"));
    co_await c.send_text(rec(R"({"invocationId":"1","item":3,"type":2})"));
    EXPECT_TRUE(co_await c.silent_for(100ms));
    co_await c.send_text(rec(R"({"invocationId":"1","type":3})"));
    auto r = co_await c.records(1);
    EXPECT_EQ(r, std::vector<std::string>{rec(R"({"type":3,"invocationId":"0","result":6})")});
    // Items for a finished or unknown stream are dropped silently.
    co_await c.send_text(rec(R"({"invocationId":"1","item":4,"type":2})") + rec(R"({"invocationId":"9","item":4,"type":2})"));
    EXPECT_TRUE(co_await c.silent_for(150ms));
}
TEST_P(hub_connection_test, upload_stream_items_reach_the_method) { run(upload_stream); }

task<void> two_uploads(test_client& c, hub_endpoint&) {
    co_await c.handshake();
    co_await c.send_text(rec(R"({"type":1,"invocationId":"0","target":"Concat","arguments":["-"],"streamIds":["a","b"]})") +
                         rec(R"({"type":2,"invocationId":"b","item":"y"})") +
                         rec(R"({"type":2,"invocationId":"a","item":"x"})") +
                         rec(R"({"type":3,"invocationId":"a"})") + rec(R"({"type":3,"invocationId":"b"})"));
    auto r = co_await c.records(1);
    EXPECT_EQ(r, std::vector<std::string>{rec(R"({"type":3,"invocationId":"0","result":"x-y-"})")});
}
TEST_P(hub_connection_test, stream_ids_bind_to_stream_parameters_in_order) { run(two_uploads); }

task<void> upload_errors(test_client& c, hub_endpoint&) {
    co_await c.handshake();
    co_await c.send_text(rec(R"({"type":1,"invocationId":"0","target":"Sum","arguments":[]})"));
    auto r = co_await c.records(1);
    EXPECT_EQ(r, std::vector<std::string>{rec(
                     R"({"type":3,"invocationId":"0","error":"An unexpected error occurred invoking 'Sum' on the server. HubException: Client sent 0 stream(s), Hub method expects 1."})")});
    co_await c.send_text(rec(R"({"type":1,"invocationId":"1","target":"Sum","arguments":[],"streamIds":["2"]})") +
                         rec(R"({"type":2,"invocationId":"2","item":1})") +
                         rec(R"({"type":3,"invocationId":"2","error":"source failed"})"));
    r = co_await c.records(1);
    EXPECT_EQ(r, std::vector<std::string>{rec(
                     R"({"type":3,"invocationId":"1","error":"An unexpected error occurred invoking 'Sum' on the server. HubException: source failed"})")});
    co_await c.send_text(rec(R"({"type":1,"invocationId":"3","target":"Sum","arguments":[],"streamIds":["4"]})") +
                         rec(R"({"type":2,"invocationId":"4","item":"one"})"));
    r = co_await c.records(1);
    EXPECT_EQ(r, std::vector<std::string>{rec(
                     R"({"type":3,"invocationId":"3","error":"An unexpected error occurred invoking 'Sum' on the server. HubException: A stream item does not have the expected type."})")});
}
TEST_P(hub_connection_test, upload_stream_errors_complete_the_invocation_with_an_error) { run(upload_errors); }

std::string items_for(std::string_view stream_id, int n) {
    std::string out;
    for (int i = 0; i < n; ++i)
        out += rec(R"({"type":2,"invocationId":")" + std::string(stream_id) + R"(","item":)" + std::to_string(i) + "}");
    return out;
}

// The client keeps sending items after the method is done with the stream (the JS client does not
// know): they must be dropped, not buffered until the connection stops reading for good.
task<void> upload_after_return(test_client& c, hub_endpoint&) {
    co_await c.handshake();
    co_await c.send_text(rec(R"({"type":1,"invocationId":"0","target":"First","arguments":[],"streamIds":["1"]})") +
                         items_for("1", 1));
    auto r = co_await c.records(1);
    EXPECT_EQ(r, std::vector<std::string>{rec(R"({"type":3,"invocationId":"0","result":0})")});
    co_await c.send_text(items_for("1", 25));
    co_await c.send_text(rec(R"({"type":1,"invocationId":"2","target":"Add","arguments":[1,2]})"));
    r = co_await c.records(1);
    EXPECT_EQ(r, std::vector<std::string>{rec(R"({"type":3,"invocationId":"2","result":3})")});
}
TEST_P(hub_connection_test, items_after_the_method_returned_are_dropped) { run(upload_after_return); }

task<void> upload_after_throw(test_client& c, hub_endpoint&) {
    co_await c.handshake();
    co_await c.send_text(rec(R"({"type":1,"invocationId":"0","target":"Limited","arguments":[-1],"streamIds":["1"]})"));
    auto r = co_await c.records(1);
    EXPECT_EQ(r, std::vector<std::string>{rec(
                     R"({"type":3,"invocationId":"0","error":"An unexpected error occurred invoking 'Limited' on the server. HubException: limit must not be negative"})")});
    co_await c.send_text(items_for("1", 25) + rec(R"({"type":3,"invocationId":"1"})"));
    co_await c.send_text(rec(R"({"type":1,"invocationId":"2","target":"Add","arguments":[1,2]})"));
    r = co_await c.records(1);
    EXPECT_EQ(r, std::vector<std::string>{rec(R"({"type":3,"invocationId":"2","result":3})")});
}
TEST_P(hub_connection_test, items_after_the_method_threw_are_dropped) { run(upload_after_throw); }

task<void> upload_bind_failure(test_client& c, hub_endpoint&) {
    co_await c.handshake();
    // The stream parameter comes before the argument that fails to bind.
    co_await c.send_text(rec(R"({"type":1,"invocationId":"0","target":"Limited","arguments":["x"],"streamIds":["1"]})"));
    auto r = co_await c.records(1);
    EXPECT_EQ(r, std::vector<std::string>{rec(
                     R"({"type":3,"invocationId":"0","error":"Failed to invoke 'Limited' due to an error on the server."})")});
    co_await c.send_text(items_for("1", 25) + rec(R"({"type":3,"invocationId":"1"})"));
    co_await c.send_text(rec(R"({"type":1,"invocationId":"2","target":"Add","arguments":[1,2]})"));
    r = co_await c.records(1);
    EXPECT_EQ(r, std::vector<std::string>{rec(R"({"type":3,"invocationId":"2","result":3})")});
}
TEST_P(hub_connection_test, items_for_an_invocation_that_failed_to_bind_are_dropped) { run(upload_bind_failure); }

task<void> upload_backpressure(test_client& c, hub_endpoint&) {
    co_await c.handshake();
    // Limited reads 30 items; 40 arrive at once, far over the buffer of 10: the reader catches up.
    co_await c.send_text(rec(R"({"type":1,"invocationId":"0","target":"Limited","arguments":[30],"streamIds":["1"]})") +
                         items_for("1", 40) + rec(R"({"type":3,"invocationId":"1"})") +
                         rec(R"({"type":1,"invocationId":"2","target":"Add","arguments":[1,2]})"));
    auto r = co_await c.records(2);
    // Methods with upload streams run in the background: Add may finish first.
    std::sort(r.begin(), r.end());
    EXPECT_EQ(r, (std::vector<std::string>{rec(R"({"type":3,"invocationId":"0","result":30})"),
                                           rec(R"({"type":3,"invocationId":"2","result":3})")}));
}
TEST_P(hub_connection_test, upload_over_the_buffer_capacity_is_read_as_the_method_takes_items) {
    run(upload_backpressure);
}

task<void> leave_mid_stream(test_client& c, hub_endpoint&) {
    co_await c.handshake();
    co_await c.send_text(rec(R"({"type":4,"invocationId":"s","target":"Counter","arguments":[100000,10]})") +
                         rec(R"({"type":1,"invocationId":"0","target":"Sum","arguments":[],"streamIds":["u"]})") +
                         items_for("u", 3));
    auto r = co_await c.records(1);
    EXPECT_EQ(r.size(), 1u);
    // run_scenario then leaves: the server must stop the stream and the upload method and end.
}
TEST_P(hub_connection_test, client_leaving_mid_stream_ends_streams_and_uploads) { run(leave_mid_stream); }

// ---- protocol errors and closing ----

task<void> malformed_json(test_client& c, hub_endpoint&) {
    co_await c.handshake();
    co_await c.send_text(rec(R"({"type":1,"invocationId":"1","target":"Add","arguments":[1,,2]})"));
    std::vector<std::string> before;
    int code = co_await c.close_code(&before);
    EXPECT_EQ(before, std::vector<std::string>{rec(
                          R"({"type":7,"error":"Connection closed with an error. Error reading JSON.","allowReconnect":true})")});
    EXPECT_EQ(code, 1000);
}
TEST_P(hub_connection_test, malformed_json_closes_with_error_and_allow_reconnect) { run(malformed_json); }

task<void> missing_type(test_client& c, hub_endpoint&) {
    co_await c.handshake();
    // The good record before the bad one in the same frame is still answered, first.
    co_await c.send_text(rec(R"({"type":1,"invocationId":"1","target":"Add","arguments":[1,2]})") +
                         rec(R"({"target":"Add","arguments":[]})") +
                         rec(R"({"type":1,"invocationId":"2","target":"Add","arguments":[1,2]})"));
    std::vector<std::string> before;
    int code = co_await c.close_code(&before);
    EXPECT_EQ(before, (std::vector<std::string>{
                          rec(R"({"type":3,"invocationId":"1","result":3})"),
                          rec(R"({"type":7,"error":"Connection closed with an error. Missing required property 'type'.","allowReconnect":true})")}));
    EXPECT_EQ(code, 1000);
}
TEST_P(hub_connection_test, missing_type_closes_after_answering_earlier_records) { run(missing_type); }

task<void> too_large(test_client& c, hub_endpoint&) {
    co_await c.handshake();
    co_await c.send_text(rec(R"({"type":1,"invocationId":"1","target":"Echo","arguments":[")" + std::string(200, 'x') + "\"]}"));
    std::vector<std::string> before;
    int code = co_await c.close_code(&before);
    EXPECT_EQ(before, std::vector<std::string>{rec(
                          R"({"type":7,"error":"Connection closed with an error. The maximum message size was exceeded.","allowReconnect":true})")});
    EXPECT_EQ(code, 1000);
}
TEST_P(hub_connection_test, record_over_max_message_size_closes_with_error) {
    hub_options o;
    o.max_message_size = 128;
    run(too_large, o);
}

task<void> too_large_unterminated(test_client& c, hub_endpoint&) {
    co_await c.handshake();
    // Under the limit it is a record still arriving; past the limit without 0x1E it is refused.
    co_await c.send_text(R"({"type":1,"invocationId":"1","target":"Echo","arguments":[")" + std::string(60, 'x'));
    EXPECT_TRUE(co_await c.silent_for(100ms));
    co_await c.send_text(std::string(100, 'x'));
    std::vector<std::string> before;
    int code = co_await c.close_code(&before);
    EXPECT_EQ(before, std::vector<std::string>{rec(
                          R"({"type":7,"error":"Connection closed with an error. The maximum message size was exceeded.","allowReconnect":true})")});
    EXPECT_EQ(code, 1000);
}
TEST_P(hub_connection_test, record_growing_past_the_limit_across_frames_closes) {
    hub_options o;
    o.max_message_size = 128;
    run(too_large_unterminated, o);
}

task<void> record_at_limit(test_client& c, hub_endpoint&) {
    co_await c.handshake();
    std::string head = R"({"type":1,"invocationId":"1","target":"Echo","arguments":[")";
    std::string tail = "\"]}";
    std::string body(128 - head.size() - tail.size() - 1, 'y');  // exactly 128 bytes with the 0x1E
    co_await c.send_text(rec(head + body + tail));
    auto r = co_await c.records(1);
    EXPECT_EQ(r, std::vector<std::string>{rec(R"({"type":3,"invocationId":"1","result":")" + body + "\"}")});
}
TEST_P(hub_connection_test, record_of_exactly_max_message_size_is_accepted) {
    hub_options o;
    o.max_message_size = 128;
    run(record_at_limit, o);
}

task<void> client_close_record(test_client& c, hub_endpoint&) {
    co_await c.handshake();
    co_await c.send_text(rec(R"({"type":7})"));
    std::vector<std::string> before;
    int code = co_await c.close_code(&before);
    EXPECT_TRUE(before.empty()) << before.front();
    EXPECT_EQ(code, 1000);
}
TEST_P(hub_connection_test, client_close_message_ends_the_connection_without_a_reply) { run(client_close_record); }

task<void> client_close_frame(test_client& c, hub_endpoint&) {
    co_await c.handshake();
    co_await c.send_raw(test_client::frame("\x03\xe9" "bye", ws::opcode::close));  // 1001 going away
    std::vector<std::string> before;
    int code = co_await c.close_code(&before);
    EXPECT_TRUE(before.empty());
    EXPECT_EQ(code, 1001);
}
TEST_P(hub_connection_test, websocket_close_is_echoed) { run(client_close_frame); }

task<void> abort_call(test_client& c, hub_endpoint&) {
    co_await c.handshake();
    co_await c.send_text(rec(R"({"type":1,"invocationId":"1","target":"Abort","arguments":[]})"));
    std::vector<std::string> before;
    int code = co_await c.close_code(&before);
    EXPECT_EQ(before, std::vector<std::string>{rec(R"({"type":7})")});
    EXPECT_EQ(code, 1000);
}
TEST_P(hub_connection_test, abort_sends_close_without_allow_reconnect) { run(abort_call); }

task<void> drain(test_client& c, hub_endpoint& ep) {
    co_await c.handshake();
    ep.begin_drain_core();
    std::vector<std::string> before;
    int code = co_await c.close_code(&before);
    EXPECT_EQ(before, std::vector<std::string>{rec(R"({"type":7,"allowReconnect":true})")});
    EXPECT_EQ(code, 1000);
}
TEST_P(hub_connection_test, drain_closes_with_allow_reconnect) { run(drain); }

task<void> unmasked_frame(test_client& c, hub_endpoint&) {
    co_await c.handshake();
    std::string f;
    ws::append_server_frame(f, ws::opcode::text, rec(R"({"type":6})"));  // unmasked: not allowed from a client
    co_await c.send_raw(f);
    int code = co_await c.close_code();
    EXPECT_EQ(code, 1002);
}
TEST_P(hub_connection_test, unmasked_client_frame_is_a_websocket_protocol_error) { run(unmasked_frame); }

// ---- keep-alive, timeouts, ping/pong ----

task<void> keep_alive(test_client& c, hub_endpoint&) {
    co_await c.handshake();
    auto t0 = std::chrono::steady_clock::now();
    auto r = co_await c.records(1, 3s);
    EXPECT_EQ(r, std::vector<std::string>{rec(R"({"type":6})")});
    EXPECT_GE(std::chrono::steady_clock::now() - t0, 250ms);
    r = co_await c.records(1, 3s);
    EXPECT_EQ(r, std::vector<std::string>{rec(R"({"type":6})")});
    // The client's own pings count as traffic and are not answered.
    co_await c.send_text(rec(R"({"type":6})"));
}
TEST_P(hub_connection_test, idle_connection_gets_keep_alive_pings) {
    hub_options o;
    o.keep_alive_interval = 300ms;
    run(keep_alive, o);
}

task<void> client_timeout(test_client& c, hub_endpoint&) {
    co_await c.handshake();
    auto t0 = std::chrono::steady_clock::now();
    std::vector<std::string> before;
    int code = co_await c.close_code(&before, 5s);
    auto took = std::chrono::steady_clock::now() - t0;
    CO_ASSERT_TRUE(before.size() == 1);
    EXPECT_TRUE(before[0].starts_with(R"({"type":7,"error":")")) << before[0];
    EXPECT_TRUE(before[0].ends_with(R"(","allowReconnect":true})" "\x1e")) << before[0];
    EXPECT_EQ(code, 1000);
    EXPECT_GE(took, 1400ms);
    EXPECT_LT(took, 4s);
}
TEST_P(hub_connection_test, silent_client_is_closed_after_client_timeout) {
    hub_options o;
    o.keep_alive_interval = 60s;
    o.client_timeout = 1500ms;
    run(client_timeout, o);
}

task<void> pings_keep_open(test_client& c, hub_endpoint&) {
    co_await c.handshake();
    for (int i = 0; i < 6; ++i) {
        co_await io::sleep(400ms);
        co_await c.send_text(rec(R"({"type":6})"));
    }
    // 2.4 s of client pings, past the 1.5 s timeout: still served.
    co_await c.send_text(rec(R"({"type":1,"invocationId":"1","target":"Add","arguments":[1,2]})"));
    auto r = co_await c.records(1);
    EXPECT_EQ(r, std::vector<std::string>{rec(R"({"type":3,"invocationId":"1","result":3})")});
}
TEST_P(hub_connection_test, client_pings_keep_the_connection_open) {
    hub_options o;
    o.keep_alive_interval = 60s;
    o.client_timeout = 1500ms;
    run(pings_keep_open, o);
}

task<void> ping_pong(test_client& c, hub_endpoint&) {
    co_await c.handshake();
    co_await c.send_raw(test_client::frame("abc", ws::opcode::ping));
    auto f = co_await c.next_frame();
    CO_ASSERT_TRUE(f.has_value());
    EXPECT_EQ(f->op, ws::opcode::pong);
    EXPECT_EQ(f->payload, "abc");
    // A ping between the records of one turn: the pong does not cut into a record.
    co_await c.send_raw(test_client::frame(rec(R"({"type":1,"invocationId":"1","target":"Add","arguments":[1,2]})")) +
                        test_client::frame("", ws::opcode::ping) +
                        test_client::frame(rec(R"({"type":1,"invocationId":"2","target":"Add","arguments":[2,2]})")));
    std::vector<std::string> got;
    bool pong = false;
    for (int i = 0; i < 3 && got.size() < 2; ++i) {
        auto g = co_await c.next_frame();
        if (!g) break;
        if (g->op == ws::opcode::pong) {
            pong = true;
            EXPECT_EQ(g->payload, "");
            continue;
        }
        for (auto& x : split_records(g->payload)) got.push_back(x);
    }
    EXPECT_TRUE(pong);
    EXPECT_EQ(got, (std::vector<std::string>{rec(R"({"type":3,"invocationId":"1","result":3})"),
                                             rec(R"({"type":3,"invocationId":"2","result":4})")}));
}
TEST_P(hub_connection_test, websocket_ping_gets_pong) { run(ping_pong); }

INSTANTIATE_TEST_SUITE_P(backends, hub_connection_test, ::testing::Values("uring", "epoll"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace tallyhub::signalr
