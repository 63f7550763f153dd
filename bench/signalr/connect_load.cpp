// tallyhub-connect-load: opens many SignalR connections the way a client does (negotiate, WebSocket
// upgrade, handshake), measures how fast they are established, then holds them idle.
//
// One thread, non-blocking sockets and epoll; at most --concurrency connections are being set up at
// once. A connection's life: [POST negotiate on its own TCP connection, Connection: close] ->
// GET upgrade -> 101 (Sec-WebSocket-Accept checked) -> handshake text frame -> the server's `{}\x1e`
// = established (its latency is measured from the first connect()). Then, in order:
//   stdout `stats {json}`   connects/s, latency percentiles, failures by reason, client CPU
//   stdout `ready N`        N connections are established and idle (a script measures the server now)
//   hold                    until stdin reaches EOF or --hold seconds pass (stdin that cannot be
//                           polled, e.g. a regular file, is ignored: the hold lasts --hold)
//   stdout `held {json}`    what the server sent or closed during the hold (idle means nothing)
//   close                   WebSocket Close to every connection, wait (<= 2 s) for the server's EOF
//   stdout `closed {json}`
// Exit code: 0 when every connection was established, 1 otherwise, 2 on bad options.

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "net/ws_frame.hpp"
#include "net/ws_handshake.hpp"

namespace ws = tallyhub::ws;

namespace {

using clock_type = std::chrono::steady_clock;
using namespace std::string_view_literals;

constexpr std::string_view handshake_payload = "{\"protocol\":\"json\",\"version\":1}\x1e";

struct options {
    std::string host = "127.0.0.1";
    std::string port = "80";
    std::string path = "/hubs/test";
    std::size_t connections = 1000;
    std::size_t concurrency = 64;
    bool negotiate = true;
    double hold_s = 0;
    double timeout_s = 10;
};

[[noreturn]] void usage(const char* why) {
    std::fprintf(stderr,
                 "tallyhub-connect-load: %s\n"
                 "usage: tallyhub-connect-load --url http://HOST:PORT/PATH [--connections N] [--concurrency K]\n"
                 "       [--negotiate | --skip-negotiation] [--hold SECONDS] [--timeout SECONDS]\n",
                 why);
    std::exit(2);
}

options parse_options(int argc, char** argv) {
    options o;
    bool have_url = false;
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        auto value = [&]() -> std::string_view {
            if (i + 1 >= argc) usage(fmt::format("{} needs a value", a).c_str());
            return argv[++i];
        };
        auto number = [&](std::string_view v) {
            char* end = nullptr;
            std::string s(v);
            double d = std::strtod(s.c_str(), &end);
            if (s.empty() || *end != '\0' || d < 0) usage(fmt::format("{}: not a number: {}", a, v).c_str());
            return d;
        };
        if (a == "--url") {
            std::string_view u = value();
            if (u.substr(0, 7) != "http://") usage("--url must start with http://");
            u.remove_prefix(7);
            auto slash = u.find('/');
            std::string_view authority = u.substr(0, slash);
            o.path = slash == std::string_view::npos ? "/" : std::string(u.substr(slash));
            auto colon = authority.rfind(':');
            if (colon == std::string_view::npos) usage("--url needs a port");
            o.host = std::string(authority.substr(0, colon));
            o.port = std::string(authority.substr(colon + 1));
            have_url = true;
        } else if (a == "--connections") {
            o.connections = std::size_t(number(value()));
        } else if (a == "--concurrency") {
            o.concurrency = std::max<std::size_t>(1, std::size_t(number(value())));
        } else if (a == "--negotiate") {
            o.negotiate = true;
        } else if (a == "--skip-negotiation") {
            o.negotiate = false;
        } else if (a == "--hold") {
            o.hold_s = number(value());
        } else if (a == "--timeout") {
            o.timeout_s = number(value());
        } else if (a == "--help" || a == "-h") {
            usage("opens SignalR connections and holds them");
        } else {
            usage(fmt::format("unknown option {}", a).c_str());
        }
    }
    if (!have_url) usage("--url is required");
    return o;
}

// A Sec-WebSocket-Key: base64 of 16 random bytes.
std::string websocket_key(std::mt19937_64& rng) {
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    unsigned char raw[18] = {};
    for (int i = 0; i < 16; ++i) raw[i] = static_cast<unsigned char>(rng());
    std::string out;
    for (int i = 0; i < 18; i += 3) {
        std::uint32_t v = (std::uint32_t(raw[i]) << 16) | (std::uint32_t(raw[i + 1]) << 8) | raw[i + 2];
        for (int k = 3; k >= 0; --k) out += alphabet[(v >> (6 * k)) & 63];
    }
    out.resize(22);
    return out + "==";
}

