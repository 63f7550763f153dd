#pragma once
// Binding between the raw JSON texts of hub messages and C++ values: arguments of an invocation
// (and items of an upload stream) into typed parameters, and return values, stream items and the
// arguments of server-to-client calls back into JSON.
//
// The texts come from json_protocol's parser, which has already validated them as JSON, so binding
// only checks that each value has the JSON type the parameter needs. Supported parameter and result
// types: bool, integers (range-checked), double, std::string, json_text (any value, passed on as
// text), std::optional<T> (null → nullopt) and std::vector<T> (a JSON array).
#include <charconv>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "signalr/json_writer.hpp"

namespace tallyhub::signalr {

/// A JSON value kept as its text: a parameter that accepts anything, or a result that is already JSON.
struct json_text {
    std::string text;
};

/// Decodes a JSON string literal (with its quotes) into UTF-8; nullopt when `raw` is not a string.
std::optional<std::string> decode_json_string(std::string_view raw);

/// Splits the raw text of a JSON array into the raw texts of its elements; nullopt when not an array.
std::optional<std::vector<std::string_view>> split_json_array(std::string_view raw);

namespace detail {
std::string_view trim_json(std::string_view raw) noexcept;
bool is_json_number(std::string_view s) noexcept;
}  // namespace detail

/// from_json<T>(raw): the value of `raw` as a T, or nullopt when the JSON type does not fit.
template <typename T>
struct json_binder;

template <typename T>
std::optional<T> from_json(std::string_view raw) {
    return json_binder<T>::read(detail::trim_json(raw));
}

template <>
struct json_binder<bool> {
    static std::optional<bool> read(std::string_view s) {
        if (s == "true") return true;
        if (s == "false") return false;
        return std::nullopt;
    }
};

template <>
struct json_binder<double> {
    static std::optional<double> read(std::string_view s) {
        if (!detail::is_json_number(s)) return std::nullopt;
        double d = 0;
        auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
        if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
        return d;
    }
};

template <typename T>
    requires(std::integral<T> && !std::same_as<T, bool>)
struct json_binder<T> {
    static std::optional<T> read(std::string_view s) {
        T v{};
        auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (ec == std::errc{} && end == s.data() + s.size()) return v;
        if (ec == std::errc::result_out_of_range) return std::nullopt;
        // JavaScript has only doubles: accept 1.0 or 1e3 when integral and in range.
        auto d = json_binder<double>::read(s);
        if (!d || std::trunc(*d) != *d) return std::nullopt;
        long double x = *d;
        if (x < static_cast<long double>(std::numeric_limits<T>::min()) ||
            x > static_cast<long double>(std::numeric_limits<T>::max()))
            return std::nullopt;
        return static_cast<T>(*d);
    }
};


template <>
struct json_binder<std::string> {
    static std::optional<std::string> read(std::string_view s) { return decode_json_string(s); }
};

template <>
struct json_binder<json_text> {
    static std::optional<json_text> read(std::string_view s) { return json_text{std::string(s)}; }
};

template <typename T>
struct json_binder<std::optional<T>> {
    static std::optional<std::optional<T>> read(std::string_view s) {
        // Built in place: g++ 12 -O3 reports a false "may be used uninitialized" when an empty
        // std::optional<T> temporary is moved into the outer optional.
        std::optional<std::optional<T>> out;
        if (s == "null") {
            out.emplace();
            return out;
        }
        auto v = json_binder<T>::read(s);
        if (v) out.emplace(std::in_place, std::move(*v));
        return out;
    }
};

template <typename T>
struct json_binder<std::vector<T>> {
    static std::optional<std::vector<T>> read(std::string_view s) {
        auto parts = split_json_array(s);
        if (!parts) return std::nullopt;
        std::vector<T> out;
        out.reserve(parts->size());
        for (auto p : *parts) {
            auto v = json_binder<T>::read(detail::trim_json(p));
            if (!v) return std::nullopt;
            out.push_back(std::move(*v));
        }
        return out;
    }
};

/// Types with a JSON writer of their own: `void write_json(json_writer&) const`.
template <typename T>
concept json_writable = requires(const T& v, json_writer& w) { v.write_json(w); };

/// Appends `v` as JSON.
inline void to_json(std::string& out, bool v) { out += v ? "true" : "false"; }
inline void to_json(std::string& out, double v) { append_json_double(out, v); }
inline void to_json(std::string& out, std::string_view v) { append_json_string(out, v); }
inline void to_json(std::string& out, const std::string& v) { append_json_string(out, v); }
inline void to_json(std::string& out, const char* v) { append_json_string(out, v); }
inline void to_json(std::string& out, const json_text& v) { out += v.text.empty() ? std::string_view("null") : v.text; }
// The templates are all declared before any is defined: a call inside one (an optional of a vector,
// a vector of a json_writable type from another namespace) must find the others, and argument-
// dependent lookup would not (it searches the namespaces of std:: and of the user's types only).
template <typename T>
    requires(std::integral<T> && !std::same_as<T, bool>)
void to_json(std::string& out, T v);
template <typename T>
void to_json(std::string& out, const std::optional<T>& v);
template <typename T>
void to_json(std::string& out, const std::vector<T>& v);
template <json_writable T>
void to_json(std::string& out, const T& v);

template <typename T>
    requires(std::integral<T> && !std::same_as<T, bool>)
void to_json(std::string& out, T v) {
    if constexpr (std::is_signed_v<T>)
        append_json_int(out, static_cast<std::int64_t>(v));
    else
        append_json_uint(out, static_cast<std::uint64_t>(v));
}
template <typename T>
void to_json(std::string& out, const std::optional<T>& v) {
    if (v)
        to_json(out, *v);
    else
        out += "null";
}
template <typename T>
void to_json(std::string& out, const std::vector<T>& v) {
    out += '[';
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (i) out += ',';
        to_json(out, v[i]);
    }
    out += ']';
}
template <json_writable T>
void to_json(std::string& out, const T& v) {
    json_writer w(out);
    v.write_json(w);
}

/// The JSON text of `v`.
template <typename T>
std::string json_of(const T& v) {
    std::string out;
    to_json(out, v);
    return out;
}

}  // namespace tallyhub::signalr
