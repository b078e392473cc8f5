// The route handlers in-process: a catalog in a MemEnv, its manual clock, an in-memory stack
// state, and requests built as values. Each test asserts the status, the headers that carry
// the protocol (ETag, Vary, Allow, WWW-Authenticate, Content-Range) and the body.
#include "serve/handlers.h"

#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "base/file_util.h"
#include "base/hasher.h"
#include "base/mem_env.h"
#include "serve/bundle_renderer.h"
#include "serve/content_coding.h"
#include "serve/content_decoding_test_util.h"
#include "serve/manifest_builder.h"

namespace ferry::serve {
namespace {

using testing::Gunzip;
using testing::Unbrotli;

std::string Hex(HashAlgorithm algorithm, const std::string& s) {
  Hasher h(algorithm);
  h.Update(s);
  return h.FinishHex();
}

constexpr const char* kItemA = "---\nid: a\ntitle: A\nstatus: approved\n---\nFirst text.\n";

class ServeHandlersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* dir :
         {"/srv", "/srv/data", "/srv/memory", "/srv/memory/playbook", "/srv/memory/secret"}) {
      ASSERT_TRUE(env_.CreateDir(dir).ok());
    }
    Write("/srv/data/orders.parquet", "PAR1 orders PAR1");
    Write("/srv/data/secret.parquet", "PAR1 secret PAR1");
    Write("/srv/memory/playbook/a.md", kItemA);
    Write("/srv/memory/secret/s.md", "---\nid: s\ntitle: S\nstatus: approved\n---\nS.\n");
    Write("/srv/catalog.yaml",
          "root: data\n"
          "tables:\n"
          "  - {id: orders, file: orders.parquet}\n"
          "  - {id: secret, file: secret.parquet}\n"
          "packages:\n"
          "  - {slug: sales, name: Sales, requirement: required, tables: [orders]}\n"
          "  - {slug: finance, name: Finance, tables: [secret]}\n"
          "memory_domains:\n"
          "  - {slug: playbook, name: Playbook, items_dir: memory/playbook}\n"
          "  - {slug: secret, name: Secret, items_dir: memory/secret}\n"
          "users:\n"
          "  - name: ana\n"
          "    token_sha256: \"" +
              Hex(HashAlgorithm::kSha256, "t-ana") +
              "\"\n"
              "    grants: {packages: [sales], memory_domains: [playbook], tables: [orders]}\n"
              "    stack: {packages: [sales], memory_domains: [playbook]}\n"
              "  - name: bo\n"
              "    token_sha256: \"" +
              Hex(HashAlgorithm::kSha256, "t-bo") +
              "\"\n"
              "    grants: {packages: [sales], memory_domains: [playbook], tables: [orders]}\n"
              "    stack: {packages: [sales], memory_domains: [playbook]}\n");
    env_.AdvanceClock(Md5Index::kRacyWindowNs);  // the files above are old news
    auto catalog = LoadCatalog(&env_, "/srv/catalog.yaml");
    ASSERT_TRUE(catalog.ok()) << catalog.status().message();
    auto store = StackStore::Open(":memory:");
    ASSERT_TRUE(store.ok()) << store.status().message();
    stack_store_ = std::move(store).value();
    ctx_.served = NewServed(*catalog, &env_, &index_);
    ctx_.digests = &index_;
    ctx_.stack_store = stack_store_.get();
    ctx_.clock = &env_;
  }

  void Write(const std::string& path, const std::string& text) {
    ASSERT_TRUE(WriteFileAtomically(&env_, path, text, 0644).ok());
  }

  // A request from ana (or with `token`) for `target` ("/path?query"); `pattern` fills
  // req.matches as the router would.
  static httplib::Request Get(const std::string& target, const std::string& pattern = "",
                              const std::string& token = "t-ana") {
    httplib::Request req;
    req.method = "GET";
    const size_t q = target.find('?');
    req.path = target.substr(0, q);
    if (q != std::string::npos) {
      const std::string query = target.substr(q + 1);
      const size_t eq = query.find('=');
      req.params.emplace(query.substr(0, eq), query.substr(eq + 1));
    }
    if (!token.empty()) req.headers.emplace("Authorization", "Bearer " + token);
    if (!pattern.empty()) {
      EXPECT_TRUE(std::regex_match(req.path, req.matches, std::regex(pattern))) << target;
    }
    return req;
  }

  // Runs a streamed body's provider to its end, as httplib would.
  static std::string Streamed(httplib::Response& res) {
    std::string out;
    httplib::DataSink sink;
    sink.write = [&out](const char* d, size_t n) {
      out.append(d, n);
      return true;
    };
    while (out.size() < res.content_length_) {
      if (!res.content_provider_(out.size(), res.content_length_ - out.size(), sink)) break;
    }
    return out;
  }

  MemEnv env_;
  Md5Index index_{&env_, nullptr};
  std::unique_ptr<StackStore> stack_store_;
  ServeContext ctx_;
};

