// tallyhub-load's connection setup: negotiate (its own request on the same keep-alive connection),
// the WebSocket upgrade with its Sec-WebSocket-Accept checked, and the SignalR handshake.

#include <cctype>
#include <cstring>
#include <optional>
#include <random>

#include <fmt/format.h>

#include "bench/load/load_client.hpp"
#include "bench/load/load_conn.hpp"
#include "bench/load/load_wire.hpp"
#include "net/ws_frame.hpp"
#include "net/ws_handshake.hpp"

namespace tallyhub::load {

using namespace std::string_view_literals;

namespace {

std::string percent_encode(std::string_view s) {
    std::string out;
    for (unsigned char ch : s) {
        if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
            out += static_cast<char>(ch);
        } else {
            out += fmt::format("%{:02X}", ch);
        }
    }
    return out;
}

}  // namespace

// Negotiate (its own request on the same keep-alive connection), the WebSocket upgrade, and the
// SignalR handshake. False, with the failure counted, when any step fails.
task<bool> load_run::setup(load_conn& c) {
    net::connection& conn = *c.conn;
    const std::string& host = o_.host;
    std::string query;
    // Reads until a whole response head (and `body` bytes of content) is in c.in.
    auto read_response = [](load_run* self, load_conn* lc, bool with_body) -> task<std::optional<response_head>> {
        for (;;) {
            auto h = parse_response_head(lc->in);
            if (h && (!with_body || lc->in.size() >= h->head_size + h->content_length)) co_return h;
            net::read_result r = co_await lc->conn->read();
            if (r.status <= 0) {
                self->fail(r.status == 0 ? "closed during setup"
                                              : (lc->conn->timed_out() ? "setup-timeout"
                                                                        : fmt::format("read: {}", std::strerror(-r.status))));
                co_return std::nullopt;
            }
            lc->in.append(r.bytes);
        }
    };
    if (!o_.raw && o_.negotiate) {
        conn.send(fmt::format("POST {}/negotiate?negotiateVersion=1 HTTP/1.1\r\nHost: {}\r\nContent-Length: 0\r\n"
                              "User-Agent: tallyhub-load\r\n\r\n",
                              o_.path, host));
        auto h = co_await read_response(this, &c, true);
        if (!h) co_return false;
        if (h->status != 200) {
            fail(fmt::format("negotiate: HTTP {}", h->status));
            co_return false;
        }
        auto token = negotiate_token(std::string_view(c.in).substr(h->head_size, h->content_length));
        if (!token) {
            fail("negotiate: no connectionToken");
            co_return false;
        }
        c.in.erase(0, h->head_size + h->content_length);
        query = "?id=" + percent_encode(*token);
    }
    std::mt19937_64 rng(0x9e3779b97f4a7c15ull ^ c.index);
    const std::string key = websocket_key(rng);
    conn.send(fmt::format("GET {}{} HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                          "Sec-WebSocket-Key: {}\r\nSec-WebSocket-Version: 13\r\nUser-Agent: tallyhub-load\r\n\r\n",
                          o_.path, query, host, key));
    auto h = co_await read_response(this, &c, false);
    if (!h) co_return false;
    if (h->status != 101) {
        fail(fmt::format("upgrade: HTTP {}", h->status));
        co_return false;
    }
    const auto accept = ws::compute_accept_key(key);
    if (h->accept_key != std::string_view(accept.data(), accept.size())) {
        fail("upgrade: wrong Sec-WebSocket-Accept");
        co_return false;
    }
    c.in.erase(0, h->head_size);
    if (o_.raw) co_return true;

    std::string hello;
    ws::append_client_frame(hello, ws::opcode::text,
                            o_.messagepack ? R"({"protocol":"messagepack","version":1})" "\x1e"sv
                                           : R"({"protocol":"json","version":1})" "\x1e"sv,
                            mask_key);
    conn.send(std::move(hello));
    for (;;) {
        server_frame f;
        const frame_status st = next_server_frame(c.in, f, max_payload);
        if (st == frame_status::invalid) {
            fail("handshake: invalid frame");
            co_return false;
        }
        if (st == frame_status::complete) {
            // The handshake reply is JSON text; with MessagePack it comes in a binary frame.
            if ((f.op != ws::opcode::text && f.op != ws::opcode::binary) || f.payload.find('\x1e') == std::string_view::npos) {
                fail("handshake: unexpected frame");
                co_return false;
            }
            const std::string_view reply = f.payload.substr(0, f.payload.find('\x1e'));
            if (reply.find("\"error\"") != std::string_view::npos) {
                fail(fmt::format("handshake: {}", reply.substr(0, 120)));
                co_return false;
            }
            // Anything after the handshake reply in the same frame is a hub message (JSON only).
            std::string rest(f.payload.substr(reply.size() + 1));
            c.in.erase(0, f.size);
            if (!rest.empty()) c.records = std::move(rest);
            co_return true;
        }
        net::read_result r = co_await conn.read();
        if (r.status <= 0) {
            fail(r.status == 0 ? "closed during handshake" : (conn.timed_out() ? "setup-timeout" : "handshake read"));
            co_return false;
        }
        c.in.append(r.bytes);
    }
}

}  // namespace tallyhub::load
