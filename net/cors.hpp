#pragma once
// CORS (Fetch standard §3.2) for browsers whose page comes from another origin, and the Origin check
// that WebSocket upgrades need because CORS does not cover them (reference/signalr-protocol.md §8
// "CORS", trap 15).
//
// The SignalR JS client sends credentials (withCredentials defaults to true), so an allowed origin is
// always echoed exactly, with `Access-Control-Allow-Credentials: true`; a browser rejects `*` there.
// Its negotiate and POST requests carry X-Requested-With and X-SignalR-User-Agent (plus Authorization
// with an access token, Content-Type for binary sends), which makes the browser preflight them:
//   OPTIONS /hub/negotiate?negotiateVersion=1
//   Origin: https://app.example
//   Access-Control-Request-Method: POST
//   Access-Control-Request-Headers: x-requested-with,x-signalr-user-agent
// Use: is_preflight(req) -> answer with preflight_response(); otherwise route the request normally and
// add append_actual_headers() to its response.

#include <string>
#include <string_view>
#include <vector>

#include "net/http_request.hpp"
#include "net/http_response.hpp"

namespace tallyhub::http {

/// Which browser origins may call the server cross-origin.
class cors_policy {
public:
    /// `allowed_origins` holds serialized origins ("https://a.example:8443"; scheme and host in any
    /// case, a default port and one trailing '/' are dropped), or "*" for every origin, which also lets
    /// any web page act with the user's cookies. Empty: CORS disabled. Throws std::invalid_argument
    /// for an entry that is not an origin (a path, a query, no "scheme://", "null").
    explicit cors_policy(std::vector<std::string> allowed_origins);

    /// True when at least one origin (or "*") is allowed.
    bool enabled() const noexcept { return any_ || !origins_.empty(); }

    /// Whether a request's `Origin` value is allowed: scheme and host compare case-insensitively, an
    /// explicit default port (:80 for http, :443 for https) is ignored, anything else must match
    /// exactly (a trailing '/' does not). "" is never allowed.
    bool allows(std::string_view origin) const noexcept;

    /// For a request whose Origin is allowed, appends `Access-Control-Allow-Origin: <its Origin>`,
    /// `Access-Control-Allow-Credentials: true` and `Vary: Origin`; nothing otherwise. The fields
    /// view `req`'s storage and static text: use them before `req` changes.
    void append_actual_headers(const request& req, std::vector<header_field>& out) const;

    /// An OPTIONS request with `Origin` and `Access-Control-Request-Method` (a CORS preflight).
    bool is_preflight(const request& req) const noexcept;

    /// The complete response to a preflight. Allowed origin: 204 with Allow-Origin (echoed),
    /// Allow-Credentials, Allow-Methods (`allowed_methods`, e.g. "GET, POST"), Allow-Headers (the
    /// requested list, when it has only X-Requested-With, X-SignalR-User-Agent, Authorization and
    /// Content-Type in any case), `Access-Control-Max-Age: 600` and `Vary: Origin`. A different
    /// requested header: 403 text/plain "request header not allowed: <name>". Origin not allowed:
    /// 403 text/plain "origin not allowed: <origin>". The status is the number at bytes 9..11.
    std::string preflight_response(const request& req, std::string_view allowed_methods,
                                   connection_header connection = connection_header::none) const;

private:
    bool any_ = false;
    std::vector<std::string> origins_;  // lower case, without default port or trailing '/'
};

/// Whether a WebSocket upgrade may proceed: no `Origin` (not a browser) -> yes; an http or https
/// Origin naming the request's own `Host` (same host, same port, default ports filled in from the
/// Origin's scheme) -> yes; otherwise only if `policy` allows the Origin.
bool websocket_origin_allowed(const cors_policy& policy, const request& req);

}  // namespace tallyhub::http
