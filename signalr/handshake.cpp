#include "signalr/handshake.hpp"

#include <algorithm>
#include <cstring>
#include <optional>
#include <utility>

#include "signalr/json_protocol.hpp"
#include "signalr/json_value.hpp"
#include "signalr/json_writer.hpp"

namespace tallyhub::signalr {

namespace od = simdjson::ondemand;

namespace {

constexpr error malformed{static_cast<int>(handshake_errc::malformed), handshake_malformed_error};
constexpr error too_large{static_cast<int>(handshake_errc::too_large), handshake_canceled_error};

// Protocol names are matched like .NET's StringComparer.OrdinalIgnoreCase (the names are ASCII).
bool same_name(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
               return lower(x) == lower(y);
           });
}

// Like System.Text.Json's ReadAsString/ReadAsInt32 in HandshakeProtocol: null clears the property,
// a value of another type is an error.
bool read_protocol(od::value& v, std::optional<std::string_view>& out) {
    od::json_type t;
    if (v.type().get(t)) return false;
    if (t == od::json_type::null) {
        out.reset();
        return json_value::validate(v, 2);
    }
    std::string_view s;
    if (t != od::json_type::string || v.get_string().get(s)) return false;
    out = s;
    return true;
}

// `present` says whether a (non-null) version was read. Not std::optional<int>: g++ 12 -O3 reports a
// false "may be used uninitialized" on it.
bool read_version(od::value& v, int& out, bool& present) {
    od::json_type t;
    if (v.type().get(t)) return false;
    if (t == od::json_type::null) {
        present = false;
        return json_value::validate(v, 2);
    }
    std::int64_t n = 0;
    if (t != od::json_type::number || v.get_int64().get(n) || n < INT32_MIN || n > INT32_MAX) return false;
    out = static_cast<int>(n);
    present = true;
    return true;
}

}  // namespace

result<handshake_step> parse_handshake_request(std::string_view input, std::size_t max_size) {
    const std::size_t window = max_size == 0 ? input.size() : std::min(input.size(), max_size);
    const void* sep = window == 0 ? nullptr : std::memchr(input.data(), json_protocol::record_separator, window);
    if (sep == nullptr) {
        if (max_size != 0 && input.size() > max_size) return too_large;
        return handshake_step{};
    }
    const auto len = static_cast<std::size_t>(static_cast<const char*>(sep) - input.data());

    // Once per connection, so always parse from a padded copy; both stay warm per thread.
    thread_local od::parser json;
    thread_local std::string padded;
    padded.assign(input.data(), len);
    padded.resize(len + simdjson::SIMDJSON_PADDING);
    od::document doc;
    od::object root;
    if (json.iterate(padded.data(), len, padded.size()).get(doc) || doc.get_object().get(root)) return malformed;

    std::optional<std::string_view> protocol;
    int version = 0;
    bool has_version = false;
    for (auto entry : root) {
        od::field f;
        std::string_view key;
        if (std::move(entry).get(f) || f.unescaped_key().get(key)) return malformed;
        const bool ok = key == "protocol"  ? read_protocol(f.value(), protocol)
                        : key == "version" ? read_version(f.value(), version, has_version)
                                           : json_value::validate(f.value(), 2);
        if (!ok) return malformed;
    }
    if (!json_value::at_end(doc) || !protocol || !has_version) return malformed;
    handshake_step step;
    step.complete = true;
    step.consumed = len + 1;
    step.request.protocol = std::string(*protocol);
    step.request.version = version;
    return step;
}

handshake_verdict check_handshake(const handshake_request& request, const handshake_options& options) {
    handshake_verdict v;
    v.version = request.version;
    if (options.json && same_name(request.protocol, "json")) {
        v.protocol = hub_protocol::json;
    } else if (options.messagepack && same_name(request.protocol, "messagepack")) {
        v.protocol = hub_protocol::messagepack;
    } else {
        v.error = "The protocol '" + request.protocol + "' is not supported.";
        return v;
    }
    if (request.version > options.max_version) {
        v.error = "The server does not support version " + std::to_string(request.version) + " of the '" +
                  request.protocol + "' protocol.";
        return v;
    }
    if (v.protocol == hub_protocol::messagepack && !options.binary_transport) {
        v.error = "Cannot use the 'messagepack' protocol on the current transport. "
                  "The transport does not support 'Binary' transfer format.";
    }
    return v;
}

void write_handshake_response(std::string& out, std::string_view error) {
    json_writer w(out);
    w.begin_object();
    if (!error.empty()) w.key("error").string_value(error);
    w.end_object();
    out.push_back(json_protocol::record_separator);
}

}  // namespace tallyhub::signalr
