// Reading JSON that came from outside, without ever throwing: a depth- and
// size-limited parse, and typed access to an object's members whose errors
// name the member's path ("ipam.assign_ipv4 must be true or false, got 1")
// and quote at most a short prefix of the bad value. nlohmann's own
// accessors throw on a wrong type; every front end reads through these.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace netmod {

// Deeper nesting than this is refused before parsing: nothing netmod reads
// nests more than a few levels, and copying or freeing a value recurses
// once per level.
inline constexpr size_t kMaxJsonDepth = 64;
inline constexpr size_t kMaxJsonBytes = 8 << 20;

// Parses `text`; `what` names it in errors ("request", "network config").
// Errc::invalid_argument for text that is not JSON, too deep or too long.
Result<nlohmann::json> parse_json(std::string_view text, std::string_view what);

class JsonObject {
 public:
  // `value` must be an object (as_object() checks) and outlive this;
  // `path` prefixes member names in messages ("", "ipam.", "args.").
  JsonObject(const nlohmann::json& value, std::string path) : v_(value), path_(std::move(path)) {}
  // `value` as an object, or an error naming `path`.
  static Result<JsonObject> as_object(const nlohmann::json& value, std::string path);

  // Present and not null.
  bool has(std::string_view key) const;
  const nlohmann::json* raw(std::string_view key) const;
  // nullopt when absent or null; an error when of another type.
  Result<std::optional<std::string>> string(std::string_view key) const;
  Result<std::optional<bool>> boolean(std::string_view key) const;
  Result<std::optional<int64_t>> integer(std::string_view key, int64_t min, int64_t max) const;
  Result<std::optional<JsonObject>> object(std::string_view key) const;
  // The array, or nullptr when absent or null.
  Result<const nlohmann::json*> array(std::string_view key) const;
  // A list of strings; empty when absent.
  Result<std::vector<std::string>> strings(std::string_view key) const;

  // "ipam.assign_ipv4" for messages.
  std::string where(std::string_view key) const;
  // An invalid_argument error: "<where(key)> must be <expected>, got <value>".
  Error type_error(std::string_view key, std::string_view expected) const;
  const nlohmann::json& value() const { return v_; }

 private:
  const nlohmann::json& v_;
  std::string path_;
};

}  // namespace netmod
