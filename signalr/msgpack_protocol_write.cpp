#include <cassert>
#include <optional>
#include <variant>

#include "signalr/msgpack.hpp"
#include "signalr/msgpack_protocol.hpp"

namespace tallyhub::signalr::msgpack_protocol {

namespace {

// The item layout of MessagePackHubProtocolWorker.WriteMessageCore, one visitor per message type.
struct body_writer {
    msgpack::writer w;
    payload_format payload;
    std::optional<error> failed;  // payload_format::json: the first value that was not JSON

    void raw(std::string_view v) {
        if (v.empty() || v == json_null) {
            w.nil_value();
        } else if (payload == payload_format::msgpack) {
            assert(msgpack::reader(v).skip().ok());
            w.raw_value(v);
        } else if (auto r = append_msgpack_from_json(v, w.out()); !r && !failed) {
            failed = r.err();
        }
    }
    void headers(std::span<const header> hs) {
        w.begin_map(static_cast<std::uint32_t>(hs.size()));
        for (const header& h : hs) w.string_value(h.name).string_value(h.value);
    }
    template <typename Call>
    void call(const Call& m, message_type t) {
        w.begin_array(6).int_value(static_cast<int>(t));
        headers(m.headers);
        if (t == message_type::invocation && m.invocation_id.empty()) w.nil_value();
        else w.string_value(m.invocation_id);
        w.string_value(m.target).begin_array(static_cast<std::uint32_t>(m.arguments.size()));
        for (std::string_view a : m.arguments) raw(a);
        w.begin_array(static_cast<std::uint32_t>(m.stream_ids.size()));
        for (std::string_view id : m.stream_ids) w.string_value(id);
    }
    void operator()(const invocation_message& m) { call(m, message_type::invocation); }
    void operator()(const stream_invocation_message& m) { call(m, message_type::stream_invocation); }
    void operator()(const stream_item_message& m) {
        w.begin_array(4).int_value(2);
        headers(m.headers);
        w.string_value(m.invocation_id);
        raw(m.item);
    }
    void operator()(const completion_message& m) {
        const int kind = m.error && !m.error->empty() ? 1 : m.result ? 3 : 2;
        w.begin_array(kind == 2 ? 4 : 5).int_value(3);
        headers(m.headers);
        w.string_value(m.invocation_id).int_value(kind);
        if (kind == 1) w.string_value(*m.error);
        else if (kind == 3) raw(*m.result);
    }
    void operator()(const cancel_invocation_message& m) {
        w.begin_array(3).int_value(5);
        headers(m.headers);
        w.string_value(m.invocation_id);
    }
    void operator()(const ping_message&) { w.begin_array(1).int_value(6); }
    void operator()(const close_message& m) {
        w.begin_array(3).int_value(7);
        if (m.error && !m.error->empty()) w.string_value(*m.error);
        else w.nil_value();
        w.bool_value(m.allow_reconnect);
    }
    void operator()(const ack_message& m) { w.begin_array(2).int_value(8).int_value(m.sequence_id); }
    void operator()(const sequence_message& m) { w.begin_array(2).int_value(9).int_value(m.sequence_id); }
};

// The body goes after a one-byte prefix slot (every record under 128 bytes needs no more); a longer
// body is moved up to make room for its prefix.
result<void> encode(const hub_message& msg, std::string& out, payload_format payload) {
    const std::size_t start = out.size();
    out.push_back('\0');
    body_writer bw{msgpack::writer(out), payload, std::nullopt};
    std::visit(bw, msg);
    if (bw.failed) {
        out.resize(start);
        return *bw.failed;
    }
    const std::size_t length = out.size() - start - 1;
    assert(length <= max_record_length);
    std::string prefix;
    prefix.reserve(max_prefix_size);
    append_length_prefix(prefix, static_cast<std::uint32_t>(length));
    if (prefix.size() > 1) out.insert(start + 1, prefix.size() - 1, '\0');
    out.replace(start, prefix.size(), prefix);
    return {};
}

}  // namespace

void write(const hub_message& msg, std::string& out) {
    auto r = encode(msg, out, payload_format::msgpack);
    assert(r.ok());
    (void)r;
}

result<void> write_json_payload(const hub_message& msg, std::string& out) {
    return encode(msg, out, payload_format::json);
}

result<void> transcode_json_records(json_protocol::parser& json, std::string_view json_records, std::string& out) {
    constexpr error partial{static_cast<int>(json_protocol::errc::malformed_json), "Incomplete JSON hub record."};
    const std::size_t start = out.size();
    std::optional<error> failed;
    auto done = json.parse(json_records, [&](const hub_message& m) {
        if (failed) return;
        if (auto r = write_json_payload(m, out); !r) failed = r.err();
    });
    if (!failed && !done) failed = done.err();
    if (!failed && *done != json_records.size()) failed = partial;
    if (!failed) return {};
    out.resize(start);
    return *failed;
}

}  // namespace tallyhub::signalr::msgpack_protocol
