#include "bench/load/load_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

#include <fmt/format.h>

#include "bench/load/load_conn.hpp"
#include "bench/load/load_wire.hpp"
#include "core/io.hpp"
#include "net/connection.hpp"
#include "net/ws_frame.hpp"
#include "net/ws_handshake.hpp"

namespace tallyhub::load {

using clock_type = std::chrono::steady_clock;
using namespace std::chrono_literals;
using namespace std::string_view_literals;

namespace {

// A SignalR Ping from every connection this often keeps it under the server's client timeout (30 s).
constexpr auto ping_every = 10s;

std::int64_t unix_ms_now() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace


load_run::load_run(load_options o) : o_(std::move(o)) { conns_.resize(o_.connections); }
load_run::~load_run() = default;

void load_run::fail(std::string reason) {
    ++stats_.failed;
    ++stats_.failures[std::move(reason)];
}

task<int> load_run::run() {
    started_ = clock_type::now();
    const double cpu_at_start = process_cpu_seconds();
    reactor& loop = reactor::current();
    loop.spawn(progress_line());
    workers_ = std::min(o_.concurrency, o_.connections);
    for (std::size_t i = 0; i < workers_; ++i) loop.spawn(setup_worker());
    const auto connect_deadline = started_ + o_.connect_timeout;
    while (workers_ > 0 && clock_type::now() < connect_deadline) co_await io::sleep(5ms);
    if (workers_ > 0) {
        // What is still being set up counts as failed; the workers end when their step does.
        stopping_ = true;
        const std::size_t pending = o_.connections - stats_.established - stats_.failed;
        stats_.failed += pending;
        stats_.failures["connect-timeout"] += pending;
    }
    connected_at_ = clock_type::now();
    connect_seconds_ = std::chrono::duration<double>(connected_at_ - started_).count();
    connect_cpu_s_ = process_cpu_seconds() - cpu_at_start;
    fmt::print("connected {}\n", connected_json());
    std::fflush(stdout);
    if (!o_.raw) loop.spawn(keep_alive());

    if (!stopping_ && o_.duration.count() > 0) {
        co_await io::sleep(o_.warmup);
        stats_.measuring = true;
        measure_start_ = clock_type::now();
        const double cpu0 = process_cpu_seconds();
        fmt::print("measuring {}\n", stats_.open);  // a script samples the server from here...
        std::fflush(stdout);
        co_await io::sleep(o_.duration);
        stats_.measuring = false;
        measure_end_ = clock_type::now();
        measure_cpu_s_ = process_cpu_seconds() - cpu0;
        fmt::print("measured {}\n", stats_.open);  // ...to here
        std::fflush(stdout);
    }
    if (!stopping_ && o_.hold.count() > 0) {
        fmt::print("ready {}\n", stats_.open);
        std::fflush(stdout);
        const auto until = clock_type::now() + o_.hold;
        const bool watch = stdin_can_end();
        while (clock_type::now() < until && !(watch && stdin_ended())) co_await io::sleep(20ms);
    }
    co_await close_all();
    done_ = true;
    fmt::print("report {}\n", report_json());
    std::fflush(stdout);
    const bool clean = stats_.failed == 0 && stats_.established == o_.connections && stats_.measure_closed == 0 &&
                       stats_.protocol_errors == 0;
    co_return clean ? 0 : 1;
}

task<void> load_run::setup_worker() {
    while (!stopping_ && next_ < o_.connections) {
        const std::size_t i = next_++;
        co_await open_one(i);
    }
    --workers_;
}

task<void> load_run::open_one(std::size_t index) {
    auto owned = std::make_unique<load_conn>();
    load_conn& c = *owned;
    c.index = index;
    conns_[index] = std::move(owned);
    const auto t0 = clock_type::now();
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        fail(fmt::format("socket: {}", std::strerror(errno)));
        conns_[index].reset();
        co_return;
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (!o_.sources.empty()) {
        // Let connect() pick the port, so each source address has its own ~28,000 ports.
        ::setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
        sockaddr_in src{};
        src.sin_family = AF_INET;
        src.sin_addr = o_.sources[index % o_.sources.size()];
        if (::bind(fd, reinterpret_cast<const sockaddr*>(&src), sizeof src) != 0) {
            fail(fmt::format("bind: {}", std::strerror(errno)));
            ::close(fd);
            conns_[index].reset();
            co_return;
        }
    }
    const int32_t rc = co_await io::connect(fd, reinterpret_cast<const sockaddr*>(&o_.target), sizeof o_.target)
                           .timeout(o_.setup_timeout);
    if (rc < 0) {
        fail(fmt::format("connect: {}", std::strerror(-rc)));
        ::close(fd);
        conns_[index].reset();
        co_return;
    }
    c.conn = std::make_unique<net::connection>(fd);
    c.conn->set_deadline(clock_type::now() + o_.setup_timeout);
    const bool ok = co_await setup(c);
    c.conn->clear_deadline();
    if (!ok || stopping_) {
        if (ok) fail("connect-timeout");
        co_await c.conn->close(0ms);
        conns_[index].reset();
        co_return;
    }
    c.established = true;
    ++stats_.established;
    ++stats_.open;
    stats_.setup_us.record(static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - t0).count()));
    ++loops_;
    reactor::current().spawn(receive_loop(c));
}

