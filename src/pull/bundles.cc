#include "pull/bundles.h"

#include "base/file_util.h"
#include "base/path.h"
#include "net/http_status.h"

namespace ferry::pull {

Status FetchBundle(Env* env, HttpClient* http, const RetryPolicy& retry, const BearerToken& token,
                   const BundleAction& action) {
  std::string body;
  Status got = RetryWithBackoff(env, retry, [&](int) -> Status {
    HttpRequest req;
    req.url = action.url;
    req.headers = token.HeadersFor(action.url);
    FERRY_ASSIGN_OR_RETURN(HttpResponse resp, SendAndCollect(http, req, kMaxBundleBytes));
    FERRY_RETURN_IF_ERROR(StatusFromHttpResponse(resp, "GET", action.url));
    if (resp.status != 200) {
      return Status::InvalidArgument("GET " + action.url + ": unexpected HTTP " +
                                     std::to_string(resp.status) + " for a bundle");
    }
    body = std::move(resp.body);
    return Status::OK();
  });
  if (!got.ok()) return got.WithContext("memory bundle " + action.slug);
  FERRY_RETURN_IF_ERROR(CreateDirs(env, DirName(action.path)));
  return WriteFileAtomically(env, action.path, body, 0644);
}

}  // namespace ferry::pull