// A parsed HTTP response head, once "\r\n\r\n" has arrived.
struct response_head {
    int status = 0;
    std::size_t head_size = 0;
    std::size_t content_length = 0;
    std::string_view accept_key;
};

bool iequal(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

bool parse_head(std::string_view in, response_head& h) {
    auto end = in.find("\r\n\r\n");
    if (end == std::string_view::npos) return false;
    h.head_size = end + 4;
    if (in.size() >= 12 && in.substr(0, 5) == "HTTP/") h.status = std::atoi(std::string(in.substr(9, 3)).c_str());
    std::string_view rest = in.substr(0, end);
    for (auto pos = rest.find("\r\n"); pos != std::string_view::npos; pos = rest.find("\r\n")) {
        rest.remove_prefix(pos + 2);
        std::string_view line = rest.substr(0, rest.find("\r\n"));
        auto colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        std::string_view name = line.substr(0, colon), v = line.substr(colon + 1);
        while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
        if (iequal(name, "Content-Length")) h.content_length = std::size_t(std::atoll(std::string(v).c_str()));
        if (iequal(name, "Sec-WebSocket-Accept")) h.accept_key = v;
    }
    return true;
}

// One unmasked server frame at the front of `in`: false until it is complete.
struct server_frame {
    ws::opcode op{};
    std::size_t size = 0;  // header + payload
    std::string_view payload;
};

bool next_frame(std::string_view in, server_frame& f) {
    if (in.size() < 2) return false;
    auto b = [&](std::size_t i) { return std::uint64_t(static_cast<unsigned char>(in[i])); };
    std::uint64_t len = b(1) & 0x7F;
    std::size_t at = 2;
    if (len == 126) {
        if (in.size() < 4) return false;
        len = (b(2) << 8) | b(3);
        at = 4;
    } else if (len == 127) {
        if (in.size() < 10) return false;
        len = 0;
        for (int i = 0; i < 8; ++i) len = (len << 8) | b(2 + i);
        at = 10;
    }
    if (in.size() - at < len) return false;
    f.op = ws::opcode(b(0) & 0x0F);
    f.size = at + std::size_t(len);
    f.payload = in.substr(at, std::size_t(len));
    return true;
}

enum class phase : std::uint8_t { idle, negotiating, upgrading, handshaking, established, closing, done, failed };

const char* phase_name(phase p) {
    switch (p) {
    case phase::negotiating: return "negotiate";
    case phase::upgrading: return "upgrade";
    case phase::handshaking: return "handshake";
    case phase::established: return "established";
    case phase::closing: return "closing";
    default: return "idle";
    }
}

struct client {
    int fd = -1;
    phase ph = phase::idle;
    bool connected = false;  // the TCP connect() completed
    std::string out;         // bytes not yet written
    std::string in;          // bytes not yet parsed
    std::string token;
    std::string key;
    std::string handshake;   // handshake response bytes gathered so far
    clock_type::time_point started;
};

struct hold_stats {
    std::size_t server_closed = 0, frames = 0, bytes = 0;
};

class load {
public:
    explicit load(options o) : o_(std::move(o)), clients_(o_.connections), rng_(std::random_device{}()) {
        addrinfo hints{};
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        addrinfo* res = nullptr;
        if (int rc = getaddrinfo(o_.host.c_str(), o_.port.c_str(), &hints, &res); rc != 0 || !res)
            usage(fmt::format("cannot resolve {}:{}: {}", o_.host, o_.port, gai_strerror(rc)).c_str());
        std::memcpy(&addr_, res->ai_addr, res->ai_addrlen);
        addr_len_ = res->ai_addrlen;
        freeaddrinfo(res);
        ep_ = epoll_create1(EPOLL_CLOEXEC);
        host_header_ = o_.host + ":" + o_.port;
    }

    int run();

private:
    void start(std::size_t i);
    bool open_socket(std::size_t i);
    void on_event(std::size_t i, std::uint32_t events);
    bool write_out(client& c);
    bool read_in(client& c, bool to_eof, bool& eof);
    void advance(std::size_t i, bool eof);
    void established(std::size_t i);
    void fail(std::size_t i, std::string reason);
    void finish(std::size_t i);
    void close_fd(client& c);
    void check_timeouts();
    void pump(int timeout_ms);
    void send_upgrade(client& c);

    options o_;
    std::vector<client> clients_;
    std::mt19937_64 rng_;
    sockaddr_storage addr_{};
    socklen_t addr_len_ = 0;
    int ep_ = -1;
    std::string host_header_;

    std::size_t next_ = 0, in_flight_ = 0, established_ = 0, failed_ = 0;
    std::vector<std::uint64_t> latency_us_;
    std::map<std::string, std::size_t> failures_;
    clock_type::time_point first_start_, last_done_;
    bool holding_ = false;
    hold_stats hold_;
    std::size_t close_acked_ = 0;
};

void load::close_fd(client& c) {
    if (c.fd >= 0) {
        ::close(c.fd);  // also leaves the epoll set (the descriptor is never duplicated)
        c.fd = -1;
    }
}

bool load::open_socket(std::size_t i) {
    client& c = clients_[i];
    c.fd = ::socket(addr_.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd < 0) {
        fail(i, fmt::format("socket: {}", std::strerror(errno)));
        return false;
    }
    int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c.connected = false;
    c.in.clear();
    if (::connect(c.fd, reinterpret_cast<const sockaddr*>(&addr_), addr_len_) < 0 && errno != EINPROGRESS) {
        fail(i, fmt::format("connect: {}", std::strerror(errno)));
        return false;
    }
    // Edge-triggered, registered once: writes are tried at once and resumed on EPOLLOUT; a read
    // shorter than the buffer drained the socket (new bytes bring a new edge).
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.u64 = (std::uint64_t(i) << 32) | std::uint32_t(c.fd);
    epoll_ctl(ep_, EPOLL_CTL_ADD, c.fd, &ev);
    return true;
}

void load::start(std::size_t i) {
    client& c = clients_[i];
    c.started = clock_type::now();
    ++in_flight_;
    if (o_.negotiate) {
        c.ph = phase::negotiating;
        c.out = fmt::format("POST {}/negotiate?negotiateVersion=1 HTTP/1.1\r\nHost: {}\r\nContent-Length: 0\r\n"
                            "X-Requested-With: XMLHttpRequest\r\nConnection: close\r\n\r\n",
                            o_.path, host_header_);
        open_socket(i);
    } else {
        send_upgrade(c);
        open_socket(i);
    }
}

void load::send_upgrade(client& c) {
    c.ph = phase::upgrading;
    c.key = websocket_key(rng_);
    std::string target = o_.path;
    if (!c.token.empty()) target += "?id=" + c.token;
    c.out = fmt::format("GET {} HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        "Sec-WebSocket-Key: {}\r\nSec-WebSocket-Version: 13\r\n\r\n",
                        target, host_header_, c.key);
}

bool load::write_out(client& c) {
    while (!c.out.empty()) {
        ssize_t n = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
        if (n < 0) return errno == EAGAIN || errno == EINTR;
        c.out.erase(0, std::size_t(n));
    }
    return true;
}

// Reads what the socket holds. With `to_eof` (the peer shut down) it reads on until recv returns 0.
bool load::read_in(client& c, bool to_eof, bool& eof) {
    char buf[16 * 1024];
    for (;;) {
        ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
        if (n > 0) {
            if (holding_) hold_.bytes += std::size_t(n);
            c.in.append(buf, std::size_t(n));
            if (std::size_t(n) < sizeof buf && !to_eof) return true;
            continue;
        }
        if (n == 0) {
            eof = true;
            return true;
        }
        return errno == EAGAIN || errno == EINTR;
    }
}

void load::on_event(std::size_t i, std::uint32_t events) {
    client& c = clients_[i];
    if (!c.connected && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0) return fail(i, fmt::format("{}: connect: {}", phase_name(c.ph), std::strerror(err)));
        c.connected = true;
    }
    if (!c.connected) return;
    if (!write_out(c)) return fail(i, fmt::format("{}: send: {}", phase_name(c.ph), std::strerror(errno)));
    if (!(events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))) return;
    bool eof = false;
    if (!read_in(c, (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0, eof)) return fail(i, fmt::format("{}: recv: {}", phase_name(c.ph), std::strerror(errno)));
    advance(i, eof);
}

