// Finding a run's equipment and NAS path: no fallback to the first equipment, and runs with
// the same leaf name never share a NAS dir.
#include "push/run_location.h"

#include <gtest/gtest.h>

namespace ferry::push {
namespace {

PushConfig Config() {
  PushConfig c;
  EquipmentConfig confocal;
  confocal.id = "CONFOCAL_01";
  confocal.local_root = "/data/lab";
  confocal.transport.type = TransportType::kRsyncSsh;
  confocal.transport.remote_path = "/srv/lab";
  EquipmentConfig flow;
  flow.id = "FLOW_01";
  flow.local_root = "/data/lab";
  flow.transport.type = TransportType::kRclone;
  flow.transport.rclone_remote = "labnas";
  flow.transport.rclone_remote_path = "lab";
  EquipmentConfig scope;
  scope.id = "SCOPE_02";
  scope.local_root = "/data/lab";
  scope.transport.type = TransportType::kLocal;
  scope.transport.path = "/mnt/nas/lab";
  c.equipment = {confocal, flow, scope};
  return c;
}

TEST(RunLocationTest, EquipmentComesFromThePath) {
  PushConfig c = Config();
  Result<RunLocation> loc = LocateRun(c, "/data/lab/FLOW_01/P1/Runs/Run_2026-01-01/");
  ASSERT_TRUE(loc.ok()) << loc.status().message();
  EXPECT_EQ(loc->equipment, &c.equipment[1]);
  EXPECT_EQ(loc->run_path, "/data/lab/FLOW_01/P1/Runs/Run_2026-01-01");
  EXPECT_EQ(loc->below_root, "FLOW_01/P1/Runs/Run_2026-01-01");
  EXPECT_EQ(loc->nas_path, "labnas:lab/FLOW_01/P1/Runs/Run_2026-01-01");
}

TEST(RunLocationTest, SameLeafInTwoProjectsGetsTwoNasPaths) {
  PushConfig c = Config();
  Result<RunLocation> a = LocateRun(c, "/data/lab/CONFOCAL_01/P1/Runs/Run_1");
  Result<RunLocation> b = LocateRun(c, "/data/lab/CONFOCAL_01/P2/Runs/Run_1");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->nas_path, "/srv/lab/CONFOCAL_01/P1/Runs/Run_1");
  EXPECT_EQ(b->nas_path, "/srv/lab/CONFOCAL_01/P2/Runs/Run_1");
  EXPECT_EQ(LocateRun(c, "/data/lab/SCOPE_02/P1/Runs/Run_1")->nas_path,
            "/mnt/nas/lab/SCOPE_02/P1/Runs/Run_1");
}

TEST(RunLocationTest, NoMatchingEquipmentIsAnErrorNotTheFirstEquipment) {
  Result<RunLocation> loc = LocateRun(Config(), "/data/lab/UNKNOWN_09/P1/Runs/Run_1");
  ASSERT_FALSE(loc.ok());
  EXPECT_EQ(loc.status().message(),
            "run /data/lab/UNKNOWN_09/P1/Runs/Run_1 is not under any configured equipment "
            "(/data/lab/CONFOCAL_01, /data/lab/FLOW_01, /data/lab/SCOPE_02); check the path or "
            "add its equipment to the config");
  EXPECT_FALSE(LocateRun(Config(), "/elsewhere/CONFOCAL_01/P1/Run_1").ok());
}

TEST(RunLocationTest, EquipmentDirItselfIsNotARun) {
  EXPECT_EQ(LocateRun(Config(), "/data/lab/CONFOCAL_01").status().message(),
            "/data/lab/CONFOCAL_01 is the directory of equipment CONFOCAL_01, not a run inside "
            "it");
}

TEST(RunLocationTest, UnnormalisedOrRelativePathsAreRefused) {
  for (const char* p : {"data/lab/CONFOCAL_01/P1/Run_1", "/data/lab/CONFOCAL_01/../FLOW_01/P/R",
                        "/data//lab/CONFOCAL_01/P/R", "/data/lab/CONFOCAL_01/./P/R"}) {
    Result<RunLocation> loc = LocateRun(Config(), p);
    ASSERT_FALSE(loc.ok()) << p;
    EXPECT_EQ(loc.status().message(),
              std::string("run path '") + p + "' must be absolute without '.', '..' or '//' in it");
  }
}

TEST(RunLocationTest, NestedLocalRootsPickTheDeepest) {
  PushConfig c = Config();
  EquipmentConfig inner;
  inner.id = "P1";  // an equipment whose root is CONFOCAL_01's dir, odd but legal
  inner.local_root = "/data/lab/CONFOCAL_01";
  inner.transport.type = TransportType::kLocal;
  inner.transport.path = "/n";
  c.equipment.push_back(inner);
  EXPECT_EQ(LocateRun(c, "/data/lab/CONFOCAL_01/P1/Runs/Run_1")->equipment, &c.equipment[3]);
}

}  // namespace
}  // namespace ferry::push
