// tallyhub-load: opens N SignalR (or plain WebSocket) connections, holds them, and measures what the
// server delivers: setup rate, hub messages/s, frames/s, bytes/s and tick-to-receipt latency.
// Usage and output: bench/load/README.md.

#include <arpa/inet.h>
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <stdexcept>

#include <fmt/format.h>

#include "app/config_values.hpp"
#include "bench/load/load_client.hpp"
#include "net/net_stats.hpp"

namespace tallyhub::load {
namespace {

using namespace std::chrono_literals;

// One source address takes ~28,000 ephemeral ports; leave room below that.
constexpr std::size_t connections_per_source = 20000;

in_addr parse_ipv4(std::string_view text) {
    in_addr a{};
    if (::inet_pton(AF_INET, std::string(text).c_str(), &a) != 1) {
        throw std::invalid_argument(fmt::format("not an IPv4 address: {}", text));
    }
    return a;
}

// "127.0.0.1,127.0.0.2" or "127.0.0.1-127.0.0.8".
std::vector<in_addr> parse_sources(std::string_view text) {
    std::vector<in_addr> out;
    while (!text.empty()) {
        auto comma = text.find(',');
        std::string_view item = text.substr(0, comma);
        text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
        auto dash = item.find('-');
        if (dash == std::string_view::npos) {
            out.push_back(parse_ipv4(item));
            continue;
        }
        const std::uint32_t lo = ntohl(parse_ipv4(item.substr(0, dash)).s_addr);
        const std::uint32_t hi = ntohl(parse_ipv4(item.substr(dash + 1)).s_addr);
        if (hi < lo || hi - lo > 255) throw std::invalid_argument(fmt::format("bad source range: {}", item));
        for (std::uint32_t v = lo; v <= hi; ++v) out.push_back(in_addr{htonl(v)});
    }
    if (out.empty()) throw std::invalid_argument("--sources is empty");
    return out;
}

// http://HOST:PORT/PATH (SignalR) or ws://HOST:PORT/PATH (--raw).
void parse_url(load_options& o) {
    std::string_view u = o.url;
    const std::string_view scheme = o.raw ? "ws://" : "http://";
    if (u.substr(0, scheme.size()) != scheme) {
        throw std::invalid_argument(fmt::format("the URL must start with {}{}", scheme,
                                                o.raw ? " with --raw" : " (ws:// needs --raw)"));
    }
    u.remove_prefix(scheme.size());
    const auto slash = u.find('/');
    const std::string_view authority = u.substr(0, slash);
    o.path = slash == std::string_view::npos ? "/" : std::string(u.substr(slash));
    while (o.path.size() > 1 && o.path.back() == '/' && !o.raw) o.path.pop_back();
    const app::endpoint e = app::parse_endpoint(authority);
    if (e.family() != AF_INET || e.port() == 0) throw std::invalid_argument("the URL needs an IPv4 host and a port");
    std::memcpy(&o.target, &e.address, sizeof o.target);
    o.host = std::string(authority);
}

std::chrono::milliseconds duration_ms(const std::string& text) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(app::parse_duration(text));
}

// The descriptors N connections need, and a clear message when the limit is too low.
bool raise_file_limit(std::size_t connections) {
    rlimit rl{};
    ::getrlimit(RLIMIT_NOFILE, &rl);
    const rlim_t want = connections + 64;
    if (rl.rlim_cur >= want) return true;
    rl.rlim_cur = std::min<rlim_t>(want, rl.rlim_max);
    ::setrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur >= want) return true;
    std::fprintf(stderr, "tallyhub-load: %zu connections need %llu descriptors; the limit is %llu (ulimit -n)\n",
                 connections, static_cast<unsigned long long>(want), static_cast<unsigned long long>(rl.rlim_max));
    return false;
}

