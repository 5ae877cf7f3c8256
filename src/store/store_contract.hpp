// Contract tests every Store backend must pass. A backend's test file
// instantiates them with a factory:
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, StoreContract, ::testing::Values(factory));
//
// The factory returns a fresh, empty store and a way to open further handles
// on the same data (another connection, another client), which is how
// concurrent writers are simulated.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "store/store.hpp"

namespace netmod::store::contract {

struct Backend {
  std::string name;
  // Creates a new empty store and returns an opener of handles onto it.
  std::function<std::function<std::shared_ptr<Store>()>()> make;
};

inline std::ostream& operator<<(std::ostream& os, const Backend& b) { return os << b.name; }

class StoreContract : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    open_ = GetParam().make();
    store_ = open_();
    ASSERT_TRUE(store_);
  }
  std::function<std::shared_ptr<Store>()> open_;
  std::shared_ptr<Store> store_;
};

}  // namespace netmod::store::contract