// Moves a connection on with what it has received.
void load::advance(std::size_t i, bool eof) {
    client& c = clients_[i];
    response_head h;
    switch (c.ph) {
    case phase::negotiating: {
        if (!parse_head(c.in, h) || c.in.size() < h.head_size + h.content_length) {
            if (eof) fail(i, "negotiate: connection closed before the response");
            return;
        }
        if (h.status != 200) return fail(i, fmt::format("negotiate: HTTP {}", h.status));
        std::string_view body = std::string_view(c.in).substr(h.head_size, h.content_length);
        constexpr std::string_view field = "\"connectionToken\":\"";
        auto at = body.find(field);
        auto end = at == std::string_view::npos ? at : body.find('"', at + field.size());
        if (end == std::string_view::npos) return fail(i, "negotiate: no connectionToken in the response");
        c.token = std::string(body.substr(at + field.size(), end - at - field.size()));
        close_fd(c);
        send_upgrade(c);
        open_socket(i);
        return;
    }
    case phase::upgrading: {
        if (!parse_head(c.in, h)) {
            if (eof) fail(i, "upgrade: connection closed before the response");
            return;
        }
        if (h.status != 101) return fail(i, fmt::format("upgrade: HTTP {}", h.status));
        auto want = ws::compute_accept_key(c.key);
        if (h.accept_key != std::string_view(want.data(), want.size()))
            return fail(i, "upgrade: wrong Sec-WebSocket-Accept");
        c.in.erase(0, h.head_size);
        c.ph = phase::handshaking;
        ws::append_client_frame(c.out, ws::opcode::text, handshake_payload,
                                {std::uint8_t(rng_()), std::uint8_t(rng_()), std::uint8_t(rng_()), std::uint8_t(rng_())});
        if (!write_out(c)) return fail(i, fmt::format("handshake: send: {}", std::strerror(errno)));
        break;  // frames may already be here
    }
    default:
        break;
    }
    if (c.ph == phase::handshaking || c.ph == phase::established || c.ph == phase::closing) {
        server_frame f;
        std::size_t used = 0;
        while (next_frame(std::string_view(c.in).substr(used), f)) {
            used += f.size;
            if (c.ph == phase::closing) continue;  // waiting for EOF
            if (holding_) ++hold_.frames;
            if (f.op == ws::opcode::ping) {
                ws::append_client_frame(c.out, ws::opcode::pong, f.payload, {1, 2, 3, 4});
                write_out(c);
            } else if (f.op == ws::opcode::close) {
                if (c.ph == phase::handshaking) {
                    c.in.erase(0, used);
                    return fail(i, "handshake: server sent Close");
                }
            } else if (c.ph == phase::handshaking) {
                c.handshake.append(f.payload);
                auto rs = c.handshake.find('\x1e');
                if (rs == std::string::npos) continue;
                if (c.handshake.compare(0, rs, "{}") != 0) {
                    std::string why = c.handshake.substr(0, std::min<std::size_t>(rs, 120));
                    c.in.erase(0, used);
                    return fail(i, "handshake: " + why);
                }
                c.handshake = std::string();
                established(i);
            }
        }
        c.in.erase(0, used);
        if (eof) {
            if (c.ph == phase::handshaking) return fail(i, "handshake: connection closed before the response");
            if (c.ph == phase::established) ++hold_.server_closed;
            if (c.ph == phase::closing) ++close_acked_;
            close_fd(c);
            c.ph = c.ph == phase::established ? phase::failed : phase::done;
        }
    }
}

