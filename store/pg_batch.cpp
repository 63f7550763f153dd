// One batch as one pipeline on pg_client's connection: queue, flush, read the results in order, and
// roll back what a refused statement left open (store/pg_client.hpp describes the protocol).

#include <libpq-fe.h>
#include <poll.h>

#include <cerrno>

#include <fmt/format.h>

#include "core/io.hpp"
#include "core/reactor.hpp"
#include "store/pg_client.hpp"
#include "store/pg_libpq.hpp"

namespace tallyhub::store {

using namespace pg_libpq;
using namespace std::chrono_literals;

namespace {

// What the server said about statement `index` (-1: BEGIN; past the statements: COMMIT).
pg_failure refusal(PGresult* res, const pg_batch& batch, int index) {
    const char* state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    const char* primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    const char* detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
    bool in_batch = index >= 0 && std::size_t(index) < batch.statements.size();
    std::string what = in_batch ? fmt::format("statement {} ({})", index, sql_excerpt(batch.statements[std::size_t(index)].sql))
                                : std::string(index < 0 ? "BEGIN" : "COMMIT");
    std::string message = primary ? one_line(primary) : one_line(PQresultErrorMessage(res));
    return pg_failure{pg_errc::rolled_back, state ? state : "", what + ": " + message, detail ? one_line(detail) : "",
                      in_batch ? index : -1};
}

}  // namespace

// Pushes libpq's output buffer into the socket. While the socket is full, what the server sends
// meanwhile is read too, so neither side can stall the other.
task<result<void>> pg_client::flush(clock::time_point deadline) {
    for (;;) {
        int f = PQflush(conn_);
        track_socket();
        if (f == 0) co_return result<void>{};
        if (f < 0 || sock_ < 0) co_return io_lost;
        auto left = remaining(deadline);
        if (left.count() == 0) co_return io_timeout;
        int32_t r = co_await io::poll(sock_, POLLOUT).timeout(std::min<std::chrono::nanoseconds>(left, 50ms));
        if (r < 0 && r != -ETIMEDOUT) co_return io_lost;
        bool read_ok = PQconsumeInput(conn_) == 1;
        track_socket();
        if (!read_ok) co_return io_lost;
    }
}

// Waits until PQgetResult can return without blocking.
task<result<void>> pg_client::await_result(clock::time_point deadline) {
    for (;;) {
        if (PQstatus(conn_) == CONNECTION_BAD || sock_ < 0) co_return io_lost;
        if (!PQisBusy(conn_)) co_return result<void>{};
        auto left = remaining(deadline);
        if (left.count() == 0) co_return io_timeout;
        int32_t r = co_await io::poll(sock_, POLLIN).timeout(left);
        if (r == -ETIMEDOUT) co_return io_timeout;
        if (r < 0) co_return io_lost;
        bool read_ok = PQconsumeInput(conn_) == 1;
        track_socket();
        if (!read_ok) co_return io_lost;
    }
}

// ROLLBACK for a transaction block left open by a refused statement. If even that fails, the
// connection goes: the server rolls back what a closed session left open.
task<void> pg_client::rollback(clock::time_point deadline) {
    bool ok = PQsendQueryParams(conn_, "ROLLBACK", 0, nullptr, nullptr, nullptr, nullptr, 0) == 1 &&
              PQpipelineSync(conn_) == 1;
    if (ok) {
        auto flushed = co_await flush(deadline);
        ok = flushed.ok();
    }
    for (int step = 0; ok && step < 3; ++step) {  // ROLLBACK's result, its NULL, the Sync
        auto ready = co_await await_result(deadline);
        if (!ready) {
            ok = false;
            break;
        }
        result_ptr res(PQgetResult(conn_));
        if (step == 0) ok = res && PQresultStatus(res.get()) == PGRES_COMMAND_OK;
        if (step == 1) ok = !res;
        if (step == 2) ok = res && PQresultStatus(res.get()) == PGRES_PIPELINE_SYNC;
    }
    if (!ok || PQtransactionStatus(conn_) != PQTRANS_IDLE) {
        close_connection();
        health_.state = link_state::disconnected;
    }
}

// One batch as one pipeline: [BEGIN] statements… [COMMIT] Sync, flushed together, results read in
// order. After a refused statement the server skips everything up to the Sync (PIPELINE_ABORTED).
task<result<std::vector<pg_result>>> pg_client::exchange(const pg_batch& batch) {
    auto deadline = clock::now() + opts_.batch_timeout;
    const bool wrapped = !batch.begin.empty();
    const std::size_t n = batch.statements.size();
    bool commit_sent = false;  // from here on, a lost connection leaves the outcome unknown
    bool committed = false;

    auto lost = [&](const char* when) {
        std::string why = one_line(PQerrorMessage(conn_));
        if (why.empty()) why = "connection closed";
        return fail(commit_sent ? pg_errc::outcome_unknown : pg_errc::connection_lost,
                    fmt::format("{}: {} {}", info_.display, when, why));
    };
    auto timed_out = [&](const char* when) {
        return fail(commit_sent ? pg_errc::outcome_unknown : pg_errc::connection_lost,
                    fmt::format("{}: no answer within {} ms ({})", info_.display, opts_.batch_timeout.count(), when));
    };

    std::vector<const char*> values;
    auto send = [&](const std::string& sql, const std::vector<std::optional<std::string>>* params) {
        values.clear();
        if (params)
            for (const auto& p : *params) values.push_back(p ? p->c_str() : nullptr);
        return PQsendQueryParams(conn_, sql.c_str(), int(values.size()), nullptr, values.data(), nullptr, nullptr,
                                 0) == 1;
    };
    for (std::size_t i = 0; i < n; ++i)  // the protocol counts parameters in 16 bits
        if (batch.statements[i].params.size() > 65535)
            co_return fail(pg_errc::rolled_back, "more than 65535 parameters: nothing was sent", {}, {}, int(i));
    static const std::string commit_sql = "COMMIT";
    bool queued = !wrapped || send(batch.begin, nullptr);
    for (std::size_t i = 0; queued && i < n; ++i) queued = send(batch.statements[i].sql, &batch.statements[i].params);
    if (queued && wrapped) {
        commit_sent = true;
        queued = send(commit_sql, nullptr);
    }
    if (queued) {
        commit_sent = true;
        queued = PQpipelineSync(conn_) == 1;
    }
    track_socket();
    if (!queued) co_return lost("sending:");
    if (auto f = co_await flush(deadline); !f) {
        if (f.err().code == ETIMEDOUT) co_return timed_out("writing");
        co_return lost("writing:");
    }

    std::vector<pg_result> results;
    results.reserve(n);
    std::optional<pg_failure> refused;
    const std::size_t total = n + (wrapped ? 2 : 0);
    for (std::size_t q = 0; q < total; ++q) {
        const int index = wrapped ? int(q) - 1 : int(q);  // -1: BEGIN; n: COMMIT
        const bool is_commit = wrapped && q + 1 == total;
        for (;;) {
            if (auto w = co_await await_result(deadline); !w) {
                if (committed) {  // COMMIT answered: the batch is durable; only the link failed after it
                    close_connection();
                    health_.state = link_state::disconnected;
                    break;
                }
                if (w.err().code == ETIMEDOUT) co_return timed_out("reading results");
                co_return lost("reading results:");
            }
            result_ptr res(PQgetResult(conn_));
            if (!res) break;  // the end of this statement's results
            switch (PQresultStatus(res.get())) {
            case PGRES_COMMAND_OK:
            case PGRES_TUPLES_OK:
                if (is_commit) committed = true;
                else if (index >= 0 && std::size_t(index) < n) results.push_back(convert(res.get()));
                break;
            case PGRES_PIPELINE_ABORTED: break;  // skipped after an earlier refusal
            case PGRES_FATAL_ERROR:
                if (PQstatus(conn_) == CONNECTION_BAD) co_return lost("reading results:");
                if (!refused) refused = refusal(res.get(), batch, index);
                break;
            default:  // COPY and other modes a batch cannot drive: give up on this connection
                close_connection();
                health_.state = link_state::disconnected;
                co_return fail(pg_errc::rolled_back,
                               fmt::format("unsupported result {} (COPY is not supported in a batch)",
                                           PQresStatus(PQresultStatus(res.get()))), {}, {}, index);
            }
        }
        if (committed && !conn_) break;
    }
    if (conn_) {
        // The Sync's own result closes the pipeline's batch.
        auto synced = co_await await_result(deadline);
        result_ptr res(synced.ok() ? PQgetResult(conn_) : nullptr);
        if (!res || PQresultStatus(res.get()) != PGRES_PIPELINE_SYNC) {
            if (committed) {
                close_connection();
                health_.state = link_state::disconnected;
            } else {
                co_return lost("reading the sync:");
            }
        }
    }
    if (refused) {
        if (conn_ && PQtransactionStatus(conn_) == PQTRANS_INERROR) co_await rollback(deadline);
        co_return fail(pg_errc::rolled_back, std::move(refused->message), std::move(refused->sqlstate),
                       std::move(refused->detail), refused->statement);
    }
    co_return results;
}

}  // namespace tallyhub::store
