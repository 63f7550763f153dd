#include "store/redis_url.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cerrno>
#include <charconv>
#include <climits>
#include <cstring>

#include <fmt/format.h>

namespace tallyhub::store {

namespace {

constexpr error bad_scheme{EINVAL, "redis URL must start with redis:// (rediss://, Redis over TLS, is not supported)"};
constexpr error no_host{EINVAL, "redis URL has no host (expected redis://host:port/db)"};
constexpr error bad_host{EINVAL, "redis URL host must be an IP address or localhost (no DNS lookups on the reactor)"};
constexpr error bad_port{EINVAL, "redis URL port must be a number from 1 to 65535"};
constexpr error bad_db{EINVAL, "redis URL database must be a number (redis://host:port/0)"};
constexpr error bad_escape{EINVAL, "redis URL has a bad percent escape in its user or password"};
constexpr error has_query{EINVAL, "redis URL query parameters and fragments are not supported"};

bool decode_percent(std::string_view in, std::string& out) {
    out.clear();
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] != '%') {
            out += in[i];
            continue;
        }
        unsigned v = 0;
        if (i + 2 >= in.size()) return false;
        auto r = std::from_chars(in.data() + i + 1, in.data() + i + 3, v, 16);
        if (r.ec != std::errc{} || r.ptr != in.data() + i + 3) return false;
        out += char(v);
        i += 2;
    }
    return true;
}

template <typename Int>
bool parse_number(std::string_view s, Int& v) {
    if (s.empty()) return false;
    auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    return r.ec == std::errc{} && r.ptr == s.data() + s.size();
}

}  // namespace

std::string redis_endpoint::display() const {
    bool v6 = host.find(':') != std::string::npos;
    return fmt::format("{}{}{}:{}/{}", v6 ? "[" : "", host, v6 ? "]" : "", port, db);
}

result<redis_endpoint> parse_redis_url(std::string_view url) {
    redis_endpoint ep;
    std::string_view rest = url;
    if (rest.starts_with("redis://")) {
        rest.remove_prefix(8);
    } else if (rest.find("://") != std::string_view::npos) {
        return bad_scheme;
    }
    if (rest.find_first_of("?#") != std::string_view::npos) return has_query;

    // [user[:password]@]
    if (auto at = rest.rfind('@'); at != std::string_view::npos) {
        std::string_view info = rest.substr(0, at);
        rest.remove_prefix(at + 1);
        std::string_view user = info, pass;
        if (auto colon = info.find(':'); colon != std::string_view::npos) {
            user = info.substr(0, colon);
            pass = info.substr(colon + 1);
        }
        if (!decode_percent(user, ep.username) || !decode_percent(pass, ep.password)) return bad_escape;
        if (ep.password.empty() && !ep.username.empty()) {
            // redis://secret@host: a lone word is the password (as redis-cli -u reads it).
            ep.password = std::move(ep.username);
            ep.username.clear();
        }
    }

    // host[:port][/db]
    std::string_view hostport = rest, path;
    if (auto slash = rest.find('/'); slash != std::string_view::npos) {
        hostport = rest.substr(0, slash);
        path = rest.substr(slash + 1);
    }
    std::string_view host = hostport, port;
    if (hostport.starts_with('[')) {
        auto close = hostport.find(']');
        if (close == std::string_view::npos) return bad_host;
        host = hostport.substr(1, close - 1);
        std::string_view after = hostport.substr(close + 1);
        if (!after.empty()) {
            if (after[0] != ':') return bad_host;
            port = after.substr(1);
            if (port.empty()) return bad_port;
        }
    } else if (auto colon = hostport.find(':'); colon != std::string_view::npos) {
        host = hostport.substr(0, colon);
        port = hostport.substr(colon + 1);
        if (port.empty()) return bad_port;
    }
    if (host.empty()) return no_host;
    if (!port.empty()) {
        unsigned p = 0;
        if (!parse_number(port, p) || p == 0 || p > 65535) return bad_port;
        ep.port = std::uint16_t(p);
    }
    if (!path.empty()) {
        if (!parse_number(path, ep.db) || ep.db < 0) return bad_db;
    }

    ep.host = std::string(host);
    std::string numeric = host == "localhost" ? "127.0.0.1" : ep.host;
    std::memset(&ep.addr, 0, sizeof ep.addr);
    auto* v4 = reinterpret_cast<sockaddr_in*>(&ep.addr);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&ep.addr);
    if (::inet_pton(AF_INET, numeric.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(ep.port);
        ep.addr_len = sizeof(sockaddr_in);
    } else if (::inet_pton(AF_INET6, numeric.c_str(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(ep.port);
        ep.addr_len = sizeof(sockaddr_in6);
    } else {
        return bad_host;
    }
    return ep;
}

}  // namespace tallyhub::store