constexpr const char* kDownload = R"(/api/data/([^/]+)/download)";
constexpr const char* kStack = R"(/api/stack/([a-z_]+)/([^/]+))";

TEST_F(ServeHandlersTest, NoTokenIs401WithABearerChallenge) {
  httplib::Response res;
  HandleManifest(ctx_, Get("/api/sync/manifest", "", ""), res);
  EXPECT_EQ(res.status, 401);
  EXPECT_EQ(res.get_header_value("WWW-Authenticate"), "Bearer");
  EXPECT_EQ(res.body, R"({"error":"missing 'Authorization: Bearer <token>' header"})"
                      "\n");
  httplib::Response wrong;
  HandleBundle(ctx_, Get("/api/memory/bundle?domain=playbook", "", "t-bob"), wrong);
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.body, R"({"error":"unknown token; check --token or FERRY_TOKEN"})"
                        "\n");
}

TEST_F(ServeHandlersTest, ManifestIsTheUsersStackVaryingOnFeaturesAtTheClocksTime) {
  httplib::Response res;
  HandleManifest(ctx_, Get("/api/sync/manifest"), res);
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.get_header_value("Vary"), "X-Ferry-Features, Accept-Encoding");
  EXPECT_EQ(res.get_header_value("Content-Type"), "application/json");
  const auto m = nlohmann::json::parse(res.body);
  EXPECT_EQ(m["server_time"], FormatIsoTime(env_.NowUnixNanos()));
  ASSERT_EQ(m["data_packages"].size(), 1u);
  EXPECT_EQ(m["data_packages"][0]["slug"], "sales");
  ASSERT_EQ(m["data_packages"][0]["tables"].size(), 1u);
  EXPECT_EQ(m["data_packages"][0]["tables"][0]["md5"],
            Hex(HashAlgorithm::kMd5, "PAR1 orders PAR1"));
  EXPECT_TRUE(m["tables"].contains("orders"));
  EXPECT_FALSE(m["tables"].contains("secret"));
  ASSERT_EQ(m["memory_domains"].size(), 1u);
  EXPECT_EQ(m["memory_domains"][0]["slug"], "playbook");
}

TEST_F(ServeHandlersTest, DownloadStreamsTheFileWithItsMd5AsETag) {
  httplib::Response res;
  HandleDownload(ctx_, Get("/api/data/orders/download", kDownload), res);
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.get_header_value("ETag"),
            "\"" + Hex(HashAlgorithm::kMd5, "PAR1 orders PAR1") + "\"");
  EXPECT_EQ(res.get_header_value("Accept-Ranges"), "bytes");
  EXPECT_EQ(Streamed(res), "PAR1 orders PAR1");
}

