#include "signalr/sse.hpp"

namespace tallyhub::signalr::sse {

void append_event(std::string_view payload, std::string& out) {
    out.reserve(out.size() + payload.size() + 16);
    for (;;) {
        const auto nl = payload.find('\n');
        std::string_view line = payload.substr(0, nl);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        out += "data: ";
        out += line;
        out += "\r\n";
        if (nl == std::string_view::npos) break;
        payload.remove_prefix(nl + 1);
    }
    out += "\r\n";
}

std::string event(std::string_view payload) {
    std::string out;
    append_event(payload, out);
    return out;
}

std::string response_head() {
    std::string head =
        "HTTP/1.1 200 OK\r\n"
        "Content-Type: text/event-stream\r\n"
        "Cache-Control: no-cache, no-store\r\n"
        "Pragma: no-cache\r\n"
        "Expires: Thu, 01 Jan 1970 00:00:00 GMT\r\n"
        "Content-Encoding: identity\r\n"
        "X-Accel-Buffering: no\r\n"
        "Connection: close\r\n"
        "\r\n";
    head += opening_comment;
    return head;
}

}  // namespace tallyhub::signalr::sse
