// StatusFromHttpResponse: what an HTTP status code means to ferry (docs/PROTOCOL.md), in one
// place, so the pull engine, the bundle fetcher and the push queue agree on it.
//
//   2xx, 304         -> OK (the caller reads the response)
//   3xx (other)      -> kInvalidArgument naming the Location: ferry never follows redirects
//   401              -> kUnauthorized: the token was refused or none was sent (the message says
//                       to pass --token, set FERRY_TOKEN or write the token file)
//   403              -> kUnauthorized: not granted to this token
//   404              -> kNotFound
//   408, 429         -> kUnavailable, retryable (the peer asks us to come back later)
//   other 4xx        -> kInvalidArgument, not retryable
//   5xx              -> kUnavailable, retryable
//   anything else    -> kInvalidArgument (not an HTTP status a server should send)
//
// Messages are one line: "<METHOD> <url>: HTTP <code>[ <phrase>][: <reason>][; <what to do>]".
// The reason is ServerReason: servers explain 4xx/5xx in the body (SendAndCollect fills it),
// but only a short plain-text explanation belongs in a message, never a web page.
//
// Thread-safety: a pure function.
#ifndef FERRY_NET_HTTP_STATUS_H_
#define FERRY_NET_HTTP_STATUS_H_

#include <string>
#include <string_view>

#include "ferry/http_client.h"
#include "ferry/status.h"

namespace ferry {

Status StatusFromHttpResponse(const HttpResponse& response, const std::string& method,
                              const std::string& url);

// What the server said about a failure, for a one-line message: the "error" (or "message",
// "detail") string of a JSON body, else a plain-text body; at most 200 characters on one line
// (BodyExcerpt). "" for an empty body and for HTML or XML (by Content-Type, or a body that
// starts with '<'): a proxy's or framework's error page says nothing the status does not.
std::string ServerReason(const HttpResponse& response);

// At most max_chars of `body` on one line: control characters become spaces, runs of spaces
// collapse, and "..." marks a cut. Empty for an empty body.
std::string BodyExcerpt(std::string_view body, size_t max_chars = 200);

}  // namespace ferry

#endif  // FERRY_NET_HTTP_STATUS_H_
