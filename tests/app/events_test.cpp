#include "app/events.hpp"

#include <gtest/gtest.h>

#include <string>

namespace tallyhub::app {
namespace {

event_errc order_error(std::string_view body) {
    event_decoder d;
    auto r = d.decode_order(body);
    EXPECT_FALSE(r.ok()) << body;
    return r.ok() ? event_errc{} : static_cast<event_errc>(r.err().code);
}

event_errc payment_error(std::string_view body) {
    event_decoder d;
    auto r = d.decode_payment(body);
    EXPECT_FALSE(r.ok()) << body;
    return r.ok() ? event_errc{} : static_cast<event_errc>(r.err().code);
}

TEST(event_type, names_match_case_insensitively) {
    EXPECT_EQ(parse_event_type("OrderCreated"), event_type::order_created);
    EXPECT_EQ(parse_event_type("ordercreated"), event_type::order_created);
    EXPECT_EQ(parse_event_type("PaymentProcessed"), event_type::payment_processed);
    EXPECT_EQ(parse_event_type("OrderShipped"), event_type::unknown);
    EXPECT_EQ(parse_event_type(""), event_type::unknown);
}

TEST(order_decode, full_body) {
    event_decoder d;
    auto r = d.decode_order(
        R"({"OrderId":"ord-42","TotalAmount":125.50,"CustomerId":"c-7","Currency":"EUR",)"
        R"("CreatedAt":"2026-12-03T12:00:00.123Z","Items":[{"Sku":"x","Qty":2}]})");
    ASSERT_TRUE(r.ok()) << r.err().reason;
    EXPECT_EQ(r->order_id.view(), "ord-42");
    EXPECT_EQ(r->total_amount.units, 1255000);
    EXPECT_EQ(r->customer_id.view(), "c-7");
    EXPECT_EQ(r->currency.view(), "EUR");
    EXPECT_EQ(r->created_at_ms, 1796299200123);
}

TEST(order_decode, names_are_case_insensitive_and_optionals_may_be_absent) {
    event_decoder d;
    for (std::string_view body : {R"({"orderId":"a","totalAmount":1})", R"({"ORDERID":"a","totalamount":1})",
                                  R"({"OrderId":"a","TotalAmount":1,"CustomerId":null,"CreatedAt":null})"}) {
        auto r = d.decode_order(body);
        ASSERT_TRUE(r.ok()) << body;
        EXPECT_EQ(r->total_amount.units, 10000);
        EXPECT_TRUE(r->customer_id.empty());
        EXPECT_EQ(r->created_at_ms, no_time);
    }
}

TEST(order_decode, amounts_from_raw_number_text_or_numeric_strings) {
    event_decoder d;
    struct vec {
        std::string_view json;
        std::int64_t units;
    };
    for (vec v : {vec{"0.1", 1000}, vec{"\"0.1\"", 1000}, vec{"1e3", 10000000}, vec{"\"12.34565\"", 123456},
                  vec{"12.34575", 123458}, vec{"0", 0}, vec{"-0", 0}, vec{"19.99 ", 199900},
                  vec{"123456789012.3456", 1234567890123456}}) {
        const std::string body = std::string(R"({"OrderId":"a","TotalAmount":)") + std::string(v.json) + "}";
        auto r = d.decode_order(body);
        ASSERT_TRUE(r.ok()) << body << ": " << r.err().reason;
        EXPECT_EQ(r->total_amount.units, v.units) << body;
    }
}

TEST(order_decode, every_rejection_has_its_own_error) {
    EXPECT_EQ(order_error(""), event_errc::not_json);
    EXPECT_EQ(order_error("hello"), event_errc::not_json);
    EXPECT_EQ(order_error(R"({"OrderId":"a","TotalAmount":1)"), event_errc::not_json);
    EXPECT_EQ(order_error(R"({"OrderId":"a","TotalAmount":1,"X":[1,,2]})"), event_errc::not_json);
    EXPECT_EQ(order_error(R"({"OrderId":"a","TotalAmount":1} trailing)"), event_errc::not_json);
    EXPECT_EQ(order_error(R"([{"OrderId":"a","TotalAmount":1}])"), event_errc::not_object);
    EXPECT_EQ(order_error(R"("OrderId")"), event_errc::not_object);
    EXPECT_EQ(order_error("null"), event_errc::not_object);
    EXPECT_EQ(order_error("nonsense {"), event_errc::not_json) << "starts like null, is not JSON";
    EXPECT_EQ(order_error("12 34"), event_errc::not_json);
    EXPECT_EQ(order_error("[1,2"), event_errc::not_json);
    EXPECT_EQ(order_error(R"({"TotalAmount":1})"), event_errc::missing_order_id);
    EXPECT_EQ(order_error(R"({"OrderId":7,"TotalAmount":1})"), event_errc::bad_order_id);
    EXPECT_EQ(order_error(R"({"OrderId":"","TotalAmount":1})"), event_errc::bad_order_id);
    EXPECT_EQ(order_error(R"({"OrderId":null,"TotalAmount":1})"), event_errc::bad_order_id);
    EXPECT_EQ(order_error(R"({"OrderId":"a"})"), event_errc::missing_total_amount);
    EXPECT_EQ(order_error(R"({"OrderId":"a","TotalAmount":null})"), event_errc::bad_amount);
    EXPECT_EQ(order_error(R"({"OrderId":"a","TotalAmount":"12,5"})"), event_errc::bad_amount);
    EXPECT_EQ(order_error(R"({"OrderId":"a","TotalAmount":true})"), event_errc::bad_amount);
    EXPECT_EQ(order_error(R"({"OrderId":"a","TotalAmount":{"Value":1}})"), event_errc::bad_amount);
    EXPECT_EQ(order_error(R"({"OrderId":"a","TotalAmount":-0.01})"), event_errc::negative_amount);
    EXPECT_EQ(order_error(R"({"OrderId":"a","TotalAmount":"-5"})"), event_errc::negative_amount);
    EXPECT_EQ(order_error(R"({"OrderId":"a","TotalAmount":-0.00001})"), event_errc::negative_amount);
    EXPECT_EQ(order_error(R"({"OrderId":"a","TotalAmount":1e15})"), event_errc::amount_overflow);
    EXPECT_EQ(order_error(R"({"OrderId":"a","TotalAmount":"922337203685477.5808"})"), event_errc::amount_overflow);
    EXPECT_EQ(order_error(R"({"OrderId":"a","TotalAmount":1,"CreatedAt":"yesterday"})"), event_errc::bad_timestamp);
    EXPECT_EQ(order_error(R"({"OrderId":"a","TotalAmount":1,"CreatedAt":1700000000})"), event_errc::bad_timestamp);
    EXPECT_EQ(order_error(R"({"OrderId":"a","TotalAmount":1,"CustomerId":5})"), event_errc::bad_field);
    EXPECT_EQ(order_error(R"({"OrderId":"a","TotalAmount":1,"Currency":"ABCDEFGHI"})"), event_errc::too_long);
    EXPECT_EQ(order_error(R"({"OrderId":")" + std::string(65, 'x') + R"(","TotalAmount":1})"), event_errc::too_long);
}

TEST(order_decode, ids_up_to_64_bytes_and_escapes_are_kept_exactly) {
    event_decoder d;
    const std::string id(64, 'z');
    auto r = d.decode_order(R"({"OrderId":")" + id + R"(","TotalAmount":1})");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->order_id.view(), id);
    auto e = d.decode_order(R"({"Order\u0049d":"a\"b","TotalAmount":1})");  // escaped key and value
    ASSERT_TRUE(e.ok());
    EXPECT_EQ(e->order_id.view(), "a\"b");
    event_id other;
    ASSERT_TRUE(other.assign("a\"c"));
    EXPECT_NE(e->order_id.hash(), other.hash());
}

