#include "signalr/msgpack_protocol.hpp"

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "signalr/msgpack.hpp"

namespace tallyhub::signalr::msgpack_protocol {

namespace {

constexpr error make_error(errc c, std::string_view reason) { return error{static_cast<int>(c), reason}; }

// Reasons, worded like the InvalidDataException messages of ASP.NET Core's MessagePackHubProtocolWorker
// and BinaryMessageParser (and the JS client's "Invalid payload" errors). They are for logs: the peer
// gets a generic Close error, as .NET sends without detailed errors.
constexpr error overlong_prefix = make_error(errc::bad_length_prefix, "Messages over 2GB in size are not supported.");
constexpr error too_large = make_error(errc::message_too_large, "The maximum message size was exceeded.");
constexpr error empty_record = make_error(errc::malformed, "Invalid payload: empty message.");
constexpr error trailing = make_error(errc::malformed, "Invalid payload: bytes follow the message array.");
constexpr error not_array = make_error(errc::wrong_type, "Reading message as Array failed.");
constexpr error empty_array = make_error(errc::missing_field, "Invalid payload: empty message array.");
constexpr error bad_type = make_error(errc::wrong_type, "Reading 'messageType' as Int32 failed.");
constexpr error bad_headers = make_error(errc::wrong_type, "Reading map length for 'headers' failed.");
constexpr error bad_header = make_error(errc::wrong_type, "Null or empty key or value in header.");
constexpr error bad_id = make_error(errc::wrong_type, "Reading 'invocationId' as String failed.");
constexpr error no_id = make_error(errc::wrong_type, "Null or empty invocation ID.");
constexpr error no_target = make_error(errc::wrong_type, "Null or empty target for Invocation message.");
constexpr error bad_arguments = make_error(errc::wrong_type, "Reading array length for 'arguments' failed.");
constexpr error bad_stream_ids = make_error(errc::wrong_type, "Reading array length for 'streamIds' failed.");
constexpr error bad_stream_id = make_error(errc::wrong_type, "Null or empty value in streamIds received.");
constexpr error bad_kind = make_error(errc::wrong_type, "Invalid invocation result kind.");
constexpr error bad_error = make_error(errc::wrong_type, "Reading 'error' as String failed.");
constexpr error bad_reconnect = make_error(errc::wrong_type, "Reading 'allowReconnect' as Boolean failed.");
constexpr error bad_sequence_id = make_error(errc::wrong_type, "Reading 'sequenceId' as Int64 failed.");
constexpr error short_message = make_error(errc::missing_field, "Invalid payload: too few items for the message type.");

// A reader error: malformed data keeps the reader's reason; a value of the wrong type is `wrong`.
error field_error(const error& e, const error& wrong) {
    const auto c = static_cast<msgpack::errc>(e.code);
    if (c == msgpack::errc::wrong_type || c == msgpack::errc::out_of_range) return wrong;
    return error{static_cast<int>(errc::malformed), e.reason};
}

// Fewest items each type needs (index = type); a Completion's kinds 1 and 3 need one more.
constexpr std::uint32_t min_items[] = {0, 5, 4, 4, 5, 3, 1, 2, 2, 2};

}  // namespace

result<length_prefix> read_length_prefix(std::string_view input) {
    length_prefix lp;
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < input.size(); ++i) {
        if (i == max_prefix_size) return overlong_prefix;  // a 6th byte
        const auto b = static_cast<unsigned char>(input[i]);
        v |= std::uint64_t(b & 0x7f) << (7 * i);
        if ((b & 0x80) == 0) {
            if (v > max_record_length) return overlong_prefix;
            lp.complete = true;
            lp.size = i + 1;
            lp.length = static_cast<std::uint32_t>(v);
            return lp;
        }
    }
    if (input.size() >= max_prefix_size) return overlong_prefix;
    return lp;
}

void append_length_prefix(std::string& out, std::uint32_t length) {
    do {
        const auto low = static_cast<unsigned char>(length & 0x7f);
        length >>= 7;
        out.push_back(static_cast<char>(length != 0 ? low | 0x80 : low));
    } while (length != 0);
}

struct parser::impl {
    std::size_t max_message_size = default_max_message_size;
    payload_format payload = payload_format::json;
    std::vector<std::string_view> arguments;
    std::vector<std::string_view> stream_ids;
    std::vector<header> headers;
    std::string json;                  // converted raw values (payload_format::json)
    std::vector<std::size_t> offsets;  // where each converted value starts in `json`