task<void> load_run::receive_loop(load_conn& c) {
    net::connection& conn = *c.conn;
    if (!c.in.empty()) {
        std::string first = std::move(c.in);
        c.in.clear();
        consume(c, first);
    }
    while (!c.closing) {
        net::read_result r = co_await conn.read();
        if (r.status <= 0) break;
        stats_.bytes += r.bytes.size();
        if (stats_.measuring) stats_.measure_bytes += r.bytes.size();
        consume(c, r.bytes);
    }
    if (!stopping_) {  // the server's Close, its EOF, or a frame the tool could not read
        ++stats_.closed_by_server;
        if (stats_.measuring) ++stats_.measure_closed;
    }
    --stats_.open;
    c.closing = true;
    co_await conn.close(stopping_ ? 500ms : 0ms);
    --loops_;
}

void load_run::consume(load_conn& c, std::string_view bytes) {
    std::string_view in = bytes;
    if (!c.in.empty()) {
        c.in.append(bytes);
        in = c.in;
    }
    std::size_t used = 0;
    while (!c.closing) {
        server_frame f;
        const frame_status st = next_server_frame(in.substr(used), f, max_payload);
        if (st == frame_status::need_more) break;
        if (st == frame_status::invalid) {
            ++stats_.protocol_errors;
            c.closing = true;
            c.conn->stop_reading();
            break;
        }
        used += f.size;
        switch (f.op) {
        case ws::opcode::text:
        case ws::opcode::binary:
        case ws::opcode::continuation:
            if (f.fin && c.message.empty()) {
                on_message(c, f.payload);
            } else {
                c.message.append(f.payload);
                if (f.fin) {
                    std::string m = std::move(c.message);
                    c.message.clear();
                    on_message(c, m);
                }
            }
            break;
        case ws::opcode::ping: {
            std::string pong;
            ws::append_client_frame(pong, ws::opcode::pong, f.payload, mask_key);
            c.conn->send(std::move(pong));
            break;
        }
        case ws::opcode::close:
            if (!stopping_) {
                std::string close;
                ws::append_client_frame(close, ws::opcode::close, f.payload.substr(0, 2), mask_key);
                c.conn->send(std::move(close));
            }
            c.closing = true;
            break;
        default: break;
        }
    }
    if (in.data() == c.in.data()) {
        c.in.erase(0, used);
    } else if (used < in.size()) {
        c.in.assign(in.substr(used));
    }
}

void load_run::on_message(load_conn& c, std::string_view payload) {
    ++stats_.frames;
    if (stats_.measuring) ++stats_.measure_frames;
    // One latency sample per message: the records of one broadcast share their tick's Timestamp.
    std::optional<std::int64_t> stamp;
    std::uint64_t invocations = 0;
    auto count = [&](const hub_record& r) {
        if (r.type != 1) return;
        ++invocations;
        if (!stamp) stamp = r.timestamp_ms;
    };
    // Records are whole within a message as the server sends them; a record cut at the end of one
    // waits in c.records for the next.
    std::string_view in = payload;
    if (!c.records.empty()) {
        c.records.append(payload);
        in = c.records;
    }
    std::size_t used = 0;
    if (o_.messagepack) {
        auto n = for_each_msgpack_record(in, count);
        if (!n) {
            ++stats_.protocol_errors;
            c.records.clear();
            return;
        }
        used = *n;
    } else {
        used = for_each_json_record(in, count, [&] { return !stamp.has_value(); });
    }
    if (in.data() == c.records.data()) c.records.erase(0, used);
    else if (used < in.size()) c.records.assign(in.substr(used));

    stats_.messages += invocations;
    if (!stats_.measuring || invocations == 0) return;
    stats_.measure_messages += invocations;
    if (stamp) {
        stats_.latency_ms.record(static_cast<std::uint64_t>(std::max<std::int64_t>(0, unix_ms_now() - *stamp)));
    } else {
        ++stats_.untimed;
    }
}

// A SignalR Ping from each connection every ping_every, spread over the interval, so that the
// server's client timeout never closes a connection that is only listening.
task<void> load_run::keep_alive() {
    std::string ping;
    if (o_.messagepack) {
        ws::append_client_frame(ping, ws::opcode::binary, "\x02\x91\x06"sv, mask_key);  // [6], length 2
    } else {
        ws::append_client_frame(ping, ws::opcode::text, "{\"type\":6}\x1e"sv, mask_key);
    }
    constexpr auto step = 100ms;
    const std::size_t per_step = std::max<std::size_t>(1, conns_.size() * std::size_t(step.count()) /
                                                              std::size_t(std::chrono::milliseconds(ping_every).count()));
    std::size_t cursor = 0;
    while (!done_ && !stopping_) {
        co_await io::sleep(step);
        for (std::size_t k = 0; k < per_step && !stopping_; ++k) {
            auto& slot = conns_[cursor++ % conns_.size()];
            if (slot && slot->established && !slot->closing) slot->conn->send(std::string_view(ping));
        }
    }
}

// A WebSocket Close (1000) to every open connection; each receive loop ends with the server's Close
// or EOF. Connections that do not answer within 3 s are cut.
task<void> load_run::close_all() {
    stopping_ = true;
    std::string close;
    ws::append_client_frame(close, ws::opcode::close, "\x03\xe8"sv, mask_key);
    for (auto& slot : conns_) {
        if (slot && slot->established && !slot->closing) slot->conn->send(std::string_view(close));
    }
    auto deadline = clock_type::now() + 3s;
    while ((loops_ > 0 || workers_ > 0) && clock_type::now() < deadline) co_await io::sleep(10ms);
    if (loops_ > 0) {
        for (auto& slot : conns_) {
            if (slot && slot->established && !slot->closing) slot->conn->stop_reading();
        }
    }
    deadline = clock_type::now() + std::max<std::chrono::milliseconds>(o_.setup_timeout, 1000ms);
    while ((loops_ > 0 || workers_ > 0) && clock_type::now() < deadline) co_await io::sleep(10ms);
}

}  // namespace tallyhub::load
