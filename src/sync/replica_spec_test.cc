#include "sync/replica_spec.h"

#include <gtest/gtest.h>

#include "base/mem_env.h"

namespace ferry::sync {
namespace {

TEST(ReplicaSpecTest, RelativeDirectoryIsResolvedAgainstTheWorkingDirectory) {
  Result<ReplicaSpec> spec = ParseReplicaSpec("notes/../docs/", "/home/ana");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->kind, ReplicaKind::kLocal);
  EXPECT_EQ(spec->location, "/home/ana/docs");
}

TEST(ReplicaSpecTest, AbsoluteDirectoryAndLocalIdNameTheSameRoot) {
  EXPECT_EQ(ParseReplicaSpec("/mnt/nas//notes", "/x")->location, "/mnt/nas/notes");
  Result<ReplicaSpec> id = ParseReplicaSpec("local:/mnt/nas/notes", "/x");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->kind, ReplicaKind::kLocal);
  EXPECT_EQ(id->location, "/mnt/nas/notes");
  EXPECT_EQ(ParseReplicaSpec("/", "/x")->location, "/");
}

TEST(ReplicaSpecTest, SpacePrefixNamesADocumentSpace) {
  Result<ReplicaSpec> spec = ParseReplicaSpec("space:notes.db", "/home/ana");
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec->kind, ReplicaKind::kSpace);
  EXPECT_EQ(spec->location, "/home/ana/notes.db");
}

TEST(ReplicaSpecTest, DotSlashKeepsADirectoryNamedLikeAPrefix) {
  Result<ReplicaSpec> spec = ParseReplicaSpec("./space:x", "/w");
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec->kind, ReplicaKind::kLocal);
  EXPECT_EQ(spec->location, "/w/space:x");
}

TEST(ReplicaSpecTest, MalformedSpecsAreUsageErrorsWordForWord) {
  EXPECT_EQ(ParseReplicaSpec("", "/w").status().message(),
            "replica '': empty (pass a directory, or space:FILE.db)");
  EXPECT_EQ(ParseReplicaSpec("space:", "/w").status().message(),
            "replica 'space:': no database after space: (write space:FILE.db)");
  EXPECT_EQ(ParseReplicaSpec("local:", "/w").status().message(),
            "replica 'local:': no directory after local: (write local:/abs/dir)");
  Result<ReplicaSpec> rclone = ParseReplicaSpec("rclone:gdrive:notes", "/w");
  EXPECT_EQ(rclone.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(rclone.status().message(),
            "replica 'rclone:gdrive:notes': rclone remotes are not supported yet (sync a local "
            "directory)");
}

TEST(ReplicaSpecTest, OpenReplicaGivesALocalReplicaWithItsId) {
  MemEnv env;
  Result<std::unique_ptr<Replica>> r = OpenReplica(&env, "b", "/a");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)->id(), "local:/a/b");
}

TEST(ReplicaSpecTest, OpenReplicaOfASpaceOpensTheDatabaseNamedRelativeToTheWorkingDir) {
  MemEnv env;  // the file is missing: opening a space creates nothing until the first write
  Result<std::unique_ptr<Replica>> r = OpenReplica(&env, "space:./n.db", "/a");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)->id(), "space:/a/n.db");
  Result<RootState> state = (*r)->GetRootState();
  ASSERT_TRUE(state.ok()) << state.status().ToString();
  EXPECT_EQ(*state, RootState::kMissing);
}

}  // namespace
}  // namespace ferry::sync
