// Stateful reconnect across cores (reference/signalr-protocol.md §7, net/http_handoff.cpp): a hub
// endpoint served by HTTP servers on two real reactor cores, a client that speaks raw HTTP and
// WebSocket frames over socketpairs, and reconnects that land on the connection's own core or on
// the other one, which hands the socket over. The client keeps the server's sequence numbers as
// the official client does, so every replay is checked record by record.

#include <gtest/gtest.h>

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "net/http_server.hpp"
#include "net/ws_frame.hpp"
#include "signalr/hub.hpp"
#include "signalr/hub_connection.hpp"
#include "signalr/hub_endpoint.hpp"
#include "tests/net/smp_harness.hpp"

namespace tallyhub::signalr {
namespace {

using namespace std::chrono_literals;
using tallyhub::testing::make_socket_pair;
using tallyhub::testing::read_some;
using tallyhub::testing::smp_harness;
using tallyhub::testing::write_all;

const hub& test_hub() {
    static const hub h = [] {
        hub x;
        x.method("Seq", [](hub_call& c, std::int64_t n) {
            auto me = c.clients();
            for (std::int64_t i = 0; i < n; ++i) me.caller("Seq", i);
            return n;
        });
        x.method("Core", [](hub_call& c) { return std::int64_t(c.core()); });
        return x;
    }();
    return h;
}

std::string rec(std::string_view json) { return std::string(json) + '\x1e'; }

// The text after `"name":` in a JSON record, up to the next comma, quote or brace.
std::string field(std::string_view r, std::string_view name) {
    const std::string key = fmt::format("\"{}\":", name);
    auto at = r.find(key);
    if (at == std::string_view::npos) return {};
    r.remove_prefix(at + key.size());
    if (!r.empty() && r.front() == '"') r.remove_prefix(1);
    return std::string(r.substr(0, r.find_first_of(",\"}")));
}

int type_of_record(const std::string& r) {
    std::string t = field(r, "type");
    return t.empty() ? -1 : std::stoi(t);
}

// A blocking client on the test's thread: HTTP heads, masked frames out, unmasked frames in.
class client {
public:
    explicit client(int fd) : fd_(fd) {}
    ~client() { ::close(fd_); }
    void send(std::string_view bytes) { write_all(fd_, bytes); }
    void send_record(std::string_view json) { send(ws::encode_client_frame(ws::opcode::text, rec(json), {1, 2, 3, 4}, true)); }

    /// The response head (status line and headers); what follows stays for frames.
    std::string head(std::chrono::milliseconds within = 5s) {
        while (in_.find("\r\n\r\n") == std::string::npos) {
            std::string more = read_some(fd_, within, 1);
            if (more.empty()) return in_;
            in_ += more;
        }
        auto end = in_.find("\r\n\r\n") + 4;
        std::string h = in_.substr(0, end);
        in_.erase(0, end);
        return h;
    }
    /// Everything until the peer ends the stream.
    std::string rest(std::chrono::milliseconds within = 5s) { return in_ + tallyhub::testing::read_to_end(fd_, within); }

    /// The next hub record from text frames, or nullopt on timeout.
    std::optional<std::string> record(std::chrono::milliseconds within = 5s) {
        auto deadline = std::chrono::steady_clock::now() + within;
        while (records_.empty()) {
            if (auto payload = frame()) {
                std::string_view p = *payload;
                while (!p.empty()) {
                    auto end = p.find('\x1e');
                    if (end == std::string_view::npos) break;
                    records_.emplace_back(p.substr(0, end + 1));
                    p.remove_prefix(end + 1);
                }
                continue;
            }
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) return std::nullopt;
            std::string more = read_some(fd_, std::min(left, std::chrono::milliseconds(50)), 1);
            in_ += more;
        }
        std::string r = std::move(records_.front());
        records_.erase(records_.begin());
        return r;
    }

private:
    std::optional<std::string> frame() {
        if (in_.size() < 2) return std::nullopt;
        std::size_t len = std::uint8_t(in_[1]) & 0x7f, header = 2;
        if (len == 126) {
            if (in_.size() < 4) return std::nullopt;
            len = (std::size_t(std::uint8_t(in_[2])) << 8) | std::uint8_t(in_[3]);
            header = 4;
        } else if (len == 127) {
            ADD_FAILURE() << "unexpectedly large frame";
            return std::nullopt;
        }
        if (in_.size() < header + len) return std::nullopt;
        std::string payload = in_.substr(header, len);
        in_.erase(0, header + len);
        return payload;
    }

