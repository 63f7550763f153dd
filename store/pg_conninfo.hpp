#pragma once
// --postgres values: a postgresql:// URI or a key=value conninfo string, as libpq reads them
// (PQconninfoParse), checked so that connecting never blocks the reactor:
//   - hosts are IP addresses, socket directories (/run/postgresql) or "localhost" (127.0.0.1 is
//     passed as hostaddr): libpq resolves other names with a blocking getaddrinfo;
//   - the same holds for PGHOST when the string names no host.
// The session settings tallyhub relies on go in with the startup packet (no extra round trip):
// DateStyle ISO, TimeZone UTC, bytea_output hex, client_encoding UTF8, statement_timeout, and
// client_min_messages warning (CREATE … IF NOT EXISTS notices are noise).

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"

namespace tallyhub::store {

/// A checked connection string: the keyword/value pairs libpq gets.
struct pg_conninfo {
    std::vector<std::pair<std::string, std::string>> params;
    std::string display;  ///< "127.0.0.1:5432/tallyhub" (user, host, port, dbname; never the password)

    /// The value of `keyword`, or nullptr.
    const std::string* find(std::string_view keyword) const;
};

/// Parses and checks a --postgres value. On failure `why` (when given) holds libpq's message or ours.
result<pg_conninfo> parse_pg_conninfo(std::string_view text, std::string* why = nullptr);

/// The pairs to hand PQconnectStartParams: `info`'s plus the session settings above (appended to any
/// `options` given), fallback_application_name, and gssencmode=disable unless set (GSSAPI
/// negotiation may call Kerberos libraries that block).
std::vector<std::pair<std::string, std::string>> session_params(const pg_conninfo& info,
                                                                 std::chrono::milliseconds statement_timeout,
                                                                 std::string_view application_name);

}  // namespace tallyhub::store
