// The SignalR handshake: request parsing (any field order, split, followed by hub data, errors with
// the exact texts ASP.NET Core sends), the server's verdict, and the response bytes.

#include "signalr/handshake.hpp"

#include <gtest/gtest.h>

#include <string>

#include "signalr/json_protocol.hpp"

namespace tallyhub::signalr {
namespace {

const std::string rs = "\x1e";
const std::string json_v1 = std::string(R"({"protocol":"json","version":1})") + rs;

handshake_request parse_ok(const std::string& input) {
    auto r = parse_handshake_request(input);
    EXPECT_TRUE(r.ok()) << input;
    if (!r.ok()) return {};
    EXPECT_TRUE(r->complete);
    EXPECT_EQ(r->consumed, input.size());
    return r->request;
}

error parse_error(const std::string& input) {
    auto r = parse_handshake_request(input);
    EXPECT_FALSE(r.ok()) << input;
    return r.ok() ? error{} : r.err();
}

TEST(HandshakeRequest, ParsesTheJsClientsRequest) {
    auto r = parse_handshake_request(json_v1);
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r->complete);
    EXPECT_EQ(r->consumed, 32u);
    EXPECT_EQ(r->request.protocol, "json");
    EXPECT_EQ(r->request.version, 1);
}

TEST(HandshakeRequest, AcceptsAnyFieldOrderWhitespaceAndExtraFields) {
    auto a = parse_ok(std::string(R"({"version":2,"protocol":"messagepack"})") + rs);
    EXPECT_EQ(a.protocol, "messagepack");
    EXPECT_EQ(a.version, 2);
    // The spec's example, pretty-printed.
    auto b = parse_ok(std::string("{\n    \"protocol\": \"messagepack\",\n    \"version\": 1\n}") + rs);
    EXPECT_EQ(b.protocol, "messagepack");
    EXPECT_EQ(b.version, 1);
    // Old 3.0 previews sent minorVersion; unknown properties are skipped.
    auto c = parse_ok(std::string(R"({"minorVersion":0,"protocol":"json","x":{"y":[1,null]},"version":1})") + rs);
    EXPECT_EQ(c.protocol, "json");
}

TEST(HandshakeRequest, DecodesEscapesInTheProtocolName) {
    EXPECT_EQ(parse_ok(std::string(R"({"protocol":"js\u006Fn","version":1})") + rs).protocol, "json");
}

TEST(HandshakeRequest, WaitsForTheRecordSeparator) {
    for (std::size_t n = 0; n < json_v1.size(); ++n) {
        auto r = parse_handshake_request(std::string_view(json_v1).substr(0, n));
        ASSERT_TRUE(r.ok()) << n;
        EXPECT_FALSE(r->complete) << n;
        EXPECT_EQ(r->consumed, 0u);
    }
    EXPECT_TRUE(parse_handshake_request(json_v1)->complete);
}

TEST(HandshakeRequest, ReportsBytesConsumedWhenHubMessagesFollow) {
    const std::string input = json_v1 + R"({"type":6})" + rs + R"({"type":1,"tar)";
    auto r = parse_handshake_request(input);
    ASSERT_TRUE(r.ok());
    ASSERT_TRUE(r->complete);
    ASSERT_EQ(r->consumed, json_v1.size());

    json_protocol::parser hub;
    auto s = hub.next(std::string_view(input).substr(r->consumed));
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(s->kind, json_protocol::step_kind::message);
    EXPECT_EQ(type_of(s->message), message_type::ping);
}

