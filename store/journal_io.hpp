#pragma once
// Positioned file writes through the reactor for the journal (internal to store/).

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <string_view>

#include "core/io.hpp"
#include "core/task.hpp"
#include "store/journal.hpp"

namespace tallyhub::store::detail {

/// Writes all of `bytes` at `offset`, continuing after short writes (one io::write each, counted in
/// stats->writes). 0, or -errno of the write that failed (-EIO for a write of nothing).
inline task<int> write_all(int fd, std::string_view bytes, std::uint64_t offset, journal_stats* stats) {
    while (!bytes.empty()) {
        std::uint32_t chunk = std::uint32_t(std::min<std::size_t>(bytes.size(), std::size_t(1) << 30));
        int32_t n = co_await io::write(fd, bytes.data(), chunk, offset);
        ++stats->writes;
        if (n < 0) co_return n;
        if (n == 0) co_return -EIO;
        bytes.remove_prefix(std::size_t(n));
        offset += std::uint64_t(n);
    }
    co_return 0;
}

}  // namespace tallyhub::store::detail
