#include "net/amqp/views.hpp"

#include "net/amqp/wire.hpp"

namespace tallyhub::amqp {

bool symbol_array::from(reader& parent, const value& v, symbol_array& out, const char* what) noexcept {
    out = symbol_array{};
    if (v.is_null()) return true;
    if (v.type == kind::symbol) {
        out.single_ = v.text();
        out.count_ = 1;
        return true;
    }
    if (v.type != kind::array)
        return parent.fail("%s is a %s, expected symbols", what, kind_name(v.type).data());
    if (v.count == 0) return true;
    if (v.element_constructor != ctor::sym8 && v.element_constructor != ctor::sym32)
        return parent.fail("%s is an array of %s, expected symbols", what,
                           constructor_name(v.element_constructor).data());
    // Reading every element checks lengths and ASCII once, so that iteration can trust them.
    reader items = parent.enter(v);
    value s;
    while (items.next(s)) {
    }
    if (parent.failed()) return false;
    out.encoded_ = v.bytes;
    out.count_ = v.count;
    out.width_ = v.element_constructor == ctor::sym8 ? 1 : 4;
    return true;
}

bool symbol_array::contains(std::string_view symbol) const noexcept {
    for (std::string_view s : *this)
        if (s == symbol) return true;
    return false;
}

std::string_view symbol_array::iterator::operator*() const noexcept {
    const symbol_array& a = *array_;
    if (a.list_) return a.list_[index_];
    if (a.width_ == 0) return a.single_;
    const std::byte* p = a.encoded_.data() + offset_;
    std::size_t len = a.width_ == 1 ? wire::u8(p) : wire::be32(p);
    return as_chars({p + a.width_, len});
}

symbol_array::iterator& symbol_array::iterator::operator++() noexcept {
    const symbol_array& a = *array_;
    if (a.width_ != 0) {
        const std::byte* p = a.encoded_.data() + offset_;
        offset_ += a.width_ + (a.width_ == 1 ? wire::u8(p) : wire::be32(p));
    }
    ++index_;
    return *this;
}

bool map_view::from(reader& parent, const value& v, map_view& out, const char* what) noexcept {
    out = map_view{};
    if (v.is_null()) return true;
    if (v.type != kind::map) return parent.fail("%s is a %s, expected a map", what, kind_name(v.type).data());
    if (!parent.validate(v)) return false;
    out.items_ = v.bytes;
    out.count_ = v.count;
    return true;
}

std::optional<value> map_view::find(std::string_view key) const noexcept {
    for (const map_entry& e : *this)
        if ((e.key.type == kind::string || e.key.type == kind::symbol) && e.key.text() == key) return e.val;
    return std::nullopt;
}

std::optional<std::string_view> map_view::find_string(std::string_view key) const noexcept {
    std::optional<value> v = find(key);
    if (v && (v->type == kind::string || v->type == kind::symbol)) return v->text();
    return std::nullopt;
}

map_view::iterator::iterator(bytes_view rest, std::uint32_t pairs) noexcept : rest_(rest), left_(pairs) {
    load();
}

// The map was validated when it was made, so this reader cannot fail.
void map_view::iterator::load() noexcept {
    if (left_ == 0) return;
    failure unused;
    reader r(rest_, unused);
    r.next(entry_.key);
    r.next(entry_.val);
    rest_ = r.rest();
}

map_view::iterator& map_view::iterator::operator++() noexcept {
    --left_;
    load();
    return *this;
}

}  // namespace tallyhub::amqp
