#include "net/cors.hpp"

#include <array>
#include <optional>
#include <stdexcept>
#include <utility>

namespace tallyhub::http {

namespace {

// Request headers the SignalR clients add to negotiate, send and poll requests.
constexpr std::array<std::string_view, 4> allowed_request_headers = {"x-requested-with", "x-signalr-user-agent",
                                                                      "authorization", "content-type"};

char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c; }

std::string_view trim_ows(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool all_digits(std::string_view s) noexcept {
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return !s.empty();
}

// `host[:port]` or `[v6]:port`; nullopt when malformed.
struct host_port {
    std::string_view host;
    std::string_view port;  // empty: none given
};

std::optional<host_port> split_authority(std::string_view a) noexcept {
    host_port out;
    if (!a.empty() && a.front() == '[') {
        auto close = a.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        out.host = a.substr(0, close + 1);
        auto rest = a.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':' || !all_digits(rest.substr(1))) return std::nullopt;
            out.port = rest.substr(1);
        }
    } else {
        auto colon = a.rfind(':');
        out.host = a.substr(0, colon);
        if (colon != std::string_view::npos) {
            out.port = a.substr(colon + 1);
            if (!all_digits(out.port)) return std::nullopt;
        }
    }
    if (out.host.empty() || out.host.find_first_of("/?#@\\ \t") != std::string_view::npos) return std::nullopt;
    // Colons and brackets belong only in a bracketed IPv6 literal.
    if (out.host.front() != '[' && out.host.find_first_of(":[]") != std::string_view::npos) return std::nullopt;
    return out;
}

// A serialized origin `scheme://host[:port]` (RFC 6454 §6.2) split into its parts.
struct origin_parts {
    std::string_view scheme;
    host_port authority;
};

std::optional<origin_parts> split_origin(std::string_view origin) noexcept {
    auto sep = origin.find("://");
    if (sep == std::string_view::npos || sep == 0) return std::nullopt;
    origin_parts out;
    out.scheme = origin.substr(0, sep);
    for (std::size_t i = 0; i < out.scheme.size(); ++i) {
        char c = lower(out.scheme[i]);
        bool ok = (c >= 'a' && c <= 'z') || (i > 0 && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'));
        if (!ok) return std::nullopt;
    }
    auto authority = split_authority(origin.substr(sep + 3));
    if (!authority) return std::nullopt;
    out.authority = *authority;
    return out;
}

// The port a scheme implies when none is written ("" for schemes without one).
std::string_view default_port(std::string_view scheme) noexcept {
    if (iequals(scheme, "http")) return "80";
    if (iequals(scheme, "https")) return "443";
    return {};
}

// The port to compare: an explicit default port counts as no port.
std::string_view significant_port(const origin_parts& o) noexcept {
    return o.authority.port == default_port(o.scheme) ? std::string_view{} : o.authority.port;
}

std::string canonical_origin(const origin_parts& o) {
    std::string out;
    for (char c : o.scheme) out.push_back(lower(c));
    out.append("://");
    for (char c : o.authority.host) out.push_back(lower(c));
    if (auto port = significant_port(o); !port.empty()) out.append(":").append(port);
    return out;
}

// iequals(canonical, scheme "://" host [":" port]) without building the right-hand side.
bool same_origin_text(std::string_view canonical, const origin_parts& o) noexcept {
    auto port = significant_port(o);
    std::size_t size = o.scheme.size() + 3 + o.authority.host.size() + (port.empty() ? 0 : port.size() + 1);
    if (canonical.size() != size) return false;
    auto take = [&](std::size_t n) {
        auto piece = canonical.substr(0, n);
        canonical.remove_prefix(n);
        return piece;
    };
    if (!iequals(take(o.scheme.size()), o.scheme) || take(3) != "://") return false;
    if (!iequals(take(o.authority.host.size()), o.authority.host)) return false;
    return port.empty() || (take(1) == ":" && canonical == port);
}

bool request_header_allowed(std::string_view name) noexcept {
    for (auto allowed : allowed_request_headers)
        if (iequals(name, allowed)) return true;
    return false;
}

// The first name in a comma-separated Access-Control-Request-Headers list that is not allowed.
std::optional<std::string_view> first_disallowed_header(std::string_view list) noexcept {
    while (!list.empty()) {
        auto comma = list.find(',');
        auto name = trim_ows(list.substr(0, comma));
        list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
        if (!name.empty() && !request_header_allowed(name)) return name;
    }
    return std::nullopt;
}

}  // namespace

