#include "net/scripted_http_client.h"

#include <algorithm>
#include <cctype>
#include <string>
#include <utility>

namespace ferry {
namespace {

std::string Lowercase(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

void ScriptedHttpClient::Script(std::string method, std::string url,
                                std::vector<ScriptedResponse> replies) {
  std::lock_guard<std::mutex> lock(mu_);
  if (replies.empty()) replies.push_back(ScriptedResponse{});  // a script needs a reply
  scripts_[{std::move(method), std::move(url)}] = ScriptState{std::move(replies), 0};
}

void ScriptedHttpClient::ScriptBody(std::string url, std::string body) {
  ScriptedResponse reply;
  reply.body = std::move(body);
  reply.supports_range = true;
  Script("GET", std::move(url), {std::move(reply)});
}

std::vector<HttpRequest> ScriptedHttpClient::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

size_t ScriptedHttpClient::CountRequests(const std::string& method, const std::string& url) const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<size_t>(std::count_if(requests_.begin(), requests_.end(), [&](const auto& r) {
    return r.method == method && r.url == url;
  }));
}

Result<HttpResponse> ScriptedHttpClient::Send(const HttpRequest& request,
                                              const HttpBodySink& sink) {
  ScriptedResponse reply;
  {
    std::lock_guard<std::mutex> lock(mu_);
    requests_.push_back(request);
    auto it = scripts_.find({request.method, request.url});
    if (it == scripts_.end()) {
      reply.status = 404;
      reply.body = "not scripted: " + request.method + " " + request.url;
    } else {
      ScriptState& script = it->second;
      reply = script.replies[std::min(script.next, script.replies.size() - 1)];
      if (script.next < script.replies.size()) ++script.next;
    }
  }
  if (reply.transport_error.has_value()) return *reply.transport_error;

  HttpResponse response;
  response.status = reply.status;
  for (const auto& [name, value] : reply.headers) response.headers[Lowercase(name)] = value;

  std::string_view body = reply.body;
  if (reply.supports_range && request.range_first.has_value() && reply.status == 200) {
    const uint64_t size = reply.body.size();
    const uint64_t first = *request.range_first;
    if (first >= size) {
      response.status = 416;
      response.headers["content-range"] = "bytes */" + std::to_string(size);
      body = {};
    } else {
      uint64_t last = size - 1;
      if (request.range_last.has_value()) last = std::min(last, *request.range_last);
      if (last < first) {
        response.status = 416;
        response.headers["content-range"] = "bytes */" + std::to_string(size);
        body = {};
      } else {
        response.status = 206;
        response.headers["content-range"] = "bytes " + std::to_string(first) + "-" +
                                            std::to_string(last) + "/" + std::to_string(size);
        body = body.substr(first, last - first + 1);
      }
    }
  }
  if (response.headers.count("content-length") == 0) {
    response.headers["content-length"] = std::to_string(body.size());
  }
  if (request.method == "HEAD") body = {};

  bool fails = false;
  if (reply.fail_after_bytes.has_value() && *reply.fail_after_bytes < body.size()) {
    body = body.substr(0, *reply.fail_after_bytes);
    fails = true;
  }

  for (size_t off = 0; off < body.size(); off += chunk_size_) {
    std::string_view chunk = body.substr(off, chunk_size_);
    if (sink == nullptr) {
      response.body.append(chunk);
      continue;
    }
    Status s = sink(response, chunk);
    if (!s.ok()) return s;
  }
  if (fails) {
    return Status::Unavailable(request.method + " " + request.url +
                                   ": transfer closed with bytes remaining to read (scripted)",
                               /*retryable=*/true);
  }
  return response;
}

}  // namespace ferry
