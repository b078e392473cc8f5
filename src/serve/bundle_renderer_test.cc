#include "serve/bundle_renderer.h"

#include <gtest/gtest.h>

#include "base/hasher.h"
#include "serve/memory_items.h"
#include "support/digests.h"

namespace ferry::serve {
namespace {

using ferry::testing::Md5Hex;

BundleInput Sample() {
  BundleInput b;
  b.name = "Playbook";
  b.description = "How we work";
  b.items = {
      {"zeta", "Zeta", "approved", false, "Z body"},
      {"beta", "Beta", "draft", true, "B body"},
      {"alpha", "Alpha", "approved", false, "A body"},
      {"gamma", "Gamma", "pending", false, "not rendered"},
  };
  return b;
}

TEST(BundleRendererTest, RendersRequiredThenApprovedSortedById) {
  EXPECT_EQ(RenderBundle(Sample()),
            "# Playbook\n\nHow we work\n\n## Required\n\n### Beta\n\nB body\n\n"
            "## Approved\n\n### Alpha\n\nA body\n\n### Zeta\n\nZ body\n");
}

TEST(BundleRendererTest, EmptySectionsAndDescriptionAreLeftOut) {
  BundleInput b;
  b.name = "Empty";
  EXPECT_EQ(RenderBundle(b), "# Empty\n");
  b.items = {{"x", "X", "approved", false, "x"}};
  EXPECT_EQ(RenderBundle(b), "# Empty\n\n## Approved\n\n### X\n\nx\n");
}

TEST(BundleRendererTest, ChangeTokenIsMd5OfNameDescriptionAndRenderedItemsById) {
  EXPECT_EQ(BundleChangeToken(Sample()), Md5Hex("Playbook|How we work|"
                                                "alpha|Alpha|approved|False|A body|"
                                                "beta|Beta|draft|True|B body|"
                                                "zeta|Zeta|approved|False|Z body|"));
}

TEST(BundleRendererTest, TokenIgnoresUnrenderedItemsButSeesEveryRenderedField) {
  const std::string base = BundleChangeToken(Sample());
  BundleInput b = Sample();
  b.items[3].content = "edited, still pending";
  EXPECT_EQ(BundleChangeToken(b), base);
  b = Sample();
  b.items[0].content = "Z body v2";
  EXPECT_NE(BundleChangeToken(b), base);
  b = Sample();
  b.items[2].is_required = true;
  EXPECT_NE(BundleChangeToken(b), base);
  b = Sample();
  b.description = "Renamed";
  EXPECT_NE(BundleChangeToken(b), base);
}

TEST(BundleRendererTest, CountsRenderedAndRequired) {
  BundleCounts c = CountBundleItems(Sample());
  EXPECT_EQ(c.items, 3u);
  EXPECT_EQ(c.required, 1u);
}

TEST(MemoryItemTest, ParsesFrontMatterAndTrimsContent) {
  auto r = ParseMemoryItem(
      "---\nid: pricing\ntitle: Pricing rules\nstatus: approved\nis_required: true\n---\n\n"
      "Line 1\n\nLine 2\n\n",
      "x.md");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->id, "pricing");
  EXPECT_EQ(r->title, "Pricing rules");
  EXPECT_EQ(r->status, "approved");
  EXPECT_TRUE(r->is_required);
  EXPECT_EQ(r->content, "Line 1\n\nLine 2");
}

TEST(MemoryItemTest, ErrorsNameTheFileAndLine) {
  EXPECT_EQ(ParseMemoryItem("no front matter", "x.md").status().message(),
            "x.md:1: memory item must start with a '---' front matter line");
  EXPECT_EQ(ParseMemoryItem("---\ntitle: T\n---\nbody", "x.md").status().message(),
            "x.md:2: memory item has no 'id' in its front matter");
  EXPECT_EQ(ParseMemoryItem("---\nid: a\nis_required: maybe\n---\n", "x.md").status().message(),
            "x.md:3: is_required must be true or false, not 'maybe'");
}

}  // namespace
}  // namespace ferry::serve
