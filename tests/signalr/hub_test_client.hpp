#pragma once
// The client side of a SignalR-over-WebSocket connection for unit tests: a socketpair whose server
// end is served by a real hub_connection on the test's reactor, and a client that writes masked
// frames as the JS client does and decodes the server's frames.

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/io.hpp"
#include "net/connection.hpp"
#include "net/ws_frame.hpp"
#include "signalr/hub.hpp"
#include "signalr/hub_connection.hpp"
#include "signalr/hub_endpoint.hpp"
#include "tests/core/reactor_harness.hpp"

// ASSERT_* returns, which a coroutine may not: fail and co_return instead.
#define CO_ASSERT_TRUE(cond)                                 \
    do {                                                     \
        if (!(cond)) {                                       \
            ADD_FAILURE() << "assertion failed: " #cond;    \
            co_return;                                       \
        }                                                    \
    } while (0)

namespace tallyhub::signalr::test_support {

using namespace std::chrono_literals;

inline constexpr std::string_view handshake_json = "{\"protocol\":\"json\",\"version\":1}\x1e";
inline constexpr std::string_view handshake_ok = "{}\x1e";


// ---- the client side ----

struct server_frame {
    ws::opcode op = ws::opcode::text;
    bool fin = true;
    bool masked = false;
    std::string payload;

    std::uint16_t close_code() const {
        if (payload.size() < 2) return 0;
        return std::uint16_t((std::uint8_t(payload[0]) << 8) | std::uint8_t(payload[1]));
    }
};

// Splits a text payload into its records, each with its 0x1E.
inline std::vector<std::string> split_records(std::string_view payload) {
    std::vector<std::string> out;
    while (!payload.empty()) {
        auto end = payload.find('\x1e');
        if (end == std::string_view::npos) {
            out.emplace_back(payload);  // an incomplete record: the test will show it
            break;
        }
        out.emplace_back(payload.substr(0, end + 1));
        payload.remove_prefix(end + 1);
    }
    return out;
}

inline std::string rec(std::string_view json) { return std::string(json) + '\x1e'; }

class test_client {
public:
    explicit test_client(int fd) : fd_(fd) {}

    task<void> send_raw(std::string bytes) {
        std::size_t off = 0;
        while (off < bytes.size()) {
            int32_t n = co_await io::send(fd_, bytes.data() + off, uint32_t(bytes.size() - off), MSG_NOSIGNAL);
            if (n <= 0) {
                ADD_FAILURE() << "send failed: " << n;
                co_return;
            }
            off += std::size_t(n);
        }
    }
    static std::string frame(std::string_view payload, ws::opcode op = ws::opcode::text, bool fin = true) {
        return ws::encode_client_frame(op, payload, {0x12, 0x34, 0x56, 0x78}, fin);
    }
    task<void> send_text(std::string payload) { co_await send_raw(frame(payload)); }
    task<void> handshake() {
        co_await send_text(std::string(handshake_json));
        auto f = co_await next_frame();
        EXPECT_TRUE(f && f->payload == handshake_ok) << (f ? f->payload : "no frame");
    }

    /// The next frame, or nullopt on timeout or end of stream.
    task<std::optional<server_frame>> next_frame(std::chrono::milliseconds within = 3s) {
        auto deadline = std::chrono::steady_clock::now() + within;
        for (;;) {
            if (auto f = decode()) co_return f;
            auto left = deadline - std::chrono::steady_clock::now();
            if (left <= 0s || eof_) co_return std::nullopt;
            char buf[4096];
            int32_t n = co_await io::recv(fd_, buf, sizeof buf).timeout(left);
            if (n == 0) eof_ = true;
            if (n <= 0) {
                if (n != 0 && n != -ETIMEDOUT) eof_ = true;
                continue;
            }
            in_.append(buf, std::size_t(n));
        }
    }

    /// The records of the next `n` text frames' worth (at least n records), in order.
    task<std::vector<std::string>> records(std::size_t n, std::chrono::milliseconds within = 3s) {
        std::vector<std::string> out;
        while (out.size() < n) {
            auto f = co_await next_frame(within);
            if (!f) break;
            if (f->op != ws::opcode::text) {
                ADD_FAILURE() << "expected a text frame, got opcode " << int(f->op);
                break;
            }
            for (auto& r : split_records(f->payload)) out.push_back(std::move(r));
        }
        co_return out;
    }

    /// True when nothing arrives for `d`.
    task<bool> silent_for(std::chrono::milliseconds d) {
        auto f = co_await next_frame(d);
        if (f) ADD_FAILURE() << "unexpected frame: " << f->payload;
        co_return !f;
    }

