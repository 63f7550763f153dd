// The encode of one broadcast tick on core 0: the hub records of ReceiveMetricsUpdate,
// ReceivePaymentMetricsUpdate, ReceiveSlidingWindowUpdate and one ReceiveBatchUpdate (what a busy
// tick sends), JSON arguments and SignalR invocation records, then the WebSocket frame of all four.
// This is paid once per tick, whatever the number of connections.
#include <benchmark/benchmark.h>

#include <string>

#include "app/kpi_json.hpp"
#include "app/kpi_state.hpp"
#include "app/metric_shard.hpp"
#include "net/ws_frame.hpp"
#include "signalr/hub.hpp"

namespace {

using namespace tallyhub;
using namespace tallyhub::app;

constexpr std::int64_t t0 = 1796299200000;

kpi_snapshot busy_snapshot() {
    kpi_state state;
    metric_shard shard;
    for (int i = 0; i < 250; ++i) {
        (void)shard.apply_order(money{123'4500 + i * 77}, t0 + i * 4);
        (void)shard.apply_payment(t0 + i * 4);
    }
    (void)state.merge(shard.take_delta(), t0 + 1000);
    return state.snapshot(t0 + 1100);
}

std::string record(std::string_view method, std::string arg) {
    std::string args[] = {std::move(arg)};
    return signalr::invocation_record(method, args);
}

void BM_encode_tick_broadcast(benchmark::State& state) {
    const kpi_snapshot s = busy_snapshot();
    const closed_batch batch{100, money{12'345'6700}, t0 + 1100};
    std::size_t bytes = 0;
    for (auto _ : state) {
        std::string a, b, c, d;
        append_metrics_update(a, s);
        append_payment_metrics_update(b, s);
        append_sliding_window_update(c, s.window);
        append_batch_update(d, batch);
        std::string payload = record("ReceiveMetricsUpdate", std::move(a));
        payload += record("ReceivePaymentMetricsUpdate", std::move(b));
        payload += record("ReceiveSlidingWindowUpdate", std::move(c));
        payload += record("ReceiveBatchUpdate", std::move(d));
        auto header = ws::server_frame_header(ws::opcode::text, payload.size());
        std::string frame;
        frame.reserve(header.size + payload.size());
        frame += header.view();
        frame += payload;
        bytes = frame.size();
        benchmark::DoNotOptimize(frame);
    }
    state.counters["frame_bytes"] = double(bytes);
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_encode_tick_broadcast);

void BM_encode_current_metrics(benchmark::State& state) {
    const kpi_snapshot s = busy_snapshot();
    for (auto _ : state) {
        std::string out;
        append_current_metrics(out, s);
        benchmark::DoNotOptimize(out);
    }
}
BENCHMARK(BM_encode_current_metrics);

}  // namespace

BENCHMARK_MAIN();
