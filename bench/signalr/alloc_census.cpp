// Allocation census, an LD_PRELOAD library for bench/signalr/census.sh (built by that script, not by
// CMake or Meson): it records every live heap block of the process (requested size, the allocator's
// usable size, a 9-frame stack) and, each time the file $ALLOC_CENSUS_TRIGGER appears, writes the
// live blocks and /proc/self/maps to $ALLOC_CENSUS_OUT.N (N = 0, 1, ...) and removes the trigger.
// alloc_census.py diffs two dumps by allocation site. The real allocator (mimalloc in tallyhub) still
// serves every block, so usable sizes are its size classes.
//
// Not for production: one spin lock around a fixed 4 Mi-entry open-addressing table (about 370 MB
// of address space, touched sparsely), and a backtrace per allocation.

#include <dlfcn.h>
#include <execinfo.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <thread>

namespace {

constexpr int depth = 9;
constexpr std::size_t capacity = std::size_t(1) << 22;
void* const tombstone = reinterpret_cast<void*>(1);

struct block {
    void* ptr;  // nullptr: empty slot
    std::uint32_t size;
    std::uint32_t usable;
    void* stack[depth];
};

block* table = nullptr;
std::atomic_flag table_lock = ATOMIC_FLAG_INIT;
thread_local int in_hook = 0;  // set while the census itself allocates (backtrace, the dump thread)
bool counting = false;

using malloc_fn = void* (*)(std::size_t);
using free_fn = void (*)(void*);
using realloc_fn = void* (*)(void*, std::size_t);
using calloc_fn = void* (*)(std::size_t, std::size_t);
using memalign_fn = int (*)(void**, std::size_t, std::size_t);
using usable_fn = std::size_t (*)(void*);
malloc_fn real_malloc;
free_fn real_free;
realloc_fn real_realloc;
calloc_fn real_calloc;
memalign_fn real_posix_memalign;
usable_fn real_usable;

// dlsym allocates while it looks the real functions up: those blocks come from here, never freed.
alignas(16) char boot[1 << 20];
std::size_t boot_used = 0;
bool resolving = false;

bool from_boot(void* p) { return p >= boot && p < boot + sizeof boot; }

void* boot_alloc(std::size_t n) {
    if (boot_used + n > sizeof boot) return nullptr;
    void* p = boot + boot_used;
    boot_used += (n + 15) & ~std::size_t(15);
    return p;
}

void resolve() {
    if (real_malloc || resolving) return;
    resolving = true;
    real_malloc = reinterpret_cast<malloc_fn>(dlsym(RTLD_NEXT, "malloc"));
    real_free = reinterpret_cast<free_fn>(dlsym(RTLD_NEXT, "free"));
    real_realloc = reinterpret_cast<realloc_fn>(dlsym(RTLD_NEXT, "realloc"));
    real_calloc = reinterpret_cast<calloc_fn>(dlsym(RTLD_NEXT, "calloc"));
    real_posix_memalign = reinterpret_cast<memalign_fn>(dlsym(RTLD_NEXT, "posix_memalign"));
    real_usable = reinterpret_cast<usable_fn>(dlsym(RTLD_NEXT, "malloc_usable_size"));
    resolving = false;
}

struct lock_guard {
    lock_guard() { while (table_lock.test_and_set(std::memory_order_acquire)) {} }
    ~lock_guard() { table_lock.clear(std::memory_order_release); }
};

std::size_t slot_of(void* p) { return (std::uintptr_t(p) * 0x9E3779B97F4A7C15ull >> 20) & (capacity - 1); }

void record(void* p, std::size_t n) {
    if (!counting || !p || in_hook) return;
    ++in_hook;
    void* stack[depth];
    int got = backtrace(stack, depth);
    {
        lock_guard g;
        std::size_t i = slot_of(p);
        while (table[i].ptr && table[i].ptr != tombstone) i = (i + 1) & (capacity - 1);
        block& b = table[i];
        b.ptr = p;
        b.size = std::uint32_t(n);
        b.usable = real_usable ? std::uint32_t(real_usable(p)) : std::uint32_t(n);
        for (int k = 0; k < depth; ++k) b.stack[k] = k < got ? stack[k] : nullptr;
    }
    --in_hook;
}

void forget(void* p) {
    if (!counting || !p) return;
    lock_guard g;
    for (std::size_t i = slot_of(p); table[i].ptr; i = (i + 1) & (capacity - 1)) {
        if (table[i].ptr == p) {
            table[i].ptr = tombstone;
            return;
        }
    }
}

void dump(const char* base, int n) {
    char path[512];
    std::snprintf(path, sizeof path, "%s.%d", base, n);
    FILE* f = std::fopen(path, "w");
    if (!f) return;
    {
        lock_guard g;
        for (std::size_t i = 0; i < capacity; ++i) {
            const block& b = table[i];
            if (!b.ptr || b.ptr == tombstone) continue;
            std::fprintf(f, "B %u %u", b.size, b.usable);
            for (void* a : b.stack) std::fprintf(f, " %p", a);
            std::fputc('\n', f);
        }
    }
    if (FILE* m = std::fopen("/proc/self/maps", "r")) {
        char line[1024];
        while (std::fgets(line, sizeof line, m)) std::fprintf(f, "M %s", line);
        std::fclose(m);
    }
    std::fclose(f);
}

void watch(const char* trigger, const char* out) {
    in_hook = 1;
    for (int n = 0;;) {
        if (access(trigger, F_OK) == 0) {
            dump(out, n++);
            unlink(trigger);
        }
        usleep(100'000);
    }
}

struct start {
    start() {
        resolve();
        const char* trigger = std::getenv("ALLOC_CENSUS_TRIGGER");
        const char* out = std::getenv("ALLOC_CENSUS_OUT");
        if (!trigger || !out) return;  // e.g. taskset, exec'ing the real program: count nothing
        table = static_cast<block*>(mmap(nullptr, capacity * sizeof(block), PROT_READ | PROT_WRITE,
                                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0));
        if (table == MAP_FAILED) return;
        void* warm[2];
        backtrace(warm, 2);  // loads libgcc_s before counting starts
        counting = true;
        std::thread(watch, trigger, out).detach();
    }
} start_;

}  // namespace

extern "C" {

void* malloc(std::size_t n) {
    if (!real_malloc) {
        if (resolving) return boot_alloc(n);
        resolve();
    }
    void* p = real_malloc(n);
    record(p, n);
    return p;
}

void free(void* p) {
    if (!p || from_boot(p)) return;
    forget(p);
    real_free(p);
}

void* calloc(std::size_t a, std::size_t b) {
    if (!real_calloc) {
        if (resolving) return boot_alloc(a * b);  // static storage: already zero
        resolve();
    }
    void* p = real_calloc(a, b);
    record(p, a * b);
    return p;
}

void* realloc(void* old, std::size_t n) {
    resolve();
    if (from_boot(old)) {
        void* p = malloc(n);
        if (p) std::memcpy(p, old, std::min<std::size_t>(n, boot + sizeof boot - static_cast<char*>(old)));
        return p;
    }
    forget(old);
    void* p = real_realloc(old, n);
    record(p, n);
    return p;
}

int posix_memalign(void** out, std::size_t align, std::size_t n) {
    resolve();
    int rc = real_posix_memalign(out, align, n);
    if (rc == 0) record(*out, n);
    return rc;
}

void* aligned_alloc(std::size_t align, std::size_t n) {
    void* p = nullptr;
    return posix_memalign(&p, align, n) == 0 ? p : nullptr;
}

}  // extern "C"

// operator new is interposed too, so that the frame that called it (a coroutine's ramp function,
// a constructor) is the first frame of the recorded stack after the census's own.
void* operator new(std::size_t n) {
    resolve();
    void* p = real_malloc(n ? n : 1);
    if (!p) throw std::bad_alloc();
    record(p, n);
    return p;
}
void* operator new[](std::size_t n) { return operator new(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
    resolve();
    void* p = real_malloc(n ? n : 1);
    record(p, n);
    return p;
}
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
void* operator new(std::size_t n, std::align_val_t a) {
    resolve();
    void* p = nullptr;
    if (real_posix_memalign(&p, std::size_t(a), n ? n : 1) != 0) throw std::bad_alloc();
    record(p, n);
    return p;
}
void* operator new[](std::size_t n, std::align_val_t a) { return operator new(n, a); }
void operator delete(void* p) noexcept { free(p); }
void operator delete[](void* p) noexcept { free(p); }
void operator delete(void* p, std::size_t) noexcept { free(p); }
void operator delete[](void* p, std::size_t) noexcept { free(p); }
void operator delete(void* p, std::align_val_t) noexcept { free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { free(p); }
