// amqp::engine without sockets: a client engine and a listener engine wired back to back, and a
// client engine fed the frames a broker sends (built with the codec, shaped like RabbitMQ's in
// reference/amqp-1.0.md §3.1). Checks what a producer or a broker would notice: SASL outcomes,
// credit and backpressure, dispositions in ranges, multi-frame messages, limits and errors.
#include "net/amqp/engine.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "net/amqp/encode.hpp"
#include "net/amqp/frame.hpp"
#include "net/amqp/message.hpp"
#include "net/amqp/performatives.hpp"
#include "net/amqp/sasl.hpp"

namespace tallyhub::amqp {
namespace {

using clock = engine::clock;

struct recorder final : engine_handler {
    struct got {
        delivery_ref ref;
        bool settled;
        std::string message;
    };
    std::vector<got> messages;
    std::vector<send_outcome> outcomes;
    std::vector<std::string> outcome_descriptions;
    int ready = 0;
    int credit = 0;
    bool closed = false;
    failure why;
    bool remote = false;
    engine* settle_with = nullptr;  // settle accepted at once when set

    void on_message(const delivery_ref& d, bool settled, std::string_view message) override {
        messages.push_back({d, settled, std::string(message)});
        if (settle_with) settle_with->settle(d, outcome::accepted);
    }
    void on_link_ready() override { ++ready; }
    void on_credit() override { ++credit; }
    void on_outcome(const send_outcome& o) override {
        outcomes.push_back(o);
        outcome_descriptions.emplace_back(o.description);
    }
    void on_closed(const failure& f, bool r) override {
        closed = true;
        why = f;
        remote = r;
    }
};

// Moves output between the two engines until neither has anything to say.
void pump(engine& a, engine& b, clock::time_point now = clock::now()) {
    for (int i = 0; i < 100; ++i) {
        a.flush();
        b.flush();
        std::string to_b, to_a;
        to_b.swap(a.output());
        to_a.swap(b.output());
        if (to_a.empty() && to_b.empty()) return;
        if (!to_b.empty()) b.receive(to_b, now);
        if (!to_a.empty()) a.receive(to_a, now);
    }
    ADD_FAILURE() << "the engines never went quiet";
}

engine_options listener_options() {
    engine_options o;
    o.role = engine_role::listener;
    o.credit = 10;
    return o;
}

engine_options sender_options() {
    engine_options o;
    o.role = engine_role::client;
    o.direction = link_direction::send;
    o.address = "events";
    o.hostname = "localhost";
    o.link_name = "producer";
    return o;
}

std::string message_with(std::string_view subject, std::string_view body) {
    outgoing_message m;
    m.subject = subject;
    m.content_type = "application/json";
    m.body = as_bytes(body);
    std::string out;
    encode_message(out, m);
    return out;
}

struct pair_fixture {
    recorder server_side, client_side;
    engine server;
    engine client;
    explicit pair_fixture(engine_options so = listener_options(), engine_options co = sender_options())
        : server(std::move(so), server_side), client(std::move(co), client_side) {
        client.start(clock::now());
        server.start(clock::now());
    }
};

TEST(amqp_engine, anonymous_producer_connects_gets_credit_and_delivers) {
    pair_fixture p;
    pump(p.client, p.server);
    ASSERT_FALSE(p.client_side.closed) << p.client_side.why.description();
    EXPECT_TRUE(p.client.opened());
    EXPECT_TRUE(p.server.opened());
    EXPECT_EQ(p.client_side.ready, 1);
    EXPECT_GE(p.client_side.credit, 1) << "credit right after the attach";
    ASSERT_TRUE(p.client.can_send());

    const std::string msg = message_with("OrderCreated", R"({"OrderId":"o-1","TotalAmount":5})");
    for (std::uint64_t i = 0; i < 3; ++i) p.client.send(msg, 100 + i);
    pump(p.client, p.server);
    ASSERT_EQ(p.server_side.messages.size(), 3u);
    EXPECT_EQ(p.server_side.messages[0].message, msg) << "the bare message, byte for byte";
    EXPECT_FALSE(p.server_side.messages[0].settled);
    EXPECT_EQ(p.server.outstanding(), 3u);
    EXPECT_EQ(p.client.unsettled_sends(), 3u);

    for (auto& m : p.server_side.messages) p.server.settle(m.ref, outcome::accepted);
    std::string frames;
    p.server.flush();
    frames = p.server.output();
    pump(p.client, p.server);
    ASSERT_EQ(p.client_side.outcomes.size(), 3u);
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(p.client_side.outcomes[i].result, outcome::accepted);
        EXPECT_EQ(p.client_side.outcomes[i].tag, 100 + i);
    }
    EXPECT_EQ(p.client.unsettled_sends(), 0u);
    EXPECT_EQ(p.server.outstanding(), 0u);

