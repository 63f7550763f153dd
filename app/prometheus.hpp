#pragma once
// Writes the Prometheus text exposition format 0.0.4: one `# HELP` and `# TYPE` per family, then
// its samples. Label values are escaped (\\, \", \n) as the format requires.

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "core/histogram.hpp"

namespace tallyhub::app {

using label = std::pair<std::string_view, std::string_view>;

class prometheus_text {
public:
    /// Starts a family: `type` is counter, gauge or histogram.
    void family(std::string_view name, std::string_view type, std::string_view help);
    /// One sample of the current family (name may carry a suffix such as _bucket).
    void sample(std::string_view name, double value, std::initializer_list<label> labels = {});
    void sample(std::string_view name, uint64_t value, std::initializer_list<label> labels = {});
    /// A whole histogram family from microsecond observations, exposed in seconds.
    void histogram_us(std::string_view name, std::string_view help, const histogram& h);
    /// A summary of the same microsecond histogram: p50, p90, p99 and p99.9 in seconds, read off its
    /// fine buckets (the histogram family's coarse `le` buckets cannot tell 26 ms from 49 ms).
    void summary_us(std::string_view name, std::string_view help, const histogram& h);

    const std::string& text() const noexcept { return out_; }

private:
    void labels(std::initializer_list<label> l, std::string_view extra_name = {}, std::string_view extra = {});
    std::string out_;
};

}  // namespace tallyhub::app
