#include "common/json_fields.hpp"

#include "common/json_text.hpp"

namespace netmod {

using json = nlohmann::json;

namespace {

// The deepest nesting of arrays and objects in `text`, counted outside
// strings, stopping once past `limit`.
size_t nesting_depth(std::string_view text, size_t limit) {
  size_t depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
      if (deepest > limit) return deepest;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

}  // namespace

Result<json> parse_json(std::string_view text, std::string_view what) {
  auto bad = [&](std::string_view why) {
    return make_error(Errc::invalid_argument, std::string(what) + " is not valid JSON: " + std::string(why));
  };
  if (text.size() > kMaxJsonBytes) return bad("longer than " + std::to_string(kMaxJsonBytes) + " bytes");
  if (nesting_depth(text, kMaxJsonDepth) > kMaxJsonDepth) {
    return bad("nested more than " + std::to_string(kMaxJsonDepth) + " levels deep");
  }
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded()) return bad("a syntax error or a string that is not UTF-8");
  return doc;
}

Result<JsonObject> JsonObject::as_object(const json& value, std::string path) {
  if (!value.is_object()) {
    std::string name = path.empty() ? "the document" : path.substr(0, path.size() - 1);
    return make_error(Errc::invalid_argument, name + " must be a JSON object, got " + excerpt(value));
  }
  return JsonObject(value, std::move(path));
}

const json* JsonObject::raw(std::string_view key) const {
  auto it = v_.find(key);
  if (it == v_.end() || it->is_null()) return nullptr;
  return &*it;
}

bool JsonObject::has(std::string_view key) const { return raw(key) != nullptr; }

std::string JsonObject::where(std::string_view key) const { return path_ + std::string(key); }

Error JsonObject::type_error(std::string_view key, std::string_view expected) const {
  const json* v = raw(key);
  return make_error(Errc::invalid_argument, where(key) + " must be " + std::string(expected) + ", got " +
                                                (v ? excerpt(*v) : std::string("nothing")));
}

Result<std::optional<std::string>> JsonObject::string(std::string_view key) const {
  const json* v = raw(key);
  if (!v) return std::optional<std::string>();
  if (!v->is_string()) return type_error(key, "a string");
  return std::optional<std::string>(v->get<std::string>());
}

Result<std::optional<bool>> JsonObject::boolean(std::string_view key) const {
  const json* v = raw(key);
  if (!v) return std::optional<bool>();
  if (!v->is_boolean()) return type_error(key, "true or false");
  return std::optional<bool>(v->get<bool>());
}

Result<std::optional<int64_t>> JsonObject::integer(std::string_view key, int64_t min, int64_t max) const {
  const json* v = raw(key);
  if (!v) return std::optional<int64_t>();
  auto expected = "an integer from " + std::to_string(min) + " to " + std::to_string(max);
  if (v->is_number_unsigned()) {
    auto u = v->get<uint64_t>();
    if (u > static_cast<uint64_t>(max) || static_cast<int64_t>(u) < min) return type_error(key, expected);
    return std::optional<int64_t>(static_cast<int64_t>(u));
  }
  if (!v->is_number_integer()) return type_error(key, expected);
  auto i = v->get<int64_t>();
  if (i < min || i > max) return type_error(key, expected);
  return std::optional<int64_t>(i);
}

Result<std::optional<JsonObject>> JsonObject::object(std::string_view key) const {
  const json* v = raw(key);
  if (!v) return std::optional<JsonObject>();
  if (!v->is_object()) return type_error(key, "an object");
  return std::optional<JsonObject>(JsonObject(*v, where(key) + "."));
}

Result<const json*> JsonObject::array(std::string_view key) const {
  const json* v = raw(key);
  if (!v) return static_cast<const json*>(nullptr);
  if (!v->is_array()) return type_error(key, "a list");
  return v;
}

Result<std::vector<std::string>> JsonObject::strings(std::string_view key) const {
  NETMOD_ASSIGN_OR_RETURN(const json* list, array(key));
  std::vector<std::string> out;
  if (!list) return out;
  for (const json& e : *list) {
    if (!e.is_string()) {
      return make_error(Errc::invalid_argument,
                        where(key) + " must be a list of strings, got an element " + excerpt(e));
    }
    out.push_back(e.get<std::string>());
  }
  return out;
}

}  // namespace netmod
