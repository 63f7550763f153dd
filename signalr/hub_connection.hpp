#pragma once
// One SignalR connection: the handshake, the receive loop (WebSocket frames, or the bodies of HTTP
// POSTs for Server-Sent Events and long polling → hub records → dispatch), server streams and upload
// streams, and the output batch, handed to its transport (hub_transport.hpp) once per loop turn.
//
// Protocol: the handshake picks JSON or MessagePack for the connection's life. Hub code always hands
// over JSON (records, or messages whose raw fields are JSON text); a MessagePack connection re-encodes
// them (signalr/msgpack_protocol.hpp). Incoming frames of either WebSocket type feed the one hub
// parser, as ASP.NET Core does (the MessagePack client sends its handshake in a text frame).
//
// Output: records sent during one loop turn are appended to a batch that is framed as ONE WebSocket
// message when the reactor flushes (so several records share a frame, and no record is ever split):
// a text message for JSON, a binary one for MessagePack, the handshake's `{}\x1e` included. A
// broadcast arrives as a ready frame shared by every connection of the core with the same protocol;
// the batch so far is framed first so the order of records is kept. When the connection's output
// queue passes its hard limit (a client that does not read), it is closed with a Close message.
//
// Stateful reconnect (WebSockets, hub_connection_resume.cpp): messages are numbered and kept until
// acknowledged, and the connection outlives a dropped socket for the grace period; a new socket
// with the same token takes over and gets the unacknowledged messages again, in order.
#include <array>
#include <chrono>
#include <coroutine>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/lazy_deque.hpp"
#include "core/reactor.hpp"
#include "core/shared_bytes.hpp"
#include "core/task.hpp"
#include "net/connection.hpp"
#include "net/http_server.hpp"
#include "net/ws_frame.hpp"
#include "signalr/handshake.hpp"
#include "signalr/hub.hpp"
#include "signalr/hub_groups.hpp"
#include "signalr/hub_transport.hpp"
#include "signalr/message.hpp"

namespace tallyhub::signalr {

class hub_endpoint;
class hub_connection final : public flushable {
public:
    /// `id` is the public connection id. The connection serves `conn` until run() returns.
    hub_connection(hub_endpoint& ep, net::connection& conn, std::string id);
    /// A connection on another transport: `conn` is the SSE response's socket (watched for the
    /// client going away), null for long polling. Input arrives through deliver().
    hub_connection(hub_endpoint& ep, net::connection* conn, std::unique_ptr<hub_transport> transport, std::string id);
    ~hub_connection();
    hub_connection(const hub_connection&) = delete;
    hub_connection& operator=(const hub_connection&) = delete;

    /// Bytes read past the upgrade request, for run() to parse before it reads the socket.
    void set_input(std::string bytes);
    /// Serves a WebSocket until the connection ends. With `self`, the task owns the connection and
    /// destroys it at the end, then closes `socket`.
    task<void> run(std::unique_ptr<hub_connection> self = nullptr, http::upgraded_socket socket = {});
    /// Serves a connection whose input comes by HTTP POST (SSE, long polling).
    task<void> run_http();
    /// Bytes of a POST body (complete hub messages, or parts of them); false when the connection no
    /// longer takes input or too much waits already.
    bool deliver(std::string bytes);
    /// Ends the connection without a Close message (a long-polling DELETE, an idle poller).
    void abort();

    // Stateful reconnect (hub_connection_resume.cpp, reference/signalr-protocol.md §7).
    /// Before run(): the client negotiated stateful reconnect for `token`; a version 2 handshake on
    /// this WebSocket turns it on.
    void offer_stateful(std::string token);
    bool stateful_offered() const noexcept { return rs_ != nullptr; }
    const std::string& offered_token() const noexcept { return rs_->token; }
    /// Whether a new WebSocket may take this connection over (stateful and not ending).
    bool resumable() const noexcept { return stateful_ && !close_; }
    /// Awaits while this connection serves `conn` (a later WebSocket with the same token): the old
    /// socket, if still there, is dropped, then Sequence and the unacknowledged messages are sent.
    struct reattach_awaiter;
    reattach_awaiter reattach(net::connection& conn, std::string input);
    /// Drops the current WebSocket without ending the hub connection (a stateful one waits for the
    /// client to come back; any other ends). For tests of reconnects.
    void drop_transport();
    /// Trackable messages sent so far (the id of the last one) and bytes held for replay.
    std::int64_t sent_sequence() const noexcept { return rs_ ? rs_->sent_seq : 0; }
    std::size_t replay_bytes() const noexcept { return rs_ ? rs_->replay_bytes : 0; }
    bool stateful() const noexcept { return stateful_; }
    transport_kind transport() const noexcept { return transport_->kind(); }

