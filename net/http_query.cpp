#include "net/http_query.hpp"

namespace tallyhub::http {
namespace {

constexpr error bad_escape{400, "bad percent-encoding"};
constexpr error nul_escape{400, "percent-encoded NUL"};

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

result<void> percent_decode_into(std::string_view raw, bool plus_is_space, std::string& out) {
    out.reserve(out.size() + raw.size());
    std::size_t i = 0;
    while (i < raw.size()) {
        // Copy the run up to the next byte that needs work in one append.
        std::size_t j = plus_is_space ? raw.find_first_of("%+", i) : raw.find('%', i);
        if (j == std::string_view::npos) j = raw.size();
        out.append(raw.data() + i, j - i);
        if (j == raw.size()) break;
        if (raw[j] == '+') {
            out.push_back(' ');
            i = j + 1;
            continue;
        }
        if (raw.size() - j < 3) return bad_escape;
        int hi = hex_value(raw[j + 1]);
        int lo = hex_value(raw[j + 2]);
        if (hi < 0 || lo < 0) return bad_escape;
        if (hi == 0 && lo == 0) return nul_escape;
        out.push_back(static_cast<char>(hi * 16 + lo));
        i = j + 3;
    }
    return {};
}

result<std::string> decode_path(std::string_view raw) {
    std::string out;
    if (auto r = percent_decode_into(raw, false, out); !r) return r.err();
    return out;
}

result<std::string> decode_query_component(std::string_view raw) {
    std::string out;
    if (auto r = percent_decode_into(raw, true, out); !r) return r.err();
    return out;
}

result<query_params> query_params::parse(std::string_view raw) {
    query_params q;
    while (!raw.empty()) {
        auto amp = raw.find('&');
        auto piece = raw.substr(0, amp);
        raw = amp == std::string_view::npos ? std::string_view{} : raw.substr(amp + 1);
        if (piece.empty()) continue;
        auto eq = piece.find('=');
        pair p;
        if (auto r = percent_decode_into(piece.substr(0, eq), true, p.first); !r) return r.err();
        if (eq != std::string_view::npos)
            if (auto r = percent_decode_into(piece.substr(eq + 1), true, p.second); !r) return r.err();
        q.pairs_.push_back(std::move(p));
    }
    return q;
}

std::optional<std::string_view> query_params::get(std::string_view key) const noexcept {
    for (const auto& p : pairs_)
        if (p.first == key) return std::string_view{p.second};
    return std::nullopt;
}

std::vector<std::string_view> query_params::get_all(std::string_view key) const {
    std::vector<std::string_view> values;
    for (const auto& p : pairs_)
        if (p.first == key) values.emplace_back(p.second);
    return values;
}

}  // namespace tallyhub::http