void load::established(std::size_t i) {
    client& c = clients_[i];
    c.ph = phase::established;
    c.in.shrink_to_fit();
    auto now = clock_type::now();
    latency_us_.push_back(std::uint64_t(std::chrono::duration_cast<std::chrono::microseconds>(now - c.started).count()));
    ++established_;
    finish(i);
}

void load::fail(std::size_t i, std::string reason) {
    client& c = clients_[i];
    close_fd(c);
    bool counted = c.ph != phase::failed && c.ph != phase::established && c.ph != phase::done;
    c.ph = phase::failed;
    if (!counted) return;
    ++failed_;
    ++failures_[std::move(reason)];
    finish(i);
}

void load::finish(std::size_t) {
    --in_flight_;
    last_done_ = clock_type::now();
    while (in_flight_ < o_.concurrency && next_ < clients_.size()) start(next_++);
}

void load::check_timeouts() {
    auto limit = std::chrono::duration<double>(o_.timeout_s);
    auto now = clock_type::now();
    for (std::size_t i = 0; i < next_; ++i) {
        client& c = clients_[i];
        if (c.ph == phase::negotiating || c.ph == phase::upgrading || c.ph == phase::handshaking) {
            if (now - c.started > limit) fail(i, fmt::format("{}: timeout", phase_name(c.ph)));
        }
    }
}

void load::pump(int timeout_ms) {
    epoll_event events[256];
    int n = epoll_wait(ep_, events, 256, timeout_ms);
    for (int k = 0; k < n; ++k) {
        std::uint64_t d = events[k].data.u64;
        if (d == ~std::uint64_t(0)) {  // stdin
            char buf[4096];
            ssize_t r = ::read(0, buf, sizeof buf);
            if (r <= 0) holding_ = false;
            continue;
        }
        std::size_t i = std::size_t(d >> 32);
        if (clients_[i].fd != int(std::uint32_t(d))) continue;  // stale
        on_event(i, events[k].events);
    }
}

