// WebSocket framing cost per message: parsing masked client frames (a small text message as SignalR
// JSON invocations are, and a 4 KiB binary one), and encoding a server header for a 200-byte payload.

#include "net/ws_frame.hpp"

#include <benchmark/benchmark.h>

#include <string>

namespace {

using namespace tallyhub::ws;

// An all-zero key: the parser still XORs every byte (it cannot know the key is zero), but the buffer
// stays the same after unmasking in place, so one buffer serves every iteration without a copy.
constexpr std::array<std::uint8_t, 4> zero_key{0, 0, 0, 0};
constexpr std::size_t frames_per_read = 64;

// `frames_per_read` identical masked frames, as one large socket read would deliver them.
std::string client_stream(opcode op, std::size_t payload_size) {
    std::string payload(payload_size, 'x'), wire;
    for (std::size_t i = 0; i < frames_per_read; ++i) append_client_frame(wire, op, payload, zero_key);
    return wire;
}

void parse_frames(benchmark::State& state, opcode op, std::size_t payload_size) {
    std::string buf = client_stream(op, payload_size);
    for (auto _ : state) {
        frame_parser p;
        p.feed(std::span<char>(buf));
        std::size_t bytes = 0;
        for (event ev = p.next(); ev.kind != event_kind::need_more; ev = p.next()) bytes += ev.payload.size();
        benchmark::DoNotOptimize(bytes);
    }
    state.SetItemsProcessed(std::int64_t(state.iterations() * frames_per_read));
    state.SetBytesProcessed(std::int64_t(state.iterations() * buf.size()));
}

// Baseline: copying the same bytes once, the floor any per-byte pass (unmasking, UTF-8) is measured against.
void copy_frames(benchmark::State& state, opcode op, std::size_t payload_size) {
    std::string wire = client_stream(op, payload_size), buf = wire;
    for (auto _ : state) {
        std::copy(wire.begin(), wire.end(), buf.begin());
        benchmark::DoNotOptimize(buf.data());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(std::int64_t(state.iterations() * frames_per_read));
    state.SetBytesProcessed(std::int64_t(state.iterations() * wire.size()));
}

void bm_parse_text_100(benchmark::State& state) { parse_frames(state, opcode::text, 100); }
void bm_parse_binary_4k(benchmark::State& state) { parse_frames(state, opcode::binary, 4096); }
void bm_baseline_memcpy_text_100(benchmark::State& state) { copy_frames(state, opcode::text, 100); }
void bm_baseline_memcpy_binary_4k(benchmark::State& state) { copy_frames(state, opcode::binary, 4096); }

void bm_server_header_200(benchmark::State& state) {
    std::uint64_t n = 200;
    for (auto _ : state) {
        benchmark::DoNotOptimize(n);
        frame_header h = server_frame_header(opcode::text, n);
        benchmark::DoNotOptimize(h);
    }
    state.SetItemsProcessed(std::int64_t(state.iterations()));
}

BENCHMARK(bm_parse_text_100);
BENCHMARK(bm_parse_binary_4k);
BENCHMARK(bm_baseline_memcpy_text_100);
BENCHMARK(bm_baseline_memcpy_binary_4k);
BENCHMARK(bm_server_header_200);

}  // namespace

BENCHMARK_MAIN();
