// SignalR MessagePack hub protocol cost per message, side by side with the JSON codec in the same run:
// encoding the per-tick metrics broadcast (argument already MessagePack; argument converted from the
// JSON text MetricsHub builds; the whole JSON record transcoded; JSON record for comparison), and decoding a client invocation (raw
// MessagePack arguments; arguments converted to JSON for the hub binder; the JSON codec parsing the
// same call), each against the floor of copying or scanning the bytes.

#include <benchmark/benchmark.h>

#include <cstring>
#include <string>

#include "signalr/json_protocol.hpp"
#include "signalr/msgpack_protocol.hpp"

namespace {

using namespace tallyhub::signalr;

constexpr std::string_view metrics_payload =
    R"({"TotalOrders":12345,"TotalRevenue":987654.32,"AverageOrderValue":80.01,"Timestamp":"2026-12-03T20:07:03.123Z"})";

// JoinGroup("dashboard-eu", {from, limit}) with id "3", as @microsoft/signalr-protocol-msgpack 10.0.11
// encodes it (5 items: no stream ids).
constexpr std::string_view client_invocation =
    "\x3f\x95\x01\x80\xa1\x33\xa9JoinGroup\x92\xac"
    "dashboard-eu\x82\xa4"
    "from\xb4"
    "2026-12-03T20:00:00Z\xa5limit\x64";

// The same call from the JS client over JSON.
constexpr std::string_view json_invocation =
    "{\"target\":\"JoinGroup\",\"arguments\":[\"dashboard-eu\",{\"from\":\"2026-12-03T20:00:00Z\",\"limit\":100}],"
    "\"invocationId\":\"3\",\"type\":1}\x1e";

invocation_message broadcast(const std::string_view* arg) {
    return invocation_message{.target = "ReceiveMetricsUpdate", .arguments = {arg, 1}};
}

template <typename Encode>
void encode_loop(benchmark::State& state, Encode&& encode) {
    std::string out;
    for (auto _ : state) {
        out.clear();
        encode(out);
        benchmark::DoNotOptimize(out.data());
    }
    state.SetItemsProcessed(std::int64_t(state.iterations()));
    state.SetBytesProcessed(std::int64_t(state.iterations() * out.size()));
}

void bm_msgpack_encode_broadcast(benchmark::State& state) {
    std::string arg_bytes;
    if (!msgpack_protocol::append_msgpack_from_json(metrics_payload, arg_bytes)) state.SkipWithError("convert");
    const std::string_view arg = arg_bytes;
    encode_loop(state, [&](std::string& out) { msgpack_protocol::write(broadcast(&arg), out); });
}

void bm_msgpack_encode_broadcast_from_json(benchmark::State& state) {
    const std::string_view arg = metrics_payload;
    encode_loop(state, [&](std::string& out) {
        if (!msgpack_protocol::write_json_payload(broadcast(&arg), out)) state.SkipWithError("encode");
    });
}

void bm_json_encode_broadcast(benchmark::State& state) {
    const std::string_view arg = metrics_payload;
    encode_loop(state, [&](std::string& out) { json_protocol::write(broadcast(&arg), out); });
}

// What a core does for its MessagePack connections when handed the JSON broadcast record.
void bm_msgpack_transcode_broadcast_record(benchmark::State& state) {
    const std::string_view arg = metrics_payload;
    std::string json;
    json_protocol::write(broadcast(&arg), json);
    json_protocol::parser p;
    encode_loop(state, [&](std::string& out) {
        if (!msgpack_protocol::transcode_json_records(p, json, out)) state.SkipWithError("transcode");
    });
}

// Floor: appending the finished MessagePack record.
void bm_baseline_copy_broadcast(benchmark::State& state) {
    const std::string_view arg = metrics_payload;
    std::string record;
    if (!msgpack_protocol::write_json_payload(broadcast(&arg), record)) state.SkipWithError("encode");
    encode_loop(state, [&](std::string& out) { out.append(record); });
}

void msgpack_decode(benchmark::State& state, msgpack_protocol::payload_format payload) {
    msgpack_protocol::parser p(msgpack_protocol::default_max_message_size, payload);
    const std::string buf(client_invocation);
    for (auto _ : state) {
        auto s = p.next(buf);
        if (!s || s->kind != msgpack_protocol::step_kind::message) state.SkipWithError("parse failed");
        benchmark::DoNotOptimize(s->consumed);
    }
    state.SetItemsProcessed(std::int64_t(state.iterations()));
    state.SetBytesProcessed(std::int64_t(state.iterations() * buf.size()));
}

void bm_msgpack_decode_invocation(benchmark::State& state) { msgpack_decode(state, msgpack_protocol::payload_format::msgpack); }
void bm_msgpack_decode_invocation_to_json(benchmark::State& state) { msgpack_decode(state, msgpack_protocol::payload_format::json); }

void bm_json_decode_invocation(benchmark::State& state) {
    json_protocol::parser p;
    std::string buf(json_invocation);
    buf.append(json_protocol::padding, ' ');
    const std::string_view input = std::string_view(buf).substr(0, json_invocation.size());
    for (auto _ : state) {
        auto s = p.next(input, json_protocol::padding);
        if (!s) state.SkipWithError("parse failed");
        benchmark::DoNotOptimize(s->consumed);
    }
    state.SetItemsProcessed(std::int64_t(state.iterations()));
    state.SetBytesProcessed(std::int64_t(state.iterations() * json_invocation.size()));
}

// Floor: reading the length prefix, the work any parser does before it can look at a record.
void bm_baseline_read_prefix(benchmark::State& state) {
    const std::string buf(client_invocation);
    for (auto _ : state) {
        auto lp = msgpack_protocol::read_length_prefix(buf);
        benchmark::DoNotOptimize(lp);
    }
    state.SetItemsProcessed(std::int64_t(state.iterations()));
    state.SetBytesProcessed(std::int64_t(state.iterations() * buf.size()));
}

BENCHMARK(bm_msgpack_encode_broadcast);
BENCHMARK(bm_msgpack_encode_broadcast_from_json);
BENCHMARK(bm_msgpack_transcode_broadcast_record);
BENCHMARK(bm_json_encode_broadcast);
BENCHMARK(bm_baseline_copy_broadcast);
BENCHMARK(bm_msgpack_decode_invocation);
BENCHMARK(bm_msgpack_decode_invocation_to_json);
BENCHMARK(bm_json_decode_invocation);
BENCHMARK(bm_baseline_read_prefix);

}  // namespace

BENCHMARK_MAIN();
