#!/usr/bin/env python3
"""Generates the tree bench/sync_bench.sh syncs: FILES files in directories of 100 (two
levels: d<k>/e<j>/f<i>.bin), sizes drawn from 1..(2*AVG_BYTES) so the total is about
FILES * AVG_BYTES (100,000 files at 4,096 bytes: about 400 MB). Seeded, so a rerun gives the
same sizes; the bytes are random (incompressible, no two files alike).

usage: sync_bench_gen.py OUT FILES [AVG_BYTES]
"""
import os
import random
import sys


def main():
    out, files = sys.argv[1], int(sys.argv[2])
    avg = int(sys.argv[3]) if len(sys.argv) > 3 else 4096
    rng = random.Random(12)
    total = 0
    for i in range(files):
        d = os.path.join(out, "d%03d" % (i // 10000), "e%03d" % ((i // 100) % 100))
        if i % 100 == 0:
            os.makedirs(d, exist_ok=True)
        size = rng.randint(1, 2 * avg)
        with open(os.path.join(d, "f%06d.bin" % i), "wb") as f:
            f.write(os.urandom(size))
        total += size
    print("generated %d files, %d bytes in %s" % (files, total, out))


if __name__ == "__main__":
    main()