int run(load_options o) {
    if (!raise_file_limit(o.connections)) return 2;
    net::init_net_stats(1);
    reactor_options ro;
    ro.backend = o.backend;
    ro.buffer_count = 8192;  // receive buffers: 32 MiB for up to ~20,000 busy sockets
    ro.buffer_size = 4096;
    std::string note;
    auto r = reactor::create(0, ro, &note);
    if (!r) {
        std::fprintf(stderr, "tallyhub-load: %.*s\n", int(r.err().reason.size()), r.err().reason.data());
        return 1;
    }
    if (!note.empty()) std::fprintf(stderr, "tallyhub-load: %s\n", note.c_str());
    reactor& loop = **r;
    load_run lr(std::move(o));
    int code = 1;
    auto main_task = [](reactor* l, load_run* run, int* out) -> task<void> {
        const int c = co_await run->run();
        *out = c;
        l->stop();
    };
    loop.spawn(main_task(&loop, &lr, &code));
    loop.run();
    return code;
}

}  // namespace
}  // namespace tallyhub::load

int main(int argc, char** argv) {
    using namespace tallyhub;
    load::load_options o;
    std::string protocol = "json", sources, warmup = "1s", duration = "10s", hold = "0s", connect_timeout = "60s",
                setup_timeout = "10s", backend = "auto";
    bool skip_negotiation = false, progress = false, no_progress = false;
    CLI::App cli{"tallyhub-load: open many SignalR connections and measure what the server delivers to them"};
    cli.add_option("url", o.url, "http://HOST:PORT/PATH of a hub, or ws://HOST:PORT/PATH with --raw")->required();
    cli.add_option("-n,--connections", o.connections, "connections to open")->check(CLI::Range(1, 1000000));
    cli.add_option("--protocol", protocol, "SignalR hub protocol")->check(CLI::IsMember({"json", "messagepack"}));
    cli.add_flag("--raw", o.raw, "plain WebSocket: no negotiate and no SignalR handshake");
    cli.add_flag("--skip-negotiation", skip_negotiation, "go straight to the WebSocket upgrade");
    cli.add_option("--sources", sources, "source addresses: A,B or A-B (default: 127.0.0.1 and more as N needs)");
    cli.add_option("--concurrency", o.concurrency, "connections being set up at once")->check(CLI::Range(1, 100000));
    cli.add_option("--warmup", warmup, "wait after the last connection before measuring");
    cli.add_option("--duration", duration, "measure this long (0s: do not)");
    cli.add_option("--hold", hold, "then print `ready N` and hold until stdin EOF or this long");
    cli.add_option("--connect-timeout", connect_timeout, "every connection must be up within this long");
    cli.add_option("--setup-timeout", setup_timeout, "one connection's negotiate, upgrade and handshake");
    cli.add_option("--io-backend", backend, "uring, epoll or auto")->check(CLI::IsMember({"uring", "epoll", "auto"}));
    cli.add_flag("--progress", progress, "a progress line on stderr every second");
    cli.add_flag("--no-progress", no_progress, "no progress line");
    try {
        cli.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return cli.exit(e) == 0 ? 0 : 2;
    }
    try {
        o.messagepack = protocol == "messagepack";
        o.negotiate = !skip_negotiation;
        if (o.raw && o.messagepack) throw std::invalid_argument("--raw reads JSON records; drop --protocol messagepack");
        load::parse_url(o);
        if (!sources.empty()) {
            o.sources = load::parse_sources(sources);
        } else {
            const std::size_t n = (o.connections + load::connections_per_source - 1) / load::connections_per_source;
            for (std::size_t i = 0; i < n; ++i) o.sources.push_back(in_addr{htonl(0x7f000001u + std::uint32_t(i))});
        }
        o.warmup = load::duration_ms(warmup);
        o.duration = load::duration_ms(duration);
        o.hold = load::duration_ms(hold);
        o.connect_timeout = load::duration_ms(connect_timeout);
        o.setup_timeout = load::duration_ms(setup_timeout);
        o.backend = *parse_backend_kind(backend);
        o.progress = progress || (!no_progress && ::isatty(STDERR_FILENO));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "tallyhub-load: %s\n", e.what());
        return 2;
    }
    return load::run(std::move(o));
}
