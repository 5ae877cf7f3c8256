#include "store/memory_store.hpp"

#include "store/store_contract.hpp"

namespace netmod::store {
namespace {

using contract::Backend;
using contract::StoreContract;

INSTANTIATE_TEST_SUITE_P(Memory, StoreContract,
                         ::testing::Values(Backend{"memory", [] {
                           auto shared = std::make_shared<MemoryStore>();
                           return std::function<std::shared_ptr<Store>()>([shared] { return shared; });
                         }}));

TEST(MemoryStore, InjectedFailureSurfacesAsUnavailable) {
  MemoryStore s;
  s.fail_next_commits(1);
  auto r = s.update([](Tx& tx) -> Result<void> {
    tx.put("/x", "1");
    return ok();
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::unavailable);
  EXPECT_FALSE(s.get("/x")->has_value());
}

TEST(PrefixEnd, IncrementsLastByte) {
  EXPECT_EQ(prefix_end("/a/"), "/a0");
  EXPECT_EQ(prefix_end(std::string("a\xff", 2)), "b");
  EXPECT_EQ(prefix_end(std::string("\xff", 1)), "");
}

}  // namespace
}  // namespace netmod::store