TEST(order_decode, decoder_is_reusable_after_an_error_and_large_bodies_are_refused) {
    event_decoder d(64);
    EXPECT_FALSE(d.decode_order("{").ok());
    EXPECT_TRUE(d.decode_order(R"({"OrderId":"a","TotalAmount":2})").ok());
    auto big = d.decode_order(R"({"OrderId":"a","TotalAmount":2,"Note":")" + std::string(64, 'n') + "\"}");
    ASSERT_FALSE(big.ok());
    EXPECT_EQ(static_cast<event_errc>(big.err().code), event_errc::body_too_large);
}

TEST(payment_decode, amount_is_optional) {
    event_decoder d;
    auto r = d.decode_payment(R"({"orderid":"o1","PaymentId":"p1","ProcessedAt":"2026-12-03T12:00:00Z"})");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->order_id.view(), "o1");
    EXPECT_FALSE(r->has_amount);
    EXPECT_EQ(r->payment_id.view(), "p1");
    EXPECT_EQ(r->processed_at_ms, 1796299200000);
    auto a = d.decode_payment(R"({"OrderId":"o1","Amount":"9.99"})");
    ASSERT_TRUE(a.ok());
    EXPECT_TRUE(a->has_amount);
    EXPECT_EQ(a->amount.units, 99900);
    auto n = d.decode_payment(R"({"OrderId":"o1","Amount":null})");
    ASSERT_TRUE(n.ok());
    EXPECT_FALSE(n->has_amount);
}

TEST(payment_decode, rejections) {
    EXPECT_EQ(payment_error(R"({"Amount":1})"), event_errc::missing_order_id);
    EXPECT_EQ(payment_error(R"({"OrderId":"","Amount":1})"), event_errc::bad_order_id);
    EXPECT_EQ(payment_error(R"({"OrderId":"a","Amount":-1})"), event_errc::negative_amount);
    EXPECT_EQ(payment_error(R"({"OrderId":"a","Amount":"x"})"), event_errc::bad_amount);
    EXPECT_EQ(payment_error(R"({"OrderId":"a","Amount":1e300})"), event_errc::amount_overflow);
    EXPECT_EQ(payment_error(R"({"OrderId":"a","ProcessedAt":"2026-02-30T00:00:00Z"})"), event_errc::bad_timestamp);
    EXPECT_EQ(payment_error(R"({"OrderId":"a","PaymentId":[]})"), event_errc::bad_field);
    EXPECT_EQ(payment_error("[]"), event_errc::not_object);
    EXPECT_EQ(payment_error("{\"OrderId\":\"a\",}"), event_errc::not_json);
}

}  // namespace
}  // namespace tallyhub::app
