#pragma once
// amqp::engine: one AMQP 1.0 connection as a sans-I/O state machine (reference/amqp-1.0.md §1, §3).
//
// The caller owns the socket: it feeds received bytes to receive(), writes what output() holds, and
// calls tick() on a timer for heartbeats and the idle timeout. The engine owns the protocol: the
// SASL layer, open/begin/attach/flow/transfer/disposition/detach/end/close, session windows, link
// credit, and every limit. It never blocks and never allocates per message beyond the reassembly
// of multi-frame transfers.
//
// Roles:
// - listener: the server side of a producer's connection. SASL ANONYMOUS and/or PLAIN, any number of
//   sessions and sender links (up to the limits); every message arriving is handed to the handler,
//   which settles it later (settle()). Links asking to receive from us are refused.
// - client: dials a broker (or a tallyhub listener) with one session and one link: a receiving link
//   on `address` (the broker ingest) or a sending link to it (tallyhub-send).
//
// Credit: a receiving link is kept at `credit` minus the deliveries handed to the handler and not yet
// settled. Deliveries are settled only after their effect is committed, so when commits lag the
// credit runs out and the producer or broker stops: backpressure without a queue. Dispositions of
// consecutive deliveries with the same outcome are sent as one range.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "net/amqp/failure.hpp"

namespace tallyhub::amqp {

enum class engine_role : std::uint8_t { listener, client };
enum class link_direction : std::uint8_t { receive, send };

struct engine_options {
    engine_role role = engine_role::listener;
    std::string container_id = "tallyhub";
    std::uint32_t max_frame_size = 64 * 1024;       ///< the largest frame we accept (and advertise)
    std::chrono::milliseconds idle_timeout{60'000};  ///< advertised; silence this long ends the connection
    std::size_t max_message_size = 1024 * 1024;     ///< a larger message detaches its link
    std::uint32_t credit = 1000;                    ///< deliveries outstanding per receiving link
    std::uint16_t max_sessions = 16;                ///< listener: channels per connection
    std::uint32_t max_links = 64;                   ///< listener: links per session

    // Listener: which SASL mechanisms are offered. PLAIN checks user/password exactly.
    bool allow_anonymous = true;
    std::string plain_user;      ///< empty: PLAIN not offered
    std::string plain_password;

    // Client: whom to dial and what to attach.
    std::string hostname;        ///< open.hostname and sasl-init hostname ("vhost:NAME" on RabbitMQ)
    std::string sasl_user;       ///< empty: ANONYMOUS
    std::string sasl_password;
    std::string address;         ///< the source (receive) or target (send) address
    std::string link_name = "tallyhub";
    link_direction direction = link_direction::receive;
    bool durable_target = false;  ///< send: target durable=unsettled-state (declares durable RabbitMQ queues)
    bool send_settled = false;    ///< send: transfers pre-settled (snd-settle-mode settled)
};

/// Identifies one delivery for settle().
struct delivery_ref {
    std::uint16_t channel = 0;  ///< the session's local channel
    std::uint32_t handle = 0;   ///< the link's local handle
    std::uint32_t id = 0;       ///< the delivery-id
    bool settled = false;       ///< the sender settled it already: no disposition goes out
};

/// How the handler settles a delivery.
enum class outcome : std::uint8_t { accepted, rejected, released };

/// What the peer said about a message we sent (client send links).
struct send_outcome {
    std::uint64_t tag = 0;  ///< the value given to send()
    outcome result = outcome::accepted;
    bool modified = false;     ///< released was a `modified` state
    std::string_view condition;    ///< rejected: the error condition, if any
    std::string_view description;  ///< rejected: the error description, if any
};

class engine_handler {
public:
    /// A complete message on a receiving link. `settled`: the sender already settled it (settle()
    /// must still be called, to return the credit). `message` is valid during the call only.
    virtual void on_message(const delivery_ref& d, bool settled, std::string_view message) = 0;
    /// Client: the link is attached and usable (receive: credit granted; send: waiting for credit).
    virtual void on_link_ready() {}
    /// Client send link: the peer gave credit; send() may be called while can_send().
    virtual void on_credit() {}
    /// Client send link: a disposition for a message sent unsettled.
    virtual void on_outcome(const send_outcome&) {}
    /// The connection ended: `why.failed()` is false after a clean close by either side. `remote`
    /// tells whether the peer sent the error (its close/end/detach) or we did.
    virtual void on_closed(const failure& why, bool remote) = 0;

protected:
    ~engine_handler() = default;
};

class engine {
public:
    using clock = std::chrono::steady_clock;

    engine(engine_options opts, engine_handler& handler);
    ~engine();
    engine(const engine&) = delete;
    engine& operator=(const engine&) = delete;

    /// Client: writes the protocol header and the pipelined SASL/open/begin/attach start.
    void start(clock::time_point now);

    /// Consumes received bytes (any split). Frames are processed as they complete; the incomplete
    /// rest is kept (bounded by max_frame_size). After a protocol error the engine queues the
    /// close with the error, reports on_closed, and ignores further input.
    void receive(std::string_view bytes, clock::time_point now);

    /// Bytes to write, in order. The caller takes them (e.g. swaps with an empty string).
    std::string& output() noexcept;
    /// Flushes pending dispositions and credit into output(); call before writing.
    void flush();
    /// Tells the engine its output was taken for writing at `now` (heartbeats fill silences only).
    void wrote(clock::time_point now) noexcept;

    /// Settles a delivery handed to on_message. `description` (rejected) becomes the error's
    /// description with condition amqp:decode-error.
    void settle(const delivery_ref& d, outcome o, std::string_view description = {});

    /// Client send link: whether the peer's credit allows another send().
    bool can_send() const noexcept;
    /// Client send link: sends one encoded message (bare message sections). `tag` comes back in
    /// on_outcome. Messages larger than the peer's max frame are split.
    void send(std::string_view message, std::uint64_t tag);
    /// Client send link: messages sent and not yet settled by the peer.
    std::uint64_t unsettled_sends() const noexcept;

    /// Sends heartbeats and enforces the idle timeout. Returns when it wants to be called again.
    clock::time_point tick(clock::time_point now);

    /// Ends the connection: pending dispositions are flushed, then close (with `why` if it
    /// failed). Deliveries not settled by then stay unsettled: a broker requeues them (settle them
    /// `released` first to say so explicitly).
    void close(const failure& why = {});

    /// Stops granting credit on receiving links (draining); settled deliveries still go out.
    void stop_credit() noexcept;

    /// True once close was sent and received (or the connection failed): the socket may go.
    bool finished() const noexcept;
    /// True while the connection is open (after open was exchanged, before close).
    bool opened() const noexcept;
    /// Deliveries handed to the handler and not settled yet, all links.
    std::uint64_t outstanding() const noexcept;

    struct impl;

private:
    std::unique_ptr<impl> impl_;
};

}  // namespace tallyhub::amqp
