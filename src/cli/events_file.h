// EventsFile: where `--events` JSON lines go, for every command that takes the flag (pull,
// push worker, sync): stdout for "-", else FILE opened (truncated) by Open and closed on
// destruction. Writes are advisory, like every progress output: a failed write never fails
// the command.
#ifndef FERRY_CLI_EVENTS_FILE_H_
#define FERRY_CLI_EVENTS_FILE_H_

#include <cstdio>
#include <string>

#include "ferry/status.h"

namespace ferry::cli {

class EventsFile {
 public:
  EventsFile() = default;
  EventsFile(const EventsFile&) = delete;
  EventsFile& operator=(const EventsFile&) = delete;
  ~EventsFile();

  // kInvalidArgument naming the path when it cannot be opened for writing.
  Status Open(const std::string& where);
  std::FILE* file() const { return file_; }  // null: no --events
  // One line, flushed at once so a reader following the file sees it.
  void Write(const std::string& line);

 private:
  std::FILE* file_ = nullptr;
  std::FILE* owned_ = nullptr;
};

}  // namespace ferry::cli

#endif  // FERRY_CLI_EVENTS_FILE_H_
