#include "support/seed_client.h"

#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "support/digests.h"
#include "support/file_contents.h"

namespace ferry::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// t.get(key) as a string, "" when absent, null or not a string (Python's falsy `or` chain).
std::string Str(const json& t, const char* key) {
  auto it = t.find(key);
  return it != t.end() && it->is_string() ? it->get<std::string>() : "";
}

bool SafeSegment(const std::string& s) {
  static const std::regex kSafe("^[A-Za-z0-9_.\\-]+$");
  return std::regex_match(s, kSafe);
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

class SeedPuller {
 public:
  SeedPuller(int port, std::string token, fs::path workspace, SeedPullOutcome* out)
      : http_("127.0.0.1", port), token_(std::move(token)), ws_(std::move(workspace)), out_(out) {}

  void Run() {
    std::string body;
    if (!Get("/api/sync/manifest", &body)) {
      out_->errors.push_back("manifest: " + last_error_);
      return;
    }
    json m = json::parse(body, nullptr, false);
    if (!m.is_object()) {
      out_->errors.push_back("manifest: not a JSON object");
      return;
    }
    const fs::path data = ws_ / "data";
    fs::create_directories(data / "_shared");
    if (m.contains("direct_tables") && m["direct_tables"].is_array()) {
      SyncTables(m["direct_tables"], data / "_direct", "_direct");
    }
    if (m.contains("data_packages") && m["data_packages"].is_array()) {
      for (const json& p : m["data_packages"]) {
        const std::string slug = Str(p, "slug");
        if (slug.empty()) continue;
        if (!SafeSegment(slug)) {
          out_->errors.push_back("unsafe path segment: " + slug);
          continue;
        }
        if (p.contains("tables") && p["tables"].is_array()) {
          SyncTables(p["tables"], data / slug, slug);
        }
      }
    }
    if (m.contains("memory_domains") && m["memory_domains"].is_array()) {
      for (const json& d : m["memory_domains"]) {
        const std::string slug = Str(d, "slug");
        if (slug.empty()) continue;
        if (!SafeSegment(slug)) {
          out_->errors.push_back("unsafe path segment: " + slug);
          continue;
        }
        std::string bundle;
        if (!Get("/api/memory/bundle?domain=" + slug, &bundle)) {
          out_->errors.push_back("memory " + slug + ": " + last_error_);
          continue;
        }
        fs::create_directories(ws_ / "memory" / slug);
        std::ofstream(ws_ / "memory" / slug / "bundle.md", std::ios::binary | std::ios::trunc)
            << bundle;
      }
    }
  }

 private:
  // One GET; true with the body on 200. Absolute URLs are fetched from their own origin.
  bool Get(const std::string& url, std::string* body) {
    std::string path = url;
    std::unique_ptr<httplib::Client> other;
    httplib::Client* cli = &http_;
    if (url.rfind("http://", 0) == 0) {
      const size_t slash = url.find('/', 7);
      other = std::make_unique<httplib::Client>(url.substr(0, slash));
      cli = other.get();
      path = slash == std::string::npos ? "/" : url.substr(slash);
    }
    auto r = cli->Get(path, {{"Authorization", "Bearer " + token_}});
    const int status = r ? r->status : 0;
    out_->requests.push_back("GET " + path + " -> " + std::to_string(status));
    if (!r) {
      last_error_ = "connection failed: " + httplib::to_string(r.error());
      return false;
    }
    if (status != 200) {  // urllib raises on anything but 2xx; the server sends only 200
      last_error_ = "HTTP Error " + std::to_string(status) + ": " + r->body;
      return false;
    }
    *body = std::move(r->body);
    return true;
  }

  void SyncTables(const json& tables, const fs::path& dir, const std::string& where) {
    for (const json& t : tables) {
      const std::string name = Str(t, "name");
      if (name.empty()) continue;
      if (!SafeSegment(name)) {
        out_->errors.push_back(where + ": unsafe path segment: " + name);
        continue;
      }
      if (Lower(Str(t, "query_mode")) == "remote") {
        ++out_->skipped_remote;
        continue;
      }
      std::string error = SyncTable(t, dir / (name + ".parquet"));
      if (!error.empty()) out_->errors.push_back(where + "/" + name + ": " + error);
    }
  }

  // _sync_table_into: "" when the reference is in place.
  std::string SyncTable(const json& t, const fs::path& dest) {
    const std::string id = Str(t, "id");
    if (id.empty()) return "";
    if (!SafeSegment(id)) return "unsafe path segment: " + id;
    std::string expected = Str(t, "md5");
    if (expected.empty()) expected = Str(t, "hash");
    const fs::path shared = ws_ / "data" / "_shared" / (id + ".parquet");
    const bool must_fetch =
        !fs::exists(shared) || (!expected.empty() && Md5Hex(ReadFile(shared)) != expected);
    if (must_fetch) {
      std::string url = Str(t, "parquet_url");
      if (url.empty()) url = "/api/data/" + id + "/download";
      std::string bytes;
      if (!Get(url, &bytes)) return last_error_;
      std::ofstream(shared, std::ios::binary | std::ios::trunc) << bytes;
      ++out_->table_fetches;
      if (!expected.empty() && Md5Hex(bytes) != expected) {
        fs::remove(shared);
        return "md5 mismatch on " + id;
      }
    }
    fs::create_directories(dest.parent_path());
    fs::remove(dest, ignore_errors_);
    fs::create_symlink(shared, dest);  // absolute, as os.symlink(src, dst) makes it
    return "";
  }

  httplib::Client http_;
  std::string token_;
  fs::path ws_;
  SeedPullOutcome* out_;
  std::string last_error_;
  std::error_code ignore_errors_;
};

}  // namespace

SeedPullOutcome SeedPull(int port, const std::string& token, const std::string& workspace) {
  SeedPullOutcome out;
  SeedPuller(port, token, workspace, &out).Run();
  return out;
}

std::map<std::string, std::string> PulledFiles(const std::string& workspace,
                                               std::map<std::string, std::string>* partitioned) {
  std::map<std::string, std::string> files;
  const fs::path root(workspace);
  std::error_code ec;
  const auto opts = fs::directory_options::follow_directory_symlink;
  for (auto it = fs::recursive_directory_iterator(root / "data", opts, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file() || it->path().extension() != ".parquet") continue;
    // Lexically: fs::relative would resolve the references' symlinks to their targets.
    const std::string rel = it->path().lexically_relative(root).generic_string();
    // data/<dir>/<name>.parquet is a table file; anything deeper lies below a table that is
    // a directory (data/<dir>/<name>.parquet/...), so it is a part.
    const bool part = std::count(rel.begin(), rel.end(), '/') > 2;
    if (part) {
      if (partitioned != nullptr) (*partitioned)[rel] = ReadFile(it->path());
      continue;
    }
    files[rel] = ReadFile(it->path());
  }
  for (auto it = fs::directory_iterator(root / "memory", ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    const fs::path bundle = it->path() / "bundle.md";
    if (fs::is_regular_file(bundle)) {
      files[bundle.lexically_relative(root).generic_string()] = ReadFile(bundle);
    }
  }
  return files;
}

}  // namespace ferry::testing
