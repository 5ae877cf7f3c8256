// Errors as values. Every function that can fail across a module boundary
// returns Result<T>: either a T or an Error. Exceptions never cross a module
// boundary; code that calls a throwing library catches at that call.
#pragma once

#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace netmod {

// What kind of failure, so callers can decide (retry, treat as success, map to
// a CNI code) without parsing messages. Mapped to outside codes in one place
// per front end.
enum class Errc {
  invalid_argument,  // the caller's input is wrong; retrying will not help
  not_found,         // the thing looked up does not exist
  already_exists,    // creating something that is there
  conflict,          // in use by someone else (address held by another handle)
  exhausted,         // no free resource (addresses, blocks)
  unavailable,       // datastore busy or unreachable; retry later
  storage,           // the datastore cannot be read or written (missing, read-only, full)
  corrupt,           // stored data or a file is not what netmod wrote
  inconsistent,      // the kernel differs from what was recorded (CNI CHECK)
  io,                // an operating-system call failed (errno kept)
  unsupported,       // not implemented for this input/version
  internal,          // a bug
};

std::string_view errc_name(Errc code);

struct Error {
  Errc code = Errc::internal;
  std::string message;
  int sys_errno = 0;  // captured the moment the call failed, when relevant

  // Prefixes context: "opening datastore: " + message.
  Error&& with_context(std::string_view context) && {
    message.insert(0, std::string(context) + ": ");
    return std::move(*this);
  }
};

inline Error make_error(Errc code, std::string message) {
  return Error{code, std::move(message), 0};
}

// An Error for a failed system call; reads errno immediately.
inline Error sys_error(std::string what) {
  int saved = errno;
  return Error{Errc::io, what + ": " + std::strerror(saved), saved};
}

inline Error sys_error(std::string what, int err) {
  return Error{Errc::io, what + ": " + std::strerror(err), err};
}

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const& { return std::get<1>(v_); }
  Error&& error() && { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : err_(std::move(error)), ok_(false) {}  // NOLINT

  bool has_value() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const& { return err_; }
  Error&& error() && { return std::move(err_); }

 private:
  Error err_;
  bool ok_ = true;
};

inline Result<void> ok() { return {}; }

}  // namespace netmod

#define NETMOD_CONCAT_INNER(a, b) a##b
#define NETMOD_CONCAT(a, b) NETMOD_CONCAT_INNER(a, b)

// Returns the error of a Result<void>-like expression from the current
// function.
#define NETMOD_TRY(expr)                                  \
  do {                                                    \
    auto netmod_try_result = (expr);                      \
    if (!netmod_try_result) return std::move(netmod_try_result).error(); \
  } while (0)

// Declares `lhs` from the value of a Result, or returns its error.
#define NETMOD_ASSIGN_OR_RETURN(lhs, expr)                                 \
  auto NETMOD_CONCAT(netmod_res_, __LINE__) = (expr);                     \
  if (!NETMOD_CONCAT(netmod_res_, __LINE__))                              \
    return std::move(NETMOD_CONCAT(netmod_res_, __LINE__)).error();       \
  lhs = std::move(NETMOD_CONCAT(netmod_res_, __LINE__)).value()
