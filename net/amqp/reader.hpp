#pragma once
// A bounded pull reader over AMQP 1.0 encoded values. This is the attack surface of the listener:
// every length, size and count is checked against the bytes that are really there before it is
// used, nesting is limited, nothing is allocated, and a bad input ends in a `failure` that names
// what was wrong, never in a crash.
//
// Lifecycle: a top-level reader walks a region (a frame body, a message payload) value by value.
// `next()` never enters a list, map or array: it hands out the compound value with its encoded
// items, and `enter()` makes a child reader over those items (which counts them, and checks that
// the size and the count agree). Every reader of one tree records its first failure in the same
// `failure` sink, which the caller owns; after a failure every call returns false.

#include "net/amqp/failure.hpp"
#include "net/amqp/types.hpp"

#include <cstdint>

namespace tallyhub::amqp {

class reader {
public:
    /// Nesting limit: containers entered plus descriptors chained.
    static constexpr unsigned default_max_depth = 32;

    /// A reader over `bytes`, whose values follow each other until the bytes end.
    /// `sink` receives the first failure and must outlive this reader and every reader entered from it.
    reader(bytes_view bytes, failure& sink, unsigned max_depth = default_max_depth) noexcept
        : p_(bytes.data()), end_(bytes.data() + bytes.size()), sink_(&sink), max_depth_(max_depth) {}

    /// Reads the next value into `v`. False at the end (of the region, or of the container's items)
    /// and on a failure; tell them apart with `failed()`.
    bool next(value& v) noexcept;
    /// Steps over the next value; compound values are passed by their size, without being entered.
    bool skip() noexcept {
        value v;
        return next(v);
    }
    /// Checks every value inside `v` (a value this reader produced), down to the depth limit.
    /// After this, any reader over `v` can only fail where the caller's own rules are stricter.
    bool validate(const value& v) noexcept;

    /// A reader over the items of `v`, a list, map or array this reader produced. One level deeper;
    /// past the depth limit it records a failure and the returned reader yields nothing.
    reader enter(const value& v) noexcept;
    /// A reader over the items of `v`, a list, map or array read by a reader that is gone
    /// (e.g. `performative_view::fields`), one level below the top.
    static reader over(const value& v, failure& sink, unsigned max_depth = default_max_depth) noexcept {
        return reader(bytes_view{}, sink, max_depth).enter(v);
    }

    /// No items left: the region's bytes or the container's count are used up.
    bool at_end() const noexcept { return counted_ ? left_ == 0 : p_ == end_; }
    /// Items not read yet (container readers; 0 for a region reader).
    std::uint32_t items_left() const noexcept { return counted_ ? left_ : 0; }
    /// The bytes not read yet.
    bytes_view rest() const noexcept { return {p_, std::size_t(end_ - p_)}; }
    unsigned depth() const noexcept { return depth_; }

    bool failed() const noexcept { return sink_->failed(); }
    failure& sink() const noexcept { return *sink_; }
    /// Records `f` unless a failure is already recorded; returns false.
    bool fail(const failure& f) noexcept;
    /// Records a decode-error with a printf-style description; returns false.
    [[gnu::format(printf, 2, 3)]] bool fail(const char* fmt, ...) noexcept;

private:
    friend class field_reader;
    // field_reader's fast paths: the next item's constructor byte, when the item is in a list (not
    // an array) and there are bytes for it; the caller checks `available()` before `consume()`.
    bool peek(std::uint8_t& c) const noexcept {
        if (!counted_ || array_ || left_ == 0 || p_ == end_ || sink_->failed()) return false;
        c = std::to_integer<std::uint8_t>(*p_);
        return true;
    }
    bool past_end() const noexcept { return counted_ && left_ == 0 && !sink_->failed(); }
    const std::byte* position() const noexcept { return p_; }
    std::size_t available() const noexcept { return std::size_t(end_ - p_); }
    void consume(std::size_t n) noexcept {
        p_ += n;
        --left_;
    }

    static bool validate_items(reader r, value& item) noexcept;
    bool read_constructor(value& v) noexcept;
    bool read_descriptor(value& v, bool outermost) noexcept;
    bool read_payload(std::uint8_t c, value& v) noexcept;
    bool read_variable(std::uint8_t c, unsigned len_width, kind k, value& v) noexcept;
    bool read_compound(std::uint8_t c, unsigned width, kind k, value& v) noexcept;
    bool read_element_constructor(std::uint8_t c, std::uint32_t count, std::size_t size, value& v) noexcept;
    bool need(std::size_t n, const char* what) noexcept;
    bool need(std::size_t n, std::uint8_t c) noexcept;  // names the constructor in the failure
    bool finish_items() noexcept;

    const std::byte* p_;
    const std::byte* end_;
    failure* sink_;
    unsigned max_depth_;
    unsigned depth_ = 0;

    // Container readers (made by enter): the item count, and for arrays the shared element constructor.
    bool counted_ = false;
    bool array_ = false;
    bool element_described_ = false;
    std::uint8_t container_ctor_ = 0;
    std::uint8_t element_ctor_ = 0;
    std::uint32_t left_ = 0;
    std::uint32_t count_ = 0;
    std::uint64_t element_descriptor_ = 0;
};

}  // namespace tallyhub::amqp
