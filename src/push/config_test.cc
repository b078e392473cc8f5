// The push configuration: the seed product's shape is accepted, and every mistake is one line
// that names the key (asserted word for word).
#include "push/config.h"

#include <gtest/gtest.h>

#include "base/yaml_util.h"

namespace ferry::push {
namespace {

// The example of issue 11 / docs/PUSH.md.
const char* const kExample = R"(state_dir: /var/lib/ferry
cache_dir: .ferry
equipment:
  - id: CONFOCAL_01
    local_root: /data/lab
    completeness_signal: sentinel_file
    sentinel_filename: acquisition_complete.flag
    transport:
      type: rsync_ssh
      ssh_target: labuser@nas01
      ssh_key_path: ~/.ssh/id_ed25519
      ssh_port: 22
      ssh_known_hosts: /etc/ferry/known_hosts
      remote_path: /srv/lab
      bandwidth: {upload_mbps: 50, schedule: [{days: [mon,tue,wed,thu,fri], from: "08:00", to: "18:00"}]}
  - id: FLOW_01
    local_root: /data/lab
    transport: {type: rclone, rclone_remote: labnas, rclone_remote_path: lab, bwlimit: "08:00,512k 18:00,off"}
  - id: SCOPE_02
    local_root: /data/lab
    transport: {type: local, path: /mnt/nas/lab}
nas_cleanup: {enabled: true, min_verify_passes: 2, min_age_hours: 24, retain_cache: true}
)";

Result<PushConfig> Parse(const std::string& text) {
  Result<YAML::Node> root = ParseYaml(text, "push.yaml");
  if (!root.ok()) return root.status();
  return ParsePushConfig(*root, "push.yaml");
}

std::string ErrorOf(const std::string& text) {
  Result<PushConfig> c = Parse(text);
  return c.ok() ? "OK" : c.status().message();
}

// One equipment around a transport written on one line.
std::string WithTransport(const std::string& transport) {
  return "equipment:\n  - id: X_01\n    local_root: /data\n    transport: " + transport + "\n";
}

TEST(PushConfigTest, TheSeedProductsExampleParses) {
  Result<PushConfig> c = Parse(kExample);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->state_dir, "/var/lib/ferry");
  EXPECT_EQ(c->cache_dir, ".ferry");
  EXPECT_EQ(c->max_attempts, 5);
  ASSERT_EQ(c->equipment.size(), 3u);

  const EquipmentConfig& confocal = c->equipment[0];
  EXPECT_EQ(confocal.id, "CONFOCAL_01");
  EXPECT_EQ(confocal.local_root, "/data/lab");
  EXPECT_EQ(confocal.completeness, CompletenessSignal::kSentinelFile);
  EXPECT_EQ(confocal.sentinel_filename, "acquisition_complete.flag");
  EXPECT_EQ(confocal.transport.type, TransportType::kRsyncSsh);
  EXPECT_EQ(confocal.transport.ssh_target, "labuser@nas01");
  EXPECT_EQ(confocal.transport.ssh_key_path, "~/.ssh/id_ed25519");
  EXPECT_EQ(confocal.transport.ssh_port, 22);
  EXPECT_EQ(confocal.transport.ssh_known_hosts, "/etc/ferry/known_hosts");
  EXPECT_EQ(confocal.transport.remote_path, "/srv/lab");
  ASSERT_TRUE(confocal.transport.bandwidth.upload_mbps.has_value());
  EXPECT_EQ(*confocal.transport.bandwidth.upload_mbps, 50);
  ASSERT_EQ(confocal.transport.bandwidth.windows.size(), 1u);
  EXPECT_EQ(confocal.transport.bandwidth.windows[0].days_mask, 0b0111110);  // mon..fri
  EXPECT_EQ(confocal.transport.bandwidth.windows[0].from_minute, 8 * 60);
  EXPECT_EQ(confocal.transport.bandwidth.windows[0].to_minute, 18 * 60);

  const EquipmentConfig& flow = c->equipment[1];
  EXPECT_EQ(flow.transport.type, TransportType::kRclone);
  EXPECT_EQ(flow.transport.rclone_remote, "labnas");
  EXPECT_EQ(flow.transport.rclone_remote_path, "lab");
  EXPECT_EQ(flow.transport.bwlimit_text, "08:00,512k 18:00,off");
  ASSERT_TRUE(flow.transport.bwlimit.has_value());
  EXPECT_EQ(flow.transport.bwlimit->entries.size(), 2u);

  const EquipmentConfig& scope = c->equipment[2];
  EXPECT_EQ(scope.transport.type, TransportType::kLocal);
  EXPECT_EQ(scope.transport.path, "/mnt/nas/lab");

  EXPECT_TRUE(c->cleanup.enabled);
  EXPECT_EQ(c->cleanup.min_verify_passes, 2);
  EXPECT_EQ(c->cleanup.min_age_hours, 24);
  EXPECT_TRUE(c->cleanup.retain_cache);
  EXPECT_EQ(c->cleanup.reverify_hours, 12);
  EXPECT_EQ(c->FindEquipment("FLOW_01"), &c->equipment[1]);
  EXPECT_EQ(c->FindEquipment("NOPE"), nullptr);
}

