#include "signalr/hub_binding.hpp"

// The texts given here were validated as JSON by the hub protocol parser, so these helpers only
// need to walk the structure; they still fail cleanly (nullopt) on anything unexpected.

namespace tallyhub::signalr {

namespace detail {

std::string_view trim_json(std::string_view raw) noexcept {
    auto ws = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
    while (!raw.empty() && ws(raw.front())) raw.remove_prefix(1);
    while (!raw.empty() && ws(raw.back())) raw.remove_suffix(1);
    return raw;
}

bool is_json_number(std::string_view s) noexcept {
    if (s.empty()) return false;
    char c = s.front();
    return c == '-' || (c >= '0' && c <= '9');
}

}  // namespace detail

namespace {

int hex_digit(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool read_hex4(std::string_view s, std::size_t at, unsigned& out) noexcept {
    if (at + 4 > s.size()) return false;
    out = 0;
    for (std::size_t i = 0; i < 4; ++i) {
        int d = hex_digit(s[at + i]);
        if (d < 0) return false;
        out = out * 16 + unsigned(d);
    }
    return true;
}

void append_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
        out += char(cp);
    } else if (cp < 0x800) {
        out += char(0xC0 | (cp >> 6));
        out += char(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += char(0xE0 | (cp >> 12));
        out += char(0x80 | ((cp >> 6) & 0x3F));
        out += char(0x80 | (cp & 0x3F));
    } else {
        out += char(0xF0 | (cp >> 18));
        out += char(0x80 | ((cp >> 12) & 0x3F));
        out += char(0x80 | ((cp >> 6) & 0x3F));
        out += char(0x80 | (cp & 0x3F));
    }
}

// Skips one JSON value starting at `i` (after whitespace); returns the index just past it or npos.
std::size_t skip_value(std::string_view s, std::size_t i) noexcept {
    int depth = 0;
    bool in_string = false;
    for (; i < s.size(); ++i) {
        char c = s[i];
        if (in_string) {
            if (c == '\\') {
                ++i;
            } else if (c == '"') {
                in_string = false;
                if (depth == 0) return i + 1;
            }
            continue;
        }
        switch (c) {
        case '"': in_string = true; break;
        case '[':
        case '{': ++depth; break;
        case ']':
        case '}':
            if (depth == 0) return i;  // end of the enclosing array: a scalar ended here
            if (--depth == 0) return i + 1;
            break;
        case ',':
            if (depth == 0) return i;
            break;
        default: break;
        }
    }
    return depth == 0 && !in_string ? i : std::string_view::npos;
}

}  // namespace

std::optional<std::string> decode_json_string(std::string_view raw) {
    raw = detail::trim_json(raw);
    if (raw.size() < 2 || raw.front() != '"' || raw.back() != '"') return std::nullopt;
    std::string_view body = raw.substr(1, raw.size() - 2);
    std::string out;
    out.reserve(body.size());
    for (std::size_t i = 0; i < body.size(); ++i) {
        char c = body[i];
        if (c != '\\') {
            out += c;
            continue;
        }
        if (++i >= body.size()) return std::nullopt;
        switch (body[i]) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
            unsigned cp = 0;
            if (!read_hex4(body, i + 1, cp)) return std::nullopt;
            i += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                unsigned low = 0;
                if (i + 2 < body.size() && body[i + 1] == '\\' && body[i + 2] == 'u' && read_hex4(body, i + 3, low) &&
                    low >= 0xDC00 && low <= 0xDFFF) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                    i += 6;
                } else {
                    cp = 0xFFFD;  // a lone surrogate cannot be UTF-8
                }
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                cp = 0xFFFD;
            }
            append_utf8(out, cp);
            break;
        }
        default: return std::nullopt;
        }
    }
    return out;
}

std::optional<std::vector<std::string_view>> split_json_array(std::string_view raw) {
    raw = detail::trim_json(raw);
    if (raw.size() < 2 || raw.front() != '[' || raw.back() != ']') return std::nullopt;
    std::string_view body = raw.substr(1, raw.size() - 2);
    std::vector<std::string_view> out;
    if (detail::trim_json(body).empty()) return out;
    std::size_t i = 0;
    while (i <= body.size()) {
        std::size_t end = skip_value(body, i);
        if (end == std::string_view::npos) return std::nullopt;
        out.push_back(detail::trim_json(body.substr(i, end - i)));
        if (end >= body.size()) break;
        // Skip to the comma that ends this element.
        while (end < body.size() && body[end] != ',') ++end;
        if (end >= body.size()) break;
        i = end + 1;
    }
    return out;
}

}  // namespace tallyhub::signalr
