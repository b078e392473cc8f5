#include "serve/responses.h"

namespace ferry::serve {

void SetError(httplib::Response& res, int http_status, const std::string& message) {
  res.status = http_status;
  nlohmann::json body = {{"error", message}};
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n",
                  "application/json");
}

void SetJson(httplib::Response& res, int http_status, const nlohmann::json& body) {
  res.status = http_status;
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                  "application/json");
}

void SetStatusError(httplib::Response& res, const Status& status) {
  switch (status.code()) {
    case StatusCode::kUnavailable:
    case StatusCode::kBusy:
      res.set_header("Retry-After", "1");
      SetError(res, 503, status.message());
      return;
    case StatusCode::kNotFound:
      SetError(res, 404, status.message());
      return;
    case StatusCode::kPermissionDenied:
      SetError(res, 403, status.message());
      return;
    default:
      SetError(res, 500, status.message());
      return;
  }
}

}  // namespace ferry::serve
