// CORS for the SignalR JS client on another origin: preflights as browsers send them (parsed from raw
// bytes by the server's own parser), exact-origin + credentials answers, the refusals, and the Origin
// check on WebSocket upgrades that CORS does not cover.

#include "net/cors.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "net/http_parser.hpp"

namespace tallyhub::http {
namespace {

// A preflight shaped like Chromium's for `new HubConnectionBuilder().withUrl("http://localhost:5000/hubs/metrics")`
// on a page served from http://localhost:8080: the JS client's negotiate POST carries X-Requested-With
// and X-SignalR-User-Agent, which Chromium lists lower-cased, sorted, comma-separated.
constexpr std::string_view chrome_preflight =
    "OPTIONS /hubs/metrics/negotiate?negotiateVersion=1 HTTP/1.1\r\n"
    "Host: localhost:5000\r\n"
    "Connection: keep-alive\r\n"
    "Accept: */*\r\n"
    "Access-Control-Request-Method: POST\r\n"
    "Access-Control-Request-Headers: x-requested-with,x-signalr-user-agent\r\n"
    "Origin: http://localhost:8080\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 "
    "Safari/537.36\r\n"
    "Sec-Fetch-Mode: cors\r\n"
    "Sec-Fetch-Site: same-site\r\n"
    "Sec-Fetch-Dest: empty\r\n"
    "Referer: http://localhost:8080/\r\n"
    "Accept-Encoding: gzip, deflate, br, zstd\r\n"
    "Accept-Language: en-US,en;q=0.9\r\n"
    "\r\n";

// Firefox's shape, with an accessTokenFactory (so Authorization is requested too) and a TLS origin.
constexpr std::string_view firefox_preflight_with_token =
    "OPTIONS /hubs/metrics/negotiate?negotiateVersion=1 HTTP/1.1\r\n"
    "Host: api.example.com\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0\r\n"
    "Accept: */*\r\n"
    "Accept-Language: en-US,en;q=0.5\r\n"
    "Accept-Encoding: gzip, deflate, br, zstd\r\n"
    "Access-Control-Request-Method: POST\r\n"
    "Access-Control-Request-Headers: authorization,x-requested-with,x-signalr-user-agent\r\n"
    "Referer: https://app.example.com/\r\n"
    "Origin: https://app.example.com\r\n"
    "Connection: keep-alive\r\n"
    "Sec-Fetch-Dest: empty\r\n"
    "Sec-Fetch-Mode: cors\r\n"
    "Sec-Fetch-Site: same-site\r\n"
    "\r\n";

// The negotiate POST that follows the preflight.
constexpr std::string_view chrome_negotiate =
    "POST /hubs/metrics/negotiate?negotiateVersion=1 HTTP/1.1\r\n"
    "Host: localhost:5000\r\n"
    "Connection: keep-alive\r\n"
    "Content-Length: 0\r\n"
    "X-Requested-With: XMLHttpRequest\r\n"
    "X-SignalR-User-Agent: Microsoft SignalR/10.0 (10.0.11; Unknown OS; Browser; Unknown Runtime Version)\r\n"
    "Accept: */*\r\n"
    "Origin: http://localhost:8080\r\n"
    "Sec-Fetch-Site: same-site\r\n"
    "Sec-Fetch-Mode: cors\r\n"
    "Sec-Fetch-Dest: empty\r\n"
    "Referer: http://localhost:8080/\r\n"
    "\r\n";

// The WebSocket connect that follows negotiate (browsers cannot send Authorization here).
constexpr std::string_view chrome_ws_upgrade =
    "GET /hubs/metrics?id=05265228-1e2c-46c5 HTTP/1.1\r\n"
    "Host: localhost:5000\r\n"
    "Connection: Upgrade\r\n"
    "Pragma: no-cache\r\n"
    "Cache-Control: no-cache\r\n"
    "Upgrade: websocket\r\n"
    "Origin: http://localhost:8080\r\n"
    "Sec-WebSocket-Version: 13\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
    "\r\n";

request parse(std::string_view bytes) {
    request_parser p;
    parse_step s = p.parse(bytes);
    EXPECT_EQ(s.state, parse_state::complete) << bytes;
    EXPECT_EQ(s.consumed, bytes.size());
    return p.take();
}

// The request with its `name` header replaced (or removed when `value` is empty).
request with_header(const request& base, std::string_view name, std::string_view value) {
    request r = base;
    r.headers.clear();
    for (std::size_t i = 0; i < base.headers.size(); ++i)
        if (!iequals(base.headers[i].name, name)) r.headers.add(base.headers[i].name, base.headers[i].value);
    if (!value.empty()) r.headers.add(name, value);
    return r;
}

// Responses carry the current Date; pin it so they compare byte for byte.
std::string pin_date(std::string response) {
    auto at = response.find("\r\nDate: ");
    if (at != std::string::npos) response.replace(at + 8, 29, "Sun, 06 Nov 1994 08:49:37 GMT");
    return response;
}

const cors_policy localhost_8080({"http://localhost:8080"});

TEST(CorsPolicy, ChromePreflightForNegotiateIsAllowed) {
    request req = parse(chrome_preflight);
    ASSERT_TRUE(localhost_8080.is_preflight(req));
    EXPECT_EQ(pin_date(localhost_8080.preflight_response(req, "GET, POST")),
              "HTTP/1.1 204 No Content\r\n"
              "Server: tallyhub\r\n"
              "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
              "Access-Control-Allow-Origin: http://localhost:8080\r\n"
              "Access-Control-Allow-Credentials: true\r\n"
              "Access-Control-Allow-Methods: GET, POST\r\n"
              "Access-Control-Allow-Headers: x-requested-with,x-signalr-user-agent\r\n"
              "Access-Control-Max-Age: 600\r\n"
              "Vary: Origin\r\n"
              "\r\n");
}

TEST(CorsPolicy, FirefoxPreflightWithAuthorizationIsAllowed) {
    cors_policy policy({"https://app.example.com"});
    request req = parse(firefox_preflight_with_token);
    ASSERT_TRUE(policy.is_preflight(req));
    std::string resp = pin_date(policy.preflight_response(req, "GET, POST, DELETE", connection_header::close));
    EXPECT_EQ(resp,
              "HTTP/1.1 204 No Content\r\n"
              "Server: tallyhub\r\n"
              "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
              "Connection: close\r\n"
              "Access-Control-Allow-Origin: https://app.example.com\r\n"
              "Access-Control-Allow-Credentials: true\r\n"
              "Access-Control-Allow-Methods: GET, POST, DELETE\r\n"
              "Access-Control-Allow-Headers: authorization,x-requested-with,x-signalr-user-agent\r\n"
              "Access-Control-Max-Age: 600\r\n"
              "Vary: Origin\r\n"
              "\r\n");
}

TEST(CorsPolicy, PreflightFromAnotherOriginIsRefusedWithTheReason) {
    request req = with_header(parse(chrome_preflight), "Origin", "https://evil.example");
    ASSERT_TRUE(localhost_8080.is_preflight(req));
    EXPECT_EQ(pin_date(localhost_8080.preflight_response(req, "GET, POST")),
              "HTTP/1.1 403 Forbidden\r\n"
              "Server: tallyhub\r\n"
              "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
              "Content-Type: text/plain; charset=utf-8\r\n"
              "Vary: Origin\r\n"
              "Content-Length: 41\r\n"
              "\r\n"
              "origin not allowed: https://evil.example\n");
}

TEST(CorsPolicy, PreflightAskingForAnotherHeaderIsRefusedNamingIt) {
    request req = with_header(parse(chrome_preflight), "Access-Control-Request-Headers",
                              "x-requested-with, X-Custom-Thing ,x-signalr-user-agent");
    std::string resp = pin_date(localhost_8080.preflight_response(req, "GET, POST"));
    EXPECT_EQ(resp.substr(0, 24), "HTTP/1.1 403 Forbidden\r\n");
    EXPECT_NE(resp.find("\r\n\r\nrequest header not allowed: X-Custom-Thing\n"), std::string::npos) << resp;
    EXPECT_EQ(resp.find("Access-Control-Allow-Origin"), std::string::npos) << resp;
}

TEST(CorsPolicy, AllowedHeadersMatchCaseInsensitivelyAndContentTypeIsAllowed) {
    // A binary (MessagePack) send over long polling has Content-Type: application/octet-stream.
    request req = with_header(parse(chrome_preflight), "Access-Control-Request-Headers",
                              "Content-Type, X-Requested-With, X-SIGNALR-USER-AGENT, Authorization");
    std::string resp = localhost_8080.preflight_response(req, "GET, POST, DELETE");
    EXPECT_EQ(resp.substr(0, 25), "HTTP/1.1 204 No Content\r\n");
    EXPECT_NE(resp.find("\r\nAccess-Control-Allow-Headers: Content-Type, X-Requested-With, X-SIGNALR-USER-AGENT, "
                        "Authorization\r\n"),
              std::string::npos)
        << resp;
}

TEST(CorsPolicy, PreflightWithoutRequestedHeadersHasNoAllowHeaders) {
    request req = with_header(parse(chrome_preflight), "Access-Control-Request-Headers", "");
    std::string resp = localhost_8080.preflight_response(req, "GET, POST");
    EXPECT_EQ(resp.substr(0, 25), "HTTP/1.1 204 No Content\r\n");
    EXPECT_EQ(resp.find("Access-Control-Allow-Headers"), std::string::npos) << resp;
}

TEST(CorsPolicy, RecognisesPreflights) {
    request pre = parse(chrome_preflight);
    EXPECT_TRUE(localhost_8080.is_preflight(pre));
    EXPECT_FALSE(localhost_8080.is_preflight(with_header(pre, "Access-Control-Request-Method", "")));
    EXPECT_FALSE(localhost_8080.is_preflight(with_header(pre, "Origin", "")));
    EXPECT_FALSE(localhost_8080.is_preflight(parse(chrome_negotiate)));
    // A plain OPTIONS (curl -X OPTIONS) is not a preflight.
    EXPECT_FALSE(localhost_8080.is_preflight(parse("OPTIONS /hub HTTP/1.1\r\nHost: x\r\n\r\n")));
}

TEST(CorsPolicy, ActualResponseEchoesTheExactOriginWithCredentials) {
    request req = parse(chrome_negotiate);
    std::vector<header_field> fields;
    localhost_8080.append_actual_headers(req, fields);
    ASSERT_EQ(fields.size(), 3u);
    EXPECT_EQ(fields[0].name, "Access-Control-Allow-Origin");
    EXPECT_EQ(fields[0].value, "http://localhost:8080");
    EXPECT_EQ(fields[1].name, "Access-Control-Allow-Credentials");
    EXPECT_EQ(fields[1].value, "true");
    EXPECT_EQ(fields[2].name, "Vary");
    EXPECT_EQ(fields[2].value, "Origin");

    // The fields go straight into a response.
    response_head head;
    head.date = "Sun, 06 Nov 1994 08:49:37 GMT";
    head.headers = fields;
    EXPECT_EQ(make_response(head, "{}"),
              "HTTP/1.1 200 OK\r\nServer: tallyhub\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
              "Access-Control-Allow-Origin: http://localhost:8080\r\nAccess-Control-Allow-Credentials: true\r\n"
              "Vary: Origin\r\nContent-Length: 2\r\n\r\n{}");
}

TEST(CorsPolicy, WildcardStillEchoesTheOriginNeverStar) {
    cors_policy any({"*"});
    EXPECT_TRUE(any.enabled());
    request req = with_header(parse(chrome_negotiate), "Origin", "https://whoever.example:3000");
    std::vector<header_field> fields;
    any.append_actual_headers(req, fields);
    ASSERT_EQ(fields.size(), 3u);
    EXPECT_EQ(fields[0].value, "https://whoever.example:3000");
    std::string resp = any.preflight_response(with_header(parse(chrome_preflight), "Origin", "http://x.test"), "POST");
    EXPECT_NE(resp.find("\r\nAccess-Control-Allow-Origin: http://x.test\r\n"), std::string::npos) << resp;
    EXPECT_EQ(resp.find("Access-Control-Allow-Origin: *"), std::string::npos);
}

TEST(CorsPolicy, NothingForSameOriginOrDisallowedRequests) {
    std::vector<header_field> fields;
    localhost_8080.append_actual_headers(with_header(parse(chrome_negotiate), "Origin", ""), fields);
    localhost_8080.append_actual_headers(with_header(parse(chrome_negotiate), "Origin", "http://localhost:8081"),
                                         fields);
    EXPECT_TRUE(fields.empty());
}

TEST(CorsPolicy, OriginComparison) {
    cors_policy p({"https://A.Example:8443", "http://localhost:8080/", "https://b.example:443", "http://[::1]:3000"});
    EXPECT_TRUE(p.enabled());
    EXPECT_TRUE(p.allows("https://a.example:8443"));
    EXPECT_TRUE(p.allows("HTTPS://A.EXAMPLE:8443"));
    EXPECT_FALSE(p.allows("https://a.example"));       // different port
    EXPECT_FALSE(p.allows("http://a.example:8443"));   // different scheme
    EXPECT_FALSE(p.allows("https://a.example:8443/")); // browsers never send a trailing '/'
    EXPECT_FALSE(p.allows("https://x.a.example:8443"));
    EXPECT_FALSE(p.allows("https://a.example:84431"));
    EXPECT_FALSE(p.allows("https://a.example:8443.evil.test"));
    EXPECT_TRUE(p.allows("http://localhost:8080"));     // configured with a trailing '/'
    EXPECT_TRUE(p.allows("https://b.example"));         // the default port is implied either way
    EXPECT_TRUE(p.allows("https://b.example:443"));
    EXPECT_TRUE(p.allows("http://[::1]:3000"));
    EXPECT_FALSE(p.allows("http://[::1]:3001"));
    EXPECT_FALSE(p.allows(""));
    EXPECT_FALSE(p.allows("null"));
    EXPECT_FALSE(p.allows("localhost:8080"));
}

TEST(CorsPolicy, EmptyPolicyIsDisabledAndRefusesPreflights) {
    cors_policy none({});
    EXPECT_FALSE(none.enabled());
    EXPECT_FALSE(none.allows("http://localhost:8080"));
    std::string resp = none.preflight_response(parse(chrome_preflight), "GET, POST");
    EXPECT_EQ(resp.substr(0, 24), "HTTP/1.1 403 Forbidden\r\n");
    EXPECT_NE(resp.find("origin not allowed: http://localhost:8080\n"), std::string::npos);
}

TEST(CorsPolicy, MalformedConfiguredOriginsAreRejectedAtStartup) {
    for (const char* bad : {"localhost:8080", "https://a.example/hub", "https://a.example?x=1", "null", "",
                            "https://", "https://user@a.example", "https://a.example:80x", "://a.example"}) {
        EXPECT_THROW(cors_policy({bad}), std::invalid_argument) << bad;
    }
    EXPECT_NO_THROW(cors_policy({"capacitor://localhost", "tauri://localhost"}));  // hybrid-app origins
}

// --- WebSocket upgrades -------------------------------------------------------------------------------

TEST(WebSocketOrigin, CrossOriginUpgradeNeedsThePolicy) {
    request req = parse(chrome_ws_upgrade);
    EXPECT_TRUE(websocket_origin_allowed(localhost_8080, req));
    EXPECT_FALSE(websocket_origin_allowed(cors_policy({}), req));
    EXPECT_FALSE(websocket_origin_allowed(cors_policy({"http://localhost:9090"}), req));
    EXPECT_TRUE(websocket_origin_allowed(cors_policy({"*"}), req));
}

TEST(WebSocketOrigin, ClientsWithoutOriginAreAllowed) {
    // The Node and .NET clients send no Origin.
    request req = with_header(parse(chrome_ws_upgrade), "Origin", "");
    EXPECT_TRUE(websocket_origin_allowed(cors_policy({}), req));
}

TEST(WebSocketOrigin, SameOriginPagesAreAllowedWithoutAPolicy) {
    const cors_policy none({});
    request base = parse(chrome_ws_upgrade);  // Host: localhost:5000
    EXPECT_TRUE(websocket_origin_allowed(none, with_header(base, "Origin", "http://localhost:5000")));
    EXPECT_TRUE(websocket_origin_allowed(none, with_header(base, "Origin", "HTTP://LOCALHOST:5000")));
    EXPECT_TRUE(websocket_origin_allowed(none, with_header(base, "Origin", "https://localhost:5000")));
    EXPECT_FALSE(websocket_origin_allowed(none, with_header(base, "Origin", "http://localhost")));
    EXPECT_FALSE(websocket_origin_allowed(none, with_header(base, "Origin", "http://localhost:50001")));
    EXPECT_FALSE(websocket_origin_allowed(none, with_header(base, "Origin", "http://localhost:5000.evil.test")));
    EXPECT_FALSE(websocket_origin_allowed(none, with_header(base, "Origin", "null")));
    EXPECT_FALSE(websocket_origin_allowed(none, with_header(base, "Origin", "ftp://localhost:5000")));

    // Default ports: Host without a port means the Origin scheme's default.
    request https = with_header(base, "Host", "metrics.example.com");
    EXPECT_TRUE(websocket_origin_allowed(none, with_header(https, "Origin", "https://metrics.example.com")));
    EXPECT_TRUE(websocket_origin_allowed(none, with_header(https, "Origin", "https://metrics.example.com:443")));
    EXPECT_FALSE(websocket_origin_allowed(none, with_header(https, "Origin", "https://metrics.example.com:8443")));
    request port80 = with_header(base, "Host", "metrics.example.com:80");
    EXPECT_TRUE(websocket_origin_allowed(none, with_header(port80, "Origin", "http://metrics.example.com")));
    EXPECT_FALSE(websocket_origin_allowed(none, with_header(port80, "Origin", "https://metrics.example.com")));
    request v6 = with_header(base, "Host", "[::1]:5000");
    EXPECT_TRUE(websocket_origin_allowed(none, with_header(v6, "Origin", "http://[::1]:5000")));
    EXPECT_FALSE(websocket_origin_allowed(none, with_header(v6, "Origin", "http://[::2]:5000")));
}

TEST(WebSocketOrigin, NoHostFallsBackToThePolicy) {
    request req = with_header(with_header(parse(chrome_ws_upgrade), "Host", ""), "Origin", "http://localhost:5000");
    EXPECT_FALSE(websocket_origin_allowed(cors_policy({}), req));
    EXPECT_TRUE(websocket_origin_allowed(cors_policy({"http://localhost:5000"}), req));
}

}  // namespace
}  // namespace tallyhub::http
