#include "dns/message.hpp"

#include <gtest/gtest.h>

#include "dns/test_queries.hpp"

namespace netmod::dns {
namespace {

using testing::bytes;
using testing::query;
using testing::read_answer;

Query parsed(const std::string& wire) {
  auto p = parse_query(bytes(wire));
  if (!std::holds_alternative<Query>(p)) {
    ADD_FAILURE() << "not a query";
    return {};
  }
  return std::get<Query>(p);
}

Malformed malformed(const std::string& wire) {
  auto p = parse_query(bytes(wire));
  if (!std::holds_alternative<Malformed>(p)) {
    ADD_FAILURE() << "not malformed";
    return {};
  }
  return std::get<Malformed>(p);
}

net::IpAddress ip(const char* text) { return *net::IpAddress::parse(text); }

TEST(ParseQuery, AQuestionAsDigSendsIt) {
  const Query q = parsed(query("Probe-B.star-iso.marathon.mesos.", rrtype::a, 0xBEEF, 1232));
  EXPECT_EQ(q.id, 0xBEEF);
  EXPECT_TRUE(q.recursion_desired);
  EXPECT_EQ(q.labels, (std::vector<std::string>{"Probe-B", "star-iso", "marathon", "mesos"}));  // case kept
  EXPECT_EQ(q.qtype, rrtype::a);
  EXPECT_EQ(q.qclass, rrclass::in);
  EXPECT_EQ(q.edns_udp_size, 1232);
  EXPECT_FALSE(parsed(query("a.mesos", rrtype::aaaa)).edns_udp_size);
}

TEST(ParseQuery, NoHeaderOrAResponseIsDropped) {
  for (size_t n = 0; n < kHeaderSize; ++n) {
    EXPECT_TRUE(std::holds_alternative<Dropped>(parse_query(bytes(std::string(n, '\0'))))) << n;
  }
  std::string response = query("a.mesos", rrtype::a);
  response[2] = static_cast<char>(response[2] | 0x80);
  EXPECT_TRUE(std::holds_alternative<Dropped>(parse_query(bytes(response))));
}

TEST(ParseQuery, EveryTruncationOfAQueryIsFormerrWithItsId) {
  const std::string whole = query("probe-b.star-iso.marathon.mesos", rrtype::a, 0x4242, 4096);
  for (size_t n = kHeaderSize; n < whole.size(); ++n) {
    const Malformed m = malformed(whole.substr(0, n));
    EXPECT_EQ(m.rcode, Rcode::formerr) << n;
    EXPECT_EQ(m.id, 0x4242) << n;
    EXPECT_TRUE(m.recursion_desired);
  }
}

TEST(ParseQuery, MalformedQuestionsAreNamed) {
  struct Case {
    std::string wire;
    Rcode rcode;
    const char* why;
  };
  std::string no_question = query("a.mesos", rrtype::a);
  no_question[5] = 0;
  std::string two_questions = query("a.mesos", rrtype::a);
  two_questions[5] = 2;
  std::string notify = query("a.mesos", rrtype::a);
  notify[2] = static_cast<char>(4 << 3);  // opcode NOTIFY
  std::string extended_label = query("a.mesos", rrtype::a);
  extended_label[12] = 0x41;
  std::string long_name;
  for (int i = 0; i < 5; ++i) long_name += std::string(60, 'a') + ".";
  // The question's name is a pointer to itself: not backwards.
  std::string self = query("", rrtype::a).substr(0, 12) + "\xC0\x0C" + std::string("\x00\x01\x00\x01", 4);
  // A record whose name loops: "a" then a pointer back to that "a".
  std::string loop = query("a.mesos", rrtype::a);
  loop[11] = 1;  // one additional record
  const size_t at = loop.size();
  loop += std::string("\x01" "a" "\xC0", 3) + static_cast<char>(at) + std::string("\x00\x01\x00\x01\x00\x00\x00\x00\x00\x00", 10);
  std::string two_opts = query("a.mesos", rrtype::a, 1, 1232);
  two_opts[11] = 2;
  two_opts += two_opts.substr(two_opts.size() - 11);
  for (const Case& c : {Case{no_question, Rcode::formerr, "0 questions"}, Case{two_questions, Rcode::formerr, "2 questions"},
                        Case{notify, Rcode::notimp, "opcode 4"}, Case{extended_label, Rcode::formerr, "unknown type"},
                        Case{query(long_name, rrtype::a), Rcode::formerr, "longer than 255"},
                        Case{self, Rcode::formerr, "does not point backwards"},
                        Case{loop, Rcode::formerr, "does not point backwards"},
                        Case{two_opts, Rcode::formerr, "more than one OPT"}}) {
    const Malformed m = malformed(c.wire);
    EXPECT_EQ(m.rcode, c.rcode) << c.why;
    EXPECT_NE(m.why.find(c.why), std::string::npos) << m.why;
  }
}

TEST(ParseQuery, PointersBackwardsAreFollowedAndTrailingBytesIgnored) {
  // An additional record named by a pointer to the question's name.
  std::string q = query("a.mesos", rrtype::a);
  q[11] = 1;
  q += std::string("\xC0\x0C\x00\x10\x00\x01\x00\x00\x00\x00\x00\x02hi", 14);
  q += "trailing";
  const Query got = parsed(q);
  EXPECT_EQ(got.labels, (std::vector<std::string>{"a", "mesos"}));
  EXPECT_FALSE(got.edns_udp_size);
}

TEST(BuildResponse, AnswersEchoTheQuestionAndCarryTheAddresses) {
  const Query q = parsed(query("Probe-B.marathon.mesos", rrtype::a, 0x0102));
  Response r;
  r.addresses = {ip("10.65.0.2"), ip("10.65.0.3")};
  r.ttl = 1;
  auto a = read_answer(build_response(q, r, kClassicUdpSize));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->id, 0x0102);
  EXPECT_TRUE(a->qr());
  EXPECT_TRUE(a->aa());
  EXPECT_TRUE(a->rd());
  EXPECT_FALSE(a->tc());
  EXPECT_FALSE(a->flags & 0x0080);  // RA: no recursion here
  EXPECT_EQ(a->rcode(), Rcode::noerror);
  EXPECT_EQ(a->question, "Probe-B.marathon.mesos");
  ASSERT_EQ(a->an, 2);
  EXPECT_EQ(a->records[0].type, rrtype::a);
  EXPECT_EQ(a->records[0].data, "10.65.0.2");
  EXPECT_EQ(a->records[0].ttl, 1u);
  EXPECT_EQ(a->records[1].data, "10.65.0.3");
  EXPECT_EQ(a->ar, 0);  // no OPT without one in the query
}

TEST(BuildResponse, NegativeAnswersCarryTheSoaOfTheApex) {
  const Query q = parsed(query("nope.star.marathon.mesos", rrtype::aaaa, 7, 1232));
  Response r;
  r.rcode = Rcode::nxdomain;
  r.soa = Soa{.apex_labels = 2, .ttl = 1, .minimum = 1};
  const std::string wire = build_response(q, r, udp_limit(q));
  auto a = read_answer(wire);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->rcode(), Rcode::nxdomain);
  EXPECT_EQ(a->an, 0);
  ASSERT_EQ(a->ns, 1);
  ASSERT_EQ(a->ar, 1);
  EXPECT_EQ(a->records[0].type, rrtype::soa);
  EXPECT_EQ(a->records[1].type, rrtype::opt);
  // The authority section starts after the question (12 + a 26-byte name
  // + type and class); the SOA's owner is a pointer to "marathon.mesos"
  // inside the question: 12 + "nope" (5) + "star" (5) = 22.
  EXPECT_EQ(static_cast<uint8_t>(wire[42]), 0xC0);
  EXPECT_EQ(static_cast<uint8_t>(wire[43]), 22);
}

