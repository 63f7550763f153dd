// SignalR JSON hub protocol cost per message: encoding the per-tick metrics broadcast (with the payload
// pre-serialized, and with the payload serialized too), against a plain copy of the same bytes; and
// parsing a client invocation, in place and through the padded copy, against finding its separator.

#include <benchmark/benchmark.h>

#include <cstring>
#include <string>

#include "signalr/json_protocol.hpp"
#include "signalr/json_writer.hpp"

namespace {

using namespace tallyhub::signalr;

constexpr std::string_view metrics_payload =
    R"({"TotalOrders":12345,"TotalRevenue":987654.32,"AverageOrderValue":80.01,"Timestamp":"2026-12-03T20:07:03.123Z"})";

// What a JS client sends to join a group: type last, arguments before target, an object argument.
constexpr std::string_view client_invocation =
    "{\"target\":\"JoinGroup\",\"arguments\":[\"dashboard-eu\",{\"from\":\"2026-12-03T20:00:00Z\",\"limit\":100}],"
    "\"invocationId\":\"3\",\"type\":1}\x1e";

invocation_message broadcast(const std::string_view* arg) {
    return invocation_message{.target = "ReceiveMetricsUpdate", .arguments = {arg, 1}};
}

void bm_encode_broadcast(benchmark::State& state) {
    std::string out;
    const std::string_view arg = metrics_payload;
    for (auto _ : state) {
        out.clear();
        json_protocol::write(broadcast(&arg), out);
        benchmark::DoNotOptimize(out.data());
    }
    state.SetItemsProcessed(std::int64_t(state.iterations()));
    state.SetBytesProcessed(std::int64_t(state.iterations() * out.size()));
}

void bm_encode_broadcast_with_payload(benchmark::State& state) {
    std::string payload, out;
    for (auto _ : state) {
        payload.clear();
        json_writer(payload)
            .begin_object()
            .key("TotalOrders").int_value(12345)
            .key("TotalRevenue").double_value(987654.32)
            .key("AverageOrderValue").double_value(80.01)
            .key("Timestamp").string_value("2026-12-03T20:07:03.123Z")
            .end_object();
        const std::string_view arg = payload;
        out.clear();
        json_protocol::write(broadcast(&arg), out);
        benchmark::DoNotOptimize(out.data());
    }
    state.SetItemsProcessed(std::int64_t(state.iterations()));
    state.SetBytesProcessed(std::int64_t(state.iterations() * out.size()));
}

// Baseline: appending the finished record's bytes, the floor for any encoder.
void bm_baseline_copy_broadcast(benchmark::State& state) {
    std::string record;
    const std::string_view arg = metrics_payload;
    json_protocol::write(broadcast(&arg), record);
    std::string out;
    for (auto _ : state) {
        out.clear();
        out.append(record);
        benchmark::DoNotOptimize(out.data());
    }
    state.SetItemsProcessed(std::int64_t(state.iterations()));
    state.SetBytesProcessed(std::int64_t(state.iterations() * record.size()));
}

void parse_invocation(benchmark::State& state, std::size_t slack) {
    json_protocol::parser p;
    std::string buf(client_invocation);
    buf.append(slack, ' ');
    const std::string_view input = std::string_view(buf).substr(0, client_invocation.size());
    for (auto _ : state) {
        auto s = p.next(input, slack);
        if (!s) state.SkipWithError("parse failed");
        benchmark::DoNotOptimize(s->consumed);
    }
    state.SetItemsProcessed(std::int64_t(state.iterations()));
    state.SetBytesProcessed(std::int64_t(state.iterations() * client_invocation.size()));
}

void bm_parse_invocation_in_place(benchmark::State& state) { parse_invocation(state, json_protocol::padding); }
void bm_parse_invocation_copied(benchmark::State& state) { parse_invocation(state, 0); }

// Baseline: locating the record separator, the work a parser cannot avoid.
void bm_baseline_find_separator(benchmark::State& state) {
    const std::string buf(client_invocation);
    for (auto _ : state) {
        benchmark::DoNotOptimize(std::memchr(buf.data(), '\x1e', buf.size()));
    }
    state.SetItemsProcessed(std::int64_t(state.iterations()));
    state.SetBytesProcessed(std::int64_t(state.iterations() * buf.size()));
}

BENCHMARK(bm_encode_broadcast);
BENCHMARK(bm_encode_broadcast_with_payload);
BENCHMARK(bm_baseline_copy_broadcast);
BENCHMARK(bm_parse_invocation_in_place);
BENCHMARK(bm_parse_invocation_copied);
BENCHMARK(bm_baseline_find_separator);

}  // namespace

BENCHMARK_MAIN();
