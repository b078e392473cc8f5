#include "pull/downloader.h"

#include <algorithm>
#include <memory>
#include <mutex>
#include <utility>

#include "base/file_util.h"
#include "base/hasher.h"
#include "base/path.h"
#include "base/progress_format.h"
#include "base/thread_pool.h"
#include "net/http_status.h"
#include "store/content_store.h"

namespace ferry::pull {
namespace {

constexpr size_t kErrorBodyCap = 4096;
constexpr std::string_view kParquetMagic = "PAR1";

std::string Short(const std::string& md5) { return md5.substr(0, 12); }

// The bytes of one file as they arrive: MD5, total, and the first and last four bytes (for
// the PAR1 check when the manifest has no md5).
class StreamDigest {
 public:
  StreamDigest() : hasher_(HashAlgorithm::kMd5) {}
  void Reset() {
    hasher_.Reset();
    total_ = 0;
    head_.clear();
    tail_.clear();
  }
  void Update(std::string_view chunk) {
    hasher_.Update(chunk);
    total_ += chunk.size();
    if (head_.size() < 4) head_.append(chunk.substr(0, 4 - head_.size()));
    if (chunk.size() >= 4) {
      tail_.assign(chunk.substr(chunk.size() - 4));
    } else {
      tail_.append(chunk);
      if (tail_.size() > 4) tail_.erase(0, tail_.size() - 4);
    }
  }
  uint64_t total() const { return total_; }
  bool has_magic() const { return total_ >= 8 && head_ == kParquetMagic && tail_ == kParquetMagic; }
  std::string Finish() { return hasher_.FinishHex(); }  // resets the MD5 part

