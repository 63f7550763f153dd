#pragma once
// The AMQP 1.0 transport performatives (part 2 §2.7) and the composites they carry (error, delivery
// states, source and target termini), as plain structs.
//
// The same structs serve decoding and encoding. Decoded, every string, binary, symbol array and map
// points into the frame's bytes (no allocation); fields left null by the peer, or cut off by a
// shortened list, hold the default written below. Encoding (net/amqp/encode.hpp) writes the fields
// as they are and drops trailing fields that are null or at their default.
// Optional strings: empty means null both ways (a peer's "" and null read the same).

#include "net/amqp/frame.hpp"
#include "net/amqp/views.hpp"

#include <optional>
#include <variant>

namespace tallyhub::amqp {

enum class role : bool { sender = false, receiver = true };
enum class sender_settle_mode : std::uint8_t { unsettled = 0, settled = 1, mixed = 2 };
enum class receiver_settle_mode : std::uint8_t { first = 0, second = 1 };
enum class terminus_durability : std::uint32_t { none = 0, configuration = 1, unsettled_state = 2 };

/// The error composite (0x1d), carried by detach, end, close and the rejected outcome.
struct error {
    std::string_view condition;    ///< a symbol: "amqp:not-found", "com.microsoft:dead-letter"…
    std::string_view description;
    map_view info;

    /// The error to send for a codec failure; views into `f`, which must outlive it.
    static error from(const failure& f) noexcept { return {f.symbol(), f.description(), {}}; }
};

enum class delivery_state_kind : std::uint8_t {
    received,       ///< 0x23 [section-number, section-offset]
    accepted,       ///< 0x24 []
    rejected,       ///< 0x25 [error]
    released,       ///< 0x26 []
    modified,       ///< 0x27 [delivery-failed, undeliverable-here, message-annotations]
    declared,       ///< 0x33 [txn-id] (transactions: recognised, txn-id only)
    transactional,  ///< 0x34 [txn-id, outcome] (transactions: recognised, txn-id only)
};

/// A delivery state or outcome (messaging §3.4, transactions §4.5).
struct delivery_state {
    delivery_state_kind kind = delivery_state_kind::accepted;
    std::uint32_t section_number = 0;   ///< received
    std::uint64_t section_offset = 0;   ///< received
    std::optional<amqp::error> error;   ///< rejected
    bool delivery_failed = false;       ///< modified
    bool undeliverable_here = false;    ///< modified
    map_view message_annotations;       ///< modified (a decoded map is written back as it came)
    bytes_view txn_id;                  ///< declared, transactional

