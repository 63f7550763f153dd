#include "signalr/json_protocol.hpp"

#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>

#include "signalr/json_value.hpp"

namespace tallyhub::signalr::json_protocol {

namespace od = simdjson::ondemand;

static_assert(padding == simdjson::SIMDJSON_PADDING);

namespace {

constexpr error make_error(errc c, std::string_view reason) { return error{static_cast<int>(c), reason}; }

// Reasons, worded like the InvalidDataException messages of ASP.NET Core's JsonHubProtocol. They are for
// logs: the peer is sent a generic Close error, as .NET does without detailed errors.
constexpr error bad_json = make_error(errc::malformed_json, "Error reading JSON.");
constexpr error not_object = make_error(errc::malformed_json, "Unexpected JSON Token Type. Expected a JSON Object.");
constexpr error too_large = make_error(errc::message_too_large, "The maximum message size was exceeded.");
constexpr error no_type = make_error(errc::missing_property, "Missing required property 'type'.");
constexpr error no_target = make_error(errc::missing_property, "Missing required property 'target'.");
constexpr error no_arguments = make_error(errc::missing_property, "Missing required property 'arguments'.");
constexpr error no_id = make_error(errc::missing_property, "Missing required property 'invocationId'.");
constexpr error no_item = make_error(errc::missing_property, "Missing required property 'item'.");
constexpr error no_sequence_id = make_error(errc::missing_property, "Missing required property 'sequenceId'.");
constexpr error bad_type = make_error(errc::wrong_type, "Expected 'type' to be of type Number.");
constexpr error bad_id = make_error(errc::wrong_type, "Expected 'invocationId' to be of type String.");
constexpr error bad_target = make_error(errc::wrong_type, "Expected 'target' to be of type String.");
constexpr error bad_error = make_error(errc::wrong_type, "Expected 'error' to be of type String.");
constexpr error bad_reconnect = make_error(errc::wrong_type, "Expected 'allowReconnect' to be true or false.");
constexpr error bad_arguments = make_error(errc::wrong_type, "Expected 'arguments' to be of type Array.");
constexpr error bad_stream_ids = make_error(errc::wrong_type, "Expected 'streamIds' to be of type Array.");
constexpr error null_stream_id = make_error(errc::wrong_type, "Null value for 'streamIds' is not valid.");
constexpr error bad_stream_id = make_error(errc::wrong_type, "Expected 'streamIds' to contain strings.");
constexpr error bad_headers = make_error(errc::wrong_type, "Expected 'headers' to be of type StartObject.");
constexpr error bad_header = make_error(errc::wrong_type, "Expected header values to be of type String.");
constexpr error bad_sequence_id = make_error(errc::wrong_type, "Expected 'sequenceId' to be of type Number.");
constexpr error both_results =
    make_error(errc::conflicting_properties, "The 'error' and 'result' properties are mutually exclusive.");

// Every property the record had, before the type decides which are required.
struct fields {
    std::optional<std::int64_t> type;
    std::string_view invocation_id;  // null and "" both mean "none", as in .NET
    std::string_view target;
    std::optional<std::string_view> error_text;
    std::optional<std::string_view> result;
    std::optional<std::string_view> item;
    std::optional<std::int64_t> sequence_id;
    bool has_arguments = false;
    bool allow_reconnect = false;
};

// A string, or null (`out` untouched). Anything else is `wrong`.
result<void> read_nullable_string(od::value& v, std::string_view& out, bool& was_null, const error& wrong) {
    od::json_type t;
    if (v.type().get(t)) return bad_json;
    was_null = t == od::json_type::null;
    if (was_null) return json_value::validate(v, 1) ? result<void>{} : result<void>{bad_json};
    if (t != od::json_type::string) return wrong;
    if (v.get_string().get(out)) return bad_json;
    return {};
}

// An integer (or null, leaving `out` empty) within [lo, hi].
result<void> read_integer(od::value& v, std::optional<std::int64_t>& out, std::int64_t lo, std::int64_t hi,
                          const error& wrong) {
    od::json_type t;
    if (v.type().get(t)) return bad_json;
    if (t == od::json_type::null) {
        out.reset();
        return json_value::validate(v, 1) ? result<void>{} : result<void>{bad_json};
    }
    std::int64_t n = 0;
    if (t != od::json_type::number || v.get_int64().get(n) || n < lo || n > hi) return wrong;
    out = n;
    return {};
}

}  // namespace

struct parser::impl {
    od::parser json;
    std::size_t max_message_size;
    std::string scratch;  // padded copy of a record that has too few bytes after it
    std::vector<std::string_view> arguments;
    std::vector<std::string_view> stream_ids;
    std::vector<header> headers;

