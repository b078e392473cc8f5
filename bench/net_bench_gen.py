#!/usr/bin/env python3
"""Generates a catalog for `ferry serve` for bench/net_bench.sh (issue 14):

  <out>/data/t<NNNNN>.parquet     TABLES files of SIZE random bytes between PAR1 magics
  <out>/catalog.yaml              PACKAGES packages, each table in REFS of them, one user
                                  `bench` (token TOKEN) with every package in the stack
  <out>/urls.txt                  a curl config: one `url` + `output` pair per table, each
                                  URL starting with the placeholder @BASE@ (the server's or
                                  the proxy's address is only known once they run), outputs
                                  under <out>/curl/

usage: net_bench_gen.py OUT TABLES SIZE_BYTES PACKAGES REFS TOKEN
(2,000 tables in 50 packages with 3 references each make a ~0.9 MB manifest, as in the issue.)
"""
import hashlib
import os
import sys


def main():
    out, n, size, n_pkgs, refs, token = sys.argv[1:7]
    n, size, n_pkgs, refs = int(n), int(size), int(n_pkgs), int(refs)
    os.makedirs(os.path.join(out, "data"), exist_ok=True)
    ids = ["t%05d" % i for i in range(n)]
    for tid in ids:
        with open(os.path.join(out, "data", tid + ".parquet"), "wb") as f:
            f.write(b"PAR1" + os.urandom(size - 8) + b"PAR1")
    packages = [[] for _ in range(n_pkgs)]
    stride = max(1, n_pkgs // refs)
    for i, tid in enumerate(ids):
        for k in range(min(refs, n_pkgs)):
            p = (i + k * stride) % n_pkgs
            if tid not in packages[p]:
                packages[p].append(tid)
    sha = hashlib.sha256(token.encode()).hexdigest()
    with open(os.path.join(out, "catalog.yaml"), "w") as f:
        f.write("root: ./data\ntables:\n")
        for tid in ids:
            f.write("  - {id: %s, name: %s, file: %s.parquet, query_mode: local}\n"
                    % (tid, tid, tid))
        f.write("packages:\n")
        for p, tables in enumerate(packages):
            f.write("  - {slug: p%03d, name: P%d, description: bench, requirement: available, "
                    "tables: [%s]}\n" % (p, p, ", ".join(tables)))
        slugs = ", ".join("p%03d" % p for p in range(n_pkgs))
        f.write("memory_domains: []\nusers:\n  - name: bench\n")
        f.write('    token_sha256: "%s"\n' % sha)
        f.write("    grants: {packages: [%s], memory_domains: [], tables: [%s]}\n"
                % (slugs, ", ".join(ids)))
        f.write("    stack: {packages: [%s], memory_domains: [], direct_tables: []}\n" % slugs)
    os.makedirs(os.path.join(out, "curl"), exist_ok=True)
    with open(os.path.join(out, "urls.txt"), "w") as f:
        for tid in ids:
            f.write('url = "%s/api/data/%s/download"\noutput = "%s"\n'
                    % ("@BASE@", tid, os.path.join(out, "curl", tid + ".parquet")))


if __name__ == "__main__":
    main()