TEST_F(ServeHandlersTest, DownloadAnswersARangeAndAMatchingIfNoneMatch) {
  const std::string md5 = Hex(HashAlgorithm::kMd5, "PAR1 orders PAR1");
  httplib::Request ranged = Get("/api/data/orders/download", kDownload);
  ranged.headers.emplace("Range", "bytes=5-10");
  httplib::Response partial;
  HandleDownload(ctx_, ranged, partial);
  EXPECT_EQ(partial.status, 206);
  EXPECT_EQ(partial.get_header_value("Content-Range"), "bytes 5-10/16");
  EXPECT_EQ(Streamed(partial), "orders");

  httplib::Request cached = Get("/api/data/orders/download", kDownload);
  cached.headers.emplace("If-None-Match", "\"" + md5 + "\"");
  httplib::Response not_modified;
  HandleDownload(ctx_, cached, not_modified);
  EXPECT_EQ(not_modified.status, 304);
  EXPECT_EQ(not_modified.get_header_value("ETag"), "\"" + md5 + "\"");

  httplib::Request past = Get("/api/data/orders/download", kDownload);
  past.headers.emplace("Range", "bytes=99-");
  httplib::Response unsatisfiable;
  HandleDownload(ctx_, past, unsatisfiable);
  EXPECT_EQ(unsatisfiable.status, 416);
  EXPECT_EQ(unsatisfiable.get_header_value("Content-Range"), "bytes */16");
}

TEST_F(ServeHandlersTest, DownloadOutsideTheGrantsIs403WhetherOrNotTheTableExists) {
  for (const char* id : {"secret", "nonexistent"}) {
    httplib::Response res;
    HandleDownload(ctx_, Get(std::string("/api/data/") + id + "/download", kDownload), res);
    EXPECT_EQ(res.status, 403);
    EXPECT_EQ(res.body, std::string(R"({"error":"table ')") + id + "' is not in your grants\"}\n");
  }
}

TEST_F(ServeHandlersTest, DownloadOfAFileReplacedMidStreamKeepsTheOldBytes) {
  httplib::Response res;
  HandleDownload(ctx_, Get("/api/data/orders/download", kDownload), res);
  ASSERT_EQ(res.status, 200);
  Write("/srv/data/orders.parquet", "PAR1 other bytes");  // a rename over it
  EXPECT_EQ(Streamed(res), "PAR1 orders PAR1");
}

TEST_F(ServeHandlersTest, BundleIsMarkdownWithItsChangeTokenAsETag) {
  httplib::Response res;
  HandleBundle(ctx_, Get("/api/memory/bundle?domain=playbook"), res);
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.get_header_value("Content-Type"), "text/markdown; charset=utf-8");
  const CatalogDomain& d = ctx_.served->catalog->domains[0];
  BundleInput bundle{d.name, d.description, d.items};
  EXPECT_EQ(res.get_header_value("ETag"), "\"" + BundleChangeToken(bundle) + "\"");
  const std::string text = Streamed(res);
  EXPECT_EQ(text, RenderBundle(bundle));
  EXPECT_NE(text.find("First text."), std::string::npos);

  httplib::Response denied;
  HandleBundle(ctx_, Get("/api/memory/bundle?domain=secret"), denied);
  EXPECT_EQ(denied.status, 403);
  EXPECT_EQ(denied.body, R"({"error":"memory domain 'secret' is not in your grants"})"
                         "\n");
}