    // Three consecutive accepts travel as one disposition [first=0, last=2].
    frame_decoder dec;
    auto f = dec.next(as_bytes(frames));
    ASSERT_TRUE(f && f->complete());
    auto perf = decode_performative(f->f);
    ASSERT_TRUE(perf);
    auto* d = std::get_if<disposition>(&*perf);
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->first, 0u);
    EXPECT_EQ(d->last_id(), 2u);
    EXPECT_TRUE(d->settled);
    EXPECT_EQ(f->f.size, frames.size()) << "one frame for the three settlements";
}

TEST(amqp_engine, rejection_reaches_the_producer_with_its_description) {
    pair_fixture p;
    pump(p.client, p.server);
    p.client.send(message_with("OrderCreated", "{}"), 7);
    p.client.send(message_with("OrderCreated", "{}"), 8);
    pump(p.client, p.server);
    ASSERT_EQ(p.server_side.messages.size(), 2u);
    p.server.settle(p.server_side.messages[0].ref, outcome::rejected, "missing required property 'OrderId'");
    p.server.settle(p.server_side.messages[1].ref, outcome::accepted);
    pump(p.client, p.server);
    ASSERT_EQ(p.client_side.outcomes.size(), 2u);
    EXPECT_EQ(p.client_side.outcomes[0].tag, 7u);
    EXPECT_EQ(p.client_side.outcomes[0].result, outcome::rejected);
    EXPECT_EQ(p.client_side.outcome_descriptions[0], "missing required property 'OrderId'");
    EXPECT_EQ(p.client_side.outcomes[1].result, outcome::accepted);
}

TEST(amqp_engine, credit_runs_out_until_deliveries_are_settled) {
    pair_fixture p;  // listener credit 10
    pump(p.client, p.server);
    const std::string msg = message_with("OrderCreated", R"({"OrderId":"x","TotalAmount":1})");
    int sent = 0;
    while (p.client.can_send() && sent < 100) p.client.send(msg, std::uint64_t(sent++));
    EXPECT_EQ(sent, 10) << "exactly the credit granted";
    pump(p.client, p.server);
    EXPECT_EQ(p.server_side.messages.size(), 10u);
    EXPECT_FALSE(p.client.can_send()) << "nothing settled: no new credit (backpressure)";

    // Settling fewer than half does not re-grant yet; past half it does, up to the window again.
    for (int i = 0; i < 4; ++i) p.server.settle(p.server_side.messages[std::size_t(i)].ref, outcome::accepted);
    pump(p.client, p.server);
    EXPECT_FALSE(p.client.can_send());
    p.server.settle(p.server_side.messages[4].ref, outcome::accepted);
    pump(p.client, p.server);
    EXPECT_TRUE(p.client.can_send());
    int more = 0;
    while (p.client.can_send() && more < 100) p.client.send(msg, std::uint64_t(100 + more++));
    EXPECT_EQ(more, 5) << "credit 10 minus the 5 still unsettled";
}

TEST(amqp_engine, stop_credit_grants_nothing_more) {
    pair_fixture p;
    pump(p.client, p.server);
    const std::string msg = message_with("OrderCreated", "{}");
    while (p.client.can_send()) p.client.send(msg, 1);
    pump(p.client, p.server);
    p.server.stop_credit();
    for (auto& m : p.server_side.messages) p.server.settle(m.ref, outcome::accepted);
    pump(p.client, p.server);
    EXPECT_EQ(p.client_side.outcomes.size(), 10u) << "settlements still go out";
    EXPECT_FALSE(p.client.can_send());
}

TEST(amqp_engine, plain_credentials_are_checked) {
    engine_options so = listener_options();
    so.allow_anonymous = false;
    so.plain_user = "ingest";
    so.plain_password = "s3cret";
    {
        engine_options co = sender_options();
        co.sasl_user = "ingest";
        co.sasl_password = "s3cret";
        pair_fixture p(so, co);
        pump(p.client, p.server);
        EXPECT_TRUE(p.client.opened()) << p.client_side.why.description();
    }
    {
        engine_options co = sender_options();
        co.sasl_user = "ingest";
        co.sasl_password = "wrong";
        pair_fixture p(so, co);
        pump(p.client, p.server);
        EXPECT_TRUE(p.client_side.closed);
        EXPECT_EQ(p.client_side.why.cond(), condition::unauthorized_access);
        EXPECT_EQ(p.client_side.why.description(), "authentication failed (sasl-outcome code 1)");
        EXPECT_TRUE(p.server_side.closed);
        EXPECT_TRUE(p.server.finished());
    }
    {
        pair_fixture p(so, sender_options());  // ANONYMOUS, not offered
        pump(p.client, p.server);
        EXPECT_TRUE(p.client_side.closed);
        EXPECT_EQ(p.client_side.why.description(), "the peer does not offer SASL ANONYMOUS (offers: PLAIN)");
    }
}