    result<void> read_headers(msgpack::reader& r);
    result<std::string_view> read_required_id(msgpack::reader& r);
    result<void> read_call(msgpack::reader& r, std::uint32_t items, bool is_stream, step& s);
    result<void> convert(std::optional<std::string_view>* single);
    result<step> decode(std::string_view body, std::size_t consumed);
};

result<void> parser::impl::read_headers(msgpack::reader& r) {
    auto n = r.read_map_header();
    if (!n) return field_error(n.err(), bad_headers);
    for (std::uint32_t i = 0; i < *n; ++i) {
        header h;
        auto k = r.read_string();
        if (!k) return field_error(k.err(), bad_header);
        auto v = r.read_string();
        if (!v) return field_error(v.err(), bad_header);
        if (k->empty() || v->empty()) return bad_header;
        h.name = *k;
        h.value = *v;
        // A repeated name replaces the earlier value, as in the JSON codec.
        auto same = std::find_if(headers.begin(), headers.end(), [&](const header& x) { return x.name == h.name; });
        if (same != headers.end()) same->value = h.value;
        else headers.push_back(h);
    }
    return {};
}

result<std::string_view> parser::impl::read_required_id(msgpack::reader& r) {
    auto id = r.read_nullable_string();
    if (!id) return field_error(id.err(), bad_id);
    if (!*id || (*id)->empty()) return no_id;
    return **id;
}

// Invocation and StreamInvocation: [type, H, id, target, [args], [streamIds]?].
result<void> parser::impl::read_call(msgpack::reader& r, std::uint32_t items, bool is_stream, step& s) {
    std::string_view id;
    if (is_stream) {
        auto rid = read_required_id(r);
        if (!rid) return rid.err();
        id = *rid;
    } else {
        auto rid = r.read_nullable_string();  // nil or "" = fire-and-forget
        if (!rid) return field_error(rid.err(), bad_id);
        if (*rid) id = **rid;
    }
    auto target = r.read_nullable_string();
    if (!target) return field_error(target.err(), no_target);
    if (!*target || (*target)->empty()) return no_target;
    auto n = r.read_array_header();
    if (!n) return field_error(n.err(), bad_arguments);
    for (std::uint32_t i = 0; i < *n; ++i) {
        auto raw = r.skip(3);
        if (!raw) return field_error(raw.err(), bad_arguments);
        arguments.push_back(*raw);
    }
    if (items > 5) {
        auto m = r.read_array_header();
        if (!m) return field_error(m.err(), bad_stream_ids);
        for (std::uint32_t i = 0; i < *m; ++i) {
            auto sid = r.read_nullable_string();
            if (!sid) return field_error(sid.err(), bad_stream_id);
            if (!*sid || (*sid)->empty()) return bad_stream_id;
            stream_ids.push_back(**sid);
        }
    }
    if (auto c = convert(nullptr); !c) return c;
    if (is_stream) s.message = stream_invocation_message{id, **target, arguments, stream_ids, headers};
    else s.message = invocation_message{id, **target, arguments, stream_ids, headers};
    return {};
}

// payload_format::json: replaces each argument (and `single`, if set) by its JSON text. The views are
// taken once every value is converted, because `json` may move while it grows.
result<void> parser::impl::convert(std::optional<std::string_view>* single) {
    if (payload != payload_format::json) return {};
    json.clear();
    offsets.clear();
    auto one = [&](std::string_view raw) -> result<void> {
        offsets.push_back(json.size());
        auto r = append_json_from_msgpack(raw, json);
        if (!r) return error{static_cast<int>(errc::unsupported_value), r.err().reason};
        return {};
    };
    for (std::string_view a : arguments)
        if (auto r = one(a); !r) return r;
    if (single && *single)
        if (auto r = one(**single); !r) return r;
    offsets.push_back(json.size());
    const std::string_view all(json);
    for (std::size_t i = 0; i < arguments.size(); ++i)
        arguments[i] = all.substr(offsets[i], offsets[i + 1] - offsets[i]);
    if (single && *single) {
        const std::size_t i = arguments.size();
        *single = all.substr(offsets[i], offsets[i + 1] - offsets[i]);
    }
    return {};
}

