// SendAndCollect: the small-body helper declared in include/ferry/http_client.h.
#include "ferry/http_client.h"

#include <string>

namespace ferry {

Result<HttpResponse> SendAndCollect(HttpClient* client, const HttpRequest& request,
                                    uint64_t max_body_bytes) {
  std::string body;
  // The cap is enforced as bytes arrive, so a runaway response never sits in memory whole.
  HttpBodySink sink = [&](const HttpResponse& /*response*/, std::string_view chunk) -> Status {
    if (body.size() + chunk.size() > max_body_bytes) {
      return Status::InvalidArgument("response body of " + request.url + " exceeds " +
                                     std::to_string(max_body_bytes) + " bytes");
    }
    body.append(chunk);
    return Status::OK();
  };
  Result<HttpResponse> response = client->Send(request, sink);
  if (!response.ok()) return response.status();
  response->body = std::move(body);
  return response;
}

}  // namespace ferry
