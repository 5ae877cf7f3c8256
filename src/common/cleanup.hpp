// A move-only guard that runs a function when it goes out of scope unless
// cancelled. Arm one after each step of a multi-step operation; cancel them
// all once the whole operation succeeded, so a failure part-way undoes exactly
// the steps that were done, in reverse order.
#pragma once

#include <functional>
#include <utility>

namespace netmod {

class Cleanup {
 public:
  Cleanup() = default;
  explicit Cleanup(std::function<void()> fn) : fn_(std::move(fn)) {}
  Cleanup(Cleanup&& other) noexcept : fn_(std::exchange(other.fn_, nullptr)) {}
  Cleanup& operator=(Cleanup&& other) noexcept {
    if (this != &other) {
      run();
      fn_ = std::exchange(other.fn_, nullptr);
    }
    return *this;
  }
  Cleanup(const Cleanup&) = delete;
  Cleanup& operator=(const Cleanup&) = delete;
  ~Cleanup() { run(); }

  void cancel() { fn_ = nullptr; }

 private:
  void run() {
    if (fn_) std::exchange(fn_, nullptr)();
  }
  std::function<void()> fn_;
};

}  // namespace netmod