TEST(amqp_engine, large_messages_are_split_to_the_peer_frame_size_and_reassembled) {
    engine_options so = listener_options();
    so.max_frame_size = 512;
    pair_fixture p(so);
    pump(p.client, p.server);
    std::string body(5000, 'x');
    const std::string msg = message_with("OrderCreated", body);
    p.client.send(msg, 1);
    std::string wire = p.client.output();
    pump(p.client, p.server);
    ASSERT_EQ(p.server_side.messages.size(), 1u);
    EXPECT_EQ(p.server_side.messages[0].message, msg);
    // Every frame the client wrote fits in 512 bytes.
    frame_decoder dec(512);
    bytes_view rest = as_bytes(wire);
    int frames = 0;
    while (!rest.empty()) {
        auto f = dec.next(rest);
        ASSERT_TRUE(f) << f.err().description();
        ASSERT_TRUE(f->complete());
        rest = rest.subspan(f->f.size);
        ++frames;
    }
    EXPECT_GE(frames, 11);
}

TEST(amqp_engine, a_message_over_the_limit_detaches_its_link) {
    engine_options so = listener_options();
    so.max_message_size = 1024;
    pair_fixture p(so);
    pump(p.client, p.server);
    p.client.send(message_with("OrderCreated", std::string(3000, 'y')), 1);
    pump(p.client, p.server);
    EXPECT_TRUE(p.server_side.messages.empty());
    EXPECT_TRUE(p.client_side.closed) << "a client whose link is detached gives up the connection";
    EXPECT_EQ(p.client_side.why.cond(), condition::message_size_exceeded);
    EXPECT_EQ(p.client_side.why.description(),
              "link detached: amqp:link:message-size-exceeded a message of more than 1024 bytes");
}

TEST(amqp_engine, listener_refuses_links_that_want_to_receive) {
    engine_options co = sender_options();
    co.direction = link_direction::receive;
    pair_fixture p(listener_options(), co);
    pump(p.client, p.server);
    EXPECT_TRUE(p.client_side.closed);
    EXPECT_EQ(p.client_side.why.cond(), condition::not_implemented);
    EXPECT_EQ(p.client_side.why.description(),
              "link detached: amqp:not-implemented tallyhub only receives messages; attach as a sender");
}

TEST(amqp_engine, non_amqp_bytes_get_the_sasl_header_and_a_close) {
    recorder r;
    engine e(listener_options(), r);
    e.receive("GET / HTTP/1.1\r\n\r\n", clock::now());
    EXPECT_EQ(e.output(), std::string("AMQP\x03\x01\x00\x00", 8));
    EXPECT_TRUE(r.closed);
    EXPECT_EQ(r.why.description(), "not an AMQP 1.0 protocol header");
    EXPECT_TRUE(e.finished());
}

TEST(amqp_engine, a_bad_frame_closes_with_a_framing_error) {
    recorder r;
    engine e(listener_options(), r);
    // SASL header, then a frame whose size says 4 (less than its own header).
    std::string in("AMQP\x03\x01\x00\x00", 8);
    in += std::string("\x00\x00\x00\x04\x02\x01\x00\x00", 8);
    e.receive(in, clock::now());
    EXPECT_TRUE(r.closed);
    EXPECT_EQ(r.why.cond(), condition::framing_error);
    EXPECT_TRUE(e.finished());
    const std::string more = "anything";
    e.receive(more, clock::now());  // ignored, no crash
}

TEST(amqp_engine, every_split_of_the_input_gives_the_same_result) {
    // The whole client conversation, fed to a listener one piece at a time at every split point.
    recorder cr;
    engine client(sender_options(), cr);
    client.start(clock::now());
    std::string hello = client.output();
    for (std::size_t cut = 1; cut < hello.size(); cut += 3) {
        recorder sr;
        engine server(listener_options(), sr);
        server.receive(std::string_view(hello).substr(0, cut), clock::now());
        server.receive(std::string_view(hello).substr(cut), clock::now());
        EXPECT_FALSE(sr.closed) << "cut at " << cut << ": " << sr.why.description();
        EXPECT_NE(server.output().find("AMQP\x03\x01\x00\x00"), std::string::npos);
    }
}

