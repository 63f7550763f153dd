#include "net/http_response.hpp"

#include <charconv>
#include <vector>

namespace tallyhub::http {
namespace {

constexpr std::string_view crlf = "\r\n";

void append_number(std::string& out, std::size_t n) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, n);
    out.append(buf, r.ptr);
}

void put2(char* p, int v) noexcept {
    p[0] = static_cast<char>('0' + v / 10);
    p[1] = static_cast<char>('0' + v % 10);
}

bool safe_field(const header_field& f) noexcept {
    return f.name.find_first_of("\r\n:") == std::string_view::npos && !f.name.empty() &&
           f.value.find_first_of("\r\n") == std::string_view::npos;
}

void write_head(std::string& out, const response_head& head, std::size_t content_length) {
    auto reason = reason_phrase(head.status);
    std::string_view date = head.date.empty() ? current_http_date() : head.date;
    out.reserve(out.size() + 96 + reason.size());
    out.append("HTTP/1.1 ");
    append_number(out, static_cast<std::size_t>(head.status));
    out.push_back(' ');
    out.append(reason).append(crlf);
    out.append("Server: tallyhub\r\nDate: ").append(date).append(crlf);
    if (head.connection == connection_header::close) out.append("Connection: close\r\n");
    if (head.connection == connection_header::keep_alive) out.append("Connection: keep-alive\r\n");
    for (const header_field& f : head.headers) {
        if (!safe_field(f)) continue;
        out.append(f.name).append(": ").append(f.value).append(crlf);
    }
    if (!status_has_no_body(head.status)) {
        out.append("Content-Length: ");
        append_number(out, content_length);
        out.append(crlf);
    }
    out.append(crlf);
}

}  // namespace

std::string_view reason_phrase(int status) noexcept {
    switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 417: return "Expectation Failed";
    case 421: return "Misdirected Request";
    case 422: return "Unprocessable Content";
    case 426: return "Upgrade Required";
    case 428: return "Precondition Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
    }
}

void format_http_date(std::time_t t, char (&out)[29]) noexcept {
    static constexpr char days[] = "SunMonTueWedThuFriSat";
    static constexpr char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    std::tm tm{};
    gmtime_r(&t, &tm);
    char* p = out;
    p[0] = days[tm.tm_wday * 3], p[1] = days[tm.tm_wday * 3 + 1], p[2] = days[tm.tm_wday * 3 + 2];
    p[3] = ',', p[4] = ' ';
    put2(p + 5, tm.tm_mday);
    p[7] = ' ';
    p[8] = months[tm.tm_mon * 3], p[9] = months[tm.tm_mon * 3 + 1], p[10] = months[tm.tm_mon * 3 + 2];
    p[11] = ' ';
    int year = tm.tm_year + 1900;
    put2(p + 12, year / 100 % 100);
    put2(p + 14, year % 100);
    p[16] = ' ';
    put2(p + 17, tm.tm_hour);
    p[19] = ':';
    put2(p + 20, tm.tm_min);
    p[22] = ':';
    put2(p + 23, tm.tm_sec);
    p[25] = ' ', p[26] = 'G', p[27] = 'M', p[28] = 'T';
}

std::string_view current_http_date() noexcept {
    // Per thread, so reactor threads never share it; time() is a vDSO call, gmtime_r runs once a second.
    thread_local std::time_t cached_second = -1;
    thread_local char text[29];
    std::time_t now = std::time(nullptr);
    if (now != cached_second) {
        format_http_date(now, text);
        cached_second = now;
    }
    return {text, sizeof text};
}

connection_header connection_for(const request& req) noexcept {
    if (!req.keep_alive()) return connection_header::close;
    return req.version < 11 ? connection_header::keep_alive : connection_header::none;
}

void append_response(std::string& out, const response_head& head, std::string_view body) {
    bool send_body = !head.omit_body && !status_has_no_body(head.status);
    out.reserve(out.size() + 160 + (send_body ? body.size() : 0));
    write_head(out, head, body.size());
    if (send_body) out.append(body);
}

void append_response_head(std::string& out, const response_head& head, std::size_t content_length) {
    write_head(out, head, content_length);
}

std::string make_response(const response_head& head, std::string_view body) {
    std::string out;
    append_response(out, head, body);
    return out;
}

std::string error_response(int status, std::string_view reason, connection_header connection,
                           std::span<const header_field> headers) {
    std::string body;
    body.reserve(reason.size() + 1);
    body.append(reason).push_back('\n');
    std::vector<header_field> fields;
    fields.reserve(headers.size() + 1);
    fields.push_back({"Content-Type", "text/plain; charset=utf-8"});
    fields.insert(fields.end(), headers.begin(), headers.end());
    response_head head{status, fields, connection};
    return make_response(head, body);
}

std::string error_response(const error& e) { return error_response(e.code, e.reason, connection_header::close); }

}  // namespace tallyhub::http