 private:
  Hasher hasher_;
  uint64_t total_ = 0;
  std::string head_, tail_;
};

// Re-reads what a partial already holds into `digest` (once per resume).
Status SeedFromFile(Env* env, const std::string& path, StreamDigest* digest) {
  digest->Reset();
  FERRY_ASSIGN_OR_RETURN(auto file, env->NewSequentialFile(path));
  std::unique_ptr<char[]> buf(new char[kHashBufferSize]);
  for (;;) {
    FERRY_ASSIGN_OR_RETURN(size_t n, file->Read(buf.get(), kHashBufferSize));
    if (n == 0) break;
    digest->Update(std::string_view(buf.get(), n));
  }
  return Status::OK();
}

// The size of a partial (0 when absent). A partial that InstallCanonical had already made
// read-only when the run stopped is made writable again, so it can be resumed or synced.
Result<uint64_t> SizeOrZero(Env* env, const std::string& path) {
  Result<FileInfo> info = env->LinkStat(path);
  if (!info.ok()) {
    if (info.status().IsNotFound()) return uint64_t{0};
    return info.status();
  }
  if ((info->mode & 0200) == 0) FERRY_RETURN_IF_ERROR(env->Chmod(path, 0644));
  return info->size;
}

// Errors of the local disk rather than of the download: the next download would meet them too.
bool IsDiskError(const Status& s) {
  return s.code() == StatusCode::kNoSpace || s.code() == StatusCode::kPermissionDenied;
}

// What still has to be written to bring a partial of `size` bytes (0 = unknown) to its end.
// Without an md5 the partial is not resumed (DownloadVerified), so all of it is missing.
uint64_t Missing(Env* env, const std::string& partial, uint64_t size, const std::string& md5) {
  if (size == 0 || md5.empty()) return size;
  Result<FileInfo> info = env->LinkStat(partial);
  const uint64_t have = info.ok() && info->is_regular() ? info->size : 0;
  return have <= size ? size - have : size;  // a partial longer than the file is discarded
}

// The bytes at `root` (a file, or a directory holding `f`'s parts); for progress events and
// throughput, so a file that cannot be stat'ed counts as 0.
uint64_t BytesAt(Env* env, const FetchAction& f, const std::string& root) {
  auto size_of = [env](const std::string& path) -> uint64_t {
    Result<FileInfo> info = env->LinkStat(path);
    return info.ok() ? info->size : 0;
  };
  if (f.parts.empty()) return size_of(root);
  uint64_t total = 0;
  for (const ManifestPart& part : f.parts) total += size_of(JoinPath(root, part.path));
  return total;
}

// The bytes a fetch put in the store (the manifest's size may be 0, "unknown").
uint64_t InstalledSize(Env* env, const FetchAction& f) { return BytesAt(env, f, f.shared_path); }

// The bytes a fetch moved, for the concurrency controller's throughput: the manifest's sizes
// (what the server was asked for), or what arrived in `partial` when they are unknown.
uint64_t FetchedBytes(Env* env, const FetchAction& f, const std::string& partial) {
  uint64_t announced = f.size_bytes;
  for (const ManifestPart& part : f.parts) announced += part.size_bytes;
  return announced != 0 ? announced : BytesAt(env, f, partial);
}

ConcurrencyOptions GateOptions(const DownloadOptions& o) {
  ConcurrencyOptions c;
  c.adaptive = o.adaptive;
  c.fixed_level = std::max(1, o.jobs);
  c.cap = std::max(1, o.cap);
  c.initial = o.initial;
  return c;
}

}  // namespace

Downloader::Downloader(Env* env, HttpClient* http, const WorkspaceLayout& layout,
                       DigestCache* cache, DownloadOptions options)
    : env_(env),
      http_(http),
      layout_(layout),
      cache_(cache),
      options_(std::move(options)),
      budget_(env, layout.partial_dir(), options_.free_space_margin),
      gate_(env, GateOptions(options_)) {}

std::string Downloader::PartialPathFor(const WorkspaceLayout& layout, const FetchAction& f) {
  std::string base = f.table_id + "." + (f.md5.empty() ? std::string("nomd5") : f.md5);
  return JoinPath(layout.partial_dir(), base + (f.parts.empty() ? ".part" : ".parts"));
}

std::vector<Status> Downloader::FetchAll(const std::vector<FetchAction>& fetches,
                                         const FetchedCallback& on_fetched) {
  std::vector<Status> results(fetches.size());
  if (fetches.empty()) return results;
  // As many network slots as the gate could ever admit, and as many workers again to
  // install what arrived (fsync, rename) while the slots carry on: a download gives its slot
  // back once its bytes are in, so a slow disk never holds a connection idle. --jobs 1 is
  // one worker: every step in one fixed order (the crash tests count them).
  const int slots = options_.adaptive ? std::max(1, options_.cap) : std::max(1, options_.jobs);
  const size_t workers = slots == 1 ? 1 : 2 * static_cast<size_t>(slots);
  ThreadPool pool(std::min(workers, fetches.size()));
  for (size_t i = 0; i < fetches.size(); ++i) {
    pool.Schedule([this, &fetches, &results, &on_fetched, i] {
      gate_.Enter();
      bool left = false;
      auto leave = [&](uint64_t bytes) {
        if (left) return;
        left = true;
        gate_.Leave(bytes);
      };
      results[i] = Fetch(fetches[i], leave);
      leave(0);  // it failed before all its bytes were in
      if (on_fetched) on_fetched(i, results[i]);
    });
  }
  pool.Wait();
  return results;
}

Status Downloader::Fetch(const FetchAction& f,
                         const std::function<void(uint64_t bytes)>& network_done) {
  const std::string label = f.table_id;
  if (refused_.load()) {
    return Status::Cancelled("download of table " + label +
                             " not attempted: the server refused the token");
  }
  if (Status earlier = DiskFailure(); !earlier.ok()) {
    return Status(earlier.code(), "download of table " + label +
                                      " not attempted after a disk error: " + earlier.message());
  }
  // Disk trouble before the first byte is reported by the pull's summary, not per table on
  // the progress sink: these return before kItemStart.
  if (Status made = CreateDirs(env_, layout_.partial_dir()); !made.ok()) {
    if (IsDiskError(made)) NoteDiskFailure(made);
    return made.WithContext("download of table " + label);
  }
  const std::string partial = PartialPathFor(layout_, f);
  auto bytes_in = [&] {
    if (network_done) network_done(FetchedBytes(env_, f, partial));
  };
  Result<std::unique_ptr<DiskBudget::Ticket>> ticket = AdmitFetch(f, partial);
  if (!ticket.ok()) {
    // Space that cannot be had now is better given back than kept for a later resume.
    IgnoreError(RemoveTree(env_, partial), "the next pull's CleanPartials retries");
    return ticket.status();
  }
  ProgressSink* progress = options_.progress;
  if (progress) {
    ProgressEvent e;
    e.kind = ProgressEvent::Kind::kItemStart;
    e.item = f.display_name;
    progress->OnEvent(e);
  }
  bool capped = false;  // cut at what the disk can spare: the server's doing, not the disk's
  std::string digest;   // of a single-file table, for kItemDone
  Status s = [&]() -> Status {
    if (f.parts.empty()) {
      std::string md5;
      FERRY_RETURN_IF_ERROR(DownloadVerified(label, f.display_name, f.url, partial, f.md5,
                                             f.size_bytes, ticket->get(), &capped, &md5));
      digest = md5;
      bytes_in();
      // Stamp the verified bytes with a past mtime so their digest entry is trusted at once
      // (DigestCache: a fresh mtime would be racy); any later write moves mtime again.
      const int64_t stamp = cache_->StampNs();
      IgnoreError(env_->SetModificationTime(partial, stamp), "an unstamped file is re-hashed");
      FERRY_RETURN_IF_ERROR(InstallCanonical(env_, partial, f.shared_path));
      // The digest was computed while the bytes streamed: record it so no later pull re-hashes.
      IgnoreError(cache_->RecordStamped(f.shared_path, md5, stamp),
                  "the cache is only an optimisation");
      return Status::OK();
    }
    // Partitioned: every part staged under one directory, then swapped in all-or-nothing.
    std::vector<std::string> md5s(f.parts.size());
    for (size_t i = 0; i < f.parts.size(); ++i) {
      const ManifestPart& part = f.parts[i];
      const std::string staged = JoinPath(partial, part.path);
      FERRY_RETURN_IF_ERROR(CreateDirs(env_, DirName(staged)));
      FERRY_RETURN_IF_ERROR(DownloadVerified(label + " part " + part.path, f.display_name, part.url,
                                             staged, part.md5, part.size_bytes, ticket->get(),
                                             &capped, &md5s[i]));
    }
    bytes_in();
    const int64_t stamp = cache_->StampNs();
    for (const ManifestPart& part : f.parts) {
      IgnoreError(env_->SetModificationTime(JoinPath(partial, part.path), stamp),
                  "an unstamped part is re-hashed");
    }
    FERRY_RETURN_IF_ERROR(InstallCanonical(env_, partial, f.shared_path));
    for (size_t i = 0; i < f.parts.size(); ++i) {
      IgnoreError(cache_->RecordStamped(JoinPath(f.shared_path, f.parts[i].path), md5s[i], stamp),
                  "the cache is only an optimisation");
    }
    return Status::OK();
  }();
  ticket->reset();  // what was promised and not written goes back to the others
  if (s.code() == StatusCode::kUnauthorized) refused_.store(true);
  bool first_disk_failure = true;
  if (IsDiskError(s)) {
    // The partial cannot be finished now and only holds space.
    IgnoreError(RemoveTree(env_, partial), "the next pull's CleanPartials retries");
    // The disk itself refused: it would refuse the next download too. (A body cut at what the
    // disk could spare is the server's doing; the next download may well fit.)
    if (!capped) first_disk_failure = NoteDiskFailure(s);
  }
  if (progress && first_disk_failure) {  // one disk error on the progress sink, not one each
    ProgressEvent e;
    e.kind = ProgressEvent::Kind::kItemDone;
    e.item = f.display_name;
    e.ok = s.ok();
    if (!s.ok()) e.message = s.message();
    if (s.ok()) {
      e.digest = digest;  // a partitioned table is a directory: its parts have their own
      e.size_bytes = InstalledSize(env_, f);
    }
    progress->OnEvent(e);
  }
  return s;
}

Status Downloader::DiskFailure() {
  std::lock_guard<std::mutex> lock(disk_mu_);
  return disk_failure_;
}

bool Downloader::NoteDiskFailure(const Status& s) {
  std::lock_guard<std::mutex> lock(disk_mu_);
  if (!disk_failure_.ok()) return false;
  disk_failure_ = s;
  return true;
}

Result<std::unique_ptr<DiskBudget::Ticket>> Downloader::AdmitFetch(const FetchAction& f,
                                                                   const std::string& partial) {
  uint64_t need = 0;
  if (f.parts.empty()) {
    need = Missing(env_, partial, f.size_bytes, f.md5);
  } else {
    for (const ManifestPart& part : f.parts) {
      need += Missing(env_, JoinPath(partial, part.path), part.size_bytes, part.md5);
    }
  }
  return budget_.Admit("table " + f.table_id, need);
}

// One file's download across its attempts: what it is, and what its partial holds.
struct Downloader::Transfer {
  std::string label;
  std::string progress_item;  // the name kItemStart and kItemDone use, for kBytes
  std::string url;
  std::string partial;
  std::string md5;
  uint64_t size = 0;   // announced (0 = unknown)
  uint64_t limit = 0;  // the most bytes the partial may hold
  DiskBudget::Ticket* ticket = nullptr;
  bool* capped = nullptr;
  StreamDigest digest;
  bool seeded = false;    // `digest` holds exactly the bytes now in `partial`
  bool too_long = false;  // this attempt's body went past `size`: cut, and a mismatch
};

namespace {

// The verify step: why the bytes `digest` saw are not the file the manifest announces, or ""
// when they are it.
std::string Mismatch(StreamDigest* digest, const std::string& md5, uint64_t size, bool too_long,
                     std::string* md5_out) {
  const uint64_t total = digest->total();
  const bool magic = digest->has_magic();
  *md5_out = digest->Finish();
  if (too_long) {
    return "more bytes than the " + std::to_string(size) +
           " the manifest announces; the transfer was cut there";
  }
  if (size != 0 && total != size) {
    return "size " + std::to_string(total) + ", manifest says " + std::to_string(size);
  }
  if (!md5.empty() && *md5_out != md5) {
    return "md5 " + Short(*md5_out) + ", manifest says " + Short(md5);
  }
  if (md5.empty() && !magic) {
    return "no parquet magic PAR1 at both ends (and no md5 in the manifest)";
  }
  return "";
}

}  // namespace

Status Downloader::DownloadVerified(const std::string& label, const std::string& progress_item,
                                    const std::string& url, const std::string& partial,
                                    const std::string& md5, uint64_t size,
                                    DiskBudget::Ticket* ticket, bool* capped,
                                    std::string* md5_out) {
  Transfer t;
  t.label = label;
  t.progress_item = progress_item;
  t.url = url;
  t.partial = partial;
  t.md5 = md5;
  t.size = size;
  // The most bytes the partial may hold: the announced size, or what the disk can spare.
  t.limit = size != 0 ? size : ticket->cap();
  t.ticket = ticket;
  t.capped = capped;
  // With no md5, a partial cannot be tied to a version of the file: never resume it.
  if (md5.empty()) {
    Status rm = env_->RemoveFile(partial);
    if (!rm.ok() && !rm.IsNotFound()) return rm;
  }
  std::string last_mismatch;
  const int attempts = std::max(1, options_.verify_attempts);
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    Status transfer = AttemptDownload(&t);
    if (!transfer.ok() && !t.too_long) {
      return transfer.WithContext("download of table " + label);
    }
    std::string got;
    last_mismatch = Mismatch(&t.digest, md5, size, t.too_long, &got);
    t.seeded = false;
    if (last_mismatch.empty()) {
      *md5_out = got;
      return Status::OK();
    }
    // The retry decision: wrong bytes are discarded and downloaded whole again, up to
    // `verify_attempts` downloads in all.
    Status rm = env_->RemoveFile(partial);
    if (!rm.ok() && !rm.IsNotFound()) return rm;
  }
  return Status::Corruption("table " + label + ": bytes from " + url + " do not verify (" +
                            last_mismatch + ") after " + std::to_string(attempts) +
                            " downloads; the previous copy, if any, is kept");
}

