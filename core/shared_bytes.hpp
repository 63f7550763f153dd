#pragma once
// shared_bytes: immutable bytes with a core-local (non-atomic) reference count. A broadcast frame is
// encoded once per core per tick and the same bytes are queued on every connection of that core;
// each connection holds a reference until its write completes. Never shared across cores: a core
// that receives bytes from another core makes its own shared_bytes (one copy per core per tick).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string_view>
#include <utility>

namespace tallyhub {

class shared_bytes {
public:
    shared_bytes() noexcept = default;
    /// Copies `bytes` into a new block with one reference.
    explicit shared_bytes(std::string_view bytes) {
        void* mem = std::malloc(sizeof(block) + bytes.size());
        if (!mem) throw std::bad_alloc();
        b_ = new (mem) block{1, bytes.size()};
        if (!bytes.empty()) std::memcpy(b_->data(), bytes.data(), bytes.size());
    }
    shared_bytes(const shared_bytes& o) noexcept : b_(o.b_) {
        if (b_) ++b_->refs;
    }
    shared_bytes(shared_bytes&& o) noexcept : b_(std::exchange(o.b_, nullptr)) {}
    shared_bytes& operator=(shared_bytes o) noexcept {
        std::swap(b_, o.b_);
        return *this;
    }
    ~shared_bytes() {
        if (b_ && --b_->refs == 0) std::free(b_);
    }

    explicit operator bool() const noexcept { return b_ != nullptr; }
    const char* data() const noexcept { return b_ ? b_->data() : nullptr; }
    size_t size() const noexcept { return b_ ? b_->size : 0; }
    std::string_view view() const noexcept { return {data(), size()}; }
    uint32_t use_count() const noexcept { return b_ ? b_->refs : 0; }

private:
    struct block {
        uint32_t refs;
        size_t size;
        char* data() noexcept { return reinterpret_cast<char*>(this + 1); }
    };
    block* b_ = nullptr;
};

}  // namespace tallyhub
