#include "net/http_request.hpp"

#include <array>
#include <cassert>

namespace tallyhub::http {
namespace {

constexpr std::array<std::string_view, 9> method_tokens = {"GET",   "HEAD",  "POST",    "PUT",  "DELETE",
                                                           "OPTIONS", "PATCH", "CONNECT", "TRACE"};

char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c; }

std::string_view trim_ows(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

}  // namespace

method method_from_string(std::string_view token) noexcept {
    for (std::size_t i = 0; i < method_tokens.size(); ++i)
        if (method_tokens[i] == token) return static_cast<method>(i);
    return method::other;
}

std::string_view method_name(method m) noexcept {
    auto i = static_cast<std::size_t>(m);
    return i < method_tokens.size() ? method_tokens[i] : std::string_view{};
}

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

bool list_contains_token(std::string_view list, std::string_view token) noexcept {
    while (!list.empty()) {
        auto comma = list.find(',');
        auto item = list.substr(0, comma);
        list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
        auto semi = item.find(';');
        if (iequals(trim_ows(item.substr(0, semi)), token)) return true;
    }
    return false;
}

void header_list::add(std::string_view name, std::string_view value) {
    // Offsets are 32-bit: the parser caps a header block far below 4 GiB.
    auto off = static_cast<std::uint32_t>(text_.size());
    text_.append(name).append(value);
    spans_.push_back({off, static_cast<std::uint32_t>(name.size()), off + static_cast<std::uint32_t>(name.size()),
                      static_cast<std::uint32_t>(value.size())});
}

header_field header_list::operator[](std::size_t i) const noexcept {
    assert(i < spans_.size());
    const span& s = spans_[i];
    std::string_view t = text_;
    return {t.substr(s.name_off, s.name_len), t.substr(s.value_off, s.value_len)};
}

std::optional<std::string_view> header_list::get(std::string_view name) const noexcept {
    for (std::size_t i = 0; i < spans_.size(); ++i) {
        auto f = (*this)[i];
        if (iequals(f.name, name)) return f.value;
    }
    return std::nullopt;
}

std::size_t header_list::count(std::string_view name) const noexcept {
    std::size_t n = 0;
    for (std::size_t i = 0; i < spans_.size(); ++i) n += iequals((*this)[i].name, name) ? 1 : 0;
    return n;
}

bool header_list::has_token(std::string_view name, std::string_view token) const noexcept {
    for (std::size_t i = 0; i < spans_.size(); ++i) {
        auto f = (*this)[i];
        if (iequals(f.name, name) && list_contains_token(f.value, token)) return true;
    }
    return false;
}

void header_list::clear() noexcept {
    text_.clear();
    spans_.clear();
}

std::string_view request::raw_path() const noexcept {
    std::string_view t = target;
    if (!t.empty() && t.front() != '/') {
        auto scheme = t.find("://");
        if (scheme == std::string_view::npos) return t == "*" ? t : std::string_view{};
        auto slash = t.find_first_of("/?", scheme + 3);
        if (slash == std::string_view::npos || t[slash] == '?') return "/";
        t.remove_prefix(slash);
    }
    return t.substr(0, t.find('?'));
}

bool request::keep_alive() const noexcept {
    if (version >= 11) return !headers.has_token("Connection", "close");
    return headers.has_token("Connection", "keep-alive") && !headers.has_token("Connection", "close");
}

bool request::is_upgrade() const noexcept {
    auto upgrade = headers.get("Upgrade");
    return upgrade && !trim_ows(*upgrade).empty() && headers.has_token("Connection", "upgrade");
}

void request::clear() noexcept {
    method = http::method::get;
    method_name.clear();
    target.clear();
    path.clear();
    query.clear();
    version = 11;
    headers.clear();
    trailers.clear();
    body.clear();
}

}  // namespace tallyhub::http
