#include "net/client_features.h"

#include <gtest/gtest.h>

namespace ferry {
namespace {

TEST(ClientFeaturesTest, ListsTokensCaseInsensitivelyIgnoringSpacesAndUnknownOnes) {
  EXPECT_TRUE(ListsFeature("parts", kFeatureParts));
  EXPECT_TRUE(ListsFeature("Parts", kFeatureParts));
  EXPECT_TRUE(ListsFeature("zstd, parts ,later", kFeatureParts));
  EXPECT_TRUE(ListsFeature(" \tparts\t", kFeatureParts));
  EXPECT_FALSE(ListsFeature("", kFeatureParts));
  EXPECT_FALSE(ListsFeature("partsx", kFeatureParts));
  EXPECT_FALSE(ListsFeature("part", kFeatureParts));
  EXPECT_FALSE(ListsFeature("zstd,,", kFeatureParts));
  EXPECT_FALSE(ListsFeature(",", kFeatureParts));
}

TEST(ClientFeaturesTest, WhatFerryPullSendsListsParts) {
  EXPECT_TRUE(ListsFeature(kPullFeatures, kFeatureParts));
}

}  // namespace
}  // namespace ferry
