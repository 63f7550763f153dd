#include "signalr/hub_transport.hpp"

#include "net/ws_frame.hpp"
#include "signalr/sse.hpp"

namespace tallyhub::signalr {

std::string_view transport_label(transport_kind t) noexcept {
    switch (t) {
    case transport_kind::websockets: return "websockets";
    case transport_kind::server_sent_events: return "sse";
    case transport_kind::long_polling: return "longpolling";
    }
    return "websockets";
}

std::string_view transport_name(transport_kind t) noexcept {
    switch (t) {
    case transport_kind::websockets: return "WebSockets";
    case transport_kind::server_sent_events: return "ServerSentEvents";
    case transport_kind::long_polling: return "LongPolling";
    }
    return "WebSockets";
}

std::string frame_unit(transport_kind t, hub_protocol p, std::string_view records) {
    switch (t) {
    case transport_kind::websockets: {
        const auto op = p == hub_protocol::messagepack ? ws::opcode::binary : ws::opcode::text;
        auto header = ws::server_frame_header(op, records.size());
        std::string frame;
        frame.reserve(header.size + records.size());
        frame += header.view();
        frame += records;
        return frame;
    }
    case transport_kind::server_sent_events:
        return sse::event(records);
    case transport_kind::long_polling:
        break;
    }
    return std::string(records);
}

// ---- WebSockets ----

net::send_status ws_transport::send(std::string unit, bool closing) {
    return closing ? conn_.send_closing(unit) : conn_.send(std::move(unit));
}

net::send_status ws_transport::send_shared(const shared_bytes& unit, std::uint8_t conflate, bool* conflated) {
    return conflate == 0 ? conn_.send(unit) : conn_.send_latest(unit, conflate, conflated);
}

void ws_transport::end(std::uint16_t ws_code, std::string_view ws_reason) {
    if (!conn_.open()) return;
    if (ws_code == 0)
        conn_.send_closing(ws::encode_close_empty());
    else
        conn_.send_closing(ws::encode_close(ws_code, ws_reason));
}

// ---- Server-Sent Events ----

net::send_status sse_transport::send(std::string unit, bool closing) {
    return closing ? conn_.send_closing(unit) : conn_.send(std::move(unit));
}

net::send_status sse_transport::send_shared(const shared_bytes& unit, std::uint8_t conflate, bool* conflated) {
    return conflate == 0 ? conn_.send(unit) : conn_.send_latest(unit, conflate, conflated);
}

}  // namespace tallyhub::signalr
