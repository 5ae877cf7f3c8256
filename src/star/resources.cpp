#include "star/resources.hpp"

#include <fstream>
#include <iterator>
#include <set>
#include <sstream>

#include "common/json_fields.hpp"
#include "common/text.hpp"

namespace netmod::star {

Result<std::vector<Resource>> parse_resources(std::string_view text) {
  NETMOD_ASSIGN_OR_RETURN(auto doc, parse_json(text, "the resources file"));
  if (!doc.is_array()) {
    return make_error(Errc::invalid_argument,
                      "the resources file must be a JSON array of {\"id\", \"url\"} objects, got " +
                          std::string(doc.type_name()));
  }
  std::vector<Resource> out;
  std::set<std::string> ids;
  for (size_t i = 0; i < doc.size(); ++i) {
    const std::string where = "resources[" + std::to_string(i) + "].";
    NETMOD_ASSIGN_OR_RETURN(auto entry, JsonObject::as_object(doc[i], where));
    NETMOD_ASSIGN_OR_RETURN(auto id, entry.string("id"));
    if (!id || id->empty()) return make_error(Errc::invalid_argument, entry.where("id") + " is missing or empty");
    NETMOD_ASSIGN_OR_RETURN(auto url_text, entry.string("url"));
    if (!url_text || url_text->empty()) {
      return make_error(Errc::invalid_argument, entry.where("url") + " is missing or empty");
    }
    auto url = Url::parse(*url_text);
    if (!url) return std::move(url).error().with_context(entry.where("url"));
    if (!ids.insert(*id).second) {
      return make_error(Errc::invalid_argument, entry.where("id") + ": " + quote(*id) + " is used twice");
    }
    out.push_back({std::move(*id), std::move(*url)});
  }
  return out;
}

Result<std::vector<Resource>> read_resources(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return sys_error("reading resources file " + path);
  std::ostringstream text;
  text << in.rdbuf();
  auto r = parse_resources(text.str());
  if (!r) return std::move(r).error().with_context(path);
  return r;
}

}  // namespace netmod::star
