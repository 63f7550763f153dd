// hub_connection's output: records in the connection's protocol, batched per loop turn into one unit
// of its transport (a WebSocket message of the protocol's frame type, an SSE event, a long-poll
// body's share), and shared broadcast units.
#include <algorithm>

#include <fmt/format.h>

#include "core/log.hpp"
#include "signalr/hub_connection.hpp"
#include "signalr/hub_endpoint.hpp"
#include "signalr/json_protocol.hpp"
#include "signalr/msgpack_protocol.hpp"

namespace tallyhub::signalr {

namespace {

constexpr std::string_view slow_client_error =
    "Connection closed with an error. The client does not read its messages fast enough.";

// A stateful connection holds at most this many times stateful_reconnect_buffer for replay.
constexpr std::size_t replay_hard_factor = 4;

std::size_t count_records(std::string_view json_records) {
    return std::size_t(std::count(json_records.begin(), json_records.end(), '\x1e'));
}

}  // namespace

void hub_connection::queue_bytes(std::string_view encoded, std::size_t trackable) {
    if (batch_.empty()) reactor::current().defer_flush(*this);
    batch_ += encoded;
    if (stateful_) {
        rs_->sent_seq += std::int64_t(trackable);
        rs_->batch_trackable += trackable;
    }
    last_sent_ = reactor::current().now();
    ep_.local().stats.records_out.add();
}

// Hub code's server-to-client calls (the caller, one connection by id) arrive as JSON records.
void hub_connection::send_record(std::string_view json_record) {
    // Hub code's records are invocations: trackable.
    const std::size_t n = stateful_ ? count_records(json_record) : 0;
    if (protocol_ == hub_protocol::json) {
        queue_bytes(json_record, n);
        return;
    }
    std::string encoded;
    if (ep_.local().transcode(json_record, encoded)) queue_bytes(encoded, n);
}

void hub_connection::send_message(const hub_message& msg) {
    std::string record;
    const std::size_t n = is_trackable(type_of(msg)) ? 1 : 0;
    if (protocol_ == hub_protocol::json) {
        json_protocol::write(msg, record);
        queue_bytes(record, n);
        return;
    }
    const auto r = msgpack_protocol::write_json_payload(msg, record);
    if (r) {
        queue_bytes(record, n);
        return;
    }
    log_warn("hub message of type {} for {} has a value MessagePack cannot carry: {}", int(type_of(msg)), id(),
             r.err().reason);
    // The caller still learns that its invocation ended.
    if (const auto* c = std::get_if<completion_message>(&msg)) {
        completion_message failed;
        failed.invocation_id = c->invocation_id;
        failed.error = "The result could not be encoded in the MessagePack protocol.";
        msgpack_protocol::write(failed, record);
        queue_bytes(record, 1);
    }
}

void hub_connection::send_ping() {
    queue_bytes(protocol_ == hub_protocol::messagepack ? msgpack_protocol::ping_record : json_protocol::ping_record);
}

void hub_connection::send_frame(const shared_bytes& frame, std::uint8_t kind, std::size_t records) {
    frame_batch();
    const auto now = reactor::current().now();
    last_sent_ = now;
    ep_.local().stats.records_out.add();
    bool conflated = false;
    net::send_status st = net::send_status::ok;
    if (stateful_) {
        // Numbered frames are never conflated (the client counts each one). Past the buffer limit a
        // superseding frame is skipped, an ordinary one kept up to the hard factor.
        const std::size_t limit = ep_.options().stateful_reconnect_buffer;
        if (kind != 0 && rs_->replay_bytes > limit) {
            st = net::send_status::dropped;
        } else if (rs_->replay_bytes > replay_hard_factor * limit) {
            st = net::send_status::dropped;
            kind = 0;
        } else {
            rs_->sent_seq += std::int64_t(records);
            keep_for_replay(frame, records);
            if (!rs_->holding && !rs_->parked) st = transport_->send_shared(frame, 0, nullptr);
        }
    } else {
        st = transport_->send_shared(frame, kind, &conflated);
    }
    if (conflated) ep_.local().stats.conflated_frames.add();
    if (st != net::send_status::dropped) {
        over_limit_since_ = {};
        return;
    }
    if (close_) return;
    // A dropped ordinary frame is a lost message: close now. A superseding one only leaves the client
    // behind on state; close when that lasts past the grace period.
    if (kind != 0) {
        if (over_limit_since_ == std::chrono::steady_clock::time_point{}) over_limit_since_ = now;
        if (now - over_limit_since_ < ep_.options().slow_client_grace) return;
    }
    ep_.local().stats.slow_consumer_closes.add();
    close(std::string(slow_client_error), true);
}

void hub_connection::flush() noexcept { frame_batch(); }

// `closing`: the connection's last frame, which may pass the hard limit a little (see send_closing).
// One protocol per connection, so the whole batch has one frame type.
void hub_connection::frame_batch(bool closing) {
    if (batch_.empty()) return;
    std::string unit = frame_unit(transport(), protocol_, batch_);
    std::string().swap(batch_);  // freed: an idle connection keeps no output buffer
    net::send_status st = net::send_status::ok;
    if (stateful_) {
        const std::size_t n = std::exchange(rs_->batch_trackable, 0);
        if (n > 0) {
            shared_bytes kept(unit);
            keep_for_replay(kept, n);
            if (rs_->replay_bytes > replay_hard_factor * ep_.options().stateful_reconnect_buffer) st = net::send_status::dropped;
            else if (!rs_->holding && !rs_->parked) st = transport_->send_shared(kept, 0, nullptr);
        } else if (!rs_->holding && !rs_->parked) {
            st = transport_->send(std::move(unit), closing);
        }
    } else {
        st = transport_->send(std::move(unit), closing);
    }
    if (st == net::send_status::dropped && !close_) {
        ep_.local().stats.slow_consumer_closes.add();
        close(std::string(slow_client_error), true);
    }
}

void hub_connection::send_completion(std::string_view id, const call_result& r) {
    completion_message m;
    m.invocation_id = id;
    if (r.error)
        m.error = *r.error;
    else if (r.result)
        m.result = *r.result;
    send_message(m);
}

void hub_connection::send_completion_error(std::string_view id, std::string_view error) {
    call_result r;
    r.error = std::string(error);
    send_completion(id, r);
}

}  // namespace tallyhub::signalr
