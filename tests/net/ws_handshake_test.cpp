// WebSocket opening handshake, server side (RFC 6455 §4.2): the accept key vector from the RFC, the
// exact 101 response, and each way a request is refused with its HTTP status.

#include "net/ws_handshake.hpp"

#include <gtest/gtest.h>

namespace tallyhub::ws {
namespace {

// The request of RFC 6455 §1.3, as a browser sends it.
upgrade_request rfc_request() {
    upgrade_request r;
    r.method = "GET";
    r.upgrade = "websocket";
    r.connection = "Upgrade";
    r.sec_websocket_version = "13";
    r.sec_websocket_key = "dGhlIHNhbXBsZSBub25jZQ==";
    return r;
}

upgrade_rejection rejected(const upgrade_request& r) {
    upgrade_result res = accept_upgrade(r);
    EXPECT_FALSE(res.accepted());
    return res.accepted() ? upgrade_rejection{} : res.rejection();
}

TEST(ws_handshake, rfc_accept_key_vector) {
    auto key = compute_accept_key("dGhlIHNhbXBsZSBub25jZQ==");
    EXPECT_EQ(std::string_view(key.data(), key.size()), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(ws_handshake, accepts_the_rfc_request_with_exact_101_bytes) {
    upgrade_result res = accept_upgrade(rfc_request());
    ASSERT_TRUE(res.accepted());
    EXPECT_EQ(res.response(),
              "HTTP/1.1 101 Switching Protocols\r\n"
              "Upgrade: websocket\r\n"
              "Connection: Upgrade\r\n"
              "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
              "\r\n");
}

TEST(ws_handshake, extra_headers_go_into_the_101) {
    upgrade_result res = accept_upgrade(rfc_request(), "Server: tallyhub\r\n");
    ASSERT_TRUE(res.accepted());
    EXPECT_EQ(res.response(),
              "HTTP/1.1 101 Switching Protocols\r\n"
              "Upgrade: websocket\r\n"
              "Connection: Upgrade\r\n"
              "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
              "Server: tallyhub\r\n"
              "\r\n");
}

TEST(ws_handshake, header_tokens_are_case_insensitive_lists) {
    upgrade_request r = rfc_request();
    r.upgrade = "h2c, WebSocket";
    r.connection = "keep-alive,\tUPGRADE ";
    r.sec_websocket_version = " 13 ";
    r.sec_websocket_key = " dGhlIHNhbXBsZSBub25jZQ== ";  // OWS around the key is not part of it
    upgrade_result res = accept_upgrade(r);
    ASSERT_TRUE(res.accepted());
    EXPECT_NE(res.response().find("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"), std::string::npos);

    r.version_minor = 0;
    r.version_major = 2;  // later versions are fine too
    EXPECT_TRUE(accept_upgrade(r).accepted());
}

TEST(ws_handshake, method_other_than_get_is_405) {
    upgrade_request r = rfc_request();
    r.method = "POST";
    upgrade_rejection rej = rejected(r);
    EXPECT_EQ(rej.status, 405);
    EXPECT_EQ(rej.extra_headers, "Allow: GET\r\n");
    r.method = "get";  // methods are case-sensitive
    EXPECT_EQ(rejected(r).status, 405);
}

TEST(ws_handshake, http_1_0_is_400) {
    upgrade_request r = rfc_request();
    r.version_minor = 0;
    EXPECT_EQ(rejected(r).status, 400);
}

TEST(ws_handshake, missing_or_wrong_upgrade_is_400) {
    upgrade_request r = rfc_request();
    for (std::string_view v : {"", "h2c", "websocket2", "web socket"}) {
        r.upgrade = v;
        upgrade_rejection rej = rejected(r);
        EXPECT_EQ(rej.status, 400) << v;
        EXPECT_EQ(rej.reason, "Upgrade header must contain websocket") << v;
    }
}

TEST(ws_handshake, connection_without_upgrade_token_is_400) {
    upgrade_request r = rfc_request();
    for (std::string_view v : {"", "keep-alive", "upgrades", "Upgrade-Insecure"}) {
        r.connection = v;
        upgrade_rejection rej = rejected(r);
        EXPECT_EQ(rej.status, 400) << v;
        EXPECT_EQ(rej.reason, "Connection header must contain upgrade") << v;
    }
}

TEST(ws_handshake, other_version_is_426_naming_13) {
    upgrade_request r = rfc_request();
    for (std::string_view v : {"8", "", "12", "13, 8"}) {
        r.sec_websocket_version = v;
        upgrade_rejection rej = rejected(r);
        EXPECT_EQ(rej.status, 426) << v;
        EXPECT_EQ(rej.extra_headers, "Sec-WebSocket-Version: 13\r\n") << v;
    }
    EXPECT_EQ(rejected(r).to_http(),
              "HTTP/1.1 426 Upgrade Required\r\n"
              "Sec-WebSocket-Version: 13\r\n"
              "Content-Type: text/plain; charset=utf-8\r\n"
              "Content-Length: 33\r\n"
              "Connection: close\r\n"
              "\r\n"
              "Unsupported Sec-WebSocket-Version");
}

TEST(ws_handshake, key_must_be_16_bytes_of_base64) {
    upgrade_request r = rfc_request();
    r.sec_websocket_key = "";
    EXPECT_EQ(rejected(r).status, 400);
    EXPECT_EQ(rejected(r).reason, "Missing Sec-WebSocket-Key");

    for (std::string_view key : {
             "AAAAAAAAAAAAAAAAAAAA",          // 15 bytes
             "AAAAAAAAAAAAAAAAAAAAAAA=",      // 17 bytes
             "AAAAAAAAAAAAAAAAAAAAAAAAAAAA",  // 21 bytes
             "dGhlIHNhbXBsZSBub25jZQ",        // 16 bytes without padding
             "dGhlIHNhbXBsZSBub25jZ*==",      // not base64
             "dGhlIHNhbXBsZSBub25jZQ==, dGhlIHNhbXBsZSBub25jZQ==",  // sent twice
         }) {
        r.sec_websocket_key = key;
        upgrade_rejection rej = rejected(r);
        EXPECT_EQ(rej.status, 400) << key;
        EXPECT_EQ(rej.reason, "Sec-WebSocket-Key must be 16 bytes in base64") << key;
    }
    r.sec_websocket_key = "AAAAAAAAAAAAAAAAAAAAAA==";  // 16 zero bytes
    EXPECT_TRUE(accept_upgrade(r).accepted());
}

TEST(ws_handshake, rejection_as_http_400) {
    upgrade_request r = rfc_request();
    r.upgrade = "";
    EXPECT_EQ(rejected(r).to_http(),
              "HTTP/1.1 400 Bad Request\r\n"
              "Content-Type: text/plain; charset=utf-8\r\n"
              "Content-Length: 37\r\n"
              "Connection: close\r\n"
              "\r\n"
              "Upgrade header must contain websocket");
}

TEST(ws_handshake, header_has_token_matches_whole_tokens_only) {
    EXPECT_TRUE(header_has_token("a, b ,c", "b"));
    EXPECT_TRUE(header_has_token("Upgrade", "upgrade"));
    EXPECT_FALSE(header_has_token("upgrade2", "upgrade"));
    EXPECT_FALSE(header_has_token(",,", "upgrade"));
    EXPECT_FALSE(header_has_token("", "upgrade"));
}

}  // namespace
}  // namespace tallyhub::ws
