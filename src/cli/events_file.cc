#include "cli/events_file.h"

#include <cerrno>
#include <cstring>

namespace ferry::cli {

EventsFile::~EventsFile() {
  if (owned_ != nullptr) std::fclose(owned_);
}

Status EventsFile::Open(const std::string& where) {
  if (where == "-") {
    file_ = stdout;
    return Status::OK();
  }
  owned_ = std::fopen(where.c_str(), "w");
  if (owned_ == nullptr) {
    return Status::InvalidArgument("--events " + where +
                                   ": cannot open for writing: " + std::strerror(errno) +
                                   " (pass a writable path, or - for stdout)");
  }
  file_ = owned_;
  return Status::OK();
}

void EventsFile::Write(const std::string& line) {
  if (file_ == nullptr) return;
  std::fputs((line + "\n").c_str(), file_);
  std::fflush(file_);
}

}  // namespace ferry::cli