    std::string_view id() const noexcept { return {id_.data(), id_size_}; }
    /// Connection ids are 22 characters (negotiate.cpp); the connection keeps them inline.
    static constexpr std::size_t max_id_size = 23;
    unsigned core() const noexcept { return core_; }
    hub_endpoint& endpoint() noexcept { return ep_; }
    bool handshaken() const noexcept { return handshaken_; }
    bool closing() const noexcept { return close_ != nullptr; }
    /// The hub protocol the handshake chose (JSON until then).
    hub_protocol protocol() const noexcept { return protocol_; }

    /// Queues complete JSON records (0x1E included) for this loop turn's frame, re-encoded first on a
    /// MessagePack connection.
    void send_record(std::string_view json_record);
    /// Queues one message in the connection's protocol; its raw fields are JSON text (message.hpp).
    void send_message(const hub_message& msg);
    /// Queues a complete, shared WebSocket frame (a broadcast framed once per core and protocol, of
    /// this connection's frame type). A nonzero
    /// `kind` marks superseding state: it may replace an unsent frame of the same kind, and when the
    /// output is full it is skipped (the slow client keeps older state) for up to the endpoint's
    /// slow_client_grace before the connection is closed.
    void send_frame(const shared_bytes& frame, std::uint8_t kind = 0, std::size_t records = 1);

    /// Ends the connection: a Close message with `error` (if any) and allow_reconnect, then the
    /// WebSocket close handshake. Safe to call more than once; the first reason wins.
    void close(std::optional<std::string> error, bool allow_reconnect,
               std::uint16_t ws_code = ws::close_code::normal);

    /// Keep-alive and timeouts, called about once a second by the endpoint's sweep.
    void sweep(std::chrono::steady_clock::time_point now);

    /// The groups this connection is in on its core (hub_endpoint::join_local and leave_local keep
    /// both sides in step).
    std::vector<group_membership>& groups() noexcept { return groups_; }
    const std::vector<group_membership>& groups() const noexcept { return groups_; }
    /// Its position in its core's connection table (hub_endpoint::core_part::connections).
    std::uint32_t slot() const noexcept { return slot_; }
    void set_slot(std::uint32_t s) noexcept { slot_ = s; }

    // Streams (hub.hpp's detail helpers).
    std::shared_ptr<upload_channel> open_upload(std::string_view stream_id);
    stream_writer& open_stream(std::string_view invocation_id);
    void close_stream(stream_writer& w);
    std::size_t active_streams() const noexcept { return streaming_ ? streaming_->streams.size() : 0; }

    void flush() noexcept override;

private:
    struct pending_close {
        std::optional<std::string> error;
        bool allow_reconnect = false;
        std::uint16_t ws_code = 1000;
        std::string ws_reason;  // the WebSocket Close reason after a framing error
    };

    task<bool> on_frames(ws::frame_parser& fp, std::span<char> bytes);
    ws::frame_parser& parser();
    void rest_parser() noexcept;
    task<bool> on_message(std::string_view payload);
    task<bool> on_hub_bytes(std::string_view data, std::size_t& consumed);
    task<bool> on_record(const hub_message& msg);
    // The upload channels an invocation opened: dropped when it ends, so later items are discarded
    // instead of filling a buffer nobody reads (which would stop the connection's reading for good).
    using upload_list = std::vector<std::pair<std::string, std::shared_ptr<upload_channel>>>;
    upload_list uploads_of(std::span<const std::string_view> stream_ids);
    void drop_uploads(const upload_list& list);
    task<void> run_stream(std::string invocation_id, upload_list uploads, task<call_result> call);
    bool on_handshake(std::string_view data, std::size_t& consumed);
    task<void> dispatch_invocation(std::string invocation_id, upload_list uploads, task<call_result> call);
    void start_background(task<void> t);
    task<void> background(task<void> t);
    void send_completion(std::string_view id, const call_result& r);
    void send_completion_error(std::string_view id, std::string_view error);
    // Records already in the connection's protocol; `trackable` of them are numbered (stateful).
    void queue_bytes(std::string_view encoded, std::size_t trackable = 0);
    // Stateful reconnect.
    bool on_stateful_record(const hub_message& msg, bool& skip);
    void keep_for_replay(const shared_bytes& unit, std::size_t trackable);
    void release_held();
    void trim_replay(std::int64_t acked);
    void replay();
    bool park();
    void release_socket();
    struct park_awaiter;
    void send_ping();
    task<void> finish();
    void frame_batch(bool closing = false);
    void stop_reading();
    task<void> watch_socket();