std::string json_escape(std::string_view s) {
    std::string out;
    for (char ch : s) {
        if (ch == '"' || ch == '\\') out += '\\';
        if (static_cast<unsigned char>(ch) < 0x20) {
            out += fmt::format("\\u{:04x}", unsigned(ch));
            continue;
        }
        out += ch;
    }
    return out;
}

double cpu_seconds() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

int load::run() {
    // Connect phase.
    first_start_ = last_done_ = clock_type::now();
    double cpu0 = cpu_seconds();
    while (in_flight_ < o_.concurrency && next_ < clients_.size()) start(next_++);
    auto last_check = clock_type::now();
    while (in_flight_ > 0) {
        pump(100);
        if (clock_type::now() - last_check > std::chrono::milliseconds(100)) {
            check_timeouts();
            last_check = clock_type::now();
        }
    }
    double cpu1 = cpu_seconds();
    double elapsed = std::chrono::duration<double>(last_done_ - first_start_).count();
    std::sort(latency_us_.begin(), latency_us_.end());
    auto pct = [&](double p) -> std::uint64_t {
        if (latency_us_.empty()) return 0;
        std::size_t idx = std::size_t(p / 100.0 * double(latency_us_.size() - 1) + 0.5);
        return latency_us_[std::min(idx, latency_us_.size() - 1)];
    };
    std::string failures;
    for (const auto& [why, n] : failures_)
        failures += fmt::format("{}\"{}\": {}", failures.empty() ? "" : ", ", json_escape(why), n);
    fmt::print(
        "stats {{\"mode\": \"{}\", \"connections\": {}, \"concurrency\": {}, \"established\": {}, \"failed\": {}, "
        "\"elapsed_s\": {:.3f}, \"connects_per_s\": {:.0f}, \"latency_us\": {{\"p50\": {}, \"p90\": {}, \"p99\": {}, "
        "\"max\": {}}}, \"client_cpu_s\": {:.3f}, \"failures\": {{{}}}}}\n",
        o_.negotiate ? "negotiate" : "skip-negotiation", o_.connections, o_.concurrency, established_, failed_, elapsed,
        elapsed > 0 ? double(established_) / elapsed : 0.0, pct(50), pct(90), pct(99),
        latency_us_.empty() ? 0 : latency_us_.back(), cpu1 - cpu0, failures);
    fmt::print("ready {}\n", established_);
    std::fflush(stdout);

    // Hold phase: the connections stay idle until stdin ends or --hold passes.
    if (o_.hold_s > 0) {
        holding_ = true;
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLRDHUP;
        ev.data.u64 = ~std::uint64_t(0);
        bool watch_stdin = epoll_ctl(ep_, EPOLL_CTL_ADD, 0, &ev) == 0;
        auto until = clock_type::now() + std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(o_.hold_s));
        while (holding_ && clock_type::now() < until) pump(100);
        holding_ = false;
        if (watch_stdin) epoll_ctl(ep_, EPOLL_CTL_DEL, 0, nullptr);
    }
    fmt::print("held {{\"server_closed\": {}, \"frames\": {}, \"bytes\": {}}}\n", hold_.server_closed, hold_.frames,
               hold_.bytes);
    std::fflush(stdout);

    // Close phase: a WebSocket Close (1000) to each, then wait for the server to end the TCP connection.
    std::size_t closing = 0;
    for (client& c : clients_) {
        if (c.ph != phase::established || c.fd < 0) continue;
        c.ph = phase::closing;
        c.in.clear();
        ws::append_client_frame(c.out, ws::opcode::close, "\x03\xe8"sv, {9, 8, 7, 6});
        if (write_out(c)) ++closing;
    }
    auto deadline = clock_type::now() + std::chrono::seconds(2);
    while (close_acked_ < closing && clock_type::now() < deadline) pump(50);
    for (client& c : clients_) close_fd(c);
    fmt::print("closed {{\"sent\": {}, \"acked\": {}}}\n", closing, close_acked_);
    std::fflush(stdout);
    return failed_ == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    options o = parse_options(argc, argv);
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    getrlimit(RLIMIT_NOFILE, &rl);
    if (o.connections + 16 > rl.rlim_cur)
        std::fprintf(stderr, "tallyhub-connect-load: warning: %zu connections but only %llu file descriptors\n",
                     o.connections, static_cast<unsigned long long>(rl.rlim_cur));
    load l(std::move(o));
    return l.run();
}
