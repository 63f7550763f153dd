// Event body decoding: a typical OrderCreated as producers send it (about 200 bytes, PascalCase, an
// ISO 8601 time and an unused nested array), against simdjson alone walking the same body as the
// baseline for the cost of our checks (case-insensitive names, exact money, time parsing, validation).
#include <benchmark/benchmark.h>

#include <simdjson.h>

#include <cstring>
#include <string>
#include <string_view>

#include "app/events.hpp"

namespace {

using namespace tallyhub::app;

constexpr std::string_view order_body =
    R"({"OrderId":"3f2504e0-4f89-11d3-9a0c-0305e82c3301","CustomerId":"cust-000123","TotalAmount":149.95,)"
    R"("Currency":"EUR","CreatedAt":"2026-12-03T12:00:00.1234567Z","Items":[{"Sku":"A-1","Qty":2}]})";

constexpr std::string_view payment_body =
    R"({"PaymentId":"pay-998877","OrderId":"3f2504e0-4f89-11d3-9a0c-0305e82c3301","Amount":"149.95",)"
    R"("ProcessedAt":"2026-12-03T12:00:01.5Z"})";

void BM_decode_order_created(benchmark::State& state) {
    event_decoder d;
    for (auto _ : state) {
        auto r = d.decode_order(order_body);
        if (!r.ok()) state.SkipWithError("decode failed");
        benchmark::DoNotOptimize(r);
    }
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(order_body.size()));
}
BENCHMARK(BM_decode_order_created);

void BM_decode_payment_processed(benchmark::State& state) {
    event_decoder d;
    for (auto _ : state) {
        auto r = d.decode_payment(payment_body);
        if (!r.ok()) state.SkipWithError("decode failed");
        benchmark::DoNotOptimize(r);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_decode_payment_processed);

// Baseline: simdjson On-Demand iterating the same body's fields, reading the id string and the
// amount as a double, with the padded copy done the same way.
void BM_simdjson_walk_baseline(benchmark::State& state) {
    simdjson::ondemand::parser parser;
    std::string padded(order_body.size() + simdjson::SIMDJSON_PADDING, '\0');
    for (auto _ : state) {
        std::memcpy(padded.data(), order_body.data(), order_body.size());
        auto doc = parser.iterate(padded.data(), order_body.size(), padded.size());
        double amount = 0;
        std::string_view id;
        for (auto field : doc.get_object()) {
            std::string_view key = field.unescaped_key();
            if (key == "OrderId") id = field.value().get_string();
            else if (key == "TotalAmount") amount = field.value().get_double();
        }
        benchmark::DoNotOptimize(amount);
        benchmark::DoNotOptimize(id);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_simdjson_walk_baseline);

}  // namespace

BENCHMARK_MAIN();
