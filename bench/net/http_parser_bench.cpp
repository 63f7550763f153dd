// HTTP request parsing: tallyhub's request_parser against Beast's stock request_parser<string_body>
// (the baseline: a fresh Beast parser and message per request), on a typical browser GET and on a
// pipelined batch. The byte-at-a-time cases show that an incomplete header is not re-scanned: bytes/s
// stays flat as the header grows from 1 KiB to 16 KiB (a quadratic parser would lose 16x).

#include <benchmark/benchmark.h>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <string>

#include "net/http_parser.hpp"

namespace {

using tallyhub::http::parse_state;
using tallyhub::http::request_parser;

const std::string browser_get =
    "GET /hubs/metrics/negotiate?negotiateVersion=1 HTTP/1.1\r\n"
    "Host: dashboards.example.com:8080\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36\r\n"
    "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
    "Accept-Encoding: gzip, deflate, br\r\n"
    "Accept-Language: en-US,en;q=0.9\r\n"
    "Cache-Control: no-cache\r\n"
    "Connection: keep-alive\r\n"
    "Cookie: session=abc123\r\n"
    "\r\n";

std::string pipelined_batch() {
    std::string batch;
    for (int i = 0; i < 16; ++i) batch += "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n";
    return batch;
}

void BM_tallyhub_browser_get(benchmark::State& state) {
    request_parser p;
    for (auto _ : state) {
        auto step = p.parse(browser_get);
        if (step.state != parse_state::complete) state.SkipWithError("parse failed");
        benchmark::DoNotOptimize(p.current().headers.size());
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * browser_get.size()));
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_tallyhub_browser_get);

void BM_beast_browser_get(benchmark::State& state) {
    namespace http = boost::beast::http;
    for (auto _ : state) {
        http::request_parser<http::string_body> p;
        boost::beast::error_code ec;
        p.put(boost::asio::buffer(browser_get), ec);
        if (ec || !p.is_done()) state.SkipWithError("parse failed");
        benchmark::DoNotOptimize(p.get().target().size());
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * browser_get.size()));
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_beast_browser_get);

void BM_tallyhub_pipelined_16(benchmark::State& state) {
    const std::string batch = pipelined_batch();
    request_parser p;
    for (auto _ : state) {
        std::string_view rest = batch;
        while (!rest.empty()) {
            auto step = p.parse(rest);
            if (step.state != parse_state::complete) {
                state.SkipWithError("parse failed");
                break;
            }
            rest.remove_prefix(step.consumed);
            benchmark::DoNotOptimize(p.current().path.size());
        }
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * batch.size()));
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * 16));
}
BENCHMARK(BM_tallyhub_pipelined_16);

void BM_beast_pipelined_16(benchmark::State& state) {
    namespace http = boost::beast::http;
    const std::string batch = pipelined_batch();
    for (auto _ : state) {
        std::string_view rest = batch;
        while (!rest.empty()) {
            http::request_parser<http::string_body> p;
            p.eager(false);
            boost::beast::error_code ec;
            auto n = p.put(boost::asio::buffer(rest.data(), rest.size()), ec);
            if (ec || !p.is_done()) {
                state.SkipWithError("parse failed");
                break;
            }
            rest.remove_prefix(n);
            benchmark::DoNotOptimize(p.get().target().size());
        }
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * batch.size()));
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * 16));
}
BENCHMARK(BM_beast_pipelined_16);

// One request whose header is state.range(0) bytes, arriving one byte per parse() call.
void BM_tallyhub_header_byte_at_a_time(benchmark::State& state) {
    auto size = static_cast<std::size_t>(state.range(0));
    std::string head = "GET / HTTP/1.1\r\nHost: x\r\nX-Pad: ";
    head.append(size - head.size() - 4, 'a').append("\r\n\r\n");
    request_parser p;
    for (auto _ : state) {
        for (std::size_t n = 1; n <= head.size(); ++n) {
            auto step = p.parse(std::string_view(head).substr(0, n));
            if (step.state == parse_state::complete) break;
            if (step.state == parse_state::error || step.consumed != 0) {
                state.SkipWithError("unexpected parse result");
                break;
            }
        }
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * head.size()));
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_tallyhub_header_byte_at_a_time)->Arg(1024)->Arg(4096)->Arg(16 * 1024);

}  // namespace

BENCHMARK_MAIN();
