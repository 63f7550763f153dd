#pragma once
// pg_client: one PostgreSQL connection on the calling core's reactor (libpq, non-blocking, pipeline
// mode), for the tick's durable commit (DESIGN §6) and the restore at start.
//
// A batch is one transaction: BEGIN, the statements, COMMIT and a Sync go out as one pipeline, in
// one write, and the results come back in one pass; one round trip per tick. Parameters are text
// (NULL as nullopt), results are text rows. All or nothing: when the server refuses a statement it
// skips the rest, the transaction is rolled back (ROLLBACK is sent when the block is left open) and
// run() fails with pg_errc::rolled_back; last_failure() has the SQLSTATE, the server's message and
// the statement's index.
//
// I/O: libpq owns the socket and the protocol; the reactor owns the waiting. Connecting is
// PQconnectStartParams + PQconnectPoll, each step awaiting io::poll on PQsocket (libpq may replace
// the socket between steps, so the backend forgets the old fd each time). A batch is queued with
// PQsendQueryParams and PQpipelineSync, flushed with PQflush until 0 (awaiting POLLOUT, reading
// what the server sends meanwhile), and read with PQconsumeInput / PQisBusy / PQgetResult on POLLIN.
//
// Lifecycle, on ONE reactor (core 0):
//   1. construct with a checked conninfo (store/pg_conninfo.hpp); nothing happens yet;
//   2. `co_await connect()`, then the schema and the restore (store/pg_schema.hpp);
//   3. each tick, if `!busy()`, spawn a coroutine that awaits `run(tick batch)`; while one is in flight
//      the tick loop keeps merging into the next batch (and stops granting AMQP credit when it lags);
//   4. destroy it on that reactor's thread once no run() is in flight.
//
// Failures degrade, they never block: connection refused, lost, or a batch past `batch_timeout`
// drops the connection and marks the link down; until the backoff has passed run() fails at once
// (pg_errc::unavailable); the first call after it reconnects. A connection the server closed while
// idle (pg_ctl restart) is noticed before sending and replaced at once. A batch whose COMMIT may have
// reached the server before the connection failed reports pg_errc::outcome_unknown: the tick's
// dedup row (store/pg_schema.hpp) makes retrying it safe.

#include <chrono>
#include <coroutine>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/task.hpp"
#include "store/link_health.hpp"
#include "store/pg_conninfo.hpp"

struct pg_conn;

namespace tallyhub::store {

/// One statement with its text parameters ($1, $2, …); nullopt is SQL NULL.
struct pg_statement {
    std::string sql;
    std::vector<std::optional<std::string>> params;
};

/// Statements run as one transaction.
struct pg_batch {
    std::vector<pg_statement> statements;
    /// How the transaction starts ("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY" for a restore).
    /// Empty: no BEGIN/COMMIT; the statements still form one implicit transaction up to the Sync.
    std::string begin = "BEGIN";

