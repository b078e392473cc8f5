#include "push/cleanup_interlocks.h"

#include <cmath>
#include <cstdio>
#include <map>

#include "push/iso_time.h"

namespace ferry::push {
namespace {

std::string Hours(double hours) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", hours);
  return buf;
}

// Interlock 5: every local file is on the NAS with the same size. Lists at most a few names
// per problem so one line stays readable for a run of thousands of files.
void CheckRemoteListing(const CleanupFacts& facts, std::vector<std::string>* refusals) {
  if (!facts.remote_listing.has_value()) {
    refusals->push_back("no listing of the NAS copy " + facts.job.nas_path +
                        " could be taken; cleanup needs one");
    return;
  }
  std::map<std::string, uint64_t> remote;
  for (const RemoteFile& f : *facts.remote_listing) remote[f.path] = f.size;
  std::vector<std::string> missing;
  std::vector<std::string> wrong_size;
  for (const RunFile& f : facts.local_files) {
    auto it = remote.find(f.path);
    if (it == remote.end()) {
      missing.push_back(f.path);
    } else if (it->second != f.size) {
      wrong_size.push_back(f.path + " (" + std::to_string(it->second) + " bytes on the NAS, " +
                           std::to_string(f.size) + " here)");
    }
  }
  auto describe = [](const std::vector<std::string>& names) {
    constexpr size_t kShown = 3;
    std::string out;
    for (size_t i = 0; i < names.size() && i < kShown; ++i) out += (i ? ", " : "") + names[i];
    if (names.size() > kShown) out += " and " + std::to_string(names.size() - kShown) + " more";
    return out;
  };
  if (!missing.empty()) {
    refusals->push_back(std::to_string(missing.size()) + " file(s) missing from the NAS copy " +
                        facts.job.nas_path + ": " + describe(missing));
  }
  if (!wrong_size.empty()) {
    refusals->push_back(std::to_string(wrong_size.size()) +
                        " file(s) with another size on the NAS copy " + facts.job.nas_path + ": " +
                        describe(wrong_size));
  }
}

}  // namespace

CleanupVerdict EvaluateCleanupInterlocks(const CleanupConfig& config, const CleanupFacts& facts) {
  std::vector<std::string> refusals;
  if (!config.enabled) {
    refusals.push_back("cleanup is disabled (nas_cleanup: enabled: false)");
  }
  const Job& job = facts.job;
  if (job.verify_passes < config.min_verify_passes) {
    refusals.push_back(std::to_string(job.verify_passes) + " verify pass(es), " +
                       std::to_string(config.min_verify_passes) +
                       " required (nas_cleanup: min_verify_passes)");
  }
  const int64_t min_age_seconds = std::llround(config.min_age_hours * 3600.0);
  if (job.verified_at == 0) {
    refusals.push_back("the run was never verified");
  } else if (facts.now - job.verified_at < min_age_seconds) {
    refusals.push_back("first verified at " + FormatIsoUtc(job.verified_at) + ", less than " +
                       Hours(config.min_age_hours) + " h ago (nas_cleanup: min_age_hours)");
  }
  // The same window as min_age: an excuse withdrawn within it means a person is looking at
  // this run again; its local copy stays until the window has passed quietly.
  if (AnyOverrideRevokedSince(facts.overrides, facts.now - min_age_seconds, facts.now)) {
    refusals.push_back("a validation override of the run was revoked within the last " +
                       Hours(config.min_age_hours) + " h");
  }
  CheckRemoteListing(facts, &refusals);
  CleanupVerdict verdict;
  verdict.allowed = refusals.empty();
  verdict.refusals = std::move(refusals);
  return verdict;
}

}  // namespace ferry::push
