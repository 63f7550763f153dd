#pragma once
// Percent-decoding (RFC 3986 §2.1) for request paths and query strings, and query-string parsing in the
// application/x-www-form-urlencoded style browsers use (`+` is a space, but only in queries).

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"

namespace tallyhub::http {

/// Decodes %XX escapes in a path ('+' stays '+'). Errors (status 400): a bad escape, or %00.
result<std::string> decode_path(std::string_view raw);

/// Decodes one query key or value: %XX escapes and '+' → space. Same errors as decode_path.
result<std::string> decode_query_component(std::string_view raw);

/// Appends the decoding of `raw` to `out`; on error `out` holds a partial result.
result<void> percent_decode_into(std::string_view raw, bool plus_is_space, std::string& out);

/// A decoded query string: pairs in order, repeated keys kept, `key` without '=' has an empty value.
class query_params {
public:
    using pair = std::pair<std::string, std::string>;

    /// Parses `a=1&b=x+y&c=%2F` (no leading '?'); empty pieces (`a&&b`) are skipped.
    static result<query_params> parse(std::string_view raw);

    /// The first value of `key`.
    std::optional<std::string_view> get(std::string_view key) const noexcept;
    /// Every value of `key`, in order.
    std::vector<std::string_view> get_all(std::string_view key) const;
    /// True if `key` appears (with or without a value).
    bool contains(std::string_view key) const noexcept { return get(key).has_value(); }

    std::size_t size() const noexcept { return pairs_.size(); }
    bool empty() const noexcept { return pairs_.empty(); }
    auto begin() const noexcept { return pairs_.begin(); }
    auto end() const noexcept { return pairs_.end(); }

private:
    std::vector<pair> pairs_;
};

}  // namespace tallyhub::http