TEST(PushConfigTest, DefaultsWhenOptionalSectionsAreMissing) {
  Result<PushConfig> c = Parse(WithTransport("{type: local, path: /nas}"));
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->state_dir, "/var/lib/ferry");
  EXPECT_EQ(c->cache_dir, ".ferry");
  EXPECT_FALSE(c->cleanup.enabled);
  EXPECT_EQ(c->cleanup.min_verify_passes, 2);
  EXPECT_TRUE(c->cleanup.retain_cache);
  EXPECT_FALSE(c->equipment[0].transport.bandwidth.upload_mbps.has_value());
}

TEST(PushConfigTest, PasswordIsRefusedInATransport) {
  EXPECT_EQ(ErrorOf(WithTransport("{type: rsync_ssh, ssh_target: u@h, ssh_key_path: /k, "
                                  "remote_path: /r, password: hunter2}")),
            "push.yaml:4: equipment 'X_01': transport: 'password' is refused: ferry stores no "
            "passwords; use ssh_key_path (rsync_ssh) or a remote set up with 'rclone config' "
            "(rclone)");
}

TEST(PushConfigTest, PasswordIsRefusedAtTheTop) {
  EXPECT_EQ(ErrorOf("password: x\n" + WithTransport("{type: local, path: /nas}")),
            "push.yaml:1: 'password' is refused: ferry stores no passwords; use ssh_key_path "
            "(rsync_ssh) or a remote set up with 'rclone config' (rclone)");
}

TEST(PushConfigTest, UnknownTopLevelKeyIsNamed) {
  EXPECT_EQ(ErrorOf("stat_dir: /x\n" + WithTransport("{type: local, path: /nas}")),
            "push.yaml:1: unknown key 'stat_dir' (known: state_dir, cache_dir, max_attempts, "
            "equipment, nas_cleanup)");
}

TEST(PushConfigTest, UnknownTransportKeyIsNamedWithItsEquipment) {
  EXPECT_EQ(ErrorOf(WithTransport("{type: rclone, rclone_remote: nas, bwlimt: 1M}")),
            "push.yaml:4: equipment 'X_01': transport: unknown key 'bwlimt' (known: type, "
            "bandwidth, bwlimit, rclone_remote, rclone_remote_path)");
}

TEST(PushConfigTest, UnknownEquipmentKeyIsNamed) {
  EXPECT_EQ(ErrorOf("equipment:\n  - id: X_01\n    local_root: /data\n    locl_root: /d\n"
                    "    transport: {type: local, path: /nas}\n"),
            "push.yaml:4: equipment 'X_01': unknown key 'locl_root' (known: id, local_root, "
            "completeness_signal, sentinel_filename, transport)");
}

TEST(PushConfigTest, UnknownCleanupKeyIsNamed) {
  EXPECT_EQ(ErrorOf(WithTransport("{type: local, path: /nas}") +
                    "nas_cleanup: {enabled: true, min_age: 3}\n"),
            "push.yaml:5: nas_cleanup: unknown key 'min_age' (known: enabled, min_verify_passes, "
            "min_age_hours, retain_cache, reverify_hours)");
}

TEST(PushConfigTest, WindowWhoseFromIsNotBeforeToIsRefused) {
  EXPECT_EQ(ErrorOf(WithTransport("{type: local, path: /nas, bandwidth: {upload_mbps: 5, "
                                  "schedule: [{days: [mon], from: \"18:00\", to: \"08:00\"}]}}")),
            "push.yaml:4: equipment 'X_01': transport: bandwidth: schedule[0]: 'from' (18:00) "
            "must be before 'to' (08:00); split a window across midnight in two");
}

TEST(PushConfigTest, EmptyWindowIsRefused) {
  EXPECT_EQ(ErrorOf(WithTransport("{type: local, path: /nas, bandwidth: {upload_mbps: 5, "
                                  "schedule: [{days: [mon], from: \"08:00\", to: \"08:00\"}]}}")),
            "push.yaml:4: equipment 'X_01': transport: bandwidth: schedule[0]: 'from' (08:00) "
            "must be before 'to' (08:00); split a window across midnight in two");
}

TEST(PushConfigTest, MalformedTimeIsRefused) {
  EXPECT_EQ(ErrorOf(WithTransport("{type: local, path: /nas, bandwidth: {upload_mbps: 5, "
                                  "schedule: [{days: [mon], from: \"8h\", to: \"18:00\"}]}}")),
            "push.yaml:4: equipment 'X_01': transport: bandwidth: schedule[0]: from: '8h' is "
            "not a time of day (use HH:MM, e.g. 08:00)");
}

TEST(PushConfigTest, UnknownWeekdayIsRefused) {
  EXPECT_EQ(ErrorOf(WithTransport("{type: local, path: /nas, bandwidth: {upload_mbps: 5, "
                                  "schedule: [{days: [mon, funday], from: \"08:00\", to: "
                                  "\"18:00\"}]}}")),
            "push.yaml:4: equipment 'X_01': transport: bandwidth: schedule[0]: days: 'funday' "
            "is not a weekday (use mon, tue, wed, thu, fri, sat, sun)");
}