cors_policy::cors_policy(std::vector<std::string> allowed_origins) {
    for (std::string& entry : allowed_origins) {
        if (entry == "*") {
            any_ = true;
            continue;
        }
        std::string_view text = entry;
        if (!text.empty() && text.back() == '/') text.remove_suffix(1);
        auto parts = split_origin(text);
        if (!parts) {
            throw std::invalid_argument("CORS origin '" + entry +
                                        "' is not an origin: write scheme://host[:port], e.g. https://app.example");
        }
        origins_.push_back(canonical_origin(*parts));
    }
}

bool cors_policy::allows(std::string_view origin) const noexcept {
    if (origin.empty()) return false;
    if (any_) return true;
    auto parts = split_origin(origin);
    if (!parts) return false;
    for (const std::string& allowed : origins_)
        if (same_origin_text(allowed, *parts)) return true;
    return false;
}

void cors_policy::append_actual_headers(const request& req, std::vector<header_field>& out) const {
    auto origin = req.header("Origin");
    if (!origin || !allows(*origin)) return;
    out.push_back({"Access-Control-Allow-Origin", *origin});
    out.push_back({"Access-Control-Allow-Credentials", "true"});
    out.push_back({"Vary", "Origin"});
}

bool cors_policy::is_preflight(const request& req) const noexcept {
    return req.method == method::options && req.header("Origin") && req.header("Access-Control-Request-Method");
}

std::string cors_policy::preflight_response(const request& req, std::string_view allowed_methods,
                                            connection_header connection) const {
    static constexpr header_field vary{"Vary", "Origin"};
    std::string_view origin = req.header("Origin").value_or(std::string_view{});
    if (!allows(origin)) {
        std::string reason = "origin not allowed: ";
        reason.append(origin);
        return error_response(403, reason, connection, {&vary, 1});
    }
    std::string_view requested = trim_ows(req.header("Access-Control-Request-Headers").value_or(std::string_view{}));
    if (auto bad = first_disallowed_header(requested)) {
        std::string reason = "request header not allowed: ";
        reason.append(*bad);
        return error_response(403, reason, connection, {&vary, 1});
    }
    header_field fields[6];
    std::size_t n = 0;
    fields[n++] = {"Access-Control-Allow-Origin", origin};
    fields[n++] = {"Access-Control-Allow-Credentials", "true"};
    fields[n++] = {"Access-Control-Allow-Methods", allowed_methods};
    if (!requested.empty()) fields[n++] = {"Access-Control-Allow-Headers", requested};
    fields[n++] = {"Access-Control-Max-Age", "600"};
    fields[n++] = vary;
    response_head head;
    head.status = 204;
    head.headers = std::span<const header_field>(fields, n);
    head.connection = connection;
    return make_response(head, {});
}

bool websocket_origin_allowed(const cors_policy& policy, const request& req) {
    auto origin = req.header("Origin");
    if (!origin) return true;
    auto parts = split_origin(*origin);
    auto host = req.header("Host");
    if (parts && host && (iequals(parts->scheme, "http") || iequals(parts->scheme, "https"))) {
        if (auto own = split_authority(trim_ows(*host))) {
            auto port_of = [&](std::string_view p) { return p.empty() ? default_port(parts->scheme) : p; };
            if (iequals(own->host, parts->authority.host) && port_of(own->port) == port_of(parts->authority.port))
                return true;
        }
    }
    return policy.allows(*origin);
}

}  // namespace tallyhub::http
