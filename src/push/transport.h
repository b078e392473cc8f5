// Transport: the three things the worker asks of a NAS, whatever the transport type — push a
// run's contents into its NAS dir, run one verify pass of the NAS copy against the run's
// manifest, and list the NAS copy (for the cleanup interlocks). One implementation per
// `transport.type` of the configuration, chosen by NewTransport:
//   local      local_transport.h + local_verify.h (through the Env, so MemEnv tests see it)
//   rsync_ssh  rsync_transport.h + remote_verify.h (through the CommandRunner)
//   rclone     rclone_transport.h + rclone_verify.h (through the CommandRunner)
// Every operation reports a RemoteAttempt, so the worker applies one set of job rules
// (failure_class.h kinds) whatever moved the bytes.
//
// Thread-safety: a Transport is used by one worker thread at a time; the Env and the
// CommandRunner it holds are thread-safe.
#ifndef FERRY_PUSH_TRANSPORT_H_
#define FERRY_PUSH_TRANSPORT_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "ferry/command_runner.h"
#include "ferry/env.h"
#include "ferry/status.h"
#include "push/cleanup_interlocks.h"
#include "push/config.h"
#include "push/remote_attempt.h"
#include "push/remote_verify.h"

namespace ferry::push {

// What every transport needs from its surroundings.
struct TransportContext {
  Env* env = nullptr;
  CommandRunner* runner = nullptr;
  std::string home;  // for "~/" in ssh key paths
  std::string cache_dir = ".ferry";
  int64_t timeout_ms = 6 * 3600 * 1000;  // one rsync / ssh command at most
  size_t hash_threads = 4;               // local hashing (local transport's verify)
};

class Transport {
 public:
  Transport() = default;
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;
  virtual ~Transport() = default;

  // Copies the contents of run_dir into nas_path; `now` (Unix seconds) picks the bandwidth
  // limit in force. kDone means every file is at the destination, durable there by the end
  // of the next verify pass at the latest (each transport says when).
  virtual RemoteAttempt Push(const std::string& run_dir, const std::string& nas_path, int64_t now,
                             const std::atomic<bool>* cancel) = 0;
  // One verify pass; an error Status only for the local side (the run's manifest).
  virtual Result<RemoteVerification> Verify(const std::string& run_dir, const std::string& nas_path,
                                            const std::atomic<bool>* cancel) = 0;
  // The NAS copy's files with their sizes.
  virtual RemoteListing List(const std::string& nas_path, const std::atomic<bool>* cancel) = 0;
};

// The transport of `config.type`; kNotSupported for a type not built in this binary.
Result<std::unique_ptr<Transport>> NewTransport(const TransportConfig& config,
                                                const TransportContext& context);

// The upload limit of `config` at Unix time `now`: the `bandwidth:` schedule, or the
// `bwlimit:` timetable, in local time; nullopt when unlimited.
RateLimit RateAt(const TransportConfig& config, int64_t now);

}  // namespace ferry::push

#endif  // FERRY_PUSH_TRANSPORT_H_
