// CurlLibrary: libcurl, loaded when the first HTTP client is made rather than when ferry
// starts.
//
// Why: only `ferry pull` (and `ferry stack`) speak HTTP as a client, but linking libcurl makes
// every ferry process load it and the ~25 libraries behind it (GnuTLS, Kerberos, LDAP, SSH,
// p11-kit...) and run their initializers: measured on Debian 12, +21 ms of start-up and +3.7 MB
// of resident pages for `ferry hash`, `sync` and `push` too, which never make a request (and
// sync's memory target counts those pages). dlopen on first use keeps those costs in the
// commands that need them. The headers still come from libcurl's -dev package at build time;
// only the binding is deferred.
//
// Behaviour: the first call loads "libcurl.so.4" (the soname of Debian's libcurl4 and of
// every libcurl 7.x/8.x; curl_multi_poll and curl_multi_wakeup need 7.68 or later), resolves every
// function ferry uses and runs curl_global_init once; later calls return the same table. A missing
// library or symbol is kUnavailable (not retryable: exit 3, like a server that cannot be reached)
// naming the library, dlerror's text and what to install; it is remembered, not retried.
//
// Thread-safety: LoadCurlLibrary may be called from any thread; the table it returns is
// immutable and lives until exit (the library is never unloaded).
#ifndef FERRY_NET_CURL_LIBRARY_H_
#define FERRY_NET_CURL_LIBRARY_H_

#include <curl/curl.h>

#include "ferry/status.h"

namespace ferry {

// The libcurl functions ferry calls, named after them without the "curl_" prefix.
struct CurlLibrary {
  CURL* (*easy_init)();
  void (*easy_cleanup)(CURL*);
  void (*easy_reset)(CURL*);
  CURLcode (*easy_setopt)(CURL*, CURLoption, ...);
  CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...);
  CURLcode (*easy_perform)(CURL*);
  const char* (*easy_strerror)(CURLcode);
  CURLSH* (*share_init)();
  CURLSHcode (*share_setopt)(CURLSH*, CURLSHoption, ...);
  CURLSHcode (*share_cleanup)(CURLSH*);
  curl_slist* (*slist_append)(curl_slist*, const char*);
  void (*slist_free_all)(curl_slist*);
  // The multi interface (net/curl_multi_driver.h): one thread drives many transfers.
  CURLcode (*easy_pause)(CURL*, int);
  CURLM* (*multi_init)();
  CURLMcode (*multi_cleanup)(CURLM*);
  CURLMcode (*multi_setopt)(CURLM*, CURLMoption, ...);
  CURLMcode (*multi_add_handle)(CURLM*, CURL*);
  CURLMcode (*multi_remove_handle)(CURLM*, CURL*);
  CURLMcode (*multi_perform)(CURLM*, int*);
  CURLMcode (*multi_poll)(CURLM*, curl_waitfd[], unsigned int, int, int*);
  CURLMcode (*multi_wakeup)(CURLM*);
  CURLMsg* (*multi_info_read)(CURLM*, int*);
  const char* (*multi_strerror)(CURLMcode);
};

Result<const CurlLibrary*> LoadCurlLibrary();

}  // namespace ferry

#endif  // FERRY_NET_CURL_LIBRARY_H_