TEST(PushConfigTest, BadTimetableIsRefused) {
  EXPECT_EQ(ErrorOf(WithTransport("{type: rclone, rclone_remote: nas, bwlimit: \"08:00,bogus\"}")),
            "push.yaml:4: equipment 'X_01': transport: bwlimit entry '08:00,bogus': unknown "
            "rate suffix in 'bogus' (use B, K, M, G or off)");
}

TEST(PushConfigTest, BandwidthAndBwlimitTogetherAreRefused) {
  EXPECT_EQ(ErrorOf(WithTransport("{type: rclone, rclone_remote: nas, bwlimit: 1M, "
                                  "bandwidth: {upload_mbps: 5}}")),
            "push.yaml:4: equipment 'X_01': transport: set 'bandwidth' or 'bwlimit', not both");
}

TEST(PushConfigTest, DuplicateEquipmentIdNamesTheFirst) {
  EXPECT_EQ(ErrorOf("equipment:\n"
                    "  - {id: A_01, local_root: /d, transport: {type: local, path: /n}}\n"
                    "  - {id: A_01, local_root: /e, transport: {type: local, path: /n}}\n"),
            "push.yaml:3: equipment[1]: duplicate equipment id 'A_01' (first on line 2)");
}

TEST(PushConfigTest, MalformedEquipmentIdIsRefused) {
  EXPECT_EQ(ErrorOf("equipment:\n"
                    "  - {id: ../etc, local_root: /d, transport: {type: local, path: /n}}\n"),
            "push.yaml:2: equipment[0]: id '../etc' is not a valid equipment id (letters, "
            "digits, '_', '-', '.'; not starting with '.' or '-'; at most 64)");
  EXPECT_EQ(ErrorOf("equipment:\n"
                    "  - {id: CONF 01, local_root: /d, transport: {type: local, path: /n}}\n"),
            "push.yaml:2: equipment[0]: id 'CONF 01' is not a valid equipment id (letters, "
            "digits, '_', '-', '.'; not starting with '.' or '-'; at most 64)");
}

TEST(PushConfigTest, MissingEquipmentIdIsRefused) {
  EXPECT_EQ(ErrorOf("equipment:\n  - {local_root: /d, transport: {type: local, path: /n}}\n"),
            "push.yaml:2: equipment[0]: 'id' is required");
}

TEST(PushConfigTest, RelativeLocalRootIsRefused) {
  EXPECT_EQ(ErrorOf("equipment:\n  - {id: A, local_root: data, transport: {type: local, "
                    "path: /n}}\n"),
            "push.yaml:2: equipment 'A': 'local_root' must be absolute, not 'data'");
}

TEST(PushConfigTest, RsyncSshNeedsItsKeys) {
  EXPECT_EQ(ErrorOf(WithTransport("{type: rsync_ssh, ssh_target: u@h, remote_path: /r}")),
            "push.yaml:4: equipment 'X_01': transport: 'ssh_key_path' is required");
}

TEST(PushConfigTest, UnknownTransportTypeIsRefused) {
  EXPECT_EQ(ErrorOf(WithTransport("{type: ftp}")),
            "push.yaml:4: equipment 'X_01': transport: type must be rsync_ssh, rclone or local, "
            "not 'ftp'");
}

TEST(PushConfigTest, RclonePathInTheRemoteNameIsRefused) {
  EXPECT_EQ(ErrorOf(WithTransport("{type: rclone, rclone_remote: \"nas:lab\"}")),
            "push.yaml:4: equipment 'X_01': transport: 'rclone_remote' is the remote's name "
            "without ':' (put the path in rclone_remote_path)");
}

TEST(PushConfigTest, BadPortIsRefused) {
  EXPECT_EQ(ErrorOf(WithTransport("{type: rsync_ssh, ssh_target: u@h, ssh_key_path: /k, "
                                  "remote_path: /r, ssh_port: 70000}")),
            "push.yaml:4: equipment 'X_01': transport: 'ssh_port' must be at most 65535");
}

TEST(PushConfigTest, CacheDirMustBeOneName) {
  EXPECT_EQ(ErrorOf("cache_dir: a/b\n" + WithTransport("{type: local, path: /nas}")),
            "push.yaml:1: 'cache_dir' must be one directory name inside each run, not 'a/b'");
}

TEST(PushConfigTest, MinVerifyPassesMustBeAPositiveInteger) {
  EXPECT_EQ(
      ErrorOf(WithTransport("{type: local, path: /nas}") + "nas_cleanup: {min_verify_passes: 0}\n"),
      "push.yaml:5: nas_cleanup: 'min_verify_passes' must be an integer >= 1, not '0'");
}

TEST(PushConfigTest, NoEquipmentIsRefused) {
  EXPECT_EQ(ErrorOf("state_dir: /x\n"),
            "push.yaml:1: 'equipment' must list at least one equipment");
}

}  // namespace
}  // namespace ferry::push
