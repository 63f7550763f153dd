// signalr::connection_table against a plain map: ids found, slots kept, removals in any order.

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "signalr/connection_table.hpp"

namespace tallyhub::signalr {
namespace {

struct fake_conn {
    std::string name;
    std::uint32_t pos = 0;
    std::string_view id() const noexcept { return name; }
    std::uint32_t slot() const noexcept { return pos; }
    void set_slot(std::uint32_t s) noexcept { pos = s; }
};

void expect_matches(const connection_table<fake_conn>& t, const std::unordered_map<std::string, fake_conn*>& model) {
    ASSERT_EQ(t.size(), model.size());
    for (const auto& [id, c] : model) EXPECT_EQ(t.find(id), c) << id;
    std::vector<fake_conn*> all(t.all().begin(), t.all().end());
    for (std::uint32_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i]->slot(), i);
    std::sort(all.begin(), all.end());
    std::vector<fake_conn*> want;
    for (const auto& [id, c] : model) want.push_back(c);
    std::sort(want.begin(), want.end());
    EXPECT_EQ(all, want);
}

TEST(connection_table, empty_finds_nothing) {
    connection_table<fake_conn> t;
    fake_conn stranger{"x", 0};
    EXPECT_EQ(t.find("x"), nullptr);
    EXPECT_FALSE(t.erase(&stranger));
    EXPECT_TRUE(t.empty());
}

TEST(connection_table, insert_find_erase) {
    connection_table<fake_conn> t;
    fake_conn a{"a"}, b{"b"}, c{"c"};
    t.insert(&a);
    t.insert(&b);
    t.insert(&c);
    EXPECT_EQ(t.find("b"), &b);
    EXPECT_EQ(t.find("d"), nullptr);
    EXPECT_TRUE(t.erase(&a));  // c moves into a's place
    EXPECT_FALSE(t.erase(&a));
    EXPECT_EQ(t.find("a"), nullptr);
    EXPECT_EQ(t.find("c"), &c);
    EXPECT_EQ(t.all()[c.slot()], &c);
    EXPECT_EQ(t.size(), 2u);
}

TEST(connection_table, a_stranger_with_a_members_slot_is_not_erased) {
    connection_table<fake_conn> t;
    fake_conn a{"a"};
    t.insert(&a);
    fake_conn stranger{"a", a.slot()};  // same id and slot, another object
    EXPECT_FALSE(t.erase(&stranger));
    EXPECT_EQ(t.find("a"), &a);
}

// Many connections in and out in random order: long probe runs, growth and backward shifts.
TEST(connection_table, random_churn_matches_a_map) {
    std::mt19937 rng(20261204);
    std::vector<std::unique_ptr<fake_conn>> pool;
    for (int i = 0; i < 5000; ++i) pool.push_back(std::make_unique<fake_conn>(fake_conn{"conn-" + std::to_string(i)}));
    connection_table<fake_conn> t;
    std::unordered_map<std::string, fake_conn*> model;
    for (int round = 0; round < 40000; ++round) {
        fake_conn* c = pool[rng() % pool.size()].get();
        if (model.contains(c->name)) {
            ASSERT_TRUE(t.erase(c));
            model.erase(c->name);
            EXPECT_EQ(t.find(c->name), nullptr);
        } else {
            t.insert(c);
            model[c->name] = c;
        }
        if (round % 4000 == 0) expect_matches(t, model);
    }
    expect_matches(t, model);
    while (!model.empty()) {
        fake_conn* c = model.begin()->second;
        ASSERT_TRUE(t.erase(c));
        model.erase(model.begin());
    }
    expect_matches(t, model);
}

}  // namespace
}  // namespace tallyhub::signalr
