#pragma once
// Typed, in-order reading of the fields of a composite type: a described list such as a
// performative, a terminus, a delivery state, a message header or properties section.
//
// The AMQP rules it applies (AMQP 1.0 part 1 §1.4, types.bare.xml):
//   * a list may be shortened: fields past its end read as null;
//   * a null field leaves the output at its default (the caller initialises outputs to defaults);
//   * a mandatory field that is null fails with amqp:invalid-field
//     "attach: field 'handle' is mandatory";
//   * a field of another type fails with amqp:decode-error "flow: field 'handle' is a string, expected uint";
//   * integer fields accept every encoding of their type (uint0, smalluint and uint for a uint);
//   * fields after the last known one (a newer peer) are checked and ignored by `finish()`.

#include "net/amqp/views.hpp"

#include <optional>

namespace tallyhub::amqp {

/// Whether a field may be null.
enum class need : bool { optional, mandatory };

class field_reader {
public:
    /// Reads the items of a list; `composite` names it in failures ("attach", "source").
    field_reader(reader items, const char* composite) noexcept : r_(items), composite_(composite) {}

    bool boolean(bool& out, const char* field, need n = need::optional) noexcept;
    bool boolean(std::optional<bool>& out, const char* field) noexcept;
    bool ubyte(std::uint8_t& out, const char* field, need n = need::optional) noexcept;
    bool ubyte(std::optional<std::uint8_t>& out, const char* field) noexcept;
    bool ushort(std::uint16_t& out, const char* field, need n = need::optional) noexcept;
    bool ushort(std::optional<std::uint16_t>& out, const char* field) noexcept;
    bool uint(std::uint32_t& out, const char* field, need n = need::optional) noexcept;
    bool uint(std::optional<std::uint32_t>& out, const char* field) noexcept;
    bool ulong(std::uint64_t& out, const char* field, need n = need::optional) noexcept;
    bool timestamp(std::optional<std::int64_t>& out, const char* field) noexcept;
    bool binary(bytes_view& out, const char* field, need n = need::optional) noexcept;
    bool binary(std::optional<bytes_view>& out, const char* field) noexcept;
    bool string(std::string_view& out, const char* field, need n = need::optional) noexcept;
    bool symbol(std::string_view& out, const char* field, need n = need::optional) noexcept;
    /// A string, or a symbol from a lenient peer (terminus addresses, content-type).
    bool text(std::string_view& out, const char* field) noexcept;
    bool symbols(symbol_array& out, const char* field) noexcept;
    bool map(map_view& out, const char* field) noexcept;
    /// The next field as it is (for fields of type `*`): null past the end of a shortened list.
    bool any(value& out, const char* field, need n = need::optional) noexcept;

    /// Checks and skips fields after the last known one. Returns false if anything failed.
    bool finish() noexcept;

    /// A reader over the items of a compound field value `v` read by `any`.
    reader enter(const value& v) noexcept { return r_.enter(v); }
    reader& items() noexcept { return r_; }
    bool failed() const noexcept { return r_.failed(); }
    const char* composite() const noexcept { return composite_; }

    /// Records amqp:invalid-field "<composite>: field '<field>' <what>"; returns false.
    bool invalid(const char* field, const char* what) noexcept;

private:
    bool read(value& v, const char* field, need n) noexcept;
    bool wrong_type(const value& v, const char* field, const char* expected) noexcept;
    template <typename T>
    bool unsigned_field(T& out, bool& present, const char* field, need n, kind k) noexcept;

    reader r_;
    const char* composite_;
};

}  // namespace tallyhub::amqp
