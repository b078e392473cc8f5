// TempDir: a fresh directory under $TMPDIR (or /tmp) for one test, removed with everything in
// it when the object is destroyed (read-only files included).
#ifndef FERRY_TESTS_SUPPORT_TEMP_DIR_H_
#define FERRY_TESTS_SUPPORT_TEMP_DIR_H_

#include <string>

namespace ferry::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // path() + "/" + relative
  std::string Join(const std::string& relative) const { return path_ + "/" + relative; }

 private:
  std::string path_;
};

}  // namespace ferry::testing

#endif  // FERRY_TESTS_SUPPORT_TEMP_DIR_H_