result<step> parser::impl::decode(std::string_view body, std::size_t consumed) {
    arguments.clear();
    stream_ids.clear();
    headers.clear();
    msgpack::reader r(body);
    auto items = r.read_array_header();
    if (!items) return field_error(items.err(), not_array);
    if (*items == 0) return empty_array;
    auto type = r.read_int64();
    if (!type) return field_error(type.err(), bad_type);
    if (*type < INT32_MIN || *type > INT32_MAX) return bad_type;

    step s{step_kind::message, consumed, {}};
    std::uint32_t used = *items;  // items read below; the rest are skipped
    if (*type < 1 || *type > static_cast<int>(message_type::sequence)) {
        s.kind = step_kind::ignored;  // a newer protocol's message
        used = 1;
    } else {
        const auto t = static_cast<message_type>(*type);
        if (*items < min_items[*type]) return short_message;
        if (t <= message_type::cancel_invocation) {
            if (auto h = read_headers(r); !h) return h.err();
        }
        switch (t) {
        case message_type::invocation:
        case message_type::stream_invocation:
            if (auto c = read_call(r, *items, t == message_type::stream_invocation, s); !c) return c.err();
            used = std::min<std::uint32_t>(*items, 6);
            break;
        case message_type::stream_item: {
            auto id = read_required_id(r);
            if (!id) return id.err();
            auto item = r.skip(2);
            if (!item) return field_error(item.err(), short_message);
            std::optional<std::string_view> raw = *item;
            if (auto c = convert(&raw); !c) return c.err();
            s.message = stream_item_message{*id, *raw, headers};
            used = 4;
            break;
        }
        case message_type::completion: {
            auto id = read_required_id(r);
            if (!id) return id.err();
            auto kind = r.read_int64();
            if (!kind) return field_error(kind.err(), bad_kind);
            completion_message m{*id, std::nullopt, std::nullopt, headers};
            used = 4;
            if (*kind == 1 || *kind == 3) {
                if (*items < 5) return short_message;
                used = 5;
            }
            if (*kind == 1) {
                auto e = r.read_nullable_string();  // nil: no error after all, as in .NET
                if (!e) return field_error(e.err(), bad_error);
                m.error = *e;
            } else if (*kind == 3) {
                auto res = r.skip(2);
                if (!res) return field_error(res.err(), short_message);
                m.result = *res;
                if (auto c = convert(&m.result); !c) return c.err();
            } else if (*kind != 2) {
                return bad_kind;
            }
            s.message = m;
            break;
        }
        case message_type::cancel_invocation: {
            auto id = read_required_id(r);
            if (!id) return id.err();
            s.message = cancel_invocation_message{*id, headers};
            used = 3;
            break;
        }
        case message_type::ping:
            s.message = ping_message{};
            used = 1;
            break;
        case message_type::close: {
            auto e = r.read_nullable_string();
            if (!e) return field_error(e.err(), bad_error);
            close_message m{*e, false};
            used = 2;
            if (*items > 2) {
                auto b = r.read_bool();
                if (!b) return field_error(b.err(), bad_reconnect);
                m.allow_reconnect = *b;
                used = 3;
            }
            s.message = m;
            break;
        }
        case message_type::ack:
        case message_type::sequence: {
            auto id = r.read_int64();
            if (!id) return field_error(id.err(), bad_sequence_id);
            if (t == message_type::ack) s.message = ack_message{*id};
            else s.message = sequence_message{*id};
            used = 2;
            break;
        }
        }
    }
    for (std::uint32_t i = used; i < *items; ++i)
        if (auto x = r.skip(2); !x) return field_error(x.err(), short_message);
    if (!r.at_end()) return trailing;
    return s;
}

parser::parser(std::size_t max_message_size, payload_format payload) : impl_(std::make_unique<impl>()) {
    impl_->max_message_size = max_message_size;
    impl_->payload = payload;
}

parser::~parser() = default;
parser::parser(parser&&) noexcept = default;
parser& parser::operator=(parser&&) noexcept = default;

result<step> parser::next(std::string_view input) {
    impl& m = *impl_;
    auto lp = read_length_prefix(input);
    if (!lp) return lp.err();
    if (!lp->complete) return step{};
    const std::size_t total = lp->size + lp->length;
    if (m.max_message_size != 0 && total > m.max_message_size) return too_large;
    if (input.size() < total) return step{};
    if (lp->length == 0) return empty_record;
    return m.decode(input.substr(lp->size, lp->length), total);
}

}  // namespace tallyhub::signalr::msgpack_protocol
