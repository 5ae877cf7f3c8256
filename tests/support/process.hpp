// Running the real netmod binary from tests: spawn with stdin, capture
// stdout and stderr, wait or kill. Used by the system tests only.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace netmod::testing {

// Path of the binary under test ($NETMOD_BIN, set by ctest).
std::string netmod_bin();

struct Outcome {
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;
  std::string out;
  std::string err;
};

// A child process with its stdin fed from a string and its output captured.
class Child {
 public:
  Child(const std::vector<std::string>& argv, const std::string& input);
  Child(Child&& other) noexcept;
  Child(const Child&) = delete;
  ~Child();

  pid_t pid() const { return pid_; }
  void kill(int sig);
  // Reads all output and reaps the process.
  Outcome wait();

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1, err_fd_ = -1;
};

// Spawns, feeds `input`, waits.
Outcome run(const std::vector<std::string>& argv, const std::string& input = "");

// A temporary directory removed (recursively) when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  // Writes a netmod config pointing at a store in this directory; returns its path.
  std::string write_config(const std::string& extra_json = "") const;
  std::string store_path() const { return path_ + "/netmod.db"; }

 private:
  std::string path_;
};

}  // namespace netmod::testing
