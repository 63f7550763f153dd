#pragma once
// The state behind amqp::engine, shared by engine.cpp (connection, SASL, frames) and
// engine_links.cpp (sessions, links, transfers, dispositions). Not part of the public API.

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "net/amqp/engine.hpp"
#include "net/amqp/frame.hpp"
#include "net/amqp/performatives.hpp"
#include "net/amqp/sasl.hpp"

namespace tallyhub::amqp {

/// Session incoming window we advertise: large, as proton does (RabbitMQ stops dead at the window),
/// re-advertised when half of it is used.
inline constexpr std::uint32_t session_window = 0x7fff'ffff;

struct link_state {
    std::uint32_t handle = 0;         // ours (equal to the peer's on a listener)
    std::uint32_t remote_handle = 0;
    std::string name;
    link_direction direction = link_direction::receive;
    bool remote_attached = false;
    bool detached = false;            // we sent detach

    // Receiving.
    std::uint32_t delivery_count = 0;  // the sender's delivery-count as we track it
    std::uint32_t credit = 0;          // deliveries the peer may still send
    std::uint32_t outstanding = 0;     // handed to the handler, not settled yet
    bool credit_dirty = false;         // a flow with new credit is due
    std::string assembling;            // the payload of a multi-frame delivery so far
    bool in_delivery = false;
    std::uint32_t current_id = 0;
    bool current_settled = false;
    bool oversized = false;

    // Sending.
    std::uint32_t peer_credit = 0;
    std::uint64_t next_tag = 1;
};

struct pending_disposition {
    std::uint32_t first = 0, last = 0;
    outcome result = outcome::accepted;
    std::string description;
};

struct session_state {
    std::uint16_t channel = 0;         // ours
    std::uint16_t remote_channel = 0;
    bool remote_begun = false;
    bool ended = false;                // we sent end
    // Incoming transfers.
    std::uint32_t next_incoming_id = 0;
    std::uint32_t incoming_window = session_window;
    bool window_dirty = false;
    // Outgoing transfers.
    std::uint32_t next_outgoing_id = 0;
    std::uint32_t remote_incoming_window = 0;
    std::uint32_t next_delivery_id = 0;
    std::unordered_map<std::uint32_t, std::uint64_t> unsettled_sends;  // delivery-id -> tag
    std::vector<std::unique_ptr<link_state>> links;
    std::optional<pending_disposition> disposition;

    link_state* by_remote_handle(std::uint32_t h) noexcept;
    link_state* by_handle(std::uint32_t h) noexcept;
};

enum class phase : std::uint8_t {
    header,        // waiting for the peer's first protocol header
    sasl,          // SASL frames
    amqp_header,   // waiting for the AMQP header after the SASL outcome
    frames,        // AMQP frames
    done,          // closed, or failed: input is ignored
};

struct engine::impl {
    impl(engine_options o, engine_handler& h);

    engine_options opts;
    engine_handler& handler;
    phase state = phase::header;
    std::string in;   // received bytes not yet consumed (an incomplete frame)
    std::string out;
    frame_decoder decoder;

    bool open_sent = false;
    bool open_received = false;
    bool close_sent = false;
    bool close_received = false;
    bool closed_reported = false;
    bool credit_stopped = false;
    bool sasl_sent_init = false;  // client
    std::uint32_t peer_max_frame = min_max_frame_size;
    std::uint16_t peer_channel_max = 0;
    std::chrono::milliseconds peer_idle{0};
    clock::time_point last_rx{};
    clock::time_point last_tx{};

    std::map<std::uint16_t, std::unique_ptr<session_state>> sessions;  // by our channel
    std::unordered_map<std::uint16_t, std::uint16_t> by_remote_channel;

    // engine.cpp: connection level.
    void receive(std::string_view bytes, clock::time_point now);
    bool consume_header(bytes_view& data);
    bool on_sasl(const frame& f);
    bool on_frame(const frame& f);
    void on_open(const open& o);
    void on_close(const amqp::close& c);
    void fail(const failure& why);
    void send_close(const failure& why);
    void report_closed(const failure& why, bool remote);
    void start_client_sasl();
    void start_client_amqp();
    void write_open();
    void write(std::uint16_t channel, const performative& p, bytes_view payload = {});

    // engine_links.cpp: sessions and links.
    bool on_begin(std::uint16_t channel, const begin& b);
    bool on_attach(session_state& s, const attach& a);
    bool on_flow(session_state& s, const flow& f);
    bool on_transfer(session_state& s, const transfer& t);
    bool on_disposition(session_state& s, const disposition& d);
    bool on_detach(session_state& s, const detach& d);
    bool on_end(session_state& s, const end& e);
    session_state* session_of(std::uint16_t remote_channel) noexcept;
    void begin_client_session();
    void attach_client_link(session_state& s);
    void grant_credit(session_state& s, link_state& l);
    void flush_links();
    void flush_disposition(session_state& s);
    void settle(const delivery_ref& d, outcome o, std::string_view description);
    void send_message(std::string_view message, std::uint64_t tag);
    bool can_send() const noexcept;
    link_state* client_link() const noexcept;
    session_state* client_session() const noexcept;
    void detach_link(session_state& s, link_state& l, const failure& why);
};

}  // namespace tallyhub::amqp
