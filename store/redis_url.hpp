#pragma once
// --redis values: redis://[[user]:password@]host[:port][/db], or plain host:port.
//
// Hosts are IP addresses (IPv6 in brackets: redis://[::1]:6379/0) or "localhost" (127.0.0.1): the
// reactor never resolves names, since getaddrinfo blocks. Port 6379 and database 0 by default. A
// password (percent-decoded) makes the client send AUTH first, with the user when one is given
// (Redis 6 ACLs). rediss:// (TLS) and query parameters are refused with a message saying so.

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace tallyhub::store {

/// Where a Redis server is and how to log in.
struct redis_endpoint {
    std::string host = "127.0.0.1";  ///< as written ("localhost" stays "localhost")
    std::uint16_t port = 6379;
    int db = 0;                      ///< SELECT after connecting (when not 0)
    std::string username;            ///< AUTH username; empty: AUTH with the password alone
    std::string password;            ///< empty: no AUTH
    sockaddr_storage addr{};         ///< the socket address host:port resolves to (no DNS)
    socklen_t addr_len = 0;

    /// "127.0.0.1:6379/0", for logs and health reasons (never the password).
    std::string display() const;
};

/// Parses a --redis value. The error's reason says what is wrong with it.
result<redis_endpoint> parse_redis_url(std::string_view url);

}  // namespace tallyhub::store
