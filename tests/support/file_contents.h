// ReadFile / WriteFile: whole files on the real disk, for tests that set up or inspect a tree
// the `ferry` binary works on. Not durable and not atomic (tests own their temp dirs); the
// library's own writes go through Env (base/file_util.h).
//
// Thread-safety: reentrant.
#ifndef FERRY_TESTS_SUPPORT_FILE_CONTENTS_H_
#define FERRY_TESTS_SUPPORT_FILE_CONTENTS_H_

#include <string>

namespace ferry::testing {

// The bytes of `path`; "" when it cannot be read (tests then fail on the content).
std::string ReadFile(const std::string& path);

// Replaces `path` with `content`, creating missing parent directories; false (after a test
// failure naming the path) when it cannot.
bool WriteFile(const std::string& path, const std::string& content);

}  // namespace ferry::testing

#endif  // FERRY_TESTS_SUPPORT_FILE_CONTENTS_H_
