#!/usr/bin/env python3
"""Generates a static catalog for bench/pull_bench.sh: table files and manifests laid out so
that nginx can serve them at the PROTOCOL.md paths (docs/PROTOCOL.md):

  <out>/files/<id>                 served at /api/data/<id>/download
  <out>/manifest.json              served at /api/sync/manifest
  <out>/manifest_half.json         the same stack with every second package dropped
  <out>/urls.txt                   one download URL per table (for the curl comparison)

usage: pull_bench_gen.py OUT TABLES SIZE_BYTES PACKAGES REFS_PER_TABLE BASE_URL
"""
import hashlib
import json
import os
import random
import sys


def main():
    out, n_tables, size, n_pkgs, refs, base = sys.argv[1:7]
    n_tables, size, n_pkgs, refs = int(n_tables), int(size), int(n_pkgs), int(refs)
    os.makedirs(os.path.join(out, "files"), exist_ok=True)
    rng = random.Random(42)
    tables = []
    for i in range(n_tables):
        tid = "t%05d" % i
        path = os.path.join(out, "files", tid)
        body = b"PAR1" + os.urandom(size - 8) + b"PAR1"
        with open(path, "wb") as f:
            f.write(body)
        tables.append({"id": tid, "name": tid, "md5": hashlib.md5(body).hexdigest(),
                       "size_bytes": size, "query_mode": "local", "server_only": False})
    packages = [{"id": "p%03d" % p, "slug": "pkg%03d" % p, "name": "Package %d" % p,
                 "tables": []} for p in range(n_pkgs)]
    # Every table in `refs` distinct packages (round robin with a random start).
    for i, t in enumerate(tables):
        start = rng.randrange(n_pkgs)
        for k in range(refs):
            packages[(start + k * max(1, n_pkgs // refs)) % n_pkgs]["tables"].append(t)
    for p in packages:  # a table may land twice in one package with unlucky strides
        seen, uniq = set(), []
        for t in p["tables"]:
            if t["id"] not in seen:
                seen.add(t["id"])
                uniq.append(t)
        p["tables"] = uniq

    def write(name, pkgs):
        doc = {"server_time": "2026-01-01T00:00:00+00:00", "tables": {}, "direct_tables": [],
               "data_packages": pkgs, "memory_domains": []}
        with open(os.path.join(out, name), "w") as f:
            json.dump(doc, f)

    write("manifest.json", packages)
    write("manifest_half.json", packages[::2])
    with open(os.path.join(out, "urls.txt"), "w") as f:
        for t in tables:
            f.write("%s/api/data/%s/download\n" % (base, t["id"]))
    print(sum(len(p["tables"]) for p in packages), "references")


if __name__ == "__main__":
    main()
