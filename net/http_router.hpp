#pragma once
// Routing by method and path. A route is an exact path (`/healthz`) or a prefix that covers itself and
// every path below it (`/hubs/metrics` covers `/hubs/metrics/negotiate`, not `/hubs/metricsx`).
// The most specific match decides: the routes whose pattern is longest among those matching the path
// form the resource; if none of them takes the method, the answer is 405 with their methods in `Allow`.
// HEAD uses the GET route when no HEAD route exists. Routes are few, so lookup is a linear scan.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "net/http_request.hpp"

namespace tallyhub::http {

/// The methods a resource allows, rendered for an `Allow` header ("GET, HEAD, POST").
std::string allow_header_value(std::uint32_t method_mask);

/// Bit for `m` in a method mask.
constexpr std::uint32_t method_bit(method m) noexcept { return std::uint32_t{1} << static_cast<unsigned>(m); }

/// Routes requests to handlers of type Handler (copied into the router).
template <typename Handler>
class router {
public:
    /// The result of match(): status 200 with a handler, 404, or 405 with `allow` filled.
    struct match_result {
        int status = 404;
        const Handler* handler = nullptr;
        std::string allow;          ///< `Allow` value for 405
        std::string_view pattern;   ///< the route's path or prefix (for 200)
    };

    /// Routes `m` on exactly `path`; a second add for the same method and path replaces the handler.
    void add(method m, std::string path, Handler h) { insert(m, std::move(path), false, std::move(h)); }

    /// Routes `m` on `prefix` and everything below it; a prefix ending in '/' covers every path starting with it.
    void add_prefix(method m, std::string prefix, Handler h) { insert(m, std::move(prefix), true, std::move(h)); }

    /// Finds the handler for `m` on the decoded `path`.
    match_result match(method m, std::string_view path) const {
        std::size_t best = 0;
        bool any = false;
        for (const route& r : routes_)
            if (covers(r, path) && (!any || r.pattern.size() > best)) best = r.pattern.size(), any = true;
        match_result out;
        if (!any) return out;

        const route* exact = nullptr;
        const route* prefix = nullptr;
        const route* get_fallback = nullptr;
        std::uint32_t mask = 0;
        for (const route& r : routes_) {
            if (r.pattern.size() != best || !covers(r, path)) continue;
            mask |= method_bit(r.verb);
            if (r.verb == m) (r.prefix ? prefix : exact) = &r;
            if (m == method::head && r.verb == method::get && (!get_fallback || !r.prefix)) get_fallback = &r;
        }
        const route* chosen = exact ? exact : prefix ? prefix : get_fallback;
        if (chosen) {
            out.status = 200;
            out.handler = &chosen->handler;
            out.pattern = chosen->pattern;
            return out;
        }
        out.status = 405;
        out.allow = allow_header_value(mask);
        return out;
    }

    /// Number of registered routes.
    std::size_t size() const noexcept { return routes_.size(); }

private:
    struct route {
        method verb;
        std::string pattern;
        bool prefix;
        Handler handler;
    };

    static bool covers(const route& r, std::string_view path) noexcept {
        std::string_view p = r.pattern;
        if (!r.prefix) return path == p;
        if (path.size() < p.size() || path.substr(0, p.size()) != p) return false;
        return path.size() == p.size() || p.back() == '/' || path[p.size()] == '/';
    }

    void insert(method m, std::string pattern, bool prefix, Handler h) {
        for (route& r : routes_)
            if (r.verb == m && r.prefix == prefix && r.pattern == pattern) {
                r.handler = std::move(h);
                return;
            }
        routes_.push_back(route{m, std::move(pattern), prefix, std::move(h)});
    }

    std::vector<route> routes_;
};

}  // namespace tallyhub::http
