#pragma once
// timer_wheel: a coarse hashed timer wheel, one per core, for idle / keep-alive / handshake deadlines of
// tens of thousands of connections. Precise short timeouts belong to io_uring linked timeouts instead.
//
// Time is std::chrono::steady_clock::time_point, quantised into ticks of `resolution` (default 100 ms).
// A timer fires in the first advance() whose `now` is at or past its deadline rounded up to a tick:
// never early, at most one tick (plus the caller's loop latency) late.
//
// Intrusive: the owner embeds a timer_wheel::entry (no allocation per timer). Each slot is a doubly
// linked list, so schedule() and cancel() are O(1). Deadlines more than one revolution away stay in
// their slot and are skipped until their revolution comes round (the entry keeps its absolute tick).
// Pushing a deadline later (a keep-alive touched by every received frame) is a single store: the entry
// stays where it is and is moved to its new slot only when the old slot comes due.
//
// Lifecycle of an entry: unscheduled -> schedule() links it into a slot -> advance() unlinks it and
// calls fn(entry&) (now unscheduled; fn may schedule it again) or cancel()/~entry() unlinks it.
// Single-threaded: the wheel and its entries belong to one core.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

namespace tallyhub {

class timer_wheel {
    struct link {
        link* prev = nullptr;
        link* next = nullptr;
    };

public:
    using clock = std::chrono::steady_clock;
    using time_point = clock::time_point;

    /// The hook embedded in an object that needs a deadline. Not copyable or movable (it is linked).
    class entry : link {
    public:
        /// `owner` is handed back by owner() so the expiry callback can find the embedding object.
        /// Pass it already converted to the type owner_as<>() will name (a base-class pointer of a
        /// class with several bases has a different address than `this`).
        explicit entry(void* owner = nullptr) noexcept : owner_(owner) {}
        entry(const entry&) = delete;
        entry& operator=(const entry&) = delete;
        /// Unlinks the entry if it is still scheduled.
        ~entry() { cancel(); }

        /// True between schedule() and firing or cancel().
        bool scheduled() const noexcept { return wheel_ != nullptr; }
        /// The pointer given at construction.
        void* owner() const noexcept { return owner_; }
        /// The owner cast back to its type.
        template <typename Owner>
        Owner* owner_as() const noexcept { return static_cast<Owner*>(owner_); }
        /// Removes the entry from its wheel; returns whether it was scheduled.
        bool cancel() noexcept;

    private:
        friend class timer_wheel;
        timer_wheel* wheel_ = nullptr;
        void* owner_;
        std::uint64_t tick_ = 0;     // deadline, rounded up to a tick
        std::uint32_t list_ = 0;     // list it is linked in: a slot index, due_id_ or fired_id_
    };

    /// A wheel of `slots` lists (power of two) of `resolution` each, starting its clock at `start`.
    /// One revolution spans slots * resolution (default 1024 * 100 ms = 102.4 s). Throws on bad config.
    explicit timer_wheel(time_point start, std::chrono::milliseconds resolution = std::chrono::milliseconds(100),
                         std::size_t slots = 1024);
    timer_wheel(const timer_wheel&) = delete;
    timer_wheel& operator=(const timer_wheel&) = delete;
    /// Unlinks every entry still scheduled (they become unscheduled; their owners may outlive the wheel).
    ~timer_wheel();

    /// Arms (or re-arms) `e` to fire at `deadline`. A deadline at or before the last advance() fires on
    /// the next advance(). An entry scheduled on another wheel is moved to this one.
    void schedule(entry& e, time_point deadline) noexcept;
    /// Arms `e` to fire `delay` after the wheel's current time (the last advance(), or start).
    void schedule_after(entry& e, clock::duration delay) noexcept { schedule(e, now() + delay); }
    /// Disarms `e`; a no-op returning false if it is not scheduled here.
    bool cancel(entry& e) noexcept;

    /// Fires every entry whose deadline is <= now: unlinks it, then calls fn(entry&). Returns how many
    /// fired. fn may schedule or cancel any entry; an entry it schedules with a deadline <= now fires on
    /// the next advance(), not this one. Order among entries firing in one call is unspecified.
    /// Not re-entrant: do not call advance() from fn.
    template <typename Fn>
    std::size_t advance(time_point now, Fn&& fn) {
        collect_expired(now);
        std::size_t fired = 0;
        while (fired_.next != &fired_) {
            entry& e = *static_cast<entry*>(fired_.next);
            unlink(e);
            ++fired;
            fn(e);
        }
        return fired;
    }

    /// When advance() may next fire something, or nullopt when nothing is scheduled. A lower bound:
    /// never later than the tick at which the first timer becomes due, possibly earlier (a slot holding
    /// only later-revolution or postponed entries). The reactor may sleep until then; waking early only
    /// costs an empty advance().
    std::optional<time_point> next_deadline() const noexcept;

    /// Number of scheduled entries.
    std::size_t size() const noexcept { return size_; }
    /// True when nothing is scheduled.
    bool empty() const noexcept { return size_ == 0; }
    /// The wheel's notion of now: the tick of the last advance() (or of start).
    time_point now() const noexcept { return time_of(processed_); }
    /// The tick length.
    clock::duration resolution() const noexcept { return resolution_; }

private:
    static constexpr std::uint32_t due_id_ = 0xFFFFFFFEu;
    static constexpr std::uint32_t fired_id_ = 0xFFFFFFFFu;

    std::uint64_t tick_floor(time_point t) const noexcept;
    std::uint64_t tick_ceil(time_point t) const noexcept;
    time_point time_of(std::uint64_t tick) const noexcept { return time_point(resolution_ * tick); }

    static link& as_link(entry& e) noexcept { return e; }
    link& list_of(std::uint32_t id) noexcept;
    void attach(entry& e, std::uint32_t id) noexcept;
    void detach(entry& e) noexcept;
    void unlink(entry& e) noexcept;
    void collect_expired(time_point now) noexcept;
    std::size_t first_occupied_from(std::size_t slot) const noexcept;

    clock::duration resolution_;
    std::size_t mask_;
    std::uint64_t processed_;  // every entry with tick <= processed_ has fired or sits in due_/fired_
    std::size_t size_ = 0;
    std::unique_ptr<link[]> slots_;              // circular lists with sentinel heads
    std::unique_ptr<std::uint64_t[]> occupied_;  // one bit per non-empty slot, for next_deadline()
    link due_;                                   // scheduled at or before processed_
    link fired_;                                 // expired, waiting for their callback in advance()
};

inline bool timer_wheel::entry::cancel() noexcept { return wheel_ != nullptr && wheel_->cancel(*this); }

}  // namespace tallyhub
