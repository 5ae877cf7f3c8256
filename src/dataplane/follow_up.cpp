#include "dataplane/follow_up.hpp"

#include <linux/rtnetlink.h>

#include <cstring>

#include "dataplane/rtnl.hpp"

namespace netmod::dataplane {

void FollowUp::merge(FollowUp other) {
  for (auto& t : other.nf_transactions) nf_transactions.push_back(std::move(t));
  for (auto& m : other.rtnl) rtnl.push_back(std::move(m));
  delete_links.insert(delete_links.end(), other.delete_links.begin(), other.delete_links.end());
  slow_close = slow_close || other.slow_close;
}

std::vector<std::string> apply(FollowUp& work, NetlinkSocket& rtnl, NetlinkSocket& nf) {
  std::vector<std::string> failures;
  for (auto& t : work.nf_transactions) {
    size_t failed = 0;
    auto r = nf.transaction(t.msgs, &failed);
    if (!r && !(t.guarded && failed == 0 && r.error().code == Errc::not_found)) failures.push_back(r.error().message);
  }
  if (auto r = rtnl.execute(work.rtnl); !r) failures.push_back(r.error().message);
  for (int index : work.delete_links) {
    std::vector<NlMessage> del;
    del.push_back(rtnl::del_link(index));
    if (auto r = rtnl.execute(del, [](int err, const NlMessage&) { return err == ENODEV; }); !r) {
      failures.push_back(r.error().message);
    }
  }
  return failures;
}

// The encoding: "NMFU1\n", then little-endian fixed-width integers and
// length-prefixed strings:
//   u8 slow_close
//   u32 transactions, each: u8 guarded, u32 messages, each: str what, str bytes
//   u32 rtnl messages, each: str what, str bytes
//   u32 links, each: i32 index
namespace {

constexpr std::string_view kMagic = "NMFU1\n";
// Far above any real follow-up (a few messages per task); a bound on what
// a damaged payload can make the decoder allocate.
constexpr uint32_t kMaxCount = 1u << 20;

void put_u32(std::string& out, uint32_t v) {
  char b[4];
  for (int i = 0; i < 4; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  out.append(b, 4);
}

void put_str(std::string& out, std::string_view s) {
  put_u32(out, static_cast<uint32_t>(s.size()));
  out.append(s);
}

void put_message(std::string& out, const NlMessage& m) {
  put_str(out, m.what());
  put_str(out, m.bytes());
}

struct Reader {
  std::string_view in;
  std::string error;

  bool fail(std::string what) {
    if (error.empty()) error = std::move(what);
    return false;
  }
  bool u8(uint8_t& v) {
    if (in.size() < 1) return fail("truncated");
    v = static_cast<uint8_t>(in[0]);
    in.remove_prefix(1);
    return true;
  }
  bool u32(uint32_t& v) {
    if (in.size() < 4) return fail("truncated");
    v = 0;
    for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<uint8_t>(in[i])) << (8 * i);
    in.remove_prefix(4);
    return true;
  }
  bool count(uint32_t& v, const char* what) {
    if (!u32(v)) return false;
    if (v > kMaxCount) return fail(std::string("too many ") + what);
    return true;
  }
  bool str(std::string_view& s) {
    uint32_t n = 0;
    if (!u32(n)) return false;
    if (n > in.size()) return fail("truncated");
    s = in.substr(0, n);
    in.remove_prefix(n);
    return true;
  }
  bool message(std::vector<NlMessage>& out) {
    std::string_view what, bytes;
    if (!str(what) || !str(bytes)) return false;
    auto m = NlMessage::from_bytes(bytes, std::string(what));
    if (!m) return fail("a message of " + std::to_string(bytes.size()) + " bytes is no netlink message");
    out.push_back(std::move(*m));
    return true;
  }
};

}  // namespace

std::string encode(const FollowUp& work) {
  std::string out(kMagic);
  out.push_back(work.slow_close ? 1 : 0);
  put_u32(out, static_cast<uint32_t>(work.nf_transactions.size()));
  for (const auto& t : work.nf_transactions) {
    out.push_back(t.guarded ? 1 : 0);
    put_u32(out, static_cast<uint32_t>(t.msgs.size()));
    for (const auto& m : t.msgs) put_message(out, m);
  }
  put_u32(out, static_cast<uint32_t>(work.rtnl.size()));
  for (const auto& m : work.rtnl) put_message(out, m);
  put_u32(out, static_cast<uint32_t>(work.delete_links.size()));
  for (int i : work.delete_links) put_u32(out, static_cast<uint32_t>(i));
  return out;
}

Result<FollowUp> decode(std::string_view bytes) {
  auto bad = [](const std::string& why) { return make_error(Errc::invalid_argument, "follow-up work: " + why); };
  if (!bytes.starts_with(kMagic)) return bad("not netmod's follow-up encoding");
  Reader r{bytes.substr(kMagic.size()), {}};
  FollowUp work;
  uint8_t flag = 0;
  uint32_t n = 0;
  if (!r.u8(flag)) return bad(r.error);
  work.slow_close = flag != 0;
  if (!r.count(n, "transactions")) return bad(r.error);
  for (uint32_t i = 0; i < n; ++i) {
    FollowUp::Transaction t;
    uint32_t msgs = 0;
    if (!r.u8(flag) || !r.count(msgs, "messages")) return bad(r.error);
    t.guarded = flag != 0;
    for (uint32_t j = 0; j < msgs; ++j) {
      if (!r.message(t.msgs)) return bad(r.error);
    }
    work.nf_transactions.push_back(std::move(t));
  }
  if (!r.count(n, "messages")) return bad(r.error);
  for (uint32_t i = 0; i < n; ++i) {
    if (!r.message(work.rtnl)) return bad(r.error);
  }
  if (!r.count(n, "links")) return bad(r.error);
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t v = 0;
    if (!r.u32(v)) return bad(r.error);
    if (static_cast<int32_t>(v) <= 0) return bad("link index " + std::to_string(static_cast<int32_t>(v)));
    work.delete_links.push_back(static_cast<int32_t>(v));
  }
  if (!r.in.empty()) return bad(std::to_string(r.in.size()) + " bytes after the end");
  return work;
}

}  // namespace netmod::dataplane
