#pragma once
// A parsed HTTP/1.1 request: request line, header fields, body. Filled by http::request_parser and
// also built by hand in tests. Header names compare case-insensitively (RFC 9110 §5.1).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tallyhub::http {

/// Request methods the server knows by name; anything else is `other` (see request::method_name).
enum class method : std::uint8_t { get, head, post, put, delete_, options, patch, connect, trace, other };

/// The method for a method token ("GET" → method::get); case-sensitive as in RFC 9110 §9.1.
method method_from_string(std::string_view token) noexcept;

/// The canonical token for a method ("GET"); "" for method::other.
std::string_view method_name(method m) noexcept;

/// ASCII case-insensitive equality (header names, tokens).
bool iequals(std::string_view a, std::string_view b) noexcept;

/// True if a comma-separated header list (`Connection: keep-alive, Upgrade`) holds `token`,
/// compared case-insensitively; parameters after ';' are ignored.
bool list_contains_token(std::string_view list, std::string_view token) noexcept;

/// One header field as stored: views stay valid until the list is modified.
struct header_field {
    std::string_view name;
    std::string_view value;
};

/// Header fields in arrival order. Names and values live in one string (few allocations, copyable).
class header_list {
public:
    /// Appends a field; the name keeps its original spelling.
    void add(std::string_view name, std::string_view value);
    /// The value of the first field called `name`, if any.
    std::optional<std::string_view> get(std::string_view name) const noexcept;
    /// How many fields are called `name`.
    std::size_t count(std::string_view name) const noexcept;
    /// True if any field called `name` lists `token` (see list_contains_token).
    bool has_token(std::string_view name, std::string_view token) const noexcept;
    /// The i-th field in arrival order.
    header_field operator[](std::size_t i) const noexcept;
    std::size_t size() const noexcept { return spans_.size(); }
    bool empty() const noexcept { return spans_.empty(); }
    /// Removes all fields, keeping capacity.
    void clear() noexcept;

private:
    struct span {
        std::uint32_t name_off, name_len, value_off, value_len;
    };
    std::string text_;
    std::vector<span> spans_;
};

/// A complete request. `target` is the raw request-target; `path` is its percent-decoded path part
/// and `query` the raw text after '?'. `version` is 10 or 11.
struct request {
    http::method method = http::method::get;
    std::string method_name;
    std::string target;
    std::string path;
    std::string query;
    int version = 11;
    header_list headers;
    header_list trailers;  ///< fields after a chunked body's last chunk
    std::string body;

    /// The first header called `name`.
    std::optional<std::string_view> header(std::string_view name) const noexcept { return headers.get(name); }
    /// The path part of `target` before percent-decoding (origin-form or absolute-form).
    std::string_view raw_path() const noexcept;
    /// HTTP/1.1: open unless `Connection: close`; HTTP/1.0: open only with `Connection: keep-alive`.
    bool keep_alive() const noexcept;
    /// `Connection: upgrade` and a non-empty `Upgrade` field (WebSocket handshakes).
    bool is_upgrade() const noexcept;
    /// Empties the request for reuse, keeping buffer capacity.
    void clear() noexcept;
};

}  // namespace tallyhub::http
