#include "dns/zone.hpp"

#include <gtest/gtest.h>

#include <map>

#include "dns/test_queries.hpp"

namespace netmod::dns {
namespace {

using testing::bytes;
using testing::query;
using testing::read_answer;

// The store's names, as records::lookup_name finds them.
struct FakeNames {
  std::map<std::string, std::vector<std::string>> names = {
      {"probe-b.star-iso", {"10.65.0.7", "fd65:6e6d::7"}},
      {"probe-b-star-iso", {"10.65.0.7", "fd65:6e6d::7"}},
      {"v4only", {"10.65.0.9"}},
      {"starting", {}},
  };
  std::vector<std::string> asked;
  bool failing = false;

  Lookup lookup() {
    return [this](std::string_view name) -> Result<std::optional<std::vector<net::IpAddress>>> {
      asked.emplace_back(name);
      if (failing) return make_error(Errc::unavailable, "store unreachable");
      auto it = names.find(std::string(name));
      if (it == names.end()) return std::optional<std::vector<net::IpAddress>>{};
      std::vector<net::IpAddress> out;
      for (const auto& t : it->second) out.push_back(*net::IpAddress::parse(t));
      return std::optional(out);
    };
  }
};

class ZoneTest : public ::testing::Test {
 protected:
  FakeNames names;
  Zone zone{*Domain::parse("marathon.mesos"), names.lookup(), 1};

  testing::Answer ask(const std::string& name, uint16_t qtype, uint16_t qclass = rrclass::in) {
    auto h = handle(zone, bytes(query(name, qtype, 0x7777, std::nullopt, qclass)), Transport::udp);
    auto a = read_answer(h.reply);
    EXPECT_TRUE(a) << name;
    if (!a) return {};
    EXPECT_EQ(a->id, 0x7777);
    EXPECT_EQ(h.rcode, a->rcode());
    return *a;
  }
  static std::vector<std::string> data(const testing::Answer& a, uint16_t type) {
    std::vector<std::string> out;
    for (const auto& r : a.records) {
      if (r.type == type) out.push_back(r.data);
    }
    return out;
  }
};

TEST_F(ZoneTest, AAndAaaaForBothNameForms) {
  for (const char* name : {"probe-b.star-iso.marathon.mesos", "probe-b-star-iso.marathon.mesos."}) {
    auto a = ask(name, rrtype::a);
    EXPECT_EQ(a.rcode(), Rcode::noerror);
    EXPECT_TRUE(a.aa());
    EXPECT_EQ(data(a, rrtype::a), (std::vector<std::string>{"10.65.0.7"})) << name;
    EXPECT_EQ(a.ns, 0);  // a positive answer carries no SOA
    EXPECT_EQ(a.records[0].ttl, 1u);
    auto aaaa = ask(name, rrtype::aaaa);
    EXPECT_EQ(data(aaaa, rrtype::aaaa), (std::vector<std::string>{"fd65:6e6d::7"})) << name;
    EXPECT_TRUE(data(aaaa, rrtype::a).empty());
    auto any = ask(name, rrtype::any);
    EXPECT_EQ(any.an, 2);
  }
}

TEST_F(ZoneTest, NamesCompareCaseInsensitivelyAndAreLookedUpLowerCased) {
  auto a = ask("PROBE-B.Star-Iso.MARATHON.Mesos", rrtype::a);
  EXPECT_EQ(data(a, rrtype::a), (std::vector<std::string>{"10.65.0.7"}));
  EXPECT_EQ(a.question, "PROBE-B.Star-Iso.MARATHON.Mesos");  // echoed as sent
  EXPECT_EQ(names.asked.back(), "probe-b.star-iso");
}

TEST_F(ZoneTest, UnknownNamesAreNxdomainWithTheSoa) {
  for (const char* name : {"nope.marathon.mesos", "probe-c.star-iso.marathon.mesos", "_http._tcp.probe-b.marathon.mesos"}) {
    auto a = ask(name, rrtype::a);
    EXPECT_EQ(a.rcode(), Rcode::nxdomain) << name;
    EXPECT_TRUE(a.aa());
    ASSERT_EQ(a.ns, 1) << name;
    EXPECT_EQ(a.records[0].type, rrtype::soa);
    EXPECT_EQ(a.records[0].ttl, 1u);
  }
  // A label no task name can have is not even looked up.
  EXPECT_EQ(names.asked, (std::vector<std::string>{"nope", "probe-c.star-iso"}));
}

TEST_F(ZoneTest, ANameWithoutAnAddressOfTheTypeIsNodata) {
  for (auto [name, type] : {std::pair{"v4only.marathon.mesos", rrtype::aaaa}, std::pair{"starting.marathon.mesos", rrtype::a},
                            std::pair{"probe-b-star-iso.marathon.mesos", uint16_t{16}} /* TXT */}) {
    auto a = ask(name, type);
    EXPECT_EQ(a.rcode(), Rcode::noerror) << name;
    EXPECT_EQ(a.an, 0) << name;
    EXPECT_EQ(a.ns, 1) << name;  // the SOA, for negative caching
  }
}

TEST_F(ZoneTest, TheApexHasAnSoaAndNoAddress) {
  auto soa = ask("marathon.mesos", rrtype::soa);
  EXPECT_EQ(soa.rcode(), Rcode::noerror);
  ASSERT_EQ(soa.an, 1);
  EXPECT_EQ(soa.records[0].type, rrtype::soa);
  auto a = ask("Marathon.Mesos", rrtype::a);
  EXPECT_EQ(a.rcode(), Rcode::noerror);
  EXPECT_EQ(a.an, 0);
  EXPECT_EQ(a.ns, 1);
  EXPECT_TRUE(names.asked.empty());
}

TEST_F(ZoneTest, WhatIsNotOursIsRefused) {
  for (auto [name, type, cls] : {std::tuple{"example.com", rrtype::a, rrclass::in}, std::tuple{"mesos", rrtype::a, rrclass::in},
                                 std::tuple{"", rrtype::ns, rrclass::in},
                                 std::tuple{"probe-b.marathon.mesos.evil", rrtype::a, rrclass::in},
                                 std::tuple{"probe-b-star-iso.marathon.mesos", rrtype::a, uint16_t{3}} /* CHAOS */,
                                 std::tuple{"marathon.mesos", rrtype::axfr, rrclass::in}}) {
    auto a = ask(name, type, cls);
    EXPECT_EQ(a.rcode(), Rcode::refused) << name;
    EXPECT_FALSE(a.aa()) << name;
    EXPECT_EQ(a.an + a.ns, 0) << name;
  }
  EXPECT_TRUE(names.asked.empty());
}

TEST_F(ZoneTest, ALookupErrorIsServfail) {
  names.failing = true;
  auto a = ask("probe-b.star-iso.marathon.mesos", rrtype::a);
  EXPECT_EQ(a.rcode(), Rcode::servfail);
  EXPECT_EQ(a.an, 0);
}

TEST_F(ZoneTest, GarbageWithAHeaderIsFormerrAndWithoutOneIsDropped) {
  auto h = handle(zone, bytes(std::string("\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07" "abc", 16)),
                  Transport::udp);
  auto a = read_answer(h.reply);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->id, 0x1234);
  EXPECT_EQ(a->rcode(), Rcode::formerr);
  EXPECT_EQ(h.rcode, Rcode::formerr);
  auto dropped = handle(zone, bytes(std::string("\x12\x34\x01", 3)), Transport::udp);
  EXPECT_TRUE(dropped.reply.empty());
  EXPECT_FALSE(dropped.rcode);
}

}  // namespace
}  // namespace netmod::dns
