#include "star/periodic.hpp"

#include <gtest/gtest.h>

#include <atomic>

namespace netmod::star {
namespace {

using namespace std::chrono_literals;

TEST(Periodic, RunsEachJobOnItsOwnThreadAndStops) {
  std::atomic<int> fast{0}, slow{0};
  Periodic p;
  const auto t0 = std::chrono::steady_clock::now();
  p.start(2, 20ms, [&](size_t i) {
    if (i == 0) {
      ++fast;
    } else {
      ++slow;
      std::this_thread::sleep_for(300ms);  // a target that times out
    }
  });
  std::this_thread::sleep_for(250ms);
  // The slow job does not hold the fast one back.
  EXPECT_GE(fast.load(), 6);
  EXPECT_EQ(slow.load(), 1);
  p.stop();
  // stop() waits for the running job and no longer.
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
  const int after = fast.load();
  std::this_thread::sleep_for(60ms);
  EXPECT_EQ(fast.load(), after);
  p.stop();  // idempotent
}

TEST(Periodic, StopWakesAWaitingThreadAtOnce) {
  std::atomic<int> runs{0};
  Periodic p;
  p.start(1, 1h, [&](size_t) { ++runs; });
  while (runs.load() == 0) std::this_thread::sleep_for(1ms);
  const auto t0 = std::chrono::steady_clock::now();
  p.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 500ms);
  EXPECT_EQ(runs.load(), 1);
}

}  // namespace
}  // namespace netmod::star
