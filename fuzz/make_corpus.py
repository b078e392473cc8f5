#!/usr/bin/env python3
"""Regenerates the seed corpora in fuzz/corpus/<target>/ from ferry's test fixtures.

Seeds come from what the tests already feed each parser: the string literals of its unit
tests (raw and ordinary, adjacent ones joined, escapes decoded), the demo catalog and memory
items (demo/), and for checksum lists the real output of GNU sha256sum / md5sum over demo/
(the format `ferry hash` mirrors byte for byte). Each seed is named by the SHA-1 of its bytes,
as libFuzzer names its own. Inputs named regress-* are crash reproducers added by hand with
their fix; they are kept.

    fuzz/make_corpus.py        # from the repository root or anywhere
"""
import hashlib
import os
import re
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MANIFEST_URL = "http://127.0.0.1:8765/api/sync/manifest"
MAX_SEED = 64 * 1024


def read(rel):
    with open(os.path.join(ROOT, rel), "rb") as f:
        return f.read()


def decode_escapes(body):
    """The bytes of an ordinary C++ string literal's body."""
    out = bytearray()
    i = 0
    simple = {"n": 10, "t": 9, "r": 13, "0": 0, "\\": 92, '"': 34, "'": 39, "a": 7, "b": 8,
              "f": 12, "v": 11, "?": 63}
    while i < len(body):
        c = body[i]
        if c != "\\":
            out += c.encode()
            i += 1
            continue
        n = body[i + 1]
        if n == "x":
            m = re.match(r"[0-9a-fA-F]+", body[i + 2:])
            out.append(int(m.group(0), 16) & 0xFF)
            i += 2 + len(m.group(0))
        elif n in "01234567":
            m = re.match(r"[0-7]{1,3}", body[i + 1:])
            out.append(int(m.group(0), 8) & 0xFF)
            i += 1 + len(m.group(0))
        else:
            out.append(simple.get(n, ord(n)))
            i += 2
    return bytes(out)


def literals(rel):
    """Every string literal of a C++ file, adjacent literals joined ("a" "b" -> "ab")."""
    src = read(rel).decode()
    token = re.compile(r'//[^\n]*|/\*.*?\*/|\'(?:\\.|[^\\\'])\'|'
                       r'R"([^(\s]*)\((.*?)\)\1"|"((?:\\.|[^\\"\n])*)"', re.S)
    found = []
    last_end = None
    for m in token.finditer(src):
        if m.group(0).startswith(("//", "/*", "'")):
            last_end = None
            continue
        value = m.group(2).encode() if m.group(0).startswith("R") else decode_escapes(m.group(3))
        if last_end is not None and src[last_end:m.start()].strip() == "":
            found[-1] += value
        else:
            found.append(value)
        last_end = m.end()
    return found


def files(pattern_dir, suffix):
    out = []
    for dirpath, _, names in os.walk(os.path.join(ROOT, pattern_dir)):
        for n in sorted(names):
            if n.endswith(suffix):
                out.append(os.path.relpath(os.path.join(dirpath, n), ROOT))
    return sorted(out)


def json_like(s):
    return s.lstrip()[:1] in (b"{", b"[")


def gnu_checksum_lists():
    """sha256sum / md5sum (plain and --tag) over demo/, and over names GNU escapes."""
    lists = []
    demo = sorted(os.path.relpath(p, ROOT) for p in files("demo", ""))
    for tool in ("sha256sum", "md5sum"):
        for tag in ([], ["--tag"]):
            lists.append(subprocess.run([tool, *tag, *demo], cwd=ROOT, check=True,
                                        capture_output=True).stdout)
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("back\\slash.parquet", "new\nline.parquet", "cr\r.parquet", " lead",
                     "a ) = b"):
            with open(os.path.join(tmp, name), "wb") as f:
                f.write(name.encode())
        names = sorted(os.listdir(tmp))
        for tool in ("sha256sum", "md5sum"):
            for tag in ([], ["--tag"]):
                lists.append(subprocess.run([tool, *tag, *names], cwd=tmp, check=True,
                                            capture_output=True).stdout)
    return lists


def seeds():
    s = {}
    s["manifest"] = [x for x in literals("src/pull/manifest_test.cc") if json_like(x)]
    s["sync_state"] = [x for x in literals("src/store/sync_state_test.cc") if json_like(x)]
    s["digest_cache"] = [x for x in literals("src/store/digest_cache_test.cc") if json_like(x)]
    # Well-formed caches in the layout digest_cache.h documents: one entry matching the stat
    # of the file digest_cache_fuzzer.cc makes (so mutations reach the trusted and racy
    # paths), one for a directory Refresh() stats.
    entry = ('{"dev": %d, "ino": %d, "size": 4, "mtime_ns": %d, "ctime_ns": %d, '
             '"md5": "3f2b0c1d2e3f40516273849a5b6c7d8e", "recorded_ns": %d}')
    clock = 1767225600 * 10**9  # MemEnv::kClockStartUnixNanos
    trusted = entry % (0x6d656d00, 4, clock, clock, clock + 10**9)
    racy = entry % (0x6d656d00, 4, clock, clock, clock)
    for entries in ('"/ws/orders.parquet": ' + trusted,
                    '"/ws/orders.parquet": ' + racy + ', "/ws": ' + trusted):
        s["digest_cache"].append(('{"version": 1, "entries": {%s}}' % entries).encode())
    s["catalog"] = [read("demo/catalog.yaml")] + [
        x for x in literals("src/serve/catalog_test.cc") if b":" in x and b"\n" in x]
    s["memory_item"] = [read(p) for p in files("demo/memory", ".md")] + [
        x for x in literals("src/serve/bundle_renderer_test.cc") if x.startswith(b"---")]
    s["checksum_list"] = gnu_checksum_lists() + [
        x for x in literals("src/base/checksum_list_test.cc") + literals("tests/cli/hash_test.cc")
        if x.strip()]
    s["http_headers"] = literals("src/serve/download_handler_test.cc") + [
        b"Bearer demo-token-ana", b"bearer  demo-token-bob \r", b"Basic YW5hOnNlY3JldA=="]
    url_lits = [x for x in literals("src/net/url_test.cc") if b"\n" not in x]
    bases = [x for x in url_lits if x.lower().startswith((b"http://", b"https://"))]
    s["url"] = url_lits + [b + b"\n" + r for b in bases[:4] for r in url_lits]
    s["part_path"] = literals("src/base/path_test.cc") + [
        b"2024/part-0.parquet", b"2025/part-1.parquet", b"2026/01.parquet"]
    return s


def main():
    for name, inputs in seeds().items():
        out_dir = os.path.join(ROOT, "fuzz", "corpus", name)
        os.makedirs(out_dir, exist_ok=True)
        for old in os.listdir(out_dir):
            if not old.startswith("regress-"):
                os.remove(os.path.join(out_dir, old))
        kept = {x for x in inputs if 0 < len(x) <= MAX_SEED}
        for data in kept:
            with open(os.path.join(out_dir, hashlib.sha1(data).hexdigest()), "wb") as f:
                f.write(data)
        print(f"{name}: {len(kept)} seeds")


if __name__ == "__main__":
    main()