    int fd_;
    std::string in_;
    std::vector<std::string> records_;
};

std::string upgrade_request(std::string_view token) {
    return fmt::format("GET /hub?id={} HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                       "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
                       token);
}

class stateful_handoff_test : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override {
        cores_ = std::make_unique<smp_harness>(tallyhub::testing::backend_param(GetParam()));
        if (!cores_->ok()) GTEST_SKIP() << "SKIPPED: no " << GetParam() << " reactor here: " << cores_->why();
        hub_options o;
        o.reconnect_grace = 300ms;
        ep_ = std::make_unique<hub_endpoint>(test_hub(), "/hub", o, 2, nullptr);
        ep_->add_routes(routes_);
        for (unsigned i = 0; i < 2; ++i) {
            cores_->on(i, [&, i] {
                servers_[i] = std::make_unique<http::server>(http::server_options{}, &routes_, nullptr);
                ep_->start_core();
            });
        }
    }
    void TearDown() override {
        if (!cores_->ok()) return;
        for (unsigned i = 0; i < 2; ++i) {
            EXPECT_TRUE(smp_harness::wait_for([&] { return cores_->on(i, [&] { return servers_[i]->open_connections(); }) == 0; }, 5s))
                << "connections left on core " << i;
            cores_->on(i, [&] { ep_->stop_core(); });
        }
        EXPECT_TRUE(cores_->idle()) << "a task is still running";
        for (unsigned i = 0; i < 2; ++i) cores_->on(i, [&, i] { servers_[i].reset(); });
        cores_->destroy();
        ep_.reset();
    }

    std::unique_ptr<client> client_on(unsigned core) {
        auto p = make_socket_pair();
        cores_->on(core, [&] { servers_[core]->accept(p.server); });
        return std::make_unique<client>(p.client);
    }

    std::string negotiate() {
        auto c = client_on(0);
        c->send("POST /hub/negotiate?negotiateVersion=1&useStatefulReconnect=true HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n"
                "Connection: close\r\n\r\n");
        std::string all = c->rest();
        std::string token = field(all, "connectionToken");
        EXPECT_FALSE(token.empty()) << all;
        EXPECT_NE(all.find("\"useStatefulReconnect\":true"), std::string::npos) << all;
        return token;
    }

    // Reads trackable records as the official client does: `seen[i]` holds the server's message
    // i + 1; after a Sequence, records it already has are compared and dropped.
    void expect_records(client& c, std::size_t trackable, std::int64_t& next_id) {
        std::size_t got = 0;
        while (got < trackable) {
            auto r = c.record();
            ASSERT_TRUE(r) << "record " << got << " of " << trackable << " did not come";
            const int t = type_of_record(*r);
            if (t < 1 || t > 5) continue;  // Ping, Ack: not numbered
            const std::int64_t id = next_id++;
            if (id <= std::int64_t(seen_.size())) {
                EXPECT_EQ(*r, seen_[std::size_t(id - 1)]) << "replayed message " << id << " differs";
            } else {
                seen_.push_back(*r);
                ++got;
            }
        }
    }

    std::unique_ptr<smp_harness> cores_;
    http::routes routes_;
    std::unique_ptr<hub_endpoint> ep_;
    std::array<std::unique_ptr<http::server>, 2> servers_;
    std::vector<std::string> seen_;
};

