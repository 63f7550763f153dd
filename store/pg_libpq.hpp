#pragma once
// libpq glue shared by pg_client.cpp (connection lifecycle) and pg_batch.cpp (one batch as one
// pipeline): the failures run() reports, text conversions, and result ownership. Not a public API.

#include <libpq-fe.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>

#include "store/pg_client.hpp"

namespace tallyhub::store::pg_libpq {

using clock = std::chrono::steady_clock;

// run()'s failures; static reasons (last_error() and last_failure() carry the details).
inline constexpr error down_error{int(pg_errc::unavailable),
                                  "postgres unavailable: waiting to reconnect (health() says why)"};
inline constexpr error connect_error{int(pg_errc::unavailable), "postgres connect failed"};
inline constexpr error busy_error{int(pg_errc::busy), "postgres batch queue full: one is in flight and others wait"};
inline constexpr error rolled_back_error{int(pg_errc::rolled_back),
                                         "postgres refused a statement: the batch was rolled back"};
inline constexpr error lost_error{int(pg_errc::connection_lost),
                                  "postgres connection lost before COMMIT: nothing was committed"};
inline constexpr error unknown_error{
    int(pg_errc::outcome_unknown), "postgres connection lost or timed out after COMMIT was sent: it may have committed"};

// How a wait on the socket ended, inside a batch: the connection is gone (PQerrorMessage says why),
// or the batch's deadline passed. exchange() turns these into run()'s failures.
inline constexpr error io_lost{ECONNRESET, "lost"};
inline constexpr error io_timeout{ETIMEDOUT, "timed out"};

inline std::chrono::nanoseconds remaining(clock::time_point deadline) {
    return std::max(deadline - clock::now(), std::chrono::nanoseconds{0});
}

// libpq's messages end with a newline and may span lines (with tabs); keep one line for logs and /readyz.
inline std::string one_line(const char* msg) {
    std::string s;
    for (const char* p = msg ? msg : ""; *p; ++p) {
        bool space = *p == '\n' || *p == '\t' || *p == ' ';
        if (space && (s.empty() || s.back() == ' ')) continue;
        s += space ? ' ' : *p;
    }
    if (!s.empty() && s.back() == ' ') s.pop_back();
    return s;
}

struct result_deleter {
    void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using result_ptr = std::unique_ptr<PGresult, result_deleter>;

inline pg_result convert(PGresult* res) {
    pg_result out;
    out.command = PQcmdStatus(res);
    const char* tuples = PQcmdTuples(res);
    out.affected = tuples && *tuples ? std::strtoll(tuples, nullptr, 10) : PQntuples(res);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) return out;
    int cols = PQnfields(res), rows = PQntuples(res);
    out.columns.reserve(std::size_t(cols));
    for (int c = 0; c < cols; ++c) out.columns.emplace_back(PQfname(res, c));
    out.rows.resize(std::size_t(rows));
    for (int r = 0; r < rows; ++r) {
        auto& row = out.rows[std::size_t(r)];
        row.reserve(std::size_t(cols));
        for (int c = 0; c < cols; ++c) {
            if (PQgetisnull(res, r, c)) row.emplace_back(std::nullopt);
            else row.emplace_back(std::string(PQgetvalue(res, r, c), std::size_t(PQgetlength(res, r, c))));
        }
    }
    return out;
}

inline std::string sql_excerpt(const std::string& sql) {
    std::string s = sql.substr(0, 60);
    for (char& c : s)
        if (c == '\n' || c == '\t') c = ' ';
    return sql.size() > 60 ? s + "…" : s;
}

}  // namespace tallyhub::store::pg_libpq