// The freshness rule (docs/DESIGN.md): an edited memory item is in the very next bundle and
// manifest, without waiting for any poll. The edit is in place and keeps the size: only the
// item's mtime tells.
TEST_F(ServeHandlersTest, AnEditedMemoryItemShowsInTheVeryNextBundleAndManifest) {
  auto bundle = [&] {
    httplib::Response res;
    HandleBundle(ctx_, Get("/api/memory/bundle?domain=playbook"), res);
    EXPECT_EQ(res.status, 200);
    return res;
  };
  auto domain_md5 = [&] {
    httplib::Response res;
    HandleManifest(ctx_, Get("/api/sync/manifest"), res);
    EXPECT_EQ(res.status, 200);
    return nlohmann::json::parse(res.body)["memory_domains"][0]["md5"].get<std::string>();
  };
  const httplib::Response before = bundle();
  const std::string md5_before = domain_md5();
  EXPECT_EQ(md5_before, before.get_header_value("ETag").substr(1, 32));

  // In place, same length: the inode and size stay, and the clock has not moved.
  std::string edited = kItemA;
  edited.replace(edited.find("First"), 5, "Fresh");
  auto f = env_.NewWritableFile("/srv/memory/playbook/a.md", 0644);
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE((*f)->Append(edited).ok());
  ASSERT_TRUE((*f)->Close().ok());

  httplib::Response after = bundle();
  const std::string after_text = Streamed(after);
  EXPECT_NE(after_text.find("Fresh text."), std::string::npos) << after_text;
  EXPECT_EQ(after_text.find("First text."), std::string::npos);
  EXPECT_NE(after.get_header_value("ETag"), before.get_header_value("ETag"));
  const std::string md5_after = domain_md5();
  EXPECT_NE(md5_after, md5_before);
  EXPECT_EQ(md5_after, after.get_header_value("ETag").substr(1, 32));

  // A new item, once the clock has moved on (trusted by its stamp): seen at once too.
  env_.AdvanceClock(Md5Index::kRacyWindowNs);
  bundle();
  Write("/srv/memory/playbook/b.md", "---\nid: b\ntitle: B\nstatus: approved\n---\nSecond.\n");
  httplib::Response third = bundle();
  EXPECT_NE(Streamed(third).find("Second."), std::string::npos);
}

TEST_F(ServeHandlersTest, AMemoryItemThatStopsParsingKeepsTheLastGoodBundle) {
  httplib::Response before;
  HandleBundle(ctx_, Get("/api/memory/bundle?domain=playbook"), before);
  Write("/srv/memory/playbook/a.md", "no front matter at all");
  httplib::Response after;
  HandleBundle(ctx_, Get("/api/memory/bundle?domain=playbook"), after);
  EXPECT_EQ(after.status, 200);
  EXPECT_EQ(after.body, before.body);
}

TEST_F(ServeHandlersTest, CatalogListsWhatTheUserMaySubscribeTo) {
  httplib::Response res;
  HandleCatalog(ctx_, Get("/api/catalog"), res);
  ASSERT_EQ(res.status, 200) << res.body;
  const auto c = nlohmann::json::parse(res.body);
  EXPECT_EQ(c["user"], "ana");
  ASSERT_EQ(c["packages"].size(), 1u);
  EXPECT_EQ(c["packages"][0]["slug"], "sales");
  EXPECT_EQ(c["packages"][0]["in_stack"], true);
  ASSERT_EQ(c["memory_domains"].size(), 1u);
  EXPECT_EQ(c["memory_domains"][0]["items_count"], 1);
  ASSERT_EQ(c["direct_tables"].size(), 1u);
  EXPECT_EQ(c["direct_tables"][0]["id"], "orders");
  EXPECT_EQ(c["direct_tables"][0]["in_stack"], false);
}

