// Helpers shared by the test suites: unique temporary directories (ctest -j2 safe).
#pragma once

#include <filesystem>
#include <string>

namespace teamlog::testing {

// A fresh directory under the system temp dir, removed with everything in it when the object goes away.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace teamlog::testing
