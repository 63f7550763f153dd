#pragma once
// Big-endian loads and stores shared by the AMQP reader, frame decoder and writer.

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace tallyhub::amqp::wire {

inline std::uint8_t u8(const std::byte* p) noexcept { return std::to_integer<std::uint8_t>(*p); }

inline std::uint16_t be16(const std::byte* p) noexcept {
    std::uint16_t v;
    std::memcpy(&v, p, 2);
    return __builtin_bswap16(v);
}

inline std::uint32_t be32(const std::byte* p) noexcept {
    std::uint32_t v;
    std::memcpy(&v, p, 4);
    return __builtin_bswap32(v);
}

inline std::uint64_t be64(const std::byte* p) noexcept {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    return __builtin_bswap64(v);
}

inline void put_be16(char* p, std::uint16_t v) noexcept {
    v = __builtin_bswap16(v);
    std::memcpy(p, &v, 2);
}

inline void put_be32(char* p, std::uint32_t v) noexcept {
    v = __builtin_bswap32(v);
    std::memcpy(p, &v, 4);
}

inline void put_be64(char* p, std::uint64_t v) noexcept {
    v = __builtin_bswap64(v);
    std::memcpy(p, &v, 8);
}

/// True when all `n` bytes are ASCII (symbols).
inline bool is_ascii(const std::byte* p, std::size_t n) noexcept {
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        std::uint64_t w;
        std::memcpy(&w, p + i, 8);
        if (w & 0x8080808080808080ull) return false;
    }
    for (; i < n; ++i)
        if (std::to_integer<unsigned>(p[i]) & 0x80) return false;
    return true;
}

/// UTF-8 validation beyond ASCII (simdjson).
bool is_utf8_slow(const std::byte* p, std::size_t n) noexcept;

/// True when the `n` bytes are valid UTF-8 (strings).
inline bool is_utf8(const std::byte* p, std::size_t n) noexcept { return is_ascii(p, n) || is_utf8_slow(p, n); }

}  // namespace tallyhub::amqp::wire
