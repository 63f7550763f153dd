#include "signalr/json_protocol.hpp"

#include <variant>

#include "signalr/json_writer.hpp"

namespace tallyhub::signalr::json_protocol {

namespace {

void write_headers(json_writer& w, std::span<const header> headers) {
    if (headers.empty()) return;
    w.key("headers").begin_object();
    for (const header& h : headers) w.key(h.name).string_value(h.value);
    w.end_object();
}

void write_invocation_id(json_writer& w, std::string_view id) {
    if (!id.empty()) w.key("invocationId").string_value(id);
}

// The field order of JsonHubProtocol.WriteMessageCore after `type`.
struct body_writer {
    json_writer& w;

    template <typename Call>
    void call(const Call& m) {
        write_headers(w, m.headers);
        write_invocation_id(w, m.invocation_id);
        w.key("target").string_value(m.target);
        w.key("arguments").begin_array();
        for (std::string_view a : m.arguments) w.raw_value(a);
        w.end_array();
        if (m.stream_ids.empty()) return;
        w.key("streamIds").begin_array();
        for (std::string_view id : m.stream_ids) w.string_value(id);
        w.end_array();
    }
    void operator()(const invocation_message& m) { call(m); }
    void operator()(const stream_invocation_message& m) { call(m); }
    void operator()(const stream_item_message& m) {
        write_headers(w, m.headers);
        write_invocation_id(w, m.invocation_id);
        w.key("item").raw_value(m.item);
    }
    void operator()(const completion_message& m) {
        write_headers(w, m.headers);
        write_invocation_id(w, m.invocation_id);
        if (m.error && !m.error->empty()) w.key("error").string_value(*m.error);
        else if (m.result) w.key("result").raw_value(*m.result);
    }
    void operator()(const cancel_invocation_message& m) {
        write_headers(w, m.headers);
        write_invocation_id(w, m.invocation_id);
    }
    void operator()(const ping_message&) {}
    void operator()(const close_message& m) {
        if (m.error) w.key("error").string_value(*m.error);
        if (m.allow_reconnect) w.key("allowReconnect").bool_value(true);
    }
    void operator()(const ack_message& m) { w.key("sequenceId").int_value(m.sequence_id); }
    void operator()(const sequence_message& m) { w.key("sequenceId").int_value(m.sequence_id); }
};

}  // namespace

void write(const hub_message& msg, std::string& out) {
    json_writer w(out);
    w.begin_object().key("type").int_value(static_cast<std::int64_t>(type_of(msg)));
    std::visit(body_writer{w}, msg);
    w.end_object();
    out.push_back(record_separator);
}

}  // namespace tallyhub::signalr::json_protocol
