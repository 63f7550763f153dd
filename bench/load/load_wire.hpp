#pragma once
// What tallyhub-load reads off the wire, sans-I/O: HTTP response heads (negotiate, the 101), the
// server's unmasked WebSocket frames, and the hub messages inside them (JSON records ending in 0x1e,
// or MessagePack records behind a VarInt length), down to the one field it measures, `Timestamp`.
//
// The client does not decode whole hub messages: at 100,000 messages a second that would make the
// load tool the bottleneck of the benchmark it runs. It finds the message type and the first
// Timestamp value, which is enough to count invocations and time them.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "net/ws_frame.hpp"

namespace tallyhub::load {

/// An HTTP/1.1 response head, once its blank line has arrived.
struct response_head {
    int status = 0;
    std::size_t head_size = 0;       ///< bytes up to and including "\r\n\r\n"
    std::size_t content_length = 0;
    std::string_view accept_key;     ///< Sec-WebSocket-Accept (a view into the parsed bytes)
};

/// Parses the head at the front of `in`; nullopt until "\r\n\r\n" is there. A head whose status line
/// is not "HTTP/1.x NNN" has status 0.
std::optional<response_head> parse_response_head(std::string_view in);

/// The connectionToken (negotiateVersion 1) or connectionId of a negotiate response body.
std::optional<std::string> negotiate_token(std::string_view body);

/// A Sec-WebSocket-Key: base64 of 16 random bytes.
std::string websocket_key(std::mt19937_64& rng);

/// One server frame (unmasked, RFC 6455 §5.2) at the front of some bytes.
struct server_frame {
    ws::opcode op = ws::opcode::continuation;
    bool fin = true;
    std::size_t size = 0;       ///< header + payload
    std::string_view payload;
};

enum class frame_status : std::uint8_t { complete, need_more, invalid };

/// Reads the frame at the front of `in`. `invalid`: a masked frame, reserved bits or opcode, or a
/// payload over `max_payload`.
frame_status next_server_frame(std::string_view in, server_frame& f, std::size_t max_payload);

/// What one hub message is, as far as the load tool cares.
struct hub_record {
    int type = 0;                          ///< SignalR message type (1 invocation, 6 ping, 7 close); 0 unknown
    std::optional<std::int64_t> timestamp_ms;  ///< the first Timestamp value, unix ms
};

/// Calls `fn(hub_record)` for each JSON record (text ending in 0x1e) in `payload`; returns the bytes
/// consumed (whole records only). The Timestamp is looked for only while `want_time()` says so: the
/// records of one broadcast share theirs, and scanning every record for it would make the load
/// tool, not the server, the slower end of a large fan-out.
template <typename Fn, typename WantTime>
std::size_t for_each_json_record(std::string_view payload, Fn&& fn, WantTime&& want_time);
template <typename Fn>
std::size_t for_each_json_record(std::string_view payload, Fn&& fn) {
    return for_each_json_record(payload, fn, [] { return true; });
}

/// Calls `fn(hub_record)` for each MessagePack record (VarInt length + array) in `payload`; returns
/// the bytes consumed, or nullopt when a length prefix is malformed.
template <typename Fn>
std::optional<std::size_t> for_each_msgpack_record(std::string_view payload, Fn&& fn);

/// The record in `json` (without its 0x1e); its Timestamp only when `with_time`.
hub_record scan_json_record(std::string_view json, bool with_time = true);
/// The record in `body` (one MessagePack array, without its length prefix).
hub_record scan_msgpack_record(std::string_view body);

/// Length prefix at the front of `in`: {prefix size, body length}; {0, 0} when cut short; nullopt
/// when malformed.
std::optional<std::pair<std::size_t, std::size_t>> msgpack_length(std::string_view in);

template <typename Fn, typename WantTime>
std::size_t for_each_json_record(std::string_view payload, Fn&& fn, WantTime&& want_time) {
    std::size_t used = 0;
    for (;;) {
        auto end = payload.find('\x1e', used);
        if (end == std::string_view::npos) return used;
        fn(scan_json_record(payload.substr(used, end - used), want_time()));
        used = end + 1;
    }
}

template <typename Fn>
std::optional<std::size_t> for_each_msgpack_record(std::string_view payload, Fn&& fn) {
    std::size_t used = 0;
    while (used < payload.size()) {
        auto len = msgpack_length(payload.substr(used));
        if (!len) return std::nullopt;
        auto [prefix, body] = *len;
        if (prefix == 0 || payload.size() - used - prefix < body) break;
        fn(scan_msgpack_record(payload.substr(used + prefix, body)));
        used += prefix + body;
    }
    return used;
}

}  // namespace tallyhub::load
