#include "app/prometheus.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace tallyhub::app {

void prometheus_text::family(std::string_view name, std::string_view type, std::string_view help) {
    out_.append("# HELP ").append(name).append(" ").append(help).append("\n");
    out_.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void prometheus_text::labels(std::initializer_list<label> l, std::string_view extra_name, std::string_view extra) {
    if (l.size() == 0 && extra_name.empty()) return;
    out_.push_back('{');
    bool first = true;
    auto one = [&](std::string_view k, std::string_view v) {
        if (!first) out_.push_back(',');
        first = false;
        out_.append(k).append("=\"");
        for (char c : v) {
            if (c == '\\') out_.append("\\\\");
            else if (c == '"') out_.append("\\\"");
            else if (c == '\n') out_.append("\\n");
            else out_.push_back(c);
        }
        out_.push_back('"');
    };
    for (const label& p : l) one(p.first, p.second);
    if (!extra_name.empty()) one(extra_name, extra);
    out_.push_back('}');
}

void prometheus_text::sample(std::string_view name, double value, std::initializer_list<label> l) {
    out_.append(name);
    labels(l);
    char buf[64];
    int n = std::isfinite(value) ? std::snprintf(buf, sizeof buf, " %.9g\n", value)
                                 : std::snprintf(buf, sizeof buf, " %s\n", value > 0 ? "+Inf" : "NaN");
    out_.append(buf, size_t(n));
}

void prometheus_text::sample(std::string_view name, uint64_t value, std::initializer_list<label> l) {
    out_.append(name);
    labels(l);
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, value);
    out_.push_back(' ');
    out_.append(buf, r.ptr).push_back('\n');
}

void prometheus_text::histogram_us(std::string_view name, std::string_view help, const histogram& h) {
    family(name, "histogram", help);
    // Bounds in microseconds: 100 us .. 5 s, roughly x2.5 steps.
    static constexpr uint64_t bounds_us[] = {100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000,
                                             100000, 250000, 500000, 1000000, 2500000, 5000000};
    std::string bucket = std::string(name) + "_bucket";
    for (uint64_t b : bounds_us) {
        char le[32];
        std::snprintf(le, sizeof le, "%g", double(b) / 1e6);
        out_.append(bucket);
        labels({}, "le", le);
        char buf[24];
        auto r = std::to_chars(buf, buf + sizeof buf, h.count_at_or_below(b));
        out_.push_back(' ');
        out_.append(buf, r.ptr).push_back('\n');
    }
    out_.append(bucket);
    labels({}, "le", "+Inf");
    out_.append(" ").append(std::to_string(h.count())).append("\n");
    sample(std::string(name) + "_sum", double(h.sum()) / 1e6);
    sample(std::string(name) + "_count", h.count());
}

void prometheus_text::summary_us(std::string_view name, std::string_view help, const histogram& h) {
    family(name, "summary", help);
    for (auto [q, text] : {std::pair{0.5, "0.5"}, {0.9, "0.9"}, {0.99, "0.99"}, {0.999, "0.999"}}) {
        sample(name, double(h.percentile(q)) / 1e6, {{"quantile", text}});
    }
    sample(std::string(name) + "_sum", double(h.sum()) / 1e6);
    sample(std::string(name) + "_count", h.count());
}

}  // namespace tallyhub::app
