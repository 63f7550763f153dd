// Stateful reconnect for WebSocket hub connections (reference/signalr-protocol.md §7).
//
// Lifecycle of a stateful connection:
//   1. negotiate agreed (useStatefulReconnect) and the handshake said version 2: every trackable
//      message (types 1-5) the server sends gets the next id and is kept, as the unit it left in,
//      in the replay buffer; an Ack from the client drops the units it covers. Output is held
//      until the client's first message (its Ping), so that the client counts every message.
//   2. the client's trackable messages are counted too; a 1 s sweep Acks the highest one processed.
//   3. the WebSocket drops without a Close: the connection parks. Hub state, groups, streams and
//      the registry entry stay; output is numbered and kept as before, and nothing is written.
//   4. a WebSocket with the same token takes over (on this core: one that landed on another core
//      had its socket handed here, hub_endpoint::resume): the server writes Sequence{first
//      buffered id} and replays the buffer in order; the client's Sequence sets the id of its next
//      message, and ids already processed are dropped as duplicates.
//   5. no WebSocket within reconnect_grace: the connection ends (OnDisconnected runs).
//
// Backpressure: past stateful_reconnect_buffer bytes held, superseding broadcast frames (KPI state)
// are skipped (the client keeps older state; after slow_client_grace the connection is closed), and
// ordinary messages are still kept up to four times the limit, past which the connection is closed
// as a slow client. ASP.NET Core instead makes the hub's send wait for Acks; a reactor cannot block
// a broadcast on one client.
#include <sys/socket.h>

#include <fmt/format.h>

#include "core/log.hpp"
#include "signalr/hub_connection.hpp"
#include "signalr/hub_endpoint.hpp"
#include "signalr/json_protocol.hpp"
#include "signalr/msgpack_protocol.hpp"

namespace tallyhub::signalr {

namespace {

// What a parked connection writes to: nothing (its output is numbered and kept for the replay).
class parked_transport final : public hub_transport {
public:
    transport_kind kind() const noexcept override { return transport_kind::websockets; }
    net::send_status send(std::string, bool) override { return net::send_status::ok; }
    net::send_status send_shared(const shared_bytes&, std::uint8_t, bool*) override { return net::send_status::ok; }
    void end(std::uint16_t, std::string_view) override {}
};

}  // namespace

void hub_connection::offer_stateful(std::string token) {
    if (!rs_) rs_ = std::make_unique<resume_state>();
    rs_->token = std::move(token);
}

// The socket ended under a stateful connection: keep the connection and wait for the client.
bool hub_connection::park() {
    if (!stateful_ || !handshaken_ || close_) return false;
    frame_batch();  // numbered output of this turn goes to the buffer
    release_socket();
    conn_ = nullptr;
    transport_ = std::make_unique<parked_transport>();
    rs_->parked = true;
    rs_->parked_since = reactor::current().now();
    log_debug("stateful connection {} lost its WebSocket; waiting for the client", id());
    return true;
}

// Lets go of a socket that came by reattach (its upgrade task ends and closes it). The first
// socket is run()'s own: run() closes it when the connection parks.
void hub_connection::release_socket() {
    if (rs_ && rs_->conn_owner) reactor::current().schedule(std::exchange(rs_->conn_owner, {}));
}

hub_connection::reattach_awaiter hub_connection::reattach(net::connection& conn, std::string input) {
    return reattach_awaiter{*this, conn, std::move(input)};
}

void hub_connection::reattach_awaiter::await_suspend(std::coroutine_handle<> h) {
    // A WebSocket that came first and never took over gives way to this one.
    if (c.rs_->next_owner) reactor::current().schedule(std::exchange(c.rs_->next_owner, {}));
    c.rs_->next_conn = &conn;
    c.rs_->next_input = std::move(input);
    c.rs_->next_owner = h;
    if (c.rs_->parked) {
        if (c.rs_->park_waiter) reactor::current().schedule(std::exchange(c.rs_->park_waiter, {}));
    } else if (c.conn_) {
        // The old socket is still there (its end not seen yet): drop it; the read loop then parks
        // and finds this one waiting.
        ::shutdown(c.conn_->fd(), SHUT_RDWR);
    }
}

void hub_connection::drop_transport() {
    if (!conn_ || close_) return;
    frame_batch();
    ::shutdown(conn_->fd(), SHUT_RDWR);
}

// Sequence first, then every unacknowledged unit in order (§7 step 3).
void hub_connection::replay() {
    rs_->holding = false;
    sequence_message m;
    m.sequence_id = rs_->replay.empty() ? rs_->sent_seq + 1 : rs_->replay.front().first_seq;
    std::string record;
    if (protocol_ == hub_protocol::messagepack)
        msgpack_protocol::write(m, record);
    else
        json_protocol::write(m, record);
    transport_->send(frame_unit(transport(), protocol_, record), false);
    for (const auto& u : rs_->replay) transport_->send_shared(u.unit, 0, nullptr);
    log_debug("stateful reconnect of {}: Sequence {}, {} units ({} bytes) replayed", id(), m.sequence_id, rs_->replay.size(),
              rs_->replay_bytes);
    rs_->ack_sent = 0;  // the new socket hears the Ack again
}

// Output held since the handshake leaves once the client spoke.
void hub_connection::release_held() {
    rs_->holding = false;
    for (const auto& u : rs_->replay) transport_->send_shared(u.unit, 0, nullptr);
}

void hub_connection::keep_for_replay(const shared_bytes& unit, std::size_t trackable) {
    const std::int64_t first = rs_->sent_seq - std::int64_t(trackable) + 1;
    rs_->replay.push_back(replay_unit{unit, first, rs_->sent_seq});
    rs_->replay_bytes += unit.size();
}

void hub_connection::trim_replay(std::int64_t acked) {
    while (!rs_->replay.empty() && rs_->replay.front().last_seq <= acked) {
        rs_->replay_bytes -= rs_->replay.front().unit.size();
        rs_->replay.pop_front();
    }
}

// Ack, Sequence and the numbering of the client's trackable messages. False: a protocol error
// closed the connection. `skip`: a duplicate, or a message only this layer uses.
bool hub_connection::on_stateful_record(const hub_message& msg, bool& skip) {
    if (rs_->holding) release_held();
    const message_type t = type_of(msg);
    if (t == message_type::ack) {
        trim_replay(std::get<ack_message>(msg).sequence_id);
        skip = true;
        return true;
    }
    if (t == message_type::sequence) {
        const std::int64_t id = std::get<sequence_message>(msg).sequence_id;
        skip = true;
        if (id > rs_->recv_done + 1 || id < 1) {
            ep_.local().stats.protocol_errors.add();
            close(std::string("Connection closed with an error. Sequence ID greater than amount of messages we've "
                              "received."),
                  true);
            return false;
        }
        rs_->recv_next = id;
        return true;
    }
    if (!is_trackable(t)) return true;
    const std::int64_t id = rs_->recv_next++;
    if (id <= rs_->recv_done) {
        skip = true;  // sent again after a reconnect, processed already
        return true;
    }
    rs_->recv_done = id;
    return true;
}

}  // namespace tallyhub::signalr