    result<void> read_field(od::document& doc, std::string_view key, od::value& v, fields& f);
    result<step> decode(od::document& doc, std::size_t consumed);
};

result<void> parser::impl::read_field(od::document& doc, std::string_view key, od::value& v, fields& f) {
    bool was_null = false;
    if (key == "type") {
        od::json_type t;
        if (v.type().get(t) || t == od::json_type::null) return bad_type;
        return read_integer(v, f.type, INT32_MIN, INT32_MAX, bad_type);
    }
    if (key == "invocationId") {
        f.invocation_id = {};
        return read_nullable_string(v, f.invocation_id, was_null, bad_id);
    }
    if (key == "target") {
        od::json_type t;
        if (v.type().get(t) || t != od::json_type::string) return bad_target;
        return v.get_string().get(f.target) ? result<void>{bad_json} : result<void>{};
    }
    if (key == "error") {
        std::string_view s;
        auto r = read_nullable_string(v, s, was_null, bad_error);
        if (r.ok()) f.error_text = was_null ? std::nullopt : std::optional<std::string_view>(s);
        return r;
    }
    if (key == "allowReconnect") {
        od::json_type t;
        if (v.type().get(t) || t != od::json_type::boolean) return bad_reconnect;
        return v.get_bool().get(f.allow_reconnect) ? result<void>{bad_json} : result<void>{};
    }
    if (key == "result" || key == "item") {
        std::string_view raw;
        if (!json_value::take_raw(doc, v, raw, 2)) return bad_json;
        (key == "result" ? f.result : f.item) = raw;
        return {};
    }
    if (key == "arguments") {
        od::array a;
        if (v.get_array().get(a)) return bad_arguments;
        arguments.clear();
        for (auto element : a) {
            od::value ev;
            std::string_view raw;
            if (element.get(ev) || !json_value::take_raw(doc, ev, raw, 3)) return bad_json;
            arguments.push_back(raw);
        }
        f.has_arguments = true;
        return {};
    }
    if (key == "streamIds") {
        od::array a;
        if (v.get_array().get(a)) return bad_stream_ids;
        stream_ids.clear();
        for (auto element : a) {
            od::value ev;
            std::string_view id;
            if (element.get(ev)) return bad_json;
            if (auto r = read_nullable_string(ev, id, was_null, bad_stream_id); !r) return r;
            if (was_null) return null_stream_id;
            stream_ids.push_back(id);
        }
        return {};
    }
    if (key == "headers") {
        od::object o;
        if (v.get_object().get(o)) return bad_headers;
        headers.clear();
        for (auto entry : o) {
            od::field fld;
            header h;
            if (std::move(entry).get(fld) || fld.unescaped_key().get(h.name)) return bad_json;
            if (auto r = read_nullable_string(fld.value(), h.value, was_null, bad_header); !r) return r;
            if (was_null) return bad_header;
            // A repeated name replaces the earlier value, as a .NET dictionary would.
            auto same = std::find_if(headers.begin(), headers.end(),
                                     [&](const header& x) { return x.name == h.name; });
            if (same != headers.end()) same->value = h.value;
            else headers.push_back(h);
        }
        return {};
    }
    if (key == "sequenceId") return read_integer(v, f.sequence_id, INT64_MIN, INT64_MAX, bad_sequence_id);
    return json_value::validate(v, 2) ? result<void>{} : result<void>{bad_json};  // unknown: skipped
}

result<step> parser::impl::decode(od::document& doc, std::size_t consumed) {
    od::object root;
    if (doc.get_object().get(root)) return not_object;
    fields f;
    stream_ids.clear();
    headers.clear();
    for (auto entry : root) {
        od::field fld;
        std::string_view key;
        if (std::move(entry).get(fld) || fld.unescaped_key().get(key)) return bad_json;
        if (auto r = read_field(doc, key, fld.value(), f); !r) return r.err();
    }
    if (!json_value::at_end(doc)) return bad_json;
    if (!f.type) return no_type;

    step s{step_kind::message, consumed, {}};
    if (*f.type < 1 || *f.type > static_cast<int>(message_type::sequence)) {
        s.kind = step_kind::ignored;  // a newer protocol's message
        return s;
    }
    const std::span<const header> hs(headers);
    switch (static_cast<message_type>(*f.type)) {
    case message_type::invocation:
        if (f.target.empty()) return no_target;
        if (!f.has_arguments) return no_arguments;
        s.message = invocation_message{f.invocation_id, f.target, arguments, stream_ids, hs};
        break;
    case message_type::stream_invocation:
        if (f.target.empty()) return no_target;
        if (f.invocation_id.empty()) return no_id;
        if (!f.has_arguments) return no_arguments;
        s.message = stream_invocation_message{f.invocation_id, f.target, arguments, stream_ids, hs};
        break;
    case message_type::stream_item:
        if (f.invocation_id.empty()) return no_id;
        if (!f.item) return no_item;
        s.message = stream_item_message{f.invocation_id, *f.item, hs};
        break;
    case message_type::completion:
        if (f.invocation_id.empty()) return no_id;
        if (f.error_text && f.result) return both_results;
        s.message = completion_message{f.invocation_id, f.error_text, f.result, hs};
        break;
    case message_type::cancel_invocation:
        if (f.invocation_id.empty()) return no_id;
        s.message = cancel_invocation_message{f.invocation_id, hs};
        break;
    case message_type::ping: s.message = ping_message{}; break;
    case message_type::close: s.message = close_message{f.error_text, f.allow_reconnect}; break;
    case message_type::ack:
        if (!f.sequence_id) return no_sequence_id;
        s.message = ack_message{*f.sequence_id};
        break;
    case message_type::sequence:
        if (!f.sequence_id) return no_sequence_id;
        s.message = sequence_message{*f.sequence_id};
        break;
    }
    return s;
}

parser::parser(std::size_t max_message_size) : impl_(std::make_unique<impl>()) {
    impl_->max_message_size = max_message_size;
}

parser::~parser() = default;
parser::parser(parser&&) noexcept = default;
parser& parser::operator=(parser&&) noexcept = default;

result<step> parser::next(std::string_view input, std::size_t slack) {
    impl& m = *impl_;
    const std::size_t max = m.max_message_size;
    // A record fits when it and its separator lie within the first max bytes (.NET slices the same way).
    const std::size_t window = max == 0 ? input.size() : std::min(input.size(), max);
    const void* sep = window == 0 ? nullptr : std::memchr(input.data(), record_separator, window);
    if (sep == nullptr) {
        if (max != 0 && input.size() > max) return too_large;
        return step{};
    }
    const auto len = static_cast<std::size_t>(static_cast<const char*>(sep) - input.data());
    const char* text = input.data();
    std::size_t readable = input.size() + slack;
    if (readable - len < padding) {
        m.scratch.resize(len + padding);
        std::memcpy(m.scratch.data(), input.data(), len);
        text = m.scratch.data();
        readable = m.scratch.size();
    }
    od::document doc;
    if (m.json.iterate(text, len, readable).get(doc)) return bad_json;
    return m.decode(doc, len + 1);
}

}  // namespace tallyhub::signalr::json_protocol