Status Downloader::AttemptDownload(Transfer* t) {
  t->too_long = false;
  return RetryWithBackoff(env_, options_.retry, [&](int) { return ResumeOnce(t); });
}

Status Downloader::SeedDigest(Transfer* t, uint64_t* have) {
  FERRY_ASSIGN_OR_RETURN(*have, SizeOrZero(env_, t->partial));
  if (t->size != 0 && *have > t->size) {  // longer than the file can be: not a prefix of it
    FERRY_RETURN_IF_ERROR(env_->RemoveFile(t->partial));
    *have = 0;
  }
  if (!t->seeded || t->digest.total() != *have) {
    if (*have > 0) {
      FERRY_RETURN_IF_ERROR(SeedFromFile(env_, t->partial, &t->digest));
    } else {
      t->digest.Reset();
    }
    t->seeded = true;
  }
  return Status::OK();
}

Status Downloader::ResumeOnce(Transfer* t) {
  uint64_t have = 0;
  FERRY_RETURN_IF_ERROR(SeedDigest(t, &have));
  if (t->size != 0 && have == t->size) return Status::OK();  // complete, from an interrupted run
  const std::string& url = t->url;
  HttpRequest req;
  req.url = url;
  req.headers = options_.token.HeadersFor(url);
  if (have > 0) req.range_first = have;
  std::unique_ptr<WritableFile> out;
  std::string error_body;
  HttpBodySink sink = [&](const HttpResponse& resp, std::string_view chunk) -> Status {
    if (resp.status != 200 && resp.status != 206) {
      if (error_body.size() < kErrorBodyCap) {
        error_body.append(chunk.substr(0, kErrorBodyCap - error_body.size()));
      }
      return Status::OK();
    }
    if (!out) {
      FERRY_ASSIGN_OR_RETURN(out, OpenPartialFor(resp, t, have));
    }
    return AppendChunk(t, chunk, out.get());
  };
  if (options_.adaptive) gate_.WaitOutPause();  // a retry honours the server's Retry-After
  Result<HttpResponse> resp = http_->Send(req, sink);
  if (resp.ok() && (resp->status == 429 || resp->status == 503)) {
    gate_.NoteOverloaded(ParseRetryAfterMs(resp->header("retry-after")));
  }
  // Close flushes what arrived (after a transport error too, so the next attempt resumes
  // after it). No fsync here: InstallCanonical fsyncs the verified file before its rename,
  // and a partial lost to a crash is only re-downloaded.
  Status closed = out ? out->Close() : Status::OK();
  if (!resp.ok()) return resp.status();  // what was appended is kept: the retry resumes
  FERRY_RETURN_IF_ERROR(closed);
  if (resp->status == 416 && have > 0) {
    return Status::OK();  // the partial already holds every byte; verification decides
  }
  HttpResponse with_body = *resp;
  with_body.body = error_body;
  FERRY_RETURN_IF_ERROR(StatusFromHttpResponse(with_body, "GET", url));
  if (resp->status != 200 && resp->status != 206) {
    return Status::InvalidArgument("GET " + url + ": unexpected HTTP " +
                                   std::to_string(resp->status) + " for a download");
  }
  if (!out && resp->status == 200) {
    // An empty body: the file is empty (a 206 with nothing appended leaves the partial).
    t->digest.Reset();
    FERRY_ASSIGN_OR_RETURN(out, env_->NewWritableFile(t->partial, 0644));
    FERRY_RETURN_IF_ERROR(out->Close());
  }
  return Status::OK();
}

