#include "serve/responses.h"

#include <algorithm>
#include <utility>

#include "serve/request_log.h"

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

void SetPrecodedContent(httplib::Response& res, std::shared_ptr<const std::string> body,
                        const std::string& content_type) {
  if (body->empty()) {
    res.set_content("", content_type);
    return;
  }
  // A content provider with a known length is sent as it is: httplib only compresses bodies
  // set with set_content and chunked providers.
  RequestLog::Current().streamed = true;
  const size_t size = body->size();
  res.set_content_provider(
      size, content_type,
      [body = std::move(body)](size_t offset, size_t want, httplib::DataSink& sink) {
        const size_t n = std::min(want, body->size() - offset);
        if (!sink.write(body->data() + offset, n)) return false;
        RequestLog::Current().streamed_bytes += n;
        return true;
      });
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
