#include "pull/token.h"

#include "base/file_util.h"
#include "base/path.h"

namespace ferry::pull {
namespace {

std::string FirstLineTrimmed(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  const char* ws = " \t\r\n";
  size_t b = line.find_first_not_of(ws);
  if (b == std::string::npos) return "";
  size_t e = line.find_last_not_of(ws);
  return line.substr(b, e - b + 1);
}

}  // namespace

Result<std::string> ResolveToken(Env* env, const TokenSources& s) {
  if (!s.flag.empty()) return s.flag;
  if (!s.env_value.empty()) return s.env_value;
  std::vector<std::string> files;
  if (!s.workspace.empty()) files.push_back(JoinPath(s.workspace, ".ferry/token"));
  if (!s.home.empty()) files.push_back(JoinPath(s.home, ".config/ferry/token"));
  for (const std::string& f : files) {
    Result<std::string> text = ReadFileToString(env, f, 64 * 1024);
    if (!text.ok()) {
      if (text.status().IsNotFound()) continue;
      return text.status().WithContext("reading the token file");
    }
    std::string token = FirstLineTrimmed(*text);
    if (!token.empty()) return token;
  }
  return std::string();
}

}  // namespace ferry::pull
