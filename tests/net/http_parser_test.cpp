#include "net/http_parser.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace tallyhub {
void PrintTo(const error& e, std::ostream* os) { *os << e.code << " \"" << e.reason << '"'; }
}  // namespace tallyhub

namespace tallyhub::http {
namespace {

// A canonical rendering of a request, so whole requests compare byte-exactly.
std::string describe(const request& r) {
    std::string s = r.method_name + "|" + r.target + "|" + r.path + "|" + r.query + "|" + std::to_string(r.version);
    for (std::size_t i = 0; i < r.headers.size(); ++i)
        s.append("|H:").append(r.headers[i].name).append("=").append(r.headers[i].value);
    for (std::size_t i = 0; i < r.trailers.size(); ++i)
        s.append("|T:").append(r.trailers[i].name).append("=").append(r.trailers[i].value);
    return s + "|B:" + r.body;
}

struct outcome {
    std::vector<std::string> requests;  // describe() of each completed request
    std::optional<error> err;
    std::size_t leftover = 0;
};

// Plays the connection: append each piece, parse until need_more, erase what was consumed.
outcome drive(request_parser& p, const std::vector<std::string>& pieces) {
    outcome o;
    std::string buf;
    for (const auto& piece : pieces) {
        buf += piece;
        for (;;) {
            parse_step s = p.parse(buf);
            EXPECT_LE(s.consumed, buf.size());
            buf.erase(0, s.consumed);
            if (s.state == parse_state::complete) {
                o.requests.push_back(describe(p.take()));
                continue;
            }
            if (s.state == parse_state::error) {
                o.err = s.err;
                o.leftover = buf.size();
                return o;
            }
            break;
        }
    }
    o.leftover = buf.size();
    return o;
}

outcome parse_whole(const std::string& bytes, limits l = {}) {
    request_parser p(l);
    return drive(p, {bytes});
}

// Every split point, and byte by byte, must give exactly what parsing the whole buffer gives.
void expect_split_invariant(const std::string& bytes, limits l = {}) {
    outcome whole = parse_whole(bytes, l);
    for (std::size_t i = 0; i <= bytes.size(); ++i) {
        request_parser p(l);
        outcome split = drive(p, {bytes.substr(0, i), bytes.substr(i)});
        ASSERT_EQ(split.requests, whole.requests) << "split at " << i;
        ASSERT_EQ(split.err, whole.err) << "split at " << i;
    }
    std::vector<std::string> bytewise;
    for (char c : bytes) bytewise.emplace_back(1, c);
    request_parser p(l);
    outcome one = drive(p, bytewise);
    EXPECT_EQ(one.requests, whole.requests);
    EXPECT_EQ(one.err, whole.err);
}

const std::string browser_get =
    "GET /hubs/metrics/negotiate?negotiateVersion=1&id=a%2Fb HTTP/1.1\r\n"
    "Host: dashboards.example.com:8080\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36\r\n"
    "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
    "Accept-Encoding: gzip, deflate, br\r\n"
    "Accept-Language: en-US,en;q=0.9\r\n"
    "Cache-Control: no-cache\r\n"
    "Connection: keep-alive\r\n"
    "Cookie: session=abc123\r\n"
    "\r\n";

TEST(HttpParser, ParsesBrowserGet) {
    request_parser p;
    parse_step s = p.parse(browser_get);
    ASSERT_EQ(s.state, parse_state::complete);
    EXPECT_EQ(s.consumed, browser_get.size());
    request r = p.take();
    EXPECT_EQ(r.method, method::get);
    EXPECT_EQ(r.method_name, "GET");
    EXPECT_EQ(r.target, "/hubs/metrics/negotiate?negotiateVersion=1&id=a%2Fb");
    EXPECT_EQ(r.path, "/hubs/metrics/negotiate");
    EXPECT_EQ(r.query, "negotiateVersion=1&id=a%2Fb");
    EXPECT_EQ(r.version, 11);
    EXPECT_EQ(r.headers.size(), 8u);
    EXPECT_EQ(r.header("host"), "dashboards.example.com:8080");
    EXPECT_EQ(r.header("ACCEPT-ENCODING"), "gzip, deflate, br");
    EXPECT_FALSE(r.header("Content-Length").has_value());
    EXPECT_TRUE(r.body.empty());
    EXPECT_TRUE(r.keep_alive());
    EXPECT_FALSE(r.is_upgrade());
    expect_split_invariant(browser_get);
}

TEST(HttpParser, DecodesPathAndTrimsValues) {
    auto o = parse_whole("GET /a%20b/c%2Fd?x=%20 HTTP/1.1\r\nHost:   h  \r\nX-Empty:\r\n\r\n");
    ASSERT_FALSE(o.err);
    EXPECT_EQ(o.requests, std::vector<std::string>{"GET|/a%20b/c%2Fd?x=%20|/a b/c/d|x=%20|11|H:Host=h|H:X-Empty=|B:"});
}

TEST(HttpParser, AbsoluteFormAndAsteriskTargets) {
    auto o = parse_whole("GET http://example.com/p%41th?q=1 HTTP/1.1\r\nHost: example.com\r\n\r\n"
                         "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_FALSE(o.err);
    EXPECT_EQ(o.requests, (std::vector<std::string>{"GET|http://example.com/p%41th?q=1|/pAth|q=1|11|H:Host=example.com|B:",
                                                     "OPTIONS|*|*||11|H:Host=x|B:"}));
}

TEST(HttpParser, PipelinedRequestsInOneBuffer) {
    const std::string bytes =
        "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
        "POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n\r\n\r\nbody\r\n"  // body looks like a blank line
        "\r\n"                                                                   // stray CRLF between requests
        "DELETE /c?z HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    auto o = parse_whole(bytes);
    ASSERT_FALSE(o.err);
    EXPECT_EQ(o.requests, (std::vector<std::string>{
                              "GET|/a|/a||11|H:Host=x|B:",
                              "POST|/b|/b||11|H:Host=x|H:Content-Length=10|B:\r\n\r\nbody\r\n",
                              "DELETE|/c?z|/c|z|11|H:Host=x|H:Connection=close|B:",
                          }));
    EXPECT_EQ(o.leftover, 0u);
    expect_split_invariant(bytes);
}

TEST(HttpParser, SixteenPipelinedGetsConsumeExactly) {
    std::string one = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    std::string bytes;
    for (int i = 0; i < 16; ++i) bytes += one;
    request_parser p;
    std::string_view rest = bytes;
    for (int i = 0; i < 16; ++i) {
        parse_step s = p.parse(rest);
        ASSERT_EQ(s.state, parse_state::complete) << i;
        ASSERT_EQ(s.consumed, one.size());
        rest.remove_prefix(s.consumed);
        EXPECT_EQ(p.take().path, "/healthz");
    }
    EXPECT_EQ(p.parse(rest).state, parse_state::need_more);
}

TEST(HttpParser, ChunkedBodyWithExtensionsAndTrailers) {
    const std::string bytes =
        "POST /ingest HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        "5;name=value\r\nhello\r\n6\r\n world\r\n0\r\nX-Checksum: abc\r\n\r\n"
        "GET /next HTTP/1.1\r\nHost: x\r\n\r\n";
    auto o = parse_whole(bytes);
    ASSERT_FALSE(o.err);
    EXPECT_EQ(o.requests, (std::vector<std::string>{
                              "POST|/ingest|/ingest||11|H:Host=x|H:Transfer-Encoding=chunked|T:X-Checksum=abc|B:hello world",
                              "GET|/next|/next||11|H:Host=x|B:",
                          }));
    expect_split_invariant(bytes);
}

TEST(HttpParser, ChunkedBodyWithoutTrailers) {
    auto o = parse_whole("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n");
    ASSERT_FALSE(o.err);
    EXPECT_EQ(o.requests, std::vector<std::string>{"POST|/|/||11|H:Host=x|H:Transfer-Encoding=Chunked|B:0123456789"});
}

TEST(HttpParser, HeaderDoneBeforeBodyArrives) {
    request_parser p;
    std::string head = "POST /upload HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n";
    parse_step s = p.parse(head);
    EXPECT_EQ(s.state, parse_state::need_more);
    EXPECT_EQ(s.consumed, head.size());
    EXPECT_TRUE(p.header_done());
    EXPECT_EQ(p.current().header("Expect"), "100-continue");
    s = p.parse("abc");
    EXPECT_EQ(s.state, parse_state::complete);
    EXPECT_EQ(p.take().body, "abc");
}

TEST(HttpParser, HeaderLimitIsExact) {
    limits l;
    l.max_header_bytes = 64;
    std::string base = "GET / HTTP/1.1\r\nHost: x\r\nX: ";  // 29 bytes; + value + "\r\n\r\n"
    std::string at_limit = base + std::string(64 - base.size() - 4, 'a') + "\r\n\r\n";
    ASSERT_EQ(at_limit.size(), 64u);
    EXPECT_FALSE(parse_whole(at_limit, l).err);
    std::string over = base + std::string(64 - base.size() - 3, 'a') + "\r\n\r\n";
    EXPECT_EQ(parse_whole(over, l).err, (error{431, "request header too large"}));
    expect_split_invariant(over, l);
}

TEST(HttpParser, EndlessHeaderFailsWithoutWaitingForItsEnd) {
    request_parser p;  // default 16 KiB
    std::string buf = "GET / HTTP/1.1\r\nHost: x\r\nX-Big: ";
    parse_step s{};
    while (buf.size() < 17 * 1024) {
        buf.append(512, 'a');
        s = p.parse(buf);
        if (s.state != parse_state::need_more) break;
        EXPECT_EQ(s.consumed, 0u);
    }
    EXPECT_EQ(s.state, parse_state::error);
    EXPECT_EQ(s.err.code, 431);
    EXPECT_EQ(p.parse(buf).state, parse_state::error);  // sticky
}

TEST(HttpParser, TooManyFields) {
    limits l;
    l.max_header_fields = 3;
    EXPECT_FALSE(parse_whole("GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\n\r\n", l).err);
    EXPECT_EQ(parse_whole("GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", l).err,
              (error{431, "too many header fields"}));
}

TEST(HttpParser, BodyLimit) {
    limits l;
    l.max_body_bytes = 8;
    EXPECT_FALSE(parse_whole("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 8\r\n\r\n12345678", l).err);
    // Refused on the header alone: the client may still be waiting to send the body.
    auto o = parse_whole("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 9\r\n\r\n", l);
    EXPECT_EQ(o.err, (error{413, "request body too large"}));
    auto c = parse_whole("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n12345\r\n4\r\n", l);
    EXPECT_EQ(c.err, (error{413, "request body too large"}));
}

TEST(HttpParser, OversizedChunkLineOrTrailersAreRefused) {
    limits l;
    l.max_header_bytes = 128;
    std::string head = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: ";
    auto o = parse_whole(head + std::string(200, 'a'), l);
    EXPECT_EQ(o.err, (error{431, "chunk header or trailer too large"}));
}

struct bad_case {
    const char* bytes;
    error expected;
};

TEST(HttpParser, MalformedRequestsGetStatusAndReason) {
    const bad_case cases[] = {
        {"GET / HTTP/1.1\r\nHost x\r\n\r\n", {400, "malformed header field"}},
        {"GET / HTTP/1.1\r\nHo st: x\r\n\r\n", {400, "malformed header field"}},
        {"G(T / HTTP/1.1\r\nHost: x\r\n\r\n", {400, "bad method"}},
        {"GET / HTTP/2.0\r\nHost: x\r\n\r\n", {400, "bad HTTP version"}},
        {"GET / HTTP/1.1\nHost: x\n\n\r\n\r\n", {400, "bad HTTP version"}},
        {"GET  / HTTP/1.1\r\nHost: x\r\n\r\n", {400, "bad request target"}},
        {"GET /a#frag HTTP/1.1\r\nHost: x\r\n\r\n", {400, "bad request target"}},
        {"GET * HTTP/1.1\r\nHost: x\r\n\r\n", {400, "bad request target"}},
        {"GET relative HTTP/1.1\r\nHost: x\r\n\r\n", {400, "bad request target"}},
        {"GET /a%zz HTTP/1.1\r\nHost: x\r\n\r\n", {400, "bad percent-encoding"}},
        {"GET /a%2 HTTP/1.1\r\nHost: x\r\n\r\n", {400, "bad percent-encoding"}},
        {"GET /a%00b HTTP/1.1\r\nHost: x\r\n\r\n", {400, "percent-encoded NUL"}},
        {"GET / HTTP/1.1\r\n\r\n", {400, "missing Host header"}},
        {"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", {400, "duplicate Host header"}},
        {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n", {400, "bad Content-Length"}},
        {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", {400, "bad Content-Length"}},
        {"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", {400, "bad Content-Length"}},
        {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", {400, "bad Transfer-Encoding"}},
        {"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", {501, "unsupported transfer coding"}},
        {"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", {501, "unsupported transfer coding"}},
        {"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", {400, "bad Transfer-Encoding"}},
        {"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: \r\n\r\n", {400, "bad Transfer-Encoding"}},
        {"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", {400, "bad Transfer-Encoding"}},
        {"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", {400, "malformed chunked body"}},
        {"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\n", {400, "malformed chunked body"}},
    };
    for (const bad_case& c : cases) {
        auto o = parse_whole(c.bytes);
        EXPECT_TRUE(o.requests.empty()) << c.bytes;
        EXPECT_EQ(o.err, c.expected) << c.bytes << " gave " << (o.err ? o.err->reason : "no error");
    }
}

TEST(HttpParser, ErrorAfterAGoodRequestKeepsTheGoodOne) {
    auto o = parse_whole("GET /ok HTTP/1.1\r\nHost: x\r\n\r\nBROKEN\r\n\r\n");
    EXPECT_EQ(o.requests.size(), 1u);
    ASSERT_TRUE(o.err);
    EXPECT_EQ(o.err->code, 400);
}

TEST(HttpParser, KeepAliveSemantics) {
    auto keep = [](const char* bytes) {
        request_parser p;
        EXPECT_EQ(p.parse(bytes).state, parse_state::complete) << bytes;
        return p.current().keep_alive();
    };
    EXPECT_TRUE(keep("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    EXPECT_FALSE(keep("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    EXPECT_FALSE(keep("GET / HTTP/1.1\r\nHost: x\r\nConnection: TE, Close\r\n\r\n"));
    EXPECT_FALSE(keep("GET / HTTP/1.0\r\n\r\n"));
    EXPECT_TRUE(keep("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"));
    EXPECT_FALSE(keep("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n"));
}

TEST(HttpParser, WebSocketUpgradeRequest) {
    request_parser p;
    ASSERT_EQ(p.parse("GET /hubs/metrics?id=abc HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, Upgrade\r\n"
                      "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
                  .state,
              parse_state::complete);
    EXPECT_TRUE(p.current().is_upgrade());
    EXPECT_EQ(p.current().header("sec-websocket-key"), "dGhlIHNhbXBsZSBub25jZQ==");
}

}  // namespace
}  // namespace tallyhub::http
