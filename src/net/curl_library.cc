#include "net/curl_library.h"

#include <dlfcn.h>

#include <string>

namespace ferry {
namespace {

constexpr const char* kSoname = "libcurl.so.4";

// Sets *fn to the symbol `name` of `handle`; false (and dlerror's text in *error) if absent.
// A function pointer from dlsym's void* is what POSIX promises works.
template <typename Fn>
bool Resolve(void* handle, const char* name, Fn* fn, std::string* error) {
  dlerror();
  void* symbol = dlsym(handle, name);
  if (symbol == nullptr) {
    const char* why = dlerror();
    *error = std::string("symbol ") + name + " missing: " + (why != nullptr ? why : "null");
    return false;
  }
  *fn = reinterpret_cast<Fn>(symbol);
  return true;
}

Result<const CurlLibrary*> Load() {
  void* handle = dlopen(kSoname, RTLD_NOW | RTLD_LOCAL);
  std::string error;
  if (handle == nullptr) {
    const char* why = dlerror();
    error = why != nullptr ? why : "unknown error";
  }
  static CurlLibrary lib{};
  CURLcode (*global_init)(long) = nullptr;
  const bool resolved =
      handle != nullptr && Resolve(handle, "curl_global_init", &global_init, &error) &&
      Resolve(handle, "curl_easy_init", &lib.easy_init, &error) &&
      Resolve(handle, "curl_easy_cleanup", &lib.easy_cleanup, &error) &&
      Resolve(handle, "curl_easy_reset", &lib.easy_reset, &error) &&
      Resolve(handle, "curl_easy_setopt", &lib.easy_setopt, &error) &&
      Resolve(handle, "curl_easy_getinfo", &lib.easy_getinfo, &error) &&
      Resolve(handle, "curl_easy_perform", &lib.easy_perform, &error) &&
      Resolve(handle, "curl_easy_strerror", &lib.easy_strerror, &error) &&
      Resolve(handle, "curl_share_init", &lib.share_init, &error) &&
      Resolve(handle, "curl_share_setopt", &lib.share_setopt, &error) &&
      Resolve(handle, "curl_share_cleanup", &lib.share_cleanup, &error) &&
      Resolve(handle, "curl_slist_append", &lib.slist_append, &error) &&
      Resolve(handle, "curl_slist_free_all", &lib.slist_free_all, &error) &&
      Resolve(handle, "curl_easy_pause", &lib.easy_pause, &error) &&
      Resolve(handle, "curl_multi_init", &lib.multi_init, &error) &&
      Resolve(handle, "curl_multi_cleanup", &lib.multi_cleanup, &error) &&
      Resolve(handle, "curl_multi_setopt", &lib.multi_setopt, &error) &&
      Resolve(handle, "curl_multi_add_handle", &lib.multi_add_handle, &error) &&
      Resolve(handle, "curl_multi_remove_handle", &lib.multi_remove_handle, &error) &&
      Resolve(handle, "curl_multi_perform", &lib.multi_perform, &error) &&
      Resolve(handle, "curl_multi_poll", &lib.multi_poll, &error) &&
      Resolve(handle, "curl_multi_wakeup", &lib.multi_wakeup, &error) &&
      Resolve(handle, "curl_multi_info_read", &lib.multi_info_read, &error) &&
      Resolve(handle, "curl_multi_strerror", &lib.multi_strerror, &error);
  if (!resolved) {
    return Status::Unavailable(std::string("cannot load ") + kSoname + ": " + error +
                                   "; install libcurl (Debian: apt-get install libcurl4)",
                               /*retryable=*/false);
  }
  // Not thread-safe in libcurl itself; here it runs once, under the static's initialization.
  // Never cleaned up: clients may live until exit.
  if (const CURLcode rc = global_init(CURL_GLOBAL_DEFAULT); rc != CURLE_OK) {
    return Status::Unavailable(
        std::string("curl_global_init failed: code ") + std::to_string(static_cast<int>(rc)),
        /*retryable=*/false);
  }
  return &lib;
}

}  // namespace

Result<const CurlLibrary*> LoadCurlLibrary() {
  static const Result<const CurlLibrary*> loaded = Load();  // once, thread-safe (C++11 statics)
  return loaded;
}

}  // namespace ferry
