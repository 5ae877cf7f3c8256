#include "common/result.hpp"

#include <gtest/gtest.h>

#include "common/cleanup.hpp"

namespace netmod {
namespace {

Result<int> half(int x) {
  if (x % 2 != 0) return make_error(Errc::invalid_argument, "odd: " + std::to_string(x));
  return x / 2;
}

Result<int> quarter(int x) {
  NETMOD_ASSIGN_OR_RETURN(int h, half(x));
  NETMOD_ASSIGN_OR_RETURN(int q, half(h));
  return q;
}

TEST(Result, PropagatesFirstError) {
  EXPECT_EQ(*quarter(8), 2);
  auto r = quarter(6);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::invalid_argument);
  EXPECT_EQ(r.error().message, "odd: 3");
}

TEST(Result, ContextIsPrefixed) {
  Error e = make_error(Errc::io, "disk full").with_context("writing store");
  EXPECT_EQ(e.message, "writing store: disk full");
}

TEST(Result, SysErrorCapturesErrno) {
  errno = ENOENT;
  Error e = sys_error("open /x");
  EXPECT_EQ(e.sys_errno, ENOENT);
  EXPECT_NE(e.message.find("No such file"), std::string::npos);
}

TEST(Cleanup, RunsUnlessCancelled) {
  int runs = 0;
  { Cleanup c([&] { ++runs; }); }
  EXPECT_EQ(runs, 1);
  {
    Cleanup c([&] { ++runs; });
    c.cancel();
  }
  EXPECT_EQ(runs, 1);
  {
    Cleanup a([&] { ++runs; });
    Cleanup b(std::move(a));  // moved-from guard must not run twice
  }
  EXPECT_EQ(runs, 2);
}

}  // namespace
}  // namespace netmod
