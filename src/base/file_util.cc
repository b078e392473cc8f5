#include "base/file_util.h"

#include <unistd.h>

#include <algorithm>
#include <mutex>
#include <random>
#include <vector>

#include "base/path.h"

namespace ferry {
namespace {

constexpr std::string_view kTempMarker = ".ferry-tmp-";
constexpr size_t kTempRandomHexDigits = 16;
// Keeps ".<name>.ferry-tmp-<hex>" under NAME_MAX (255) for long destination names.
constexpr size_t kTempMaxNamePart = 200;
constexpr size_t kCopyChunk = 1 << 20;

std::string RandomHex() {
  static std::mutex mu;
  static std::mt19937_64 rng;
  static pid_t seeded_for = -1;
  uint64_t v;
  {
    std::lock_guard<std::mutex> lock(mu);
    // Reseed in a forked child: otherwise parent and child would draw the same names and
    // two writers of one destination could share a temp.
    if (seeded_for != ::getpid()) {
      std::random_device rd;
      std::seed_seq seq{rd(), rd(), rd(), rd(), static_cast<unsigned>(::getpid())};
      rng.seed(seq);
      seeded_for = ::getpid();
    }
    v = rng();
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(kTempRandomHexDigits, '0');
  for (size_t i = 0; i < kTempRandomHexDigits; ++i) {
    out[kTempRandomHexDigits - 1 - i] = kHex[v & 0xf];
    v >>= 4;
  }
  return out;
}

bool IsLowerHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

}  // namespace

std::string MakeTempPathFor(const std::string& path) {
  std::string name = BaseName(path);
  if (name.size() > kTempMaxNamePart) name.resize(kTempMaxNamePart);
  std::string temp_name = "." + name + std::string(kTempMarker) + RandomHex();
  std::string dir = DirName(path);
  // Keep a relative path relative rather than turning "x" into "./.x...".
  if (dir == "." && path.find('/') == std::string::npos) return temp_name;
  return JoinPath(dir, temp_name);
}

bool IsTempName(std::string_view name) {
  if (name.size() < 1 + 1 + kTempMarker.size() + kTempRandomHexDigits) return false;
  if (name.front() != '.') return false;
  size_t marker = name.size() - kTempRandomHexDigits - kTempMarker.size();
  if (name.substr(marker, kTempMarker.size()) != kTempMarker) return false;
  for (char c : name.substr(name.size() - kTempRandomHexDigits)) {
    if (!IsLowerHex(c)) return false;
  }
  return true;
}

Status CreateDirs(Env* env, const std::string& path) {
  Status s = env->CreateDir(path, 0755);
  if (s.ok()) return s;
  if (s.IsAlreadyExists()) {
    Result<FileInfo> info = env->Stat(path);
    if (info.ok() && info->is_directory()) return Status::OK();
    return Status::AlreadyExists("mkdir " + path + ": exists and is not a directory");
  }
  if (!s.IsNotFound()) return s;
  std::string parent = DirName(path);
  if (parent == path || parent == "." || parent == "/") return s;
  FERRY_RETURN_IF_ERROR(CreateDirs(env, parent));
  s = env->CreateDir(path, 0755);
  if (s.IsAlreadyExists()) {  // created concurrently by someone else: fine if a directory
    Result<FileInfo> info = env->Stat(path);
    if (info.ok() && info->is_directory()) return Status::OK();
  }
  return s;
}

Result<bool> PathExists(Env* env, const std::string& path) {
  Result<FileInfo> info = env->LinkStat(path);
  if (info.ok()) return true;
  if (info.status().IsNotFound()) return false;
  return info.status();
}

Result<std::string> ReadFileToString(Env* env, const std::string& path, uint64_t max_bytes) {
  FERRY_ASSIGN_OR_RETURN(std::unique_ptr<SequentialFile> file, env->NewSequentialFile(path));
  // Read straight into one buffer sized from a stat (only a hint: the file may change), so a
  // 2 MB sync_state.json costs one allocation instead of a copy per doubling.
  constexpr size_t kMinChunk = 64 * 1024;
  std::string out;
  if (Result<FileInfo> info = env->Stat(path); info.ok()) {
    // + a chunk: the read that finds the end must not reallocate.
    out.reserve(static_cast<size_t>(std::min<uint64_t>(info->size, max_bytes)) + kMinChunk);
  }
  while (true) {
    const size_t used = out.size();
    const size_t chunk = std::max(kMinChunk, out.capacity() - used);
    out.resize(used + chunk);
    Result<size_t> n = file->Read(out.data() + used, chunk);
    if (!n.ok()) return n.status();
    out.resize(used + *n);
    if (*n == 0) break;
    if (out.size() > max_bytes) {
      return Status::InvalidArgument("read " + path + ": file is larger than the limit of " +
                                     std::to_string(max_bytes) + " bytes");
    }
  }
  return out;
}

AtomicFileWriter::AtomicFileWriter(Env* env, std::string path, std::string temp_path,
                                   std::unique_ptr<WritableFile> file)
    : env_(env), path_(std::move(path)), temp_path_(std::move(temp_path)), file_(std::move(file)) {}

Result<std::unique_ptr<AtomicFileWriter>> AtomicFileWriter::Open(Env* env,
                                                                 const std::string& path,
                                                                 uint32_t mode) {
  std::string temp = MakeTempPathFor(path);
  FERRY_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, env->NewWritableFile(temp, mode));
  return std::unique_ptr<AtomicFileWriter>(
      new AtomicFileWriter(env, path, std::move(temp), std::move(file)));
}

AtomicFileWriter::~AtomicFileWriter() {
  if (!finished_) Abandon();
}

void AtomicFileWriter::Abandon() {
  finished_ = true;
  if (file_) {
    IgnoreError(file_->Close(), "abandoning a temp file that is removed next");
    file_.reset();
  }
  IgnoreError(env_->RemoveFile(temp_path_),
              "removing an abandoned temp; a leftover is recognised by IsTempName");
}

Status AtomicFileWriter::Append(std::string_view data) {
  if (finished_) {
    return Status::Internal("write " + temp_path_ + ": atomic writer already finished");
  }
  Status s = file_->Append(data);
  if (!s.ok()) Abandon();
  return s;
}

Status AtomicFileWriter::Commit(bool sync_dir) {
  if (finished_) {
    return Status::Internal("commit " + path_ + ": atomic writer already finished");
  }
  Status s = file_->Sync();
  if (s.ok()) s = file_->Close();
  if (s.ok()) s = env_->Rename(temp_path_, path_);
  if (!s.ok()) {
    Abandon();
    return s;
  }
  finished_ = true;
  file_.reset();
  if (sync_dir) return env_->SyncDir(DirName(path_));
  return Status::OK();
}

Status WriteFileAtomically(Env* env, const std::string& path, std::string_view data,
                           uint32_t mode) {
  FERRY_ASSIGN_OR_RETURN(std::unique_ptr<AtomicFileWriter> writer,
                         AtomicFileWriter::Open(env, path, mode));
  FERRY_RETURN_IF_ERROR(writer->Append(data));
  return writer->Commit();
}

Status CopyFile(Env* env, const std::string& src, const std::string& dst, uint32_t mode) {
  FERRY_ASSIGN_OR_RETURN(std::unique_ptr<SequentialFile> in, env->NewSequentialFile(src));
  FERRY_ASSIGN_OR_RETURN(std::unique_ptr<AtomicFileWriter> out,
                         AtomicFileWriter::Open(env, dst, mode));
  std::vector<char> buf(kCopyChunk);
  while (true) {
    FERRY_ASSIGN_OR_RETURN(size_t n, in->Read(buf.data(), buf.size()));
    if (n == 0) break;
    FERRY_RETURN_IF_ERROR(out->Append(std::string_view(buf.data(), n)));
  }
  return out->Commit();
}

Status RemoveTree(Env* env, const std::string& path) {
  // Most trees are one file or symlink (a reference, a canonical): unlink first, and only
  // when that fails look at what is there. A drop of thousands saves a stat each.
  Status unlinked = env->RemoveFile(path);
  if (unlinked.ok() || unlinked.IsNotFound()) return Status::OK();
  Result<FileInfo> info = env->LinkStat(path);
  if (!info.ok()) return info.status().IsNotFound() ? Status::OK() : info.status();
  if (!info->is_directory()) return unlinked;
  // Listing needs r+x and unlinking entries needs w+x on the directory itself.
  if ((info->mode & 0700) != 0700) {
    FERRY_RETURN_IF_ERROR(env->Chmod(path, info->mode | 0700));
  }
  FERRY_ASSIGN_OR_RETURN(std::vector<DirEntry> entries, env->ListDir(path));
  for (const DirEntry& e : entries) {
    FERRY_RETURN_IF_ERROR(RemoveTree(env, JoinPath(path, e.name)));
  }
  Status s = env->RemoveDir(path);
  return s.IsNotFound() ? Status::OK() : s;
}

}  // namespace ferry
