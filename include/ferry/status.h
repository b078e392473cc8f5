// Status and Result<T>: how every fallible operation in ferry reports its outcome.
//
// A Status is either OK or carries a code, a message meant for a person (what failed, on which
// path or URL, what to do), and a "retryable" bit that retry policies (downloads, the push
// queue) read instead of guessing from the code. Errors are values: nothing in libferry throws
// across its API; exceptions from libraries are caught at the boundary and become a Status.
//
// "Not found" is an ordinary code so that callers can treat it as an outcome
// (`if (s.IsNotFound())`) rather than a failure.
//
// Thread-safety: Status and Result are plain values; distinct objects may be used from
// distinct threads freely.
#ifndef FERRY_STATUS_H_
#define FERRY_STATUS_H_

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace ferry {

enum class StatusCode {
  kOk = 0,
  kNotFound,         // a file, key or remote object does not exist
  kAlreadyExists,    // the target of a create already exists
  kInvalidArgument,  // bad input from a user, a config file or the network
  kCorruption,       // bytes or a state file do not say what they should
  kIoError,          // a local read/write failed (EIO, ...)
  kNoSpace,          // ENOSPC / EDQUOT
  kPermissionDenied, // EACCES / EPERM on a local path
  kNotSupported,     // the filesystem or peer cannot do this (EXDEV, ENOTSUP, EOPNOTSUPP...)
  kTooManyLinks,     // EMLINK: the hardlink limit of one inode
  kBusy,             // another process holds the lock
  kUnavailable,      // a peer cannot be reached, or answered 5xx
  kUnauthorized,     // a peer refused our credentials (401/403)
  kConflict,         // two sides changed the same thing; a person must decide
  kRefused,          // refused for safety (interlock, would lose data)
  kCancelled,        // stopped on request, or by an injected crash in tests
  kInternal,         // a bug in ferry
};

// The short lowercase name of a code, e.g. "not found"; used in messages and --json output.
std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message, bool retryable = false)
      : code_(code), message_(std::move(message)), retryable_(retryable) {}

  static Status OK() { return Status(); }
  static Status NotFound(std::string msg) { return {StatusCode::kNotFound, std::move(msg)}; }
  static Status AlreadyExists(std::string msg) {
    return {StatusCode::kAlreadyExists, std::move(msg)};
  }
  static Status InvalidArgument(std::string msg) {
    return {StatusCode::kInvalidArgument, std::move(msg)};
  }
  static Status Corruption(std::string msg) { return {StatusCode::kCorruption, std::move(msg)}; }
  static Status IoError(std::string msg, bool retryable = false) {
    return {StatusCode::kIoError, std::move(msg), retryable};
  }
  static Status NoSpace(std::string msg) { return {StatusCode::kNoSpace, std::move(msg)}; }
  static Status PermissionDenied(std::string msg) {
    return {StatusCode::kPermissionDenied, std::move(msg)};
  }
  static Status NotSupported(std::string msg) {
    return {StatusCode::kNotSupported, std::move(msg)};
  }
  static Status Busy(std::string msg) { return {StatusCode::kBusy, std::move(msg)}; }
  static Status Unavailable(std::string msg, bool retryable = true) {
    return {StatusCode::kUnavailable, std::move(msg), retryable};
  }
  static Status Unauthorized(std::string msg) {
    return {StatusCode::kUnauthorized, std::move(msg)};
  }
  static Status Conflict(std::string msg) { return {StatusCode::kConflict, std::move(msg)}; }
  static Status Refused(std::string msg) { return {StatusCode::kRefused, std::move(msg)}; }
  static Status Cancelled(std::string msg) { return {StatusCode::kCancelled, std::move(msg)}; }
  static Status Internal(std::string msg) { return {StatusCode::kInternal, std::move(msg)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  bool retryable() const { return retryable_; }

  bool IsNotFound() const { return code_ == StatusCode::kNotFound; }
  bool IsAlreadyExists() const { return code_ == StatusCode::kAlreadyExists; }
  bool IsNotSupported() const { return code_ == StatusCode::kNotSupported; }
  bool IsCancelled() const { return code_ == StatusCode::kCancelled; }

  // Returns a copy whose message is "<context>: <message>", keeping code and retryable.
  Status WithContext(std::string_view context) const;

  // "OK", or the message alone (it already says what failed and where).
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  bool retryable_ = false;
};

// Either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT: implicit by design
    assert(!status_.ok() && "a Result built from a Status must carry an error");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }

  T& value() & {
    assert(ok());
    return *value_;
  }
  const T& value() const& {
    assert(ok());
    return *value_;
  }
  T&& value() && {
    assert(ok());
    return std::move(*value_);
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  T value_or(T fallback) const { return ok() ? *value_ : std::move(fallback); }

 private:
  std::optional<T> value_;
  Status status_;
};

// Names a place where an error is deliberately ignored (leveldb's MaybeIgnoreError): the
// reason is the documentation.
inline void IgnoreError(const Status& /*status*/, const char* /*why*/) {}

}  // namespace ferry

// Early-return helpers. FERRY_RETURN_IF_ERROR(expr) returns the Status of a failed expr;
// FERRY_ASSIGN_OR_RETURN(lhs, expr) unwraps a Result or returns its Status.
#define FERRY_RETURN_IF_ERROR(expr)              \
  do {                                           \
    ::ferry::Status ferry_status_ = (expr);      \
    if (!ferry_status_.ok()) return ferry_status_; \
  } while (0)

#define FERRY_CONCAT_INNER_(a, b) a##b
#define FERRY_CONCAT_(a, b) FERRY_CONCAT_INNER_(a, b)
#define FERRY_ASSIGN_OR_RETURN(lhs, expr)                                  \
  auto FERRY_CONCAT_(ferry_result_, __LINE__) = (expr);                    \
  if (!FERRY_CONCAT_(ferry_result_, __LINE__).ok())                        \
    return FERRY_CONCAT_(ferry_result_, __LINE__).status();                \
  lhs = std::move(FERRY_CONCAT_(ferry_result_, __LINE__)).value()

#endif  // FERRY_STATUS_H_
