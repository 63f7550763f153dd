#pragma once
// A hub served over HTTP: `POST {path}/negotiate` and the transports at `{path}` (WebSockets,
// Server-Sent Events, long polling, with POST for the client's sends and DELETE to end a long-polling
// connection), with the per-core connection registry and groups that server-to-client sends go through.
//
// HTTP transports across cores: the token's owner core (token_owner) records which core serves the
// token's connection (`links`). An SSE connection lives on the core of its GET's socket; a long-polling
// connection, which has no socket of its own, lives on the owner core between polls. A poll, POST or
// DELETE landing on any core asks the owner core, then the serving core.
//
// Threading: one hub_endpoint serves every core. Its per-core parts (registry, groups, negotiated
// tokens, parsers) are touched only by their own core. A send to All or to a group is encoded
// once per protocol in use, handed to the other cores as bytes, and each core frames each encoding
// once and queues the same bytes on every target connection of that protocol (net::connection corks
// them, so a connection's records of one loop turn leave in one write).
//
// Protocols: hub code builds JSON records. When any core has a MessagePack connection, the sending
// core also transcodes them, once, and ships both encodings; a core that finds MessagePack
// connections but no MessagePack bytes (one connected meanwhile) transcodes for itself.
//
// Tokens: negotiate stores the secret token on the core token_owner() names, whichever core
// answered; the WebSocket request that presents it asks that core, so the two requests may land on
// different cores (SO_REUSEPORT spreads them). A stateful connection stays on the core of its first
// WebSocket; a reconnect that lands on another core has its socket handed to that core
// (net/http_handoff.cpp), which resumes the connection as if it had accepted the socket itself.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/counters.hpp"
#include "core/io.hpp"
#include "core/task.hpp"
#include "net/cors.hpp"
#include "net/http_server.hpp"
#include "signalr/connection_table.hpp"
#include "signalr/hub.hpp"
#include "signalr/hub_groups.hpp"
#include "signalr/handshake.hpp"
#include "signalr/hub_transport.hpp"
#include "signalr/json_protocol.hpp"
#include "signalr/long_polling.hpp"
#include "signalr/msgpack_protocol.hpp"
#include "signalr/negotiate.hpp"
#include "signalr/token_registry.hpp"