TEST(amqp_engine, heartbeats_fill_silence_and_the_idle_timeout_closes) {
    engine_options so = listener_options();
    so.idle_timeout = std::chrono::milliseconds(1000);
    engine_options co = sender_options();
    co.idle_timeout = std::chrono::milliseconds(400);  // the listener must send within 200 ms
    pair_fixture p(so, co);
    const auto t0 = clock::now();
    pump(p.client, p.server, t0);
    p.server.output().clear();
    p.server.wrote(t0);
    p.server.tick(t0 + std::chrono::milliseconds(100));
    EXPECT_TRUE(p.server.output().empty()) << "not due yet";
    p.server.tick(t0 + std::chrono::milliseconds(250));
    EXPECT_EQ(p.server.output(), std::string("\x00\x00\x00\x08\x02\x00\x00\x00", 8)) << "an empty frame";
    // Nothing from the client for longer than the listener's 1 s idle timeout.
    p.server.output().clear();
    p.server.tick(t0 + std::chrono::milliseconds(1100));
    EXPECT_TRUE(p.server_side.closed);
    EXPECT_EQ(p.server_side.why.cond(), condition::resource_limit_exceeded);
    EXPECT_EQ(p.server_side.why.description(), "local-idle-timeout expired");
}

// Bytes from the network never crash the listener: a real producer conversation with bytes flipped,
// dropped, duplicated or cut, fed in random pieces. Whatever happens, the engine ends up either
// still serving or closed with a failure, and its output stays bounded. (Run under ASan/UBSan too.)
TEST(amqp_engine, mutated_conversations_never_crash_the_listener) {
    // Everything a producer writes: SASL, the AMQP header, open, begin, attach, five transfers, close.
    pair_fixture p;
    std::string conversation;
    auto step = [&] {
        for (int i = 0; i < 20; ++i) {
            p.client.flush();
            p.server.flush();
            std::string to_server, to_client;
            to_server.swap(p.client.output());
            to_client.swap(p.server.output());
            if (to_server.empty() && to_client.empty()) return;
            conversation += to_server;
            if (!to_server.empty()) p.server.receive(to_server, clock::now());
            if (!to_client.empty()) p.client.receive(to_client, clock::now());
        }
    };
    step();
    const std::string msg = message_with("OrderCreated", R"({"OrderId":"o-1","TotalAmount":5})");
    for (std::uint64_t i = 0; i < 5; ++i) p.client.send(msg, i);
    step();
    ASSERT_EQ(p.server_side.messages.size(), 5u);
    p.client.close();
    step();
    ASSERT_GT(conversation.size(), 600u);
    std::uint64_t state = 0x243f6a8885a308d3ull;
    auto next = [&state](std::uint64_t n) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        return n == 0 ? 0 : state % n;
    };
    int closed = 0;
    for (int round = 0; round < 3000; ++round) {
        std::string bytes = conversation;
        const int edits = 1 + int(next(4));
        for (int e = 0; e < edits && !bytes.empty(); ++e) {
            const std::size_t at = next(bytes.size());
            switch (next(4)) {
                case 0: bytes[at] = char(next(256)); break;
                case 1: bytes.erase(at, 1 + next(8)); break;
                case 2: bytes.insert(at, bytes.substr(at, 1 + next(16))); break;
                default: bytes.resize(at); break;
            }
        }
        recorder r;
        r.settle_with = nullptr;
        engine e(listener_options(), r);
        std::size_t off = 0;
        while (off < bytes.size()) {
            const std::size_t n = 1 + next(64);
            e.receive(std::string_view(bytes).substr(off, n), clock::now());
            for (auto& m : r.messages) e.settle(m.ref, outcome::accepted);
            r.messages.clear();
            e.flush();
            EXPECT_LT(e.output().size(), 64u * 1024) << "round " << round;
            e.output().clear();
            off += n;
        }
        if (r.closed) {
            ++closed;
            EXPECT_TRUE(e.finished());
        }
    }
    EXPECT_GT(closed, 300) << "many mutations are protocol errors the listener must notice";
    EXPECT_LT(closed, 3000) << "some mutations (inside a body, say) still parse";
}

TEST(amqp_engine, clean_close_from_the_client) {
    pair_fixture p;
    pump(p.client, p.server);
    p.client.close();
    pump(p.client, p.server);
    EXPECT_TRUE(p.client.finished());
    EXPECT_TRUE(p.server.finished());
    EXPECT_TRUE(p.server_side.closed);
    EXPECT_FALSE(p.server_side.why.failed());
    EXPECT_TRUE(p.server_side.remote);
    EXPECT_FALSE(p.client_side.why.failed());
}

}  // namespace
}  // namespace tallyhub::amqp
