#pragma once
// What a hub connection needs from its transport (reference/signalr-protocol.md §2): queue a batch
// of complete hub records as ONE unit of the transport, and end. The protocol side (handshake,
// dispatch, streams, keep-alive) lives in hub_connection and does not know which transport it runs on.
//
// Units, one per flush of the connection's batch (records are never split across units):
//   websockets          one WebSocket message, text for JSON, binary for MessagePack;
//   server_sent_events  one event: each line of the batch as `data: <line>\r\n`, then `\r\n`;
//   long_polling        the bytes as they are, queued until a poll takes everything queued.
// A broadcast is framed once per core for each (transport, protocol) pair in use (frame_unit) and the
// same shared unit is queued on every target connection.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/shared_bytes.hpp"
#include "net/connection.hpp"
#include "signalr/handshake.hpp"

namespace tallyhub::signalr {

enum class transport_kind : std::uint8_t { websockets, server_sent_events, long_polling };
inline constexpr std::size_t transport_kinds = 3;

/// The label /metrics uses: "websockets", "sse", "longpolling".
std::string_view transport_label(transport_kind t) noexcept;
/// The name negotiate and ASP.NET's error texts use: "WebSockets", "ServerSentEvents", "LongPolling".
std::string_view transport_name(transport_kind t) noexcept;

/// `records` (complete, in `p`) as one unit of transport `t`.
std::string frame_unit(transport_kind t, hub_protocol p, std::string_view records);

class hub_transport {
public:
    virtual ~hub_transport() = default;
    virtual transport_kind kind() const noexcept = 0;
    /// Queues one unit made by frame_unit(kind(), ...). `closing`: the connection's last output,
    /// which may pass the hard limit a little so that a client closed for being slow learns why.
    virtual net::send_status send(std::string unit, bool closing) = 0;
    /// Queues a shared unit; a nonzero `conflate` kind may replace an unsent unit of the same kind.
    virtual net::send_status send_shared(const shared_bytes& unit, std::uint8_t conflate, bool* conflated) = 0;
    /// The connection is over and its last output queued: a WebSocket Close frame (`ws_code` 0: no
    /// status), the end of an SSE response, or 204 to the poll that asks next.
    virtual void end(std::uint16_t ws_code, std::string_view ws_reason) = 0;
};

/// Today's transport: a WebSocket on `conn`.
class ws_transport final : public hub_transport {
public:
    explicit ws_transport(net::connection& conn) : conn_(conn) {}
    transport_kind kind() const noexcept override { return transport_kind::websockets; }
    net::send_status send(std::string unit, bool closing) override;
    net::send_status send_shared(const shared_bytes& unit, std::uint8_t conflate, bool* conflated) override;
    void end(std::uint16_t ws_code, std::string_view ws_reason) override;

private:
    net::connection& conn_;
};

/// Server-Sent Events on `conn` (the response head is already queued): text only.
class sse_transport final : public hub_transport {
public:
    explicit sse_transport(net::connection& conn) : conn_(conn) {}
    transport_kind kind() const noexcept override { return transport_kind::server_sent_events; }
    net::send_status send(std::string unit, bool closing) override;
    net::send_status send_shared(const shared_bytes& unit, std::uint8_t conflate, bool* conflated) override;
    void end(std::uint16_t, std::string_view) override {}  // the session returns and the socket closes

private:
    net::connection& conn_;
};

}  // namespace tallyhub::signalr
