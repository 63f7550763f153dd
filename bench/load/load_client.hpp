#pragma once
// tallyhub-load's connections and what they count (see bench/load/README.md). One load_run owns
// every connection and runs on one reactor thread: setup workers open connections (at most
// `concurrency` at once), each established connection has one receive loop, and run() walks the
// phases: connect, warm-up, measure, hold, close.

#include <netinet/in.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/histogram.hpp"
#include "core/reactor.hpp"
#include "core/task.hpp"

namespace tallyhub::load {

struct load_options {
    // The target, from the URL.
    std::string url;
    std::string host;      ///< as written in the URL (the Host header)
    sockaddr_in target{};  ///< where to connect
    std::string path = "/";
    bool raw = false;      ///< plain WebSocket (ws://): no negotiate, no SignalR handshake
    // What to do.
    std::size_t connections = 1000;
    std::size_t concurrency = 64;
    bool messagepack = false;
    bool negotiate = true;
    std::vector<in_addr> sources;  ///< source addresses, round robin
    std::chrono::milliseconds warmup{1000};
    std::chrono::milliseconds duration{10000};
    std::chrono::milliseconds hold{0};
    std::chrono::milliseconds connect_timeout{60000};
    std::chrono::milliseconds setup_timeout{10000};  ///< one connection's negotiate + upgrade + handshake
    backend_kind backend = backend_kind::automatic;
    bool progress = false;
};

/// Counters of one run. The measure_* fields count only inside the measurement window.
struct load_stats {
    std::size_t established = 0;
    std::size_t failed = 0;
    std::map<std::string, std::size_t> failures;  ///< reason -> count
    histogram setup_us;                            ///< first connect() to the handshake response
    std::size_t open = 0;                          ///< established and not yet closed
    std::size_t closed_by_server = 0;              ///< ever; measure_closed counts the window
    // Everything received since the start (for the progress line).
    std::uint64_t messages = 0, frames = 0, bytes = 0;
    // The measurement window.
    bool measuring = false;
    std::uint64_t measure_messages = 0, measure_frames = 0, measure_bytes = 0, measure_closed = 0;
    std::uint64_t untimed = 0;  ///< messages with invocations but no readable Timestamp (not in latency_ms)
    histogram latency_ms;       ///< per message: receipt minus its first Timestamp
    std::size_t protocol_errors = 0;
};

struct load_conn;

/// CPU time (user + system) of this process so far, in seconds.
double process_cpu_seconds();
/// True when stdin is a pipe, socket or terminal (not /dev/null or a file): its EOF can end a hold.
bool stdin_can_end();
/// True once stdin reached EOF (never blocks).
bool stdin_ended();

class load_run {
public:
    explicit load_run(load_options o);
    ~load_run();
    load_run(const load_run&) = delete;
    load_run& operator=(const load_run&) = delete;

    /// The whole run; prints the stdout lines and returns the exit status.
    task<int> run();

    const load_stats& stats() const noexcept { return stats_; }
    const load_options& options() const noexcept { return o_; }

private:
    friend struct load_conn;
    task<void> setup_worker();
    task<void> open_one(std::size_t index);
    task<bool> setup(load_conn& c);
    task<void> receive_loop(load_conn& c);
    task<void> keep_alive();
    task<void> progress_line();
    task<void> close_all();
    void fail(std::string reason);  // counts a connection that did not come up, by reason
    void consume(load_conn& c, std::string_view bytes);
    void on_message(load_conn& c, std::string_view payload);
    std::string report_json() const;
    std::string connected_json() const;

    load_options o_;
    load_stats stats_;
    std::vector<std::unique_ptr<load_conn>> conns_;
    std::size_t next_ = 0;           // next connection index to open
    std::size_t workers_ = 0;        // setup workers still running
    std::size_t loops_ = 0;          // receive loops still running
    bool stopping_ = false;
    bool done_ = false;              // tells the timers to end
    std::chrono::steady_clock::time_point started_, connected_at_, measure_start_, measure_end_;
    double measure_cpu_s_ = 0;
    double connect_seconds_ = 0;
    double connect_cpu_s_ = 0;  // this process's CPU time while connecting
};

}  // namespace tallyhub::load