namespace tallyhub::signalr {

/// A record for everyone (empty `group`) or for the members of `group` (see send_each).
struct targeted_record {
    std::string group;
    std::string record;  ///< a complete hub record, 0x1E included
};

struct hub_options {
    /// A Ping goes to a connection that was sent nothing for this long.
    std::chrono::milliseconds keep_alive_interval{15'000};
    /// A connection that sent nothing for this long is closed (ASP.NET's ClientTimeoutInterval).
    std::chrono::milliseconds client_timeout{30'000};
    /// The handshake must complete within this long of the upgrade.
    std::chrono::milliseconds handshake_timeout{15'000};
    /// Largest hub message (record + separator) accepted; 0 = unlimited.
    std::size_t max_message_size = json_protocol::default_max_message_size;
    /// Items buffered per client-to-server stream before the connection stops reading.
    std::size_t stream_buffer_capacity = 10;
    /// How long a negotiated connection token stays usable.
    std::chrono::milliseconds negotiate_ttl{15'000};
    /// A connection whose superseding frames (send_each with a kind) find its output over the hard
    /// limit for this long is closed; until then it keeps the last state that fit.
    std::chrono::milliseconds slow_client_grace{5'000};
    /// Transports served and listed by negotiate.
    transports enabled{true, true, true};
    /// A waiting long poll is answered with 200 and an empty body after this long.
    std::chrono::milliseconds poll_timeout{90'000};
    /// Output queued for a long-polling connection between polls (as a socket's output queue).
    net::connection_limits long_poll_output;
    /// Stateful reconnect (WebSockets, reference/signalr-protocol.md §7): bytes of unacknowledged
    /// trackable messages kept per connection for replay (ASP.NET's StatefulReconnectBufferSize);
    /// 0 turns stateful reconnect off (negotiate never offers it).
    std::size_t stateful_reconnect_buffer = 100'000;
    /// How long a stateful connection whose WebSocket dropped waits for the client to come back
    /// with the same token (ASP.NET's DisconnectTimeout) before it ends (OnDisconnected runs then).
    std::chrono::milliseconds reconnect_grace{15'000};
};

/// Per-core counters of a hub endpoint, summed for /metrics.
struct hub_counters {
    counter negotiations;
    counter connections_opened;
    counter connections_closed;
    counter messages_in;
    counter records_out;
    counter protocol_errors;
    counter timeouts;
    counter slow_consumer_closes;
    counter conflated_frames;  ///< superseding frames that replaced an unsent predecessor
    counter stateful_resumes;  ///< stateful connections taken over by a new WebSocket (on this core)
    gauge connections;
    gauge json_connections;         ///< handshaken connections speaking JSON
    gauge messagepack_connections;  ///< handshaken connections speaking MessagePack

    gauge transport_connections[transport_kinds][2];  ///< handshaken connections by transport and protocol

    /// The gauge of handshaken connections speaking `p`.
    gauge& by_protocol(hub_protocol p) noexcept {
        return p == hub_protocol::messagepack ? messagepack_connections : json_connections;
    }
    /// The gauge of handshaken connections on transport `t` speaking `p`.
    gauge& by_transport(transport_kind t, hub_protocol p) noexcept {
        return transport_connections[std::size_t(t)][p == hub_protocol::messagepack ? 1 : 0];
    }
    const gauge& by_transport(transport_kind t, hub_protocol p) const noexcept {
        return transport_connections[std::size_t(t)][p == hub_protocol::messagepack ? 1 : 0];
    }
};

class hub_endpoint {
public:
    /// `h` must outlive the endpoint. `cores` is the number of reactor cores that will serve it.
    hub_endpoint(const hub& h, std::string path, hub_options opts, unsigned cores, const http::cors_policy* cors);
    ~hub_endpoint();
    hub_endpoint(const hub_endpoint&) = delete;
    hub_endpoint& operator=(const hub_endpoint&) = delete;

    /// Adds `{path}/negotiate` and `{path}` to `routes`.
    void add_routes(http::routes& routes);

    /// On each core, once its reactor runs: starts the keep-alive and timeout sweep.
    void start_core();
    /// On each core when the server drains: every connection gets Close with allowReconnect.
    void begin_drain_core();
    /// On each core after its connections ended: stops the sweep.
    void stop_core();

    const hub& definition() const noexcept { return hub_; }
    const hub_options& options() const noexcept { return opts_; }
    const std::string& path() const noexcept { return path_; }
    unsigned cores() const noexcept { return cores_; }
    /// The counters of core `i` (read with relaxed loads from any thread).
    const hub_counters& counters(unsigned i) const noexcept;

    // Used by hub_connection and clients (on the calling core).
    struct core_part;
    core_part& local();
    void attach(hub_connection& c);
    void detach(hub_connection& c);
    /// Sends `record` to every connection except `except_id`, on every core.
    void send_all(std::string record, std::string_view except_id);
    /// Sends every connection, on every core, the records meant for it (`group` empty: everyone;
    /// else the group's members) as ONE WebSocket frame. A frame is encoded once per core for each
    /// distinct set of records. A nonzero `kind` marks the frame as superseding state: a connection
    /// whose previous frame of that kind has not started to leave gets the new one in its place.
    void send_each(std::vector<targeted_record> records, std::uint8_t kind);
    /// Whether a MessagePack connection is open on any core (a relaxed look at the gauges).
    bool any_messagepack() const noexcept;
    void send_client(std::string_view connection_id, std::string record);
    void send_group(std::string_view group, std::string record, std::string_view except_id);
    void add_to_group(std::string_view connection_id, std::string_view group);
    void remove_from_group(std::string_view connection_id, std::string_view group);
    void join_local(hub_connection& c, std::string_view group);
    void leave_local(hub_connection& c, std::string_view group);
    /// A stateful WebSocket connection of this core has ended: its token leads nowhere any more.
    void forget_stateful(const std::string& token);

private:
    task<void> negotiate(http::exchange& ex);
    task<void> connect(http::exchange& ex);
    task<void> resume(net::connection& conn, std::string token, std::string accept, std::string input);
    void drop_link(const std::string& token);
    void options_request(http::exchange& ex);
    // HTTP transports (hub_endpoint_http.cpp).
    task<void> sse_connect(http::exchange& ex, std::string token);
    task<void> long_poll(http::exchange& ex, std::string token);
    task<void> http_send(http::exchange& ex);
    task<void> http_delete(http::exchange& ex);
    task<void> serve_http(std::unique_ptr<hub_connection> c, std::string token);
    void on_poll(poll_ticket& t, const std::string& token);
    void sweep_polls(std::chrono::steady_clock::time_point now);
    struct broadcast;
    struct broadcast_each;
    std::shared_ptr<const broadcast> encode(std::string record, std::string_view group, std::string_view except_id);
    void deliver_all(const broadcast& b);
    void deliver_each(const broadcast_each& b, std::uint8_t kind);
    void deliver_group(const broadcast& b);
    void deliver_client(const std::string& id, const std::string& record);
    task<void> sweep_loop();

    const hub& hub_;
    std::string path_;
    hub_options opts_;
    unsigned cores_;
    const http::cors_policy* cors_;
    std::vector<std::unique_ptr<core_part>> parts_;
};

/// One core's share of an endpoint.
struct hub_endpoint::core_part {
    explicit core_part(const hub_options& o)
        : tokens(o.negotiate_ttl), parser(o.max_message_size), msgpack_parser(o.max_message_size), transcoder(0) {}
    // Every attached connection: densely for broadcasts and sweeps, by id for sends to one.
    connection_table<hub_connection> connections;
    std::unordered_map<std::string, group_members> groups;
    token_registry tokens;
    json_protocol::parser parser;              // JSON connections' input
    msgpack_protocol::parser msgpack_parser;   // MessagePack connections' input (arguments as JSON text)
    json_protocol::parser transcoder;          // outgoing JSON records re-encoded for MessagePack (no limit)
    /// Appends the MessagePack records for complete JSON records; false (and logged) when they are not.
    bool transcode(std::string_view json_records, std::string& out);
    hub_counters stats;
    /// Where the connection of a token owned by this core is served (SSE and long polling).
    struct http_link {
        transport_kind kind;
        unsigned core;
    };
    std::unordered_map<std::string, http_link> links;
    std::unordered_map<std::string, hub_connection*> by_token;  // this core's SSE, long-polling and stateful WebSocket connections
    std::unordered_map<std::string, std::unique_ptr<long_poll_session>> polls;  // long polling, by token
    bool sweeping = false;
    bool draining = false;
    io::cancel_slot sweep_wake;
};

}  // namespace tallyhub::signalr
