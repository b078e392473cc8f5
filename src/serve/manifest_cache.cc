#include "serve/manifest_cache.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <numeric>

#include "serve/access.h"

namespace ferry::serve {
namespace {

// A broken table is looked at again after this long, so a repair shows within a second
// without an lstat per request.
constexpr int64_t kBrokenRecheckNs = 1'000'000'000;

// Errors that a retry will not cure (a symlink or other non-regular file where the table's
// file should be, no permission): the table is left out rather than failing everyone's
// manifest. A missing or changing file is not one: it is usually mid-replace, and a client
// reads a table left out as one to delete.
bool LeavesTableOut(const Status& s) { return s.code() == StatusCode::kPermissionDenied; }

std::string Text(const std::string& s) { return DumpJson(nlohmann::json(s)); }

void AppendIndices(char tag, const std::vector<size_t>& v, std::string* key) {
  *key += tag;
  for (size_t i : v) {
    *key += std::to_string(i);
    *key += ',';
  }
}

}  // namespace

ManifestCache::ManifestCache(std::shared_ptr<const Catalog> catalog, FileDigests* digests,
                             MemoryDomains* memory)
    : catalog_(std::move(catalog)), digests_(digests), memory_(memory) {
  const Catalog& c = *catalog_;
  for (const CatalogPackage& p : c.packages) {
    std::vector<size_t> tables;
    for (const std::string& id : p.tables) {
      auto it = c.table_index.find(id);
      if (it != c.table_index.end()) tables.push_back(it->second);  // LoadCatalog: always
    }
    package_tables_.push_back(std::move(tables));
    // Keys in nlohmann's (sorted) order, so the text equals DumpJson of the object.
    package_heads_.push_back("{\"description\":" + Text(p.description) + ",\"id\":" + Text(p.slug) +
                             ",\"name\":" + Text(p.name) +
                             ",\"requirement\":" + Text(RequirementName(p.requirement)) +
                             ",\"slug\":" + Text(p.slug) + ",\"tables\":[");
  }
  for (const CatalogDomain& d : c.domains) {
    domain_texts_.push_back(std::make_shared<const std::string>(DumpJson(DomainEntry(d))));
  }
  std::vector<size_t> order(c.tables.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(),
            [&c](size_t a, size_t b) { return c.tables[a].id < c.tables[b].id; });
  id_rank_.resize(order.size());
  for (size_t r = 0; r < order.size(); ++r) id_rank_[order[r]] = r;
  for (const CatalogTable& t : c.tables) table_keys_.push_back(Text(t.id));
  auto pieces = std::make_shared<Pieces>();
  pieces->tables.resize(c.tables.size());
  pieces->packages.resize(c.packages.size());
  pieces_ = std::move(pieces);
}

std::shared_ptr<const ManifestCache::Pieces> ManifestCache::Snapshot() const {
  std::lock_guard<std::mutex> lock(pieces_mu_);
  return pieces_;
}

uint64_t ManifestCache::generation() const { return Snapshot()->generation; }

bool ManifestCache::Fresh(const TablePiece* piece) const {
  if (piece == nullptr || piece->racy) return false;
  if (!piece->broken.empty())
    return digests_->env()->NowUnixNanos() - piece->built_unix_ns < kBrokenRecheckNs;
  for (const auto& [path, version] : piece->sources.files) {
    if (!digests_->StillCurrent(path, version)) return false;
  }
  for (const DirStamp& d : piece->sources.dirs) {
    if (!DirUnchanged(digests_->env(), d)) return false;
  }
  return true;
}

bool ManifestCache::FreshAt(const TablePiece* piece, uint64_t epoch) const {
  if (piece == nullptr || piece->racy) return false;
  if (!piece->broken.empty()) return Fresh(piece);  // no file to watch: re-checked by time
  if (piece->trusted_epoch.load(std::memory_order_acquire) == epoch + 1) return true;
  if (!Fresh(piece)) return false;
  bool watched = piece->sources.dirs.empty();  // directory listings are always re-stat'ed
  for (const auto& [path, version] : piece->sources.files) {
    watched = watched && digests_->Watched(path);
  }
  if (watched) piece->trusted_epoch.store(epoch + 1, std::memory_order_release);
  return true;
}

const std::string& ManifestCache::EntryText(const TablePiece& piece, size_t form) {
  return piece.entries[piece.entries.size() == 1 ? 0 : form];
}

const std::string& ManifestCache::FlatText(const TablePiece& piece, size_t form) {
  return piece.flats[piece.flats.size() == 1 ? 0 : form];
}

std::string ManifestCache::RenderPackage(const Pieces& pieces, size_t package, size_t form) const {
  std::string out = package_heads_[package];
  uint64_t total = 0;
  bool first = true;
  for (size_t t : package_tables_[package]) {
    if (!pieces.tables[t]->broken.empty()) continue;
    if (!first) out += ',';
    first = false;
    out += EntryText(*pieces.tables[t], form);
    total += pieces.tables[t]->size_bytes;
  }
  out += "],\"total_size_bytes\":" + std::to_string(total) + "}";
  return out;
}

Result<std::shared_ptr<const ManifestCache::Pieces>> ManifestCache::Refresh(const Request& req) {
  std::lock_guard<std::mutex> refresh(refresh_mu_);
  std::shared_ptr<const Pieces> current = Snapshot();  // may be newer than the caller's
  auto next = std::make_shared<Pieces>(*current);
  bool tables_changed = false;
  std::vector<bool> changed(next->tables.size(), false);
  for (size_t t : req.tables) {
    if (Fresh(next->tables[t].get())) continue;
    const CatalogTable& table = catalog_->tables[t];
    auto piece = std::make_shared<TablePiece>();
    // Taken before Current() so the racy judgement errs towards re-checking (md5_index.h).
    const int64_t started_ns = digests_->env()->NowUnixNanos();
    piece->built_unix_ns = started_ns;
    Result<nlohmann::json> built = BuildTableEntry(*catalog_, table, digests_, &piece->sources);
    if (!built.ok() && !LeavesTableOut(built.status())) {
      spdlog::warn("serve: manifest: {}", built.status().message());
      return Status::Unavailable("table '" + table.id +
                                 "' is being replaced on the server; try again shortly");
    }
    const TablePiece* old = next->tables[t].get();
    if (!built.ok()) {
      piece->broken = built.status().message();
      piece->sources = TableSources();
      if (old == nullptr || old->broken != piece->broken) {
        spdlog::error("serve: table '{}' is left out of every manifest until it is repaired: {}",
                      table.id, piece->broken);
      }
      if (old == nullptr || old->broken.empty()) {
        changed[t] = true;
        tables_changed = true;
      }
      next->tables[t] = std::move(piece);
      continue;
    }
    const nlohmann::json& e = *built;
    if (old != nullptr && !old->broken.empty()) {
      spdlog::warn("serve: table '{}' is back in the manifests", table.id);
    }
    if (EntryDependsOnClient(e)) {
      for (size_t form = 0; form < kClientForms; ++form) {
        nlohmann::json client = EntryForClient(e, FeaturesOfForm(form));
        piece->entries.push_back(DumpJson(client));
        piece->flats.push_back(DumpJson(FlatTableEntry(client)));
      }
    } else {
      piece->entries.push_back(DumpJson(e));
      piece->flats.push_back(DumpJson(FlatTableEntry(e)));
    }
    piece->size_bytes = e["size_bytes"].get<uint64_t>();
    for (const auto& [path, version] : piece->sources.files) {
      if (started_ns - version.mtime_ns < Md5Index::kRacyWindowNs) piece->racy = true;
    }
    for (const DirStamp& d : piece->sources.dirs) {
      if (started_ns - d.mtime_ns < Md5Index::kRacyWindowNs) piece->racy = true;
    }
    // A racy piece that matches what was there is not a change: bumping the generation for it
    // would only throw away every body for nothing.
    if (old == nullptr || !old->broken.empty() || old->entries != piece->entries ||
        old->flats != piece->flats) {
      changed[t] = true;
      tables_changed = true;
    }
    next->tables[t] = std::move(piece);
  }
  for (size_t p = 0; p < next->packages.size(); ++p) {
    for (size_t t : package_tables_[p]) {
      if (changed[t]) {
        next->packages[p].fill(nullptr);  // every form: they share the table pieces
        break;
      }
    }
  }
  for (size_t p : req.packages) {
    if (!next->packages[p][req.form]) {
      next->packages[p][req.form] =
          std::make_shared<const std::string>(RenderPackage(*next, p, req.form));
    }
  }
  if (tables_changed) ++next->generation;
  std::shared_ptr<const Pieces> published = std::move(next);
  {
    std::lock_guard<std::mutex> lock(pieces_mu_);
    pieces_ = published;
  }
  return published;
}

std::shared_ptr<const ManifestBody> ManifestCache::Render(const Pieces& pieces,
                                                          const Request& req) const {
  std::string h = "{\"data_packages\":[";
  for (size_t i = 0; i < req.packages.size(); ++i) {
    if (i > 0) h += ',';
    h += *pieces.packages[req.packages[i]][req.form];
  }
  h += "],\"direct_tables\":[";
  bool first = true;
  for (size_t t : req.direct) {
    if (!pieces.tables[t]->broken.empty()) continue;
    if (!first) h += ',';
    first = false;
    h += EntryText(*pieces.tables[t], req.form);
  }
  h += "],\"memory_domains\":[";
  for (size_t i = 0; i < req.domains.size(); ++i) {
    if (i > 0) h += ',';
    h += *req.domain_texts[i];
  }
  h += "],\"server_time\":";
  std::string t = ",\"tables\":{";
  first = true;
  for (size_t i : req.tables) {
    if (!pieces.tables[i]->broken.empty()) continue;
    if (!first) t += ',';
    first = false;
    t += table_keys_[i];
    t += ':';
    t += FlatText(*pieces.tables[i], req.form);
  }
  t += "}}";
  return std::make_shared<const ManifestBody>(pieces.generation, std::move(h), std::move(t));
}

Result<std::string> ManifestCache::Body(const CatalogUser& user, const StackOverrides& overrides,
                                        int64_t now_unix_ns, ClientFeatures features) {
  FERRY_ASSIGN_OR_RETURN(std::shared_ptr<const ManifestBody> body,
                         Current(user, overrides, features));
  return body->Identity(now_unix_ns);
}

Result<std::shared_ptr<const ManifestBody>> ManifestCache::Current(const CatalogUser& user,
                                                                   const StackOverrides& overrides,
                                                                   ClientFeatures features) {
  const Catalog& c = *catalog_;
  const UserStack stack = ResolveStack(c, user, overrides);
  Request req;
  std::vector<bool> in(c.tables.size(), false);
  auto add_table = [&](size_t t) {
    if (!in[t]) {
      in[t] = true;
      req.tables.push_back(t);
    }
  };
  for (const CatalogTable* t : stack.direct_tables) {
    req.direct.push_back(static_cast<size_t>(t - c.tables.data()));
    add_table(req.direct.back());
  }
  for (const CatalogPackage* p : stack.packages) {
    req.packages.push_back(static_cast<size_t>(p - c.packages.data()));
    for (size_t t : package_tables_[req.packages.back()]) add_table(t);
  }
  for (const CatalogDomain* d : stack.domains) {
    req.domains.push_back(static_cast<size_t>(d - c.domains.data()));
  }
  std::sort(req.tables.begin(), req.tables.end(),
            [this](size_t a, size_t b) { return id_rank_[a] < id_rank_[b]; });
  req.form = FormIndex(features);
  // The form leads the key: two forms of one stack are two bodies, never one.
  req.key = "f" + std::to_string(req.form);
  AppendIndices('p', req.packages, &req.key);
  AppendIndices('d', req.domains, &req.key);
  // Each domain as it is now; its version in the key, so an edited item is a new body.
  for (size_t d : req.domains) {
    if (memory_ == nullptr) {
      req.domain_texts.push_back(domain_texts_[d]);
      continue;
    }
    std::shared_ptr<const DomainState> state = memory_->Current(d);
    req.domain_texts.push_back(std::shared_ptr<const std::string>(state, &state->manifest_entry));
    req.key += 'v';
    req.key += std::to_string(state->version);
  }
  AppendIndices('t', req.direct, &req.key);

  // The epoch is read before any lstat: a change after it shows as a later epoch.
  const uint64_t epoch = digests_->ChangeEpoch();
  std::shared_ptr<const Pieces> pieces = Snapshot();
  bool fresh = true;
  for (size_t t : req.tables) {
    if (!FreshAt(pieces->tables[t].get(), epoch)) {
      fresh = false;
      break;
    }
  }
  for (size_t p : req.packages) {
    if (!fresh || !pieces->packages[p][req.form]) {
      fresh = false;
      break;
    }
  }
  if (!fresh) {
    FERRY_ASSIGN_OR_RETURN(pieces, Refresh(req));
  }

  std::shared_ptr<const ManifestBody> body;
  {
    std::lock_guard<std::mutex> lock(bodies_mu_);
    auto it = bodies_.find(req.key);
    if (it != bodies_.end() && it->second->generation() == pieces->generation) body = it->second;
  }
  if (!body) {
    body = Render(*pieces, req);
    std::lock_guard<std::mutex> lock(bodies_mu_);
    const size_t size = body->size();
    auto it = bodies_.find(req.key);
    // Never replace a newer body with an older one (a concurrent request may have refreshed).
    if (it == bodies_.end() || it->second->generation() <= body->generation()) {
      if (it != bodies_.end()) {
        bodies_bytes_ -= it->second->size();
        bodies_.erase(it);
      }
      if (bodies_bytes_ + size > kMaxCachedBodyBytes) {
        bodies_.clear();
        bodies_bytes_ = 0;
      }
      bodies_[req.key] = body;
      bodies_bytes_ += size;
    }
  }
  return body;
}

}  // namespace ferry::serve
