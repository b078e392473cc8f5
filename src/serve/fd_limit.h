// Open-file limit of `ferry serve`: every held connection is a descriptor, and so is every
// file being downloaded, the state database and the inotify watches. The soft RLIMIT_NOFILE
// is often 1,024, below what 1,000 slow clients plus normal traffic need, while the hard limit
// is usually far higher; the server raises its soft limit to the hard one at start and caps
// connections below what is left.
//
// Thread-safety: call once, before threads open files.
#ifndef FERRY_SERVE_FD_LIMIT_H_
#define FERRY_SERVE_FD_LIMIT_H_

#include <cstddef>

namespace ferry::serve {

// Descriptors kept free for everything that is not a client connection.
inline constexpr size_t kReservedDescriptors = 256;

// Raises the soft RLIMIT_NOFILE to the hard limit (at most 1 << 20) and returns the soft
// limit in force afterwards.
size_t RaiseOpenFileLimit();

// How many client connections fit under `open_file_limit`, reserving kReservedDescriptors
// (at least 16).
size_t ConnectionsForOpenFileLimit(size_t open_file_limit);

}  // namespace ferry::serve

#endif  // FERRY_SERVE_FD_LIMIT_H_
