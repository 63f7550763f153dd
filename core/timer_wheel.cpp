#include "core/timer_wheel.hpp"

#include <bit>
#include <limits>
#include <stdexcept>

namespace tallyhub {
namespace {

constexpr std::size_t npos = std::numeric_limits<std::size_t>::max();

void list_init(auto& head) noexcept { head.prev = head.next = &head; }
bool list_empty(const auto& head) noexcept { return head.next == &head; }

void list_push_back(auto& head, auto& node) noexcept {
    node.prev = head.prev;
    node.next = &head;
    head.prev->next = &node;
    head.prev = &node;
}

void list_remove(auto& node) noexcept {
    node.prev->next = node.next;
    node.next->prev = node.prev;
    node.prev = node.next = nullptr;
}

// Moves every node of `from` to the empty list `to` in O(1).
void list_splice(auto& from, auto& to) noexcept {
    if (list_empty(from)) return;
    to.next = from.next;
    to.prev = from.prev;
    to.next->prev = &to;
    to.prev->next = &to;
    list_init(from);
}

}  // namespace

timer_wheel::timer_wheel(time_point start, std::chrono::milliseconds resolution, std::size_t slots)
    : resolution_(resolution), mask_(slots - 1) {
    if (resolution.count() <= 0) throw std::invalid_argument("timer_wheel resolution must be positive");
    if (slots == 0 || !std::has_single_bit(slots) || slots > (std::size_t{1} << 31))
        throw std::invalid_argument("timer_wheel slot count must be a power of two <= 2^31");
    processed_ = tick_floor(start);
    slots_ = std::make_unique<link[]>(slots);
    for (std::size_t i = 0; i < slots; ++i) list_init(slots_[i]);
    occupied_ = std::make_unique<std::uint64_t[]>((slots + 63) / 64);  // zeroed
    list_init(due_);
    list_init(fired_);
}

timer_wheel::~timer_wheel() {
    auto release = [](link& head) {
        while (!list_empty(head)) {
            auto& e = static_cast<entry&>(*head.next);
            list_remove(as_link(e));
            e.wheel_ = nullptr;
        }
    };
    for (std::size_t i = 0; i <= mask_; ++i) release(slots_[i]);
    release(due_);
    release(fired_);
}

std::uint64_t timer_wheel::tick_floor(time_point t) const noexcept {
    const auto since = t.time_since_epoch();
    return since.count() <= 0 ? 0 : static_cast<std::uint64_t>(since / resolution_);
}

std::uint64_t timer_wheel::tick_ceil(time_point t) const noexcept {
    const auto since = t.time_since_epoch();
    if (since.count() <= 0) return 0;
    const auto ticks = static_cast<std::uint64_t>(since / resolution_);
    return since % resolution_ == clock::duration::zero() ? ticks : ticks + 1;
}

timer_wheel::link& timer_wheel::list_of(std::uint32_t id) noexcept {
    if (id == due_id_) return due_;
    if (id == fired_id_) return fired_;
    return slots_[id];
}

void timer_wheel::attach(entry& e, std::uint32_t id) noexcept {
    list_push_back(list_of(id), as_link(e));
    e.list_ = id;
    if (id <= mask_) occupied_[id >> 6] |= std::uint64_t{1} << (id & 63);
}

void timer_wheel::detach(entry& e) noexcept {
    list_remove(as_link(e));
    const std::uint32_t id = e.list_;
    if (id <= mask_ && list_empty(slots_[id])) occupied_[id >> 6] &= ~(std::uint64_t{1} << (id & 63));
}

void timer_wheel::unlink(entry& e) noexcept {
    detach(e);
    e.wheel_ = nullptr;
    --size_;
}

void timer_wheel::schedule(entry& e, time_point deadline) noexcept {
    if (e.wheel_ != nullptr && e.wheel_ != this) e.wheel_->cancel(e);
    const std::uint64_t tick = tick_ceil(deadline);
    if (e.wheel_ == this) {
        // Postponing an entry that waits in a slot: its slot still comes due no later than the new
        // deadline, so leave it there; collect_expired() moves it on when the slot is swept.
        if (tick >= e.tick_ && e.list_ <= mask_) {
            e.tick_ = tick;
            return;
        }
        detach(e);
    } else {
        e.wheel_ = this;
        ++size_;
    }
    e.tick_ = tick;
    attach(e, tick <= processed_ ? due_id_ : static_cast<std::uint32_t>(tick & mask_));
}

bool timer_wheel::cancel(entry& e) noexcept {
    if (e.wheel_ != this) return false;
    unlink(e);
    return true;
}

// Sweeps the slots of ticks (processed_, now] (each slot once at most, however far time jumped),
// moving expired entries to fired_ and postponed or later-revolution ones to their proper slot.
void timer_wheel::collect_expired(time_point now) noexcept {
    while (!list_empty(due_)) {
        auto& e = static_cast<entry&>(*due_.next);
        detach(e);
        attach(e, fired_id_);
    }
    const std::uint64_t now_tick = tick_floor(now);
    if (now_tick <= processed_) return;
    const std::uint64_t first = processed_ + 1;
    const std::uint64_t steps = std::min<std::uint64_t>(now_tick - processed_, mask_ + 1);
    processed_ = now_tick;

    link sweep;
    list_init(sweep);
    for (std::uint64_t i = 0; i < steps; ++i) {
        const auto slot = static_cast<std::uint32_t>((first + i) & mask_);
        if ((occupied_[slot >> 6] & (std::uint64_t{1} << (slot & 63))) == 0) continue;
        list_splice(slots_[slot], sweep);
        occupied_[slot >> 6] &= ~(std::uint64_t{1} << (slot & 63));
        while (!list_empty(sweep)) {
            auto& e = static_cast<entry&>(*sweep.next);
            list_remove(as_link(e));
            attach(e, e.tick_ <= now_tick ? fired_id_ : static_cast<std::uint32_t>(e.tick_ & mask_));
        }
    }
}

// First non-empty slot at or after `start`, in circular order.
std::size_t timer_wheel::first_occupied_from(std::size_t start) const noexcept {
    auto scan = [this](std::size_t from, std::size_t to) {
        for (std::size_t i = from; i < to; i = (i | 63) + 1) {
            const std::uint64_t word = occupied_[i >> 6] >> (i & 63);
            if (word != 0) {
                const std::size_t hit = i + static_cast<std::size_t>(std::countr_zero(word));
                return hit < to ? hit : npos;
            }
        }
        return npos;
    };
    const std::size_t hit = scan(start, mask_ + 1);
    return hit != npos ? hit : scan(0, start);
}

std::optional<timer_wheel::time_point> timer_wheel::next_deadline() const noexcept {
    if (size_ == 0) return std::nullopt;
    if (!list_empty(due_) || !list_empty(fired_)) return time_of(processed_);
    const std::size_t start = (processed_ + 1) & mask_;
    const std::size_t slot = first_occupied_from(start);
    const std::uint64_t distance = (slot - start) & mask_;
    return time_of(processed_ + 1 + distance);
}

}  // namespace tallyhub
