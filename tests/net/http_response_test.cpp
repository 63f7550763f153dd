#include "net/http_response.hpp"

#include <gtest/gtest.h>

#include <ctime>
#include <string>

namespace tallyhub::http {
namespace {

constexpr std::string_view fixed_date = "Sun, 06 Nov 1994 08:49:37 GMT";

response_head head_at(int status) {
    response_head h;
    h.status = status;
    h.date = fixed_date;
    return h;
}

TEST(HttpResponse, FormatsImfFixdate) {
    char buf[29];
    format_http_date(784111777, buf);  // RFC 9110's example instant
    EXPECT_EQ(std::string_view(buf, 29), "Sun, 06 Nov 1994 08:49:37 GMT");
    format_http_date(0, buf);
    EXPECT_EQ(std::string_view(buf, 29), "Thu, 01 Jan 1970 00:00:00 GMT");
    format_http_date(4102444799, buf);
    EXPECT_EQ(std::string_view(buf, 29), "Thu, 31 Dec 2099 23:59:59 GMT");
}

TEST(HttpResponse, CurrentDateIsWellFormed) {
    // The cached text must be what format_http_date gives for a moment within this test.
    std::time_t before = std::time(nullptr);
    std::string d(current_http_date());
    std::time_t after = std::time(nullptr);
    char a[29], b[29];
    format_http_date(before, a);
    format_http_date(after, b);
    EXPECT_TRUE(d == std::string_view(a, 29) || d == std::string_view(b, 29)) << d;
    // Cached: the same storage for calls within a second.
    EXPECT_EQ(current_http_date().data(), current_http_date().data());
}

TEST(HttpResponse, OkWithBodyIsByteExact) {
    header_field fields[] = {{"Content-Type", "application/json"}, {"Cache-Control", "no-store"}};
    auto h = head_at(200);
    h.headers = fields;
    EXPECT_EQ(make_response(h, R"({"ok":true})"),
              "HTTP/1.1 200 OK\r\n"
              "Server: tallyhub\r\n"
              "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
              "Content-Type: application/json\r\n"
              "Cache-Control: no-store\r\n"
              "Content-Length: 11\r\n"
              "\r\n"
              R"({"ok":true})");
}

TEST(HttpResponse, ConnectionHeaders) {
    auto h = head_at(200);
    h.connection = connection_header::close;
    EXPECT_EQ(make_response(h, ""),
              "HTTP/1.1 200 OK\r\nServer: tallyhub\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
              "Connection: close\r\nContent-Length: 0\r\n\r\n");
    h.connection = connection_header::keep_alive;
    EXPECT_EQ(make_response(h, "x"),
              "HTTP/1.1 200 OK\r\nServer: tallyhub\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
              "Connection: keep-alive\r\nContent-Length: 1\r\n\r\nx");
}

TEST(HttpResponse, HeadKeepsContentLengthWithoutBody) {
    auto h = head_at(200);
    h.omit_body = true;
    EXPECT_EQ(make_response(h, "hello"),
              "HTTP/1.1 200 OK\r\nServer: tallyhub\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
              "Content-Length: 5\r\n\r\n");
}

TEST(HttpResponse, NoContentAndNotModifiedHaveNoLengthOrBody) {
    header_field etag[] = {{"ETag", "\"abc\""}};
    auto h = head_at(304);
    h.headers = etag;
    EXPECT_EQ(make_response(h, "ignored"),
              "HTTP/1.1 304 Not Modified\r\nServer: tallyhub\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
              "ETag: \"abc\"\r\n\r\n");
    EXPECT_EQ(make_response(head_at(204), ""),
              "HTTP/1.1 204 No Content\r\nServer: tallyhub\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n");
    EXPECT_EQ(make_response(head_at(101), ""),
              "HTTP/1.1 101 Switching Protocols\r\nServer: tallyhub\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n");
}

TEST(HttpResponse, AppendsToExistingOutput) {
    std::string out = "previous";
    append_response(out, head_at(404), "");
    EXPECT_EQ(out, "previousHTTP/1.1 404 Not Found\r\nServer: tallyhub\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
                   "Content-Length: 0\r\n\r\n");
}

TEST(HttpResponse, HeadForCallerWrittenBody) {
    std::string out;
    append_response_head(out, head_at(200), 1234);
    EXPECT_EQ(out, "HTTP/1.1 200 OK\r\nServer: tallyhub\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
                   "Content-Length: 1234\r\n\r\n");
}

TEST(HttpResponse, FieldsWithLineBreaksAreDropped) {
    header_field fields[] = {{"X-Ok", "1"}, {"X-Evil", "a\r\nSet-Cookie: x=1"}, {"Bad\nName", "v"}, {"", "v"}};
    auto h = head_at(200);
    h.headers = fields;
    EXPECT_EQ(make_response(h, ""),
              "HTTP/1.1 200 OK\r\nServer: tallyhub\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
              "X-Ok: 1\r\nContent-Length: 0\r\n\r\n");
}

TEST(HttpResponse, ReasonPhrases) {
    EXPECT_EQ(reason_phrase(200), "OK");
    EXPECT_EQ(reason_phrase(405), "Method Not Allowed");
    EXPECT_EQ(reason_phrase(413), "Content Too Large");
    EXPECT_EQ(reason_phrase(431), "Request Header Fields Too Large");
    EXPECT_EQ(reason_phrase(503), "Service Unavailable");
    EXPECT_EQ(reason_phrase(299), "Unknown");
}

// error_response uses the live date; compare with the Date line normalised.
std::string without_date(std::string s) {
    auto at = s.find("Date: ");
    if (at != std::string::npos) s.replace(at + 6, 29, "<date>");
    return s;
}

TEST(HttpResponse, ErrorResponses) {
    EXPECT_EQ(without_date(error_response(404, "not found")),
              "HTTP/1.1 404 Not Found\r\nServer: tallyhub\r\nDate: <date>\r\n"
              "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 10\r\n\r\nnot found\n");
    header_field allow[] = {{"Allow", "GET, HEAD"}};
    EXPECT_EQ(without_date(error_response(405, "method not allowed", connection_header::none, allow)),
              "HTTP/1.1 405 Method Not Allowed\r\nServer: tallyhub\r\nDate: <date>\r\n"
              "Content-Type: text/plain; charset=utf-8\r\nAllow: GET, HEAD\r\nContent-Length: 19\r\n\r\n"
              "method not allowed\n");
    EXPECT_EQ(without_date(error_response(error{431, "request header too large"})),
              "HTTP/1.1 431 Request Header Fields Too Large\r\nServer: tallyhub\r\nDate: <date>\r\n"
              "Connection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 25\r\n\r\n"
              "request header too large\n");
}

TEST(HttpResponse, ConnectionForRequest) {
    request r;
    r.version = 11;
    EXPECT_EQ(connection_for(r), connection_header::none);
    r.headers.add("Connection", "close");
    EXPECT_EQ(connection_for(r), connection_header::close);
    request old;
    old.version = 10;
    EXPECT_EQ(connection_for(old), connection_header::close);
    old.headers.add("Connection", "keep-alive");
    EXPECT_EQ(connection_for(old), connection_header::keep_alive);
}

}  // namespace
}  // namespace tallyhub::http