TEST_F(ServeHandlersTest, StackChangesAnswer200And204AndRefuseARequiredRemoval) {
  httplib::Request put = Get("/api/stack/direct_tables/orders", kStack);
  put.method = "PUT";
  httplib::Response added;
  HandleStackChange(ctx_, put, added, true);
  EXPECT_EQ(added.status, 200);
  EXPECT_EQ(nlohmann::json::parse(added.body),
            nlohmann::json({{"kind", "direct_tables"}, {"id", "orders"}, {"in_stack", true}}));
  EXPECT_EQ(stack_store_->OverridesFor("ana").size(), 1u);

  httplib::Request del = Get("/api/stack/direct_tables/orders", kStack);
  del.method = "DELETE";
  httplib::Response removed;
  HandleStackChange(ctx_, del, removed, false);
  EXPECT_EQ(removed.status, 204);
  EXPECT_EQ(removed.body, "");

  httplib::Response required;
  HandleStackChange(ctx_, Get("/api/stack/packages/sales", kStack), required, false);
  EXPECT_EQ(required.status, 409);
  EXPECT_EQ(required.body, R"({"error":"cannot remove required package 'sales'"})"
                           "\n");

  httplib::Response unknown;
  HandleStackChange(ctx_, Get("/api/stack/things/x", kStack), unknown, true);
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.body, R"({"error":"unknown stack kind 'things'; use packages, )"
                          R"(memory_domains or direct_tables"})"
                          "\n");

  httplib::Response denied;
  HandleStackChange(ctx_, Get("/api/stack/packages/finance", kStack), denied, true);
  EXPECT_EQ(denied.status, 403);
  EXPECT_EQ(denied.body, R"({"error":"package 'finance' is not in your grants"})"
                         "\n");
}

TEST_F(ServeHandlersTest, AnotherMethodIs405NamingTheAllowedOnesWithoutAuthentication) {
  httplib::Request post = Get("/api/sync/manifest", "", "");
  post.method = "POST";
  httplib::Response res;
  HandleMethodNotAllowed("GET, HEAD", post, res);
  EXPECT_EQ(res.status, 405);
  EXPECT_EQ(res.get_header_value("Allow"), "GET, HEAD");
  EXPECT_EQ(res.body, R"({"error":"method POST is not allowed here; use GET, HEAD"})"
                      "\n");
}

// Compression and conditional manifests (docs/PROTOCOL.md "Compression", "Conditional
// manifests").
class ServeConditionalTest : public ServeHandlersTest {
 protected:
  httplib::Response Manifest(const std::string& token = "t-ana",
                             const std::string& accept_encoding = "",
                             const std::string& if_none_match = "") {
    httplib::Request req = Get("/api/sync/manifest", "", token);
    if (!accept_encoding.empty()) req.headers.emplace("Accept-Encoding", accept_encoding);
    if (!if_none_match.empty()) req.headers.emplace("If-None-Match", if_none_match);
    httplib::Response res;
    HandleManifest(ctx_, req, res);
    return res;
  }
};