TEST(BuildResponse, TooManyRecordsForUdpAreTruncated) {
  Query q = parsed(query("big.marathon.mesos", rrtype::aaaa));
  Response r;
  for (int i = 1; i <= 40; ++i) r.addresses.push_back(net::IpAddress::from_integer(net::Family::v6, i));
  auto small = read_answer(build_response(q, r, udp_limit(q)));
  ASSERT_TRUE(small);
  EXPECT_TRUE(small->tc());
  EXPECT_EQ(small->an, 0);
  EXPECT_EQ(small->question, "big.marathon.mesos");
  q.edns_udp_size = 4096;  // 40 AAAA records (28 bytes each) fit in 1232
  auto edns = read_answer(build_response(q, r, udp_limit(q)));
  ASSERT_TRUE(edns);
  EXPECT_FALSE(edns->tc());
  EXPECT_EQ(edns->an, 40);
  auto tcp = read_answer(build_response(q, r, kMaxMessageSize));
  ASSERT_TRUE(tcp);
  EXPECT_EQ(tcp->an, 40);
}

TEST(BuildResponse, ErrorsAreAHeaderAlone) {
  auto a = read_answer(build_error({0xABCD, 0, true, Rcode::formerr, "x"}));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->id, 0xABCD);
  EXPECT_TRUE(a->qr());
  EXPECT_FALSE(a->aa());
  EXPECT_EQ(a->rcode(), Rcode::formerr);
  EXPECT_EQ(a->qd + a->an + a->ns + a->ar, 0);
  // A Query built by hand with an impossible name is answered FORMERR.
  Query bad;
  bad.labels = {std::string(64, 'a')};
  auto b = read_answer(build_response(bad, Response{}, kClassicUdpSize));
  ASSERT_TRUE(b);
  EXPECT_EQ(b->rcode(), Rcode::formerr);
}

TEST(BuildResponse, UdpLimitFollowsEdns) {
  Query q;
  EXPECT_EQ(udp_limit(q), 512u);
  q.edns_udp_size = 100;
  EXPECT_EQ(udp_limit(q), 512u);
  q.edns_udp_size = 4096;
  EXPECT_EQ(udp_limit(q), 1232u);
}

}  // namespace
}  // namespace netmod::dns