    static delivery_state accepted() noexcept { return {}; }
    static delivery_state released() noexcept { return {.kind = delivery_state_kind::released}; }
    static delivery_state rejected(std::optional<amqp::error> e = std::nullopt) noexcept {
        return {.kind = delivery_state_kind::rejected, .error = e};
    }
    static delivery_state modified(bool delivery_failed, bool undeliverable_here) noexcept {
        return {.kind = delivery_state_kind::modified,
                .delivery_failed = delivery_failed,
                .undeliverable_here = undeliverable_here};
    }
};

/// Source terminus (0x28).
struct source {
    std::string_view address;
    terminus_durability durable = terminus_durability::none;
    std::string_view expiry_policy = "session-end";
    std::uint32_t timeout = 0;  ///< seconds
    bool dynamic = false;
    map_view dynamic_node_properties;
    std::string_view distribution_mode;  ///< "move", "copy" or empty
    map_view filter;
    std::optional<delivery_state> default_outcome;
    symbol_array outcomes;
    symbol_array capabilities;
};

/// Target terminus (0x29), or a transaction coordinator (0x30: `coordinator`, capabilities only).
struct target {
    std::string_view address;
    terminus_durability durable = terminus_durability::none;
    std::string_view expiry_policy = "session-end";
    std::uint32_t timeout = 0;
    bool dynamic = false;
    map_view dynamic_node_properties;
    symbol_array capabilities;
    bool coordinator = false;
};

/// open (0x10): connection parameters.
struct open {
    std::string_view container_id;  ///< mandatory
    std::string_view hostname;
    std::uint32_t max_frame_size = 0xffff'ffff;
    std::uint16_t channel_max = 0xffff;
    std::optional<std::uint32_t> idle_time_out;  ///< ms
    symbol_array outgoing_locales;
    symbol_array incoming_locales;
    symbol_array offered_capabilities;
    symbol_array desired_capabilities;
    map_view properties;
};

/// begin (0x11): a session on the frame's channel.
struct begin {
    std::optional<std::uint16_t> remote_channel;
    std::uint32_t next_outgoing_id = 0;  ///< mandatory
    std::uint32_t incoming_window = 0;   ///< mandatory
    std::uint32_t outgoing_window = 0;   ///< mandatory
    std::uint32_t handle_max = 0xffff'ffff;
    symbol_array offered_capabilities;
    symbol_array desired_capabilities;
    map_view properties;
};

/// attach (0x12): a link.
struct attach {
    std::string_view name;  ///< mandatory
    std::uint32_t handle = 0;  ///< mandatory
    amqp::role role = amqp::role::sender;  ///< mandatory
    sender_settle_mode snd_settle_mode = sender_settle_mode::mixed;
    receiver_settle_mode rcv_settle_mode = receiver_settle_mode::first;
    std::optional<amqp::source> source;
    std::optional<amqp::target> target;
    map_view unsettled;
    bool incomplete_unsettled = false;
    std::optional<std::uint32_t> initial_delivery_count;  ///< mandatory when role is sender
    std::uint64_t max_message_size = 0;  ///< 0: no limit
    symbol_array offered_capabilities;
    symbol_array desired_capabilities;
    map_view properties;
};

/// flow (0x13): session window and, with a handle, link credit.
struct flow {
    std::optional<std::uint32_t> next_incoming_id;
    std::uint32_t incoming_window = 0;   ///< mandatory
    std::uint32_t next_outgoing_id = 0;  ///< mandatory
    std::uint32_t outgoing_window = 0;   ///< mandatory
    std::optional<std::uint32_t> handle;
    std::optional<std::uint32_t> delivery_count;
    std::optional<std::uint32_t> link_credit;
    std::optional<std::uint32_t> available;
    bool drain = false;
    bool echo = false;
    map_view properties;
};

/// transfer (0x14): one frame of a delivery; its payload follows the performative in the frame.
struct transfer {
    std::uint32_t handle = 0;  ///< mandatory
    std::optional<std::uint32_t> delivery_id;   ///< mandatory on a delivery's first frame
    std::optional<bytes_view> delivery_tag;     ///< mandatory on the first frame; at most 32 bytes
    std::optional<std::uint32_t> message_format;
    bool settled = false;  ///< null reads false; a multi-frame delivery is settled if any frame says so
    bool more = false;
    std::optional<receiver_settle_mode> rcv_settle_mode;
    std::optional<delivery_state> state;
    bool resume = false;
    bool aborted = false;
    bool batchable = false;
    bytes_view payload;  ///< decoding: the rest of the frame; encoding: see encode_frame's payload
};

/// disposition (0x15): settles or updates deliveries first..last.
struct disposition {
    amqp::role role = amqp::role::receiver;  ///< mandatory
    std::uint32_t first = 0;  ///< mandatory
    std::optional<std::uint32_t> last;  ///< null means `first`; see `last_id()`
    bool settled = false;
    std::optional<delivery_state> state;
    bool batchable = false;

    std::uint32_t last_id() const noexcept { return last.value_or(first); }
};

/// detach (0x16).
struct detach {
    std::uint32_t handle = 0;  ///< mandatory
    bool closed = false;
    std::optional<amqp::error> error;
};

/// end (0x17).
struct end {
    std::optional<amqp::error> error;
};

/// close (0x18).
struct close {
    std::optional<amqp::error> error;
};

/// Any performative of an AMQP frame.
using performative = std::variant<open, begin, attach, flow, transfer, disposition, detach, end, close>;

/// The performative at the start of a frame body, its descriptor read, its fields not yet decoded.
struct performative_view {
    std::uint64_t code = 0;  ///< code::open … code::close, code::sasl_mechanisms … code::sasl_outcome
    value fields;            ///< the described list
    bytes_view payload;      ///< the frame's bytes after the performative (a transfer's payload)
};

/// Reads the descriptor and list header of `f`'s performative. Fails on an empty frame (a
/// heartbeat has no performative) and on a body that is not a described list.
result<performative_view> read_performative(const frame& f) noexcept;

/// Decode one performative. Each checks that `p.code` is its own and that its mandatory fields are there.
result<open> decode_open(const performative_view& p) noexcept;
result<begin> decode_begin(const performative_view& p) noexcept;
result<attach> decode_attach(const performative_view& p) noexcept;
result<flow> decode_flow(const performative_view& p) noexcept;
result<transfer> decode_transfer(const performative_view& p) noexcept;
result<disposition> decode_disposition(const performative_view& p) noexcept;
result<detach> decode_detach(const performative_view& p) noexcept;
result<end> decode_end(const performative_view& p) noexcept;
result<close> decode_close(const performative_view& p) noexcept;

/// The performative of an AMQP frame (type 0, not a heartbeat), whichever it is.
result<performative> decode_performative(const frame& f) noexcept;

}  // namespace tallyhub::amqp