    struct inbox_awaiter;
    hub_endpoint& ep_;
    net::connection* conn_;  // the socket of a WebSocket or SSE connection; null for long polling
    std::unique_ptr<hub_transport> transport_;
    std::array<char, max_id_size> id_{};
    std::uint8_t id_size_ = 0;
    unsigned core_;
    std::uint32_t slot_ = 0;
    // Flags together, in one word (an idle connection is mostly this object).
    bool handshaken_ = false;
    hub_protocol protocol_ = hub_protocol::json;
    bool read_stopped_ = false;
    bool reading_ = false;
    bool send_close_record_ = true;
    bool peer_closed_ = false;
    bool stateful_ = false;  // agreed in the handshake (rs_ is then set)
    std::chrono::steady_clock::time_point created_;
    std::chrono::steady_clock::time_point last_received_;
    std::chrono::steady_clock::time_point last_sent_;
    std::chrono::steady_clock::time_point over_limit_since_{};  // superseding frames did not fit
    std::string batch_;    // records of this loop turn, not yet framed
    std::unique_ptr<std::string> pending_;  // an incomplete record (split across WebSocket messages)
    std::unique_ptr<pending_close> close_;  // set once the connection is ending
    std::unique_ptr<ws::frame_parser> parser_;  // only while a frame or message is in parts
    std::unique_ptr<std::string> input_;        // bytes that came with the socket, not parsed yet
    std::vector<group_membership> groups_;
    // Streams of either direction: allocated by the first stream message, so that a connection
    // that never streams (most dashboards) does not carry four empty hash tables.
    struct stream_state {
        std::unordered_map<std::string, std::shared_ptr<upload_channel>> uploads;
        std::unordered_map<std::string, std::unique_ptr<stream_writer>> streams;
        std::unordered_set<std::string> starting;         // dispatched, not yet running
        std::unordered_set<std::string> cancelled_early;  // cancelled before they started
    };
    stream_state& streaming();
    std::unique_ptr<stream_state> streaming_;
    std::size_t background_ = 0;
    std::coroutine_handle<> background_done_;
    lazy_deque<std::string> inbox_;  // POST bodies not yet parsed
    std::size_t inbox_bytes_ = 0;
    std::coroutine_handle<> inbox_waiter_;

    // Stateful reconnect: trackable messages sent are numbered from 1 (sent_seq_ is the last id) and
    // kept, as the units they left in, until the client acknowledges them; incoming ones are counted
    // likewise (recv_done_: highest processed; recv_next_: the id the next one carries).
    struct replay_unit {
        shared_bytes unit;
        std::int64_t first_seq;
        std::int64_t last_seq;
    };
    // Stateful reconnect's state (hub_connection_resume.cpp), allocated when negotiate offers it:
    // a connection that never asked keeps 8 bytes for it.
    struct resume_state {
        std::string token;
        bool holding = false;  // output held until the client's first message (§7's client race)
        bool parked = false;   // no WebSocket: waiting for the client to come back
        lazy_deque<replay_unit> replay;
        std::size_t replay_bytes = 0;
        std::size_t batch_trackable = 0;
        std::int64_t sent_seq = 0;
        std::int64_t recv_next = 1;
        std::int64_t recv_done = 0;
        std::int64_t ack_sent = 0;
        std::chrono::steady_clock::time_point parked_since{};
        std::coroutine_handle<> park_waiter;
        net::connection* next_conn = nullptr;  // a WebSocket waiting to take over
        std::string next_input;
        std::coroutine_handle<> next_owner;  // its upgrade task, resumed when the socket is let go
        std::coroutine_handle<> conn_owner;  // the upgrade task of conn_, if conn_ came by reattach
    };
    bool parked() const noexcept { return rs_ && rs_->parked; }
    std::unique_ptr<resume_state> rs_;
};

struct hub_connection::park_awaiter {
    hub_connection& c;
    bool await_ready() const noexcept { return c.rs_->next_conn != nullptr || c.close_ != nullptr; }
    void await_suspend(std::coroutine_handle<> h) noexcept { c.rs_->park_waiter = h; }
    void await_resume() const noexcept {}
};

struct hub_connection::reattach_awaiter {
    hub_connection& c;
    net::connection& conn;
    std::string input;
    bool await_ready() const noexcept { return !c.resumable(); }
    void await_suspend(std::coroutine_handle<> h);
    void await_resume() const noexcept {}
};

}  // namespace tallyhub::signalr