TEST_P(stateful_handoff_test, reconnects_on_either_core_resume_the_connection_with_its_replay) {
    const std::string token = negotiate();
    auto c = client_on(0);  // the connection lives on core 0
    c->send(upgrade_request(token));
    ASSERT_TRUE(c->head().starts_with("HTTP/1.1 101")) << "first upgrade";
    c->send(ws::encode_client_frame(ws::opcode::text, "{\"protocol\":\"json\",\"version\":2}\x1e", {1, 2, 3, 4}, true));
    ASSERT_EQ(c->record(), std::optional<std::string>("{}\x1e"));
    c->send_record(R"({"type":6})");

    std::int64_t server_next = 1;  // the id of the server's next message, as the client counts
    std::int64_t client_next = 1;  // the id of the client's next trackable message
    constexpr int rounds = 20;
    for (int round = 0; round < rounds; ++round) {
        c->send_record(fmt::format(R"({{"type":1,"invocationId":"{}","target":"Seq","arguments":[5]}})", round));
        ++client_next;
        expect_records(*c, 6, server_next);  // five Seq and the completion
        // Acknowledge all but the last two, then drop without a Close: the replay brings those back.
        c->send_record(fmt::format(R"({{"type":8,"sequenceId":{}}})", seen_.size() - 2));
        c.reset();

        const unsigned core = round % 2 == 0 ? 1 : 0;  // even rounds land on the other core
        c = client_on(core);
        c->send(upgrade_request(token));
        ASSERT_TRUE(c->head().starts_with("HTTP/1.1 101")) << "round " << round << ", reconnect on core " << core;
        auto seq = c->record();
        ASSERT_TRUE(seq && type_of_record(*seq) == 9) << (seq ? *seq : "no Sequence");
        const std::int64_t first = std::stoll(field(*seq, "sequenceId"));
        EXPECT_LE(first, std::int64_t(seen_.size()) - 1) << "the unacknowledged messages are replayed";
        EXPECT_GE(first, 1);
        server_next = first;
        expect_records(*c, 0, server_next);
        while (server_next <= std::int64_t(seen_.size())) {  // the rest of the replay
            auto r = c->record();
            ASSERT_TRUE(r) << "replay incomplete";
            if (int t = type_of_record(*r); t < 1 || t > 5) continue;
            EXPECT_EQ(*r, seen_[std::size_t(server_next - 1)]);
            ++server_next;
        }
        c->send_record(fmt::format(R"({{"type":9,"sequenceId":{}}})", client_next));
    }
    c->send_record(R"({"type":1,"invocationId":"core","target":"Core","arguments":[]})");
    expect_records(*c, 1, server_next);
    EXPECT_NE(seen_.back().find("\"result\":0"), std::string::npos) << "the connection stayed on core 0: " << seen_.back();

    const auto& net0 = net::net_stats().at(0);
    const auto& net1 = net::net_stats().at(1);
    EXPECT_EQ(net1.handoffs_out.load(), std::uint64_t(rounds / 2));
    EXPECT_EQ(net0.handoffs_in.load(), std::uint64_t(rounds / 2));
    EXPECT_EQ(net0.handoffs_failed.load() + net1.handoffs_failed.load(), 0u);
    EXPECT_EQ(ep_->counters(0).stateful_resumes.load(), std::uint64_t(rounds));

    // The client says goodbye (in one write: the server may close as soon as it reads the first):
    // the connection ends, and a later reconnect finds nothing.
    c->send(ws::encode_client_frame(ws::opcode::text, rec(R"({"type":7})"), {1, 2, 3, 4}, true) +
            ws::encode_client_frame(ws::opcode::close, std::string("\x03\xe8", 2), {1, 2, 3, 4}, true));
    c->rest();
    c.reset();
    EXPECT_TRUE(smp_harness::wait_for([&] { return ep_->counters(0).connections.load() == 0; }, 3s));
    EXPECT_TRUE(smp_harness::wait_for(
        [&] {
            auto again = client_on(1);
            again->send(upgrade_request(token));
            return again->head().starts_with("HTTP/1.1 404");
        },
        3s));
}

TEST_P(stateful_handoff_test, a_connection_whose_grace_ended_is_not_found_from_either_core) {
    const std::string token = negotiate();
    auto c = client_on(1);
    c->send(upgrade_request(token));
    ASSERT_TRUE(c->head().starts_with("HTTP/1.1 101"));
    c->send(ws::encode_client_frame(ws::opcode::text, "{\"protocol\":\"json\",\"version\":2}\x1e", {1, 2, 3, 4}, true));
    ASSERT_EQ(c->record(), std::optional<std::string>("{}\x1e"));
    c.reset();  // parks on core 1 for the 300 ms grace
    EXPECT_TRUE(smp_harness::wait_for([&] { return ep_->counters(1).connections.load() == 0; }, 3s));
    for (unsigned core : {0u, 1u}) {
        EXPECT_TRUE(smp_harness::wait_for(
            [&] {
                auto again = client_on(core);
                again->send(upgrade_request(token));
                return again->head().starts_with("HTTP/1.1 404");
            },
            3s))
            << "core " << core;
    }
    auto unknown = client_on(0);
    unknown->send(upgrade_request("never-negotiated"));
    EXPECT_TRUE(unknown->head().starts_with("HTTP/1.1 404"));
}

INSTANTIATE_TEST_SUITE_P(backends, stateful_handoff_test, ::testing::Values("uring", "epoll"));

}  // namespace
}  // namespace tallyhub::signalr
