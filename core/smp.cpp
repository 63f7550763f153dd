#include "core/smp.hpp"

#include <pthread.h>
#include <sched.h>

#include "core/log.hpp"

namespace tallyhub {

thread_local smp* smp::current_ = nullptr;
thread_local unsigned smp::current_core_ = ~0u;

smp::smp(smp_options opts) : opts_(std::move(opts)) {
    unsigned n = opts_.cores ? opts_.cores : 1;
    for (unsigned i = 0; i < n; ++i) {
        auto c = std::make_unique<per_core>();
        for (unsigned src = 0; src < n; ++src) c->inbox_.push_back(std::make_unique<spsc_ring<message_ptr>>(opts_.ring_capacity));
        c->overflow_.resize(n);
        cores_.push_back(std::move(c));
    }
    // Core i runs on the i-th CPU this process may use (so `taskset -c 1 tallyhub --cores 1` pins to CPU 1).
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
            if (CPU_ISSET(cpu, &set)) cpus_.push_back(cpu);
    }
}

smp::~smp() { stop_and_join(); }

result<void> smp::start() {
    for (unsigned i = 0; i < count(); ++i) cores_[i]->thread_ = std::thread([this, i] { thread_main(i); });
    while (started_.load(std::memory_order_acquire) + failed_.load(std::memory_order_acquire) < count())
        std::this_thread::yield();
    if (failed_.load() > 0) {
        stop_and_join();
        static thread_local std::string reason;
        reason = failure_;
        return error{EINVAL, reason};
    }
    return {};
}

void smp::thread_main(unsigned core) {
    set_log_core(int(core));
    if (opts_.pin && !cpus_.empty()) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(cpus_[core % cpus_.size()], &set);
        pthread_setaffinity_np(pthread_self(), sizeof set, &set);
    }
    std::string note;
    auto r = reactor::create(int(core), opts_.reactor, &note);
    if (!r) {
        std::lock_guard lock(failure_mutex_);
        if (failure_.empty()) {
            failure_ = std::string(r.err().reason);
            if (!note.empty()) failure_ += " (" + note + ")";
        }
        failed_.fetch_add(1, std::memory_order_release);
        return;
    }
    per_core& me = *cores_[core];
    me.reactor_ = std::move(*r);
    if (core == 0) note_ = note;
    me.reactor_->set_mailbox(&mailbox_run, &mailbox_has_work, &me);
    current_ = this;
    current_core_ = core;
    started_.fetch_add(1, std::memory_order_release);
    // Wait for every core before running, so no message targets a reactor that does not exist yet.
    while (started_.load(std::memory_order_acquire) + failed_.load(std::memory_order_acquire) < count())
        std::this_thread::yield();
    if (failed_.load(std::memory_order_acquire) == 0) me.reactor_->run();
    current_ = nullptr;
}

void smp::stop_and_join() {
    for (auto& c : cores_) {
        if (c->reactor_) c->reactor_->stop();
    }
    for (auto& c : cores_) {
        if (c->thread_.joinable()) c->thread_.join();
    }
}

void smp::submit_to(unsigned core, message_ptr msg) {
    per_core& dst = *cores_[core];
    if (current_ == this) {
        per_core& me = *cores_[current_core_];
        auto& overflow = me.overflow_[core];
        if (!overflow.empty() || !dst.inbox_[current_core_]->try_push(std::move(msg))) {
            overflow.push_back(std::move(msg));  // kept in order; retried every loop turn
            me.has_overflow_.store(true, std::memory_order_relaxed);
        }
    } else {
        std::lock_guard lock(dst.external_mutex_);
        dst.external_.push_back(std::move(msg));
        dst.has_external_.store(true, std::memory_order_release);
    }
    if (dst.reactor_) dst.reactor_->wake();
}

bool smp::drain_inbox(unsigned core) {
    per_core& me = *cores_[core];
    bool ran = false;
    for (auto& ring : me.inbox_) {
        ran |= ring->drain([](message_ptr&& m) { m->run(); }, 256) > 0;
    }
    if (me.has_external_.load(std::memory_order_acquire)) {
        std::deque<message_ptr> batch;
        {
            std::lock_guard lock(me.external_mutex_);
            batch.swap(me.external_);
            me.has_external_.store(false, std::memory_order_relaxed);
        }
        for (auto& m : batch) m->run();
        ran = true;
    }
    if (me.has_overflow_.load(std::memory_order_relaxed)) {
        bool left = false;
        for (unsigned dst = 0; dst < count(); ++dst) {
            auto& q = me.overflow_[dst];
            while (!q.empty() && cores_[dst]->inbox_[core]->try_push(std::move(q.front()))) q.pop_front();
            if (!q.empty()) left = true;
            cores_[dst]->reactor_->wake();
        }
        me.has_overflow_.store(left, std::memory_order_relaxed);
    }
    return ran;
}

bool smp::mailbox_run(void* ctx) {
    auto* self = current_;
    (void)ctx;
    return self->drain_inbox(current_core_);
}

bool smp::mailbox_has_work(void* ctx) {
    auto* me = static_cast<per_core*>(ctx);
    for (auto& ring : me->inbox_)
        if (!ring->empty()) return true;
    return me->has_external_.load(std::memory_order_acquire) || me->has_overflow_.load(std::memory_order_relaxed);
}

}  // namespace tallyhub
