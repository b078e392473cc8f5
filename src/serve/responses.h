// Response helpers shared by the handlers: every error body is JSON {"error": "<message>"}
// with a message a person can act on; successful JSON bodies are compact UTF-8.
//
// Thread-safety: pure functions on the response passed in.
#ifndef FERRY_SERVE_RESPONSES_H_
#define FERRY_SERVE_RESPONSES_H_

#include <httplib.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "ferry/status.h"

namespace ferry::serve {

void SetError(httplib::Response& res, int http_status, const std::string& message);
void SetJson(httplib::Response& res, int http_status, const nlohmann::json& body);
// Serves `body` (already in its final coding: httplib must not compress it again, which it
// would do to a text body set with set_content when the client accepts gzip or br) with a
// known length, streamed from the shared string so no copy of it is made.
void SetPrecodedContent(httplib::Response& res, std::shared_ptr<const std::string> body,
                        const std::string& content_type);
// Maps a Status from the engine: kUnavailable -> 503 with Retry-After, kNotFound -> 404,
// kPermissionDenied -> 403, anything else -> 500.
void SetStatusError(httplib::Response& res, const Status& status);

}  // namespace ferry::serve

#endif  // FERRY_SERVE_RESPONSES_H_
