// hub_connection's output: records in the connection's protocol, batched per loop turn into one unit
// of its transport (a WebSocket message of the protocol's frame type, an SSE event, a long-poll
// body's share), and shared broadcast units.
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

}  // namespace

void hub_connection::queue_bytes(std::string_view encoded) {
    if (batch_.empty()) reactor::current().defer_flush(*this);
    batch_ += encoded;
    last_sent_ = reactor::current().now();
    ep_.local().stats.records_out.add();
}

// Hub code's server-to-client calls (the caller, one connection by id) arrive as JSON records.
void hub_connection::send_record(std::string_view json_record) {
    if (protocol_ == hub_protocol::json) {
        queue_bytes(json_record);
        return;
    }
    std::string encoded;
    if (ep_.local().transcode(json_record, encoded)) queue_bytes(encoded);
}

void hub_connection::send_message(const hub_message& msg) {
    std::string record;
    if (protocol_ == hub_protocol::json) {
        json_protocol::write(msg, record);
        queue_bytes(record);
        return;
    }
    const auto r = msgpack_protocol::write_json_payload(msg, record);
    if (r) {
        queue_bytes(record);
        return;
    }
    log_warn("hub message of type {} for {} has a value MessagePack cannot carry: {}", int(type_of(msg)), id_,
             r.err().reason);
    // The caller still learns that its invocation ended.
    if (const auto* c = std::get_if<completion_message>(&msg)) {
        completion_message failed;
        failed.invocation_id = c->invocation_id;
        failed.error = "The result could not be encoded in the MessagePack protocol.";
        msgpack_protocol::write(failed, record);
        queue_bytes(record);
    }
}

void hub_connection::send_ping() {
    queue_bytes(protocol_ == hub_protocol::messagepack ? msgpack_protocol::ping_record : json_protocol::ping_record);
}

void hub_connection::send_frame(const shared_bytes& frame, std::uint8_t kind) {
    frame_batch();
    const auto now = reactor::current().now();
    last_sent_ = now;
    ep_.local().stats.records_out.add();
    bool conflated = false;
    const net::send_status st = transport_->send_shared(frame, kind, &conflated);
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
    const auto st = transport_->send(std::move(unit), closing);
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