TEST_F(ServeConditionalTest, ManifestIsGzipWhenAcceptedAndIdentityOtherwise) {
  httplib::Response plain = Manifest();
  ASSERT_EQ(plain.status, 200);
  EXPECT_FALSE(plain.has_header("Content-Encoding"));
  httplib::Response refused = Manifest("t-ana", "identity, gzip;q=0, br;q=0");
  ASSERT_EQ(refused.status, 200);
  EXPECT_FALSE(refused.has_header("Content-Encoding"));
  EXPECT_EQ(refused.body, plain.body);

  env_.AdvanceClock(1'000'000'000);  // a later server_time: the spliced-in piece differs
  httplib::Response gz = Manifest("t-ana", "deflate, gzip, br, zstd");
  ASSERT_EQ(gz.status, 200);
  EXPECT_EQ(gz.get_header_value("Content-Encoding"), "gzip");
  EXPECT_EQ(gz.get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(gz.get_header_value("Vary"), "X-Ferry-Features, Accept-Encoding");
  const std::string body = Gunzip(Streamed(gz));
  auto m = nlohmann::json::parse(body);
  EXPECT_EQ(m["server_time"], FormatIsoTime(env_.NowUnixNanos()));
  m["server_time"] = nlohmann::json::parse(plain.body)["server_time"];
  EXPECT_EQ(m, nlohmann::json::parse(plain.body));
  // Each coding has its own strong tag of the same version.
  EXPECT_EQ(gz.get_header_value("ETag"), plain.get_header_value("ETag").substr(0, 33) + "-gzip\"");
}

// A client that takes brotli but not gzip still gets a compressed manifest: brotli made per
// request (it cannot be spliced around server_time as gzip is), with its own tag.
TEST_F(ServeConditionalTest, ManifestIsBrotliForAClientThatTakesBrotliButNotGzip) {
  httplib::Response plain = Manifest();
  ASSERT_EQ(plain.status, 200);
  env_.AdvanceClock(1'000'000'000);
  httplib::Response br = Manifest("t-ana", "br, gzip;q=0");
  ASSERT_EQ(br.status, 200);
  EXPECT_EQ(br.get_header_value("Content-Encoding"), "br");
  EXPECT_EQ(br.get_header_value("Content-Type"), "application/json");
  auto m = nlohmann::json::parse(Unbrotli(Streamed(br)));
  EXPECT_EQ(m["server_time"], FormatIsoTime(env_.NowUnixNanos()));
  m["server_time"] = nlohmann::json::parse(plain.body)["server_time"];
  EXPECT_EQ(m, nlohmann::json::parse(plain.body));
  const std::string opaque = plain.get_header_value("ETag").substr(0, 33);
  EXPECT_EQ(br.get_header_value("ETag"), opaque + "-br\"");
  // Any coding's tag of this version answers 304, with the tag of the coding asked for.
  httplib::Response again = Manifest("t-ana", "br", opaque + "-gzip\"");
  EXPECT_EQ(again.status, 304);
  EXPECT_EQ(again.get_header_value("ETag"), opaque + "-br\"");
  // With gzip on offer too, gzip wins: it costs the server nothing per request.
  EXPECT_EQ(Manifest("t-ana", "br, gzip").get_header_value("Content-Encoding"), "gzip");
}

TEST_F(ServeConditionalTest, ETagIsStableAcrossRequestsAndPerUser) {
  const std::string first = Manifest().get_header_value("ETag");
  ASSERT_TRUE(std::regex_match(first, std::regex("\"[0-9a-f]{32}\""))) << first;
  env_.AdvanceClock(5'000'000'000);  // server_time moves; the tag does not
  EXPECT_EQ(Manifest().get_header_value("ETag"), first);
  // bo has the very same stack, so the very same body but for the time: another tag.
  httplib::Response bo = Manifest("t-bo");
  ASSERT_EQ(bo.status, 200);
  EXPECT_NE(bo.get_header_value("ETag"), first);
}

TEST_F(ServeConditionalTest, ETagChangesWithTheStackAndWithATable) {
  const std::string first = Manifest().get_header_value("ETag");
  ASSERT_TRUE(stack_store_->Set("ana", StackKind::kDirectTables, "orders", true).ok());
  const std::string with_direct = Manifest().get_header_value("ETag");
  EXPECT_NE(with_direct, first);
  ASSERT_TRUE(stack_store_->Set("ana", StackKind::kDirectTables, "orders", false).ok());
  EXPECT_EQ(Manifest().get_header_value("ETag"), first);  // the same version again

  Write("/srv/data/orders.parquet", "PAR1 orders, version two PAR1");
  env_.AdvanceClock(Md5Index::kRacyWindowNs);
  httplib::Response changed = Manifest("t-ana", "", first);
  EXPECT_EQ(changed.status, 200);  // the old tag no longer matches
  EXPECT_NE(changed.get_header_value("ETag"), first);
}

TEST_F(ServeConditionalTest, MatchingIfNoneMatchIs304WithTheTagAndNoBody) {
  httplib::Response full = Manifest("t-ana", "gzip");
  const std::string tag = full.get_header_value("ETag");
  for (const std::string& accept : {std::string("gzip"), std::string()}) {
    httplib::Response res = Manifest("t-ana", accept, tag);
    EXPECT_EQ(res.status, 304) << accept;
    EXPECT_TRUE(res.body.empty());
    EXPECT_EQ(res.content_length_, 0u);
    EXPECT_EQ(res.get_header_value("ETag"), accept.empty() ? tag.substr(0, 33) + "\"" : tag);
    EXPECT_EQ(res.get_header_value("Vary"), "X-Ferry-Features, Accept-Encoding");
  }
  // Another user's tag is no match, nor is a malformed one.
  EXPECT_EQ(Manifest("t-bo", "gzip", tag).status, 200);
  EXPECT_EQ(Manifest("t-ana", "gzip", tag.substr(1, 32)).status, 200);
  // No token, no 304: authentication comes first.
  httplib::Request anonymous = Get("/api/sync/manifest", "", "");
  anonymous.headers.emplace("If-None-Match", tag);
  httplib::Response denied;
  HandleManifest(ctx_, anonymous, denied);
  EXPECT_EQ(denied.status, 401);
}

TEST_F(ServeConditionalTest, BundleIsGzipWhenAcceptedAndAnswers304) {
  httplib::Request req = Get("/api/memory/bundle?domain=playbook");
  req.headers.emplace("Accept-Encoding", "gzip");
  httplib::Response gz;
  HandleBundle(ctx_, req, gz);
  ASSERT_EQ(gz.status, 200);
  EXPECT_EQ(gz.get_header_value("Content-Encoding"), "gzip");
  EXPECT_EQ(gz.get_header_value("Vary"), "Accept-Encoding");
  const CatalogDomain& d = ctx_.served->catalog->domains[0];
  BundleInput bundle{d.name, d.description, d.items};
  EXPECT_EQ(Gunzip(Streamed(gz)), RenderBundle(bundle));
  EXPECT_EQ(gz.get_header_value("ETag"), "\"" + BundleChangeToken(bundle) + "-gzip\"");

  req.headers.emplace("If-None-Match", gz.get_header_value("ETag"));
  httplib::Response again;
  HandleBundle(ctx_, req, again);
  EXPECT_EQ(again.status, 304);
  EXPECT_EQ(again.content_length_, 0u);
}

// libcurl asks for "deflate, gzip, br, zstd": a bundle (compressed once per version) goes as
// brotli, with its own tag, and any coding's tag of the version answers 304.
TEST_F(ServeConditionalTest, BundleIsBrotliWhenAcceptedAndEveryCodingsTagAnswers304) {
  httplib::Request req = Get("/api/memory/bundle?domain=playbook");
  req.headers.emplace("Accept-Encoding", "deflate, gzip, br, zstd");
  httplib::Response br;
  HandleBundle(ctx_, req, br);
  ASSERT_EQ(br.status, 200);
  EXPECT_EQ(br.get_header_value("Content-Encoding"), "br");
  EXPECT_EQ(br.get_header_value("Vary"), "Accept-Encoding");
  const CatalogDomain& d = ctx_.served->catalog->domains[0];
  BundleInput bundle{d.name, d.description, d.items};
  EXPECT_EQ(Unbrotli(Streamed(br)), RenderBundle(bundle));
  const std::string token = BundleChangeToken(bundle);
  EXPECT_EQ(br.get_header_value("ETag"), "\"" + token + "-br\"");

  for (const std::string& held : {token, token + "-gzip", token + "-br"}) {
    httplib::Request again_req = req;
    again_req.headers.emplace("If-None-Match", "\"" + held + "\"");
    httplib::Response again;
    HandleBundle(ctx_, again_req, again);
    EXPECT_EQ(again.status, 304) << held;
    EXPECT_EQ(again.get_header_value("ETag"), "\"" + token + "-br\"") << held;
  }
  httplib::Request identity_req = Get("/api/memory/bundle?domain=playbook");
  identity_req.headers.emplace("Accept-Encoding", "identity");
  httplib::Response identity;
  HandleBundle(ctx_, identity_req, identity);
  EXPECT_FALSE(identity.has_header("Content-Encoding"));
  EXPECT_EQ(Streamed(identity), RenderBundle(bundle));
}

}  // namespace
}  // namespace ferry::serve
