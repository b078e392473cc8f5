#include "ferry/status.h"

namespace ferry {

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "ok";
    case StatusCode::kNotFound: return "not found";
    case StatusCode::kAlreadyExists: return "already exists";
    case StatusCode::kInvalidArgument: return "invalid argument";
    case StatusCode::kCorruption: return "corruption";
    case StatusCode::kIoError: return "io error";
    case StatusCode::kNoSpace: return "no space";
    case StatusCode::kPermissionDenied: return "permission denied";
    case StatusCode::kNotSupported: return "not supported";
    case StatusCode::kTooManyLinks: return "too many links";
    case StatusCode::kBusy: return "busy";
    case StatusCode::kUnavailable: return "unavailable";
    case StatusCode::kUnauthorized: return "unauthorized";
    case StatusCode::kConflict: return "conflict";
    case StatusCode::kRefused: return "refused";
    case StatusCode::kCancelled: return "cancelled";
    case StatusCode::kInternal: return "internal";
  }
  return "unknown";
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  std::string message(context);
  message += ": ";
  message += message_;
  return Status(code_, std::move(message), retryable_);
}

std::string Status::ToString() const { return ok() ? std::string("OK") : message_; }

}  // namespace ferry
