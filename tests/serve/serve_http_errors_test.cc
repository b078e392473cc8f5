// What `ferry serve` answers when a request or a table is wrong (issue 9, smaller findings):
// methods a route does not take, and a table whose file was swapped for a symlink. Error
// bodies never name a server path.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "serve/serve_fixture.h"

namespace ferry::testing {
namespace {

class ServeHttpErrorsTest : public ::testing::Test {
 protected:
  void TearDown() override { server_.Kill(); }
  SampleCatalog catalog_;
  ServeProcess server_;
};

// PUT/POST/DELETE on the read-only routes answered 404, as if the route did not exist.
TEST_F(ServeHttpErrorsTest, OtherMethodsOnReadRoutesAnswer405WithAllow) {
  ASSERT_TRUE(server_.Start(catalog_.ServeArgs())) << server_.stderr_text();
  httplib::Client cli("127.0.0.1", server_.port());
  for (const char* path : {"/api/sync/manifest", "/api/data/orders/download",
                           "/api/memory/bundle?domain=playbook", "/api/catalog"}) {
    for (const char* method : {"PUT", "POST", "DELETE"}) {
      httplib::Result r = std::string(method) == "PUT"    ? cli.Put(path, Auth("tok-ana"), "", "")
                          : std::string(method) == "POST" ? cli.Post(path, Auth("tok-ana"), "", "")
                                                          : cli.Delete(path, Auth("tok-ana"));
      ASSERT_TRUE(r) << method << " " << path;
      EXPECT_EQ(r->status, 405) << method << " " << path;
      EXPECT_EQ(r->get_header_value("Allow"), "GET, HEAD") << method << " " << path;
      EXPECT_EQ(nlohmann::json::parse(r->body)["error"],
                std::string("method ") + method + " is not allowed here; use GET, HEAD");
    }
  }
  auto get_stack = cli.Get("/api/stack/packages/sales", Auth("tok-ana"));
  ASSERT_TRUE(get_stack);
  EXPECT_EQ(get_stack->status, 405);
  EXPECT_EQ(get_stack->get_header_value("Allow"), "PUT, DELETE");
  auto unknown = cli.Put("/api/nosuch", Auth("tok-ana"), "", "");  // still a 404
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
  EXPECT_EQ(server_.Stop(), 0);
}

// One table whose file was swapped for a symlink made the whole manifest a 503, for every
// user holding it, with the server's absolute path in the body.
TEST_F(ServeHttpErrorsTest, SymlinkedTableIsLeftOutLoggedOnceAndNoPathIsShown) {
  ASSERT_TRUE(server_.Start(catalog_.ServeArgs())) << server_.stderr_text();
  httplib::Client cli("127.0.0.1", server_.port());
  auto before = cli.Get("/api/sync/manifest", Auth("tok-ana"));
  ASSERT_TRUE(before);
  ASSERT_EQ(before->status, 200);
  ASSERT_TRUE(nlohmann::json::parse(before->body)["tables"].contains("customers"));

  // Swapped atomically for a symlink to another (readable) file.
  const std::string customers = catalog_.Data("sales/customers.parquet");
  std::filesystem::create_symlink(catalog_.Data("sales/orders.parquet"), customers + ".lnk");
  std::filesystem::rename(customers + ".lnk", customers);

  const std::string root = catalog_.Join("");
  for (int i = 0; i < 3; ++i) {
    for (const char* token : {"tok-ana", "tok-bo"}) {
      auto r = cli.Get("/api/sync/manifest", Auth(token));
      ASSERT_TRUE(r);
      ASSERT_EQ(r->status, 200) << r->body;
      EXPECT_EQ(r->body.find(root), std::string::npos) << r->body;
      const nlohmann::json m = nlohmann::json::parse(r->body);
      EXPECT_FALSE(m["tables"].contains("customers")) << token;
      for (const auto& p : m["data_packages"]) {
        for (const auto& t : p["tables"]) EXPECT_NE(t["id"], "customers");
      }
      if (std::string(token) == "tok-ana") {
        EXPECT_TRUE(m["tables"].contains("orders"));
        EXPECT_TRUE(m["tables"].contains("events"));
      } else {
        EXPECT_TRUE(m["tables"].contains("secret"));
      }
    }
  }
  auto download = cli.Get("/api/data/customers/download", Auth("tok-ana"));
  ASSERT_TRUE(download);
  EXPECT_EQ(download->status, 403);
  EXPECT_EQ(download->body.find(root), std::string::npos) << download->body;
  // The server's log names the table (and may name the path) once, not per request.
  EXPECT_TRUE(server_.WaitFor("table 'customers' is left out", std::chrono::seconds(10)));
  EXPECT_EQ(server_.CountOf("table 'customers' is left out"), 1u) << server_.stderr_text();
  EXPECT_EQ(server_.Stop(), 0);
}

}  // namespace
}  // namespace ferry::testing