    /// Reads until the server's Close frame; returns its code (0 if none came), and checks the
    /// server then ends the TCP stream. `before` receives the records that came first.
    task<int> close_code(std::vector<std::string>* before = nullptr, std::chrono::milliseconds within = 3s) {
        for (;;) {
            auto f = co_await next_frame(within);
            if (!f) co_return 0;
            if (f->op == ws::opcode::close) {
                int code = f->close_code();
                auto rest = co_await next_frame(1s);
                EXPECT_FALSE(rest.has_value()) << "data after the Close frame";
                EXPECT_TRUE(eof_) << "the server did not end the stream after its Close frame";
                co_return code;
            }
            if (before)
                for (auto& r : split_records(f->payload)) before->push_back(std::move(r));
        }
    }

    bool eof() const noexcept { return eof_; }

private:
    std::optional<server_frame> decode() {
        if (in_.size() < 2) return std::nullopt;
        auto b0 = std::uint8_t(in_[0]), b1 = std::uint8_t(in_[1]);
        std::size_t header = 2;
        std::uint64_t len = b1 & 0x7f;
        if (len == 126) {
            if (in_.size() < 4) return std::nullopt;
            len = (std::uint64_t(std::uint8_t(in_[2])) << 8) | std::uint8_t(in_[3]);
            header = 4;
        } else if (len == 127) {
            if (in_.size() < 10) return std::nullopt;
            len = 0;
            for (int i = 2; i < 10; ++i) len = (len << 8) | std::uint8_t(in_[std::size_t(i)]);
            header = 10;
        }
        if (in_.size() < header + len) return std::nullopt;
        server_frame f;
        f.fin = b0 & 0x80;
        f.op = ws::opcode(b0 & 0x0f);
        f.masked = b1 & 0x80;
        EXPECT_FALSE(f.masked) << "server frames must not be masked";
        EXPECT_EQ(b0 & 0x70, 0) << "RSV bits set";
        f.payload = in_.substr(header, std::size_t(len));
        in_.erase(0, header + std::size_t(len));
        return f;
    }

    int fd_;
    std::string in_;
    bool eof_ = false;
};
// ---- running a scenario ----

using scenario = task<void> (*)(test_client&, hub_endpoint&);

/// The server side's connection while a scenario runs (for tests that look at its output queue).
inline net::connection* served_connection = nullptr;

inline task<void> serve(hub_endpoint* ep, int fd, bool* done, net::connection_limits limits) {
    net::connection conn(fd, limits);
    served_connection = &conn;
    {
        hub_connection c(*ep, conn, "conn-1");
        co_await c.run();
    }
    served_connection = nullptr;
    co_await conn.close();
    *done = true;
}

/// Serves one connection over a socketpair with `h`, runs `body` as its client, then checks the server
/// side ends cleanly once the client leaves. `server_sndbuf` > 0 shrinks the server's socket buffer.
inline task<void> run_scenario(const hub* h, hub_options opts, scenario body, net::connection_limits limits = {},
                               int server_sndbuf = 0) {
    int sv[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
    if (server_sndbuf > 0) ::setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &server_sndbuf, sizeof server_sndbuf);
    auto ep = std::make_unique<hub_endpoint>(*h, "/hub", opts, 1, nullptr);
    ep->start_core();
    bool done = false;
    reactor::current().spawn(serve(ep.get(), sv[0], &done, limits));
    {
        test_client client(sv[1]);
        co_await body(client, *ep);
    }
    // The client goes away; the server must notice and end.
    ::shutdown(sv[1], SHUT_WR);
    for (int i = 0; i < 300 && !done; ++i) co_await io::sleep(10ms);
    EXPECT_TRUE(done) << "the server side did not end after the client left";
    if (!done) {
        ::shutdown(sv[1], SHUT_RDWR);
        for (int i = 0; i < 100 && !done; ++i) co_await io::sleep(10ms);
    }
    if (!done) {
        // A hung connection still refers to the endpoint: leak both rather than hang the suite.
        ADD_FAILURE() << "the server side is stuck even after the socket was shut down";
        ep->stop_core();
        (void)ep.release();
        co_return;
    }
    EXPECT_EQ(ep->local().connections.size(), 0u) << "the connection is still registered";
    EXPECT_TRUE(ep->local().groups.empty()) << "the connection is still in a group";
    ep->stop_core();
    co_await io::sleep(30ms);  // lets the sweep loop see the stop
    reactor::current().backend().forget_fd(sv[1]);
    ::close(sv[1]);
}

}  // namespace tallyhub::signalr::test_support