TEST(HandshakeRequest, MalformedOrIncompleteRequestsGetTheGenericError) {
    const std::string cases[] = {
        R"({"protocol":"json","version":1)",        // unterminated object
        R"({"protocol":"json"})",                   // no version
        R"({"version":1})",                         // no protocol
        R"({"protocol":null,"version":1})",         // null reads as missing
        R"({"protocol":"json","version":null})",
        R"({"protocol":1,"version":1})",            // wrong types
        R"({"protocol":"json","version":"1"})",
        R"({"protocol":"json","version":1.5})",
        R"({"protocol":"json","version":4294967296})",  // not an Int32
        R"([])",
        R"()",
        R"(json)",
        R"({"protocol":"json","version":1} trailing)",
        R"({"protocol":"json","version":1,"x":[1,,2]})",  // unknown fields must still be valid JSON
    };
    for (const std::string& c : cases) {
        error e = parse_error(c + rs);
        EXPECT_EQ(e.code, static_cast<int>(handshake_errc::malformed)) << c;
        EXPECT_EQ(e.reason, "An unexpected error occurred during connection handshake.") << c;
    }
}

TEST(HandshakeRequest, OversizedRequestIsCanceled) {
    // A request and its separator must fit in max_size bytes, as in HubConnectionContext.
    EXPECT_TRUE(parse_handshake_request(json_v1, 32)->complete);
    EXPECT_EQ(parse_handshake_request(json_v1, 31).err().reason, "Handshake was canceled.");
    // Without a separator: wait until more than max_size bytes are buffered, then fail.
    const std::string junk(32, ' ');
    EXPECT_FALSE(parse_handshake_request(junk, 32)->complete);
    error e = parse_handshake_request(junk + " ", 32).err();
    EXPECT_EQ(e.code, static_cast<int>(handshake_errc::too_large));
    EXPECT_EQ(e.reason, "Handshake was canceled.");
    EXPECT_FALSE(parse_handshake_request(std::string(40000, ' ')).ok());  // default: 32 KiB
}

TEST(HandshakeVerdict, AcceptsJsonVersionsUpToTwo) {
    for (int version : {0, 1, 2}) {
        auto v = check_handshake({"json", version}, {});
        EXPECT_TRUE(v.accepted()) << version;
        EXPECT_EQ(v.protocol, hub_protocol::json);
        EXPECT_EQ(v.version, version);
    }
}

TEST(HandshakeVerdict, MatchesProtocolNamesCaseInsensitively) {
    EXPECT_TRUE(check_handshake({"JSON", 1}, {}).accepted());
    auto v = check_handshake({"MessagePack", 1}, {.messagepack = true});
    EXPECT_TRUE(v.accepted());
    EXPECT_EQ(v.protocol, hub_protocol::messagepack);
}

TEST(HandshakeVerdict, RejectsWithDotNetsExactMessages) {
    EXPECT_EQ(check_handshake({"xml", 1}, {}).error, "The protocol 'xml' is not supported.");
    EXPECT_EQ(check_handshake({"messagepack", 1}, {}).error, "The protocol 'messagepack' is not supported.");
    EXPECT_EQ(check_handshake({"Json", 3}, {}).error,
              "The server does not support version 3 of the 'Json' protocol.");
    EXPECT_EQ(check_handshake({"json", 2}, {.max_version = 1}).error,
              "The server does not support version 2 of the 'json' protocol.");
    EXPECT_EQ(check_handshake({"messagepack", 1}, {.messagepack = true, .binary_transport = false}).error,
              "Cannot use the 'messagepack' protocol on the current transport. "
              "The transport does not support 'Binary' transfer format.");
    EXPECT_TRUE(check_handshake({"json", 1}, {.binary_transport = false}).accepted());  // JSON is text
}

TEST(HandshakeResponse, SuccessIsExactlyEmptyObject) {
    std::string out;
    write_handshake_response(out);
    EXPECT_EQ(out, "{}\x1e");
    EXPECT_EQ(handshake_ok_record, out);
}

TEST(HandshakeResponse, ErrorIsAnEscapedErrorProperty) {
    std::string out;
    write_handshake_response(out, check_handshake({"x\"y", 1}, {}).error);
    EXPECT_EQ(out, std::string(R"({"error":"The protocol 'x\"y' is not supported."})") + rs);
    out.clear();
    write_handshake_response(out, handshake_canceled_error);
    EXPECT_EQ(out, std::string(R"({"error":"Handshake was canceled."})") + rs);
}

}  // namespace
}  // namespace tallyhub::signalr
