#include "net/amqp/message.hpp"

#include <charconv>

namespace tallyhub::amqp {

namespace {

constexpr char hex_digits[] = "0123456789abcdef";

void append_hex(std::string& out, bytes_view b) {
    for (std::byte x : b) {
        out.push_back(hex_digits[std::to_integer<unsigned>(x) >> 4]);
        out.push_back(hex_digits[std::to_integer<unsigned>(x) & 0xf]);
    }
}

}  // namespace

void message_id::append_key(std::string& out) const {
    switch (kind) {
    case message_id_kind::none:
        return;
    case message_id_kind::string:
        out.append("s:");
        out.append(text());
        return;
    case message_id_kind::ulong: {
        char buf[24] = {'u', ':'};
        auto r = std::to_chars(buf + 2, buf + sizeof buf, number);
        out.append(buf, std::size_t(r.ptr - buf));
        return;
    }
    case message_id_kind::uuid:
        out.append("g:");
        if (bytes.size() != 16) return append_hex(out, bytes);
        append_hex(out, bytes.subspan(0, 4));
        out.push_back('-');
        append_hex(out, bytes.subspan(4, 2));
        out.push_back('-');
        append_hex(out, bytes.subspan(6, 2));
        out.push_back('-');
        append_hex(out, bytes.subspan(8, 2));
        out.push_back('-');
        append_hex(out, bytes.subspan(10, 6));
        return;
    case message_id_kind::binary:
        out.append("b:");
        append_hex(out, bytes);
        return;
    }
}

void encode(writer& w, const message_id& id) {
    switch (id.kind) {
    case message_id_kind::none: return w.null();
    case message_id_kind::ulong: return w.ulong(id.number);
    case message_id_kind::uuid: return w.uuid(id.bytes.first<16>());
    case message_id_kind::binary: return w.binary(id.bytes);
    case message_id_kind::string: return w.string(id.text());
    }
}

void encode_message(writer& w, const outgoing_message& m) {
    if (m.durable) {
        w.descriptor(code::header);
        auto l = w.begin_list();
        w.boolean(true);
        w.end_list(l);
    }
    if (!m.message_id.empty() || !m.subject.empty() || !m.content_type.empty()) {
        w.descriptor(code::properties);
        auto l = w.begin_list();
        encode(w, m.message_id);
        w.null();  // user-id
        w.null();  // to
        m.subject.empty() ? w.null() : w.string(m.subject);
        w.null();  // reply-to
        w.null();  // correlation-id
        m.content_type.empty() ? w.null() : w.symbol(m.content_type);
        w.end_list(l);
    }
    if (!m.application_properties.empty()) {
        w.descriptor(code::application_properties);
        auto c = w.begin_map();
        for (const application_property& p : m.application_properties) {
            w.string(p.name);
            w.string(p.value);
        }
        w.end_map(c);
    }
    w.descriptor(code::data);
    w.binary(m.body);
}

void encode_message(std::string& out, const outgoing_message& m) {
    writer w(out);
    encode_message(w, m);
}

}  // namespace tallyhub::amqp
