// Plain-text tables for humans: columns padded to their widest cell.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace netmod::cli {

// "a,b,c"
std::string join(const std::vector<std::string>& items, const char* sep = ",");

class Table {
 public:
  explicit Table(std::vector<std::string> header) : rows_{std::move(header)} {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  void print(std::ostream& out) const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace netmod::cli