Result<std::unique_ptr<WritableFile>> Downloader::OpenPartialFor(const HttpResponse& resp,
                                                                 Transfer* t, uint64_t have) {
  if (resp.status == 206 && have > 0) {
    const std::string range = resp.header("content-range");
    const std::string expect = "bytes " + std::to_string(have) + "-";
    if (range.rfind(expect, 0) != 0) {
      return Status::Unavailable("GET " + t->url + ": asked for bytes from " +
                                 std::to_string(have) + ", got Content-Range '" + range + "'");
    }
    return env_->NewAppendableFile(t->partial, 0644);
  }
  // A 200 (also the answer to a Range request: "start over") replaces the partial.
  t->digest.Reset();
  return env_->NewWritableFile(t->partial, 0644);
}

Status Downloader::AppendChunk(Transfer* t, std::string_view chunk, WritableFile* out) {
  // Checked before the bytes reach the disk, so the partial never holds more.
  if (t->digest.total() + chunk.size() > t->limit) {
    if (t->size != 0) {
      t->too_long = true;
      return Status::Corruption("GET " + t->url + ": the body is longer than the " +
                                std::to_string(t->size) + " bytes the manifest announces");
    }
    *t->capped = true;
    return Status::NoSpace("GET " + t->url + ": the body passed the " + FormatBytes(t->limit) +
                           " the disk can spare under " + layout_.partial_dir() +
                           " (the manifest gives no size_bytes for it)");
  }
  FERRY_RETURN_IF_ERROR(out->Append(chunk));
  t->ticket->Wrote(chunk.size());
  t->digest.Update(chunk);
  bytes_downloaded_.fetch_add(chunk.size());
  if (options_.progress) {
    ProgressEvent e;
    e.kind = ProgressEvent::Kind::kBytes;
    e.item = t->progress_item;
    e.bytes_delta = chunk.size();
    options_.progress->OnEvent(e);
  }
  return Status::OK();
}

}  // namespace ferry::pull