    pg_batch& add(std::string sql, std::vector<std::optional<std::string>> params = {}) {
        statements.push_back({std::move(sql), std::move(params)});
        return *this;
    }
};

/// One statement's outcome: the command tag and, for queries, the rows as text.
struct pg_result {
    std::string command;                   ///< "INSERT 0 1", "SELECT 3", "DELETE 0"
    std::int64_t affected = 0;             ///< rows inserted, updated, deleted or returned
    std::vector<std::string> columns;
    std::vector<std::vector<std::optional<std::string>>> rows;  ///< nullopt: NULL
};

/// What went wrong (error::code of run()'s failures is an int(pg_errc)).
enum class pg_errc : int {
    unavailable = 1,   ///< not connected (waiting out the backoff, or reconnecting failed): nothing sent
    busy,              ///< a batch is in flight and max_queued wait already: nothing sent
    rolled_back,       ///< the server refused a statement: nothing of the batch was committed
    connection_lost,   ///< the connection failed before COMMIT was sent: nothing was committed
    outcome_unknown,   ///< the connection failed or timed out after COMMIT was sent: it may have committed
};

/// The details of the last failure.
struct pg_failure {
    pg_errc kind = pg_errc::unavailable;
    std::string sqlstate;   ///< the server's SQLSTATE ("23505"), empty when not from the server
    std::string message;    ///< the server's or libpq's message, one line
    std::string detail;     ///< the server's DETAIL, if any
    int statement = -1;     ///< index into pg_batch::statements of the refused statement, or -1
};

struct pg_options {
    std::chrono::milliseconds connect_timeout{5000};    ///< the whole connect (TCP, TLS, auth)
    std::chrono::milliseconds statement_timeout{10000}; ///< server side, per statement (0: none)
    std::chrono::milliseconds batch_timeout{15000};     ///< client side, per batch: then the link is dropped
    backoff_policy backoff{};
    std::size_t max_queued = 1;                         ///< batches that may wait behind the one in flight
    std::string application_name = "tallyhub";
};

/// Counters for /metrics (single writer: the owning reactor).
struct pg_stats {
    std::uint64_t batches = 0;        ///< committed batches
    std::uint64_t statements = 0;     ///< statements in those
    std::uint64_t rolled_back = 0;
    std::uint64_t failures = 0;       ///< batches that failed for any other reason
    std::uint64_t rejected_busy = 0;
    std::uint64_t connects = 0;
};

class pg_client {
public:
    explicit pg_client(pg_conninfo info, pg_options opts = {});
    ~pg_client();
    pg_client(const pg_client&) = delete;
    pg_client& operator=(const pg_client&) = delete;

    /// Connects now (or confirms the connection is up), honouring the backoff while down.
    task<result<void>> connect();

    /// Runs `batch` as one transaction and returns one result per statement (BEGIN/COMMIT not
    /// included). Failures: error{int(pg_errc), reason}; last_failure() has the details.
    task<result<std::vector<pg_result>>> run(pg_batch batch);

    /// One round trip (a bare Sync) to check that the server answers; for idle periods.
    task<result<void>> ping();

    /// True while a batch (or connect) is in flight: a new run() would queue or fail with busy.
    bool busy() const noexcept { return busy_; }
    const link_health& health() const noexcept { return health_; }
    /// The last failure in one line, for logs and /readyz.
    const std::string& last_error() const noexcept { return last_error_; }
    const pg_failure& last_failure() const noexcept { return failure_; }
    const pg_stats& stats() const noexcept { return stats_; }
    const pg_conninfo& conninfo() const noexcept { return info_; }

    /// Closes the connection (a later call reconnects). Not while a batch is in flight.
    void disconnect() noexcept;

private:
    struct turn_awaiter {
        pg_client* c;
        bool await_ready() const noexcept { return !c->busy_; }
        void await_suspend(std::coroutine_handle<> h) { c->waiters_.push_back(h); }
        void await_resume() const noexcept { c->busy_ = true; }
    };
    struct turn_guard {
        pg_client* c;
        ~turn_guard() { c->end_turn(); }
    };
    struct exchange_state;
    void end_turn() noexcept;
    bool take_turn_or_refuse();

    task<result<void>> ensure_connected();
    task<result<void>> open_connection();
    task<result<void>> flush(std::chrono::steady_clock::time_point deadline);
    task<result<void>> await_result(std::chrono::steady_clock::time_point deadline);
    task<result<std::vector<pg_result>>> exchange(const pg_batch& batch);
    task<void> rollback(std::chrono::steady_clock::time_point deadline);
    bool peer_closed() noexcept;
    void track_socket() noexcept;
    void close_connection() noexcept;
    error fail(pg_errc kind, std::string message, std::string sqlstate = {}, std::string detail = {},
               int statement = -1);

    pg_conninfo info_;
    pg_options opts_;
    ::pg_conn* conn_ = nullptr;
    int sock_ = -1;
    bool busy_ = false;
    std::deque<std::coroutine_handle<>> waiters_;
    link_health health_;
    std::string last_error_;
    pg_failure failure_;
    pg_stats stats_;
};

}  // namespace tallyhub::store
