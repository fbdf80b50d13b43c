"""Writes build/hot-path.order: the functions the hot-path commands run, in
the order the linker should place them at the start of `.text`.

Why: with a fresh token `print-header` executes a few hundred KiB of code
spread over the whole 5 MiB `.text`, and the kernel maps 64 KiB around every
page fault, so most of the binary's code ended up in its resident set. Laid
out together, the same code costs a handful of faults (see BENCHMARKS.md).

How: the release binary is linked once more with a link map (only tokctl's
own crate is rebuilt; the symbol names are those of the ordinary release
build), every HOT_ROWS command of scripts/bench.py runs once under callgrind
with instruction-level output, and each executed address is looked up in the
map. The file only names symbols: a stale entry is ignored by the linker, so
an out-of-date file costs resident memory, never correctness. Rerun after a
dependency update or a large change to the hot path:

    scripts/hot-order            # then commit build/hot-path.order
    scripts/hot-order BINARY MAP # from a release binary and its link map
"""

import bisect
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402  (the benchmark's login set-up and HOT_ROWS)

ROOT = bench.ROOT
ORDER = ROOT / "build" / "hot-path.order"


def link_with_map(map_path):
    """The release binary, relinked with a link map beside it."""
    sh = bench.sh
    sh("cargo", "rustc", "--release", "--quiet", "--bin", "tokctl", "--",
       "-C", f"link-arg=-Wl,-Map={map_path}", "-C", "link-arg=-Wl,--no-demangle", cwd=ROOT)
    return bench.TARGET / "release" / "tokctl"


def text_symbols(map_path):
    """(address, name) of every symbol the map places in `.text`, sorted."""
    syms, in_text = [], False
    line_re = re.compile(r"^\s*([0-9a-f]+)\s+[0-9a-f]+\s+[0-9a-f]+\s+\d+\s(\s*)(\S.*)$")
    for line in open(map_path, errors="replace"):
        m = line_re.match(line)
        if not m:
            continue
        addr, indent, what = int(m.group(1), 16), len(m.group(2)), m.group(3)
        if indent == 0:  # an output section
            in_text = what == ".text"
        elif in_text and indent >= 16 and ":(" not in what:  # a symbol, not an input section
            syms.append((addr, what.strip()))
    syms.sort()
    return syms


def executed_addresses(argv, env, stdin):
    """Instruction addresses callgrind saw executed in the tokctl binary."""
    with tempfile.NamedTemporaryFile(suffix=".cg") as out:
        subprocess.run(["valgrind", "--tool=callgrind", "--dump-instr=yes", "--compress-pos=no",
                        f"--callgrind-out-file={out.name}", *argv],
                       env=env, input=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       check=True)
        addrs, mine, objs = set(), False, {}
        for line in open(out.name):
            # An object is named where it first appears, which may be a
            # callee's `cob=` line; only `ob=` switches the current one.
            m = re.match(r"^(c?ob)=\((\d+)\)(?: (.*))?$", line)
            if m:
                if m.group(3):
                    objs[m.group(2)] = m.group(3)
                if m.group(1) == "ob":
                    mine = objs.get(m.group(2), "").endswith("/tokctl")
                continue
            if mine and line.startswith("0x"):
                addrs.add(int(line.split()[0], 16))
    return addrs


def main():
    work = Path(tempfile.mkdtemp(prefix="tokctl-hot-order-"))
    if len(sys.argv) == 3:  # a binary and its link map, already built
        tokctl, map_path = sys.argv[1], sys.argv[2]
    else:
        map_path = work / "tokctl.map"
        tokctl = str(link_with_map(map_path))
    syms = text_symbols(map_path)
    starts = [a for a, _ in syms]
    env = dict(os.environ)
    for k in list(env):
        if k.startswith("TOKCTL_"):
            del env[k]
    env.update(TOKCTL_CONFIG=str(work / "config.toml"), TOKCTL_DATA_DIR=str(work / "data"),
               TOKCTL_PASSWORD="demo-password", NO_PROXY="127.0.0.1,localhost")
    server = bench.MockServer(access_ttl=3600)
    b = bench.Bench(tokctl, work, env, server)
    order = {}
    try:
        b.login("rm")
        for h in bench.HOT_ROWS:
            if not h.when(b):
                continue
            if h.setup:
                h.setup(b)
            for a in sorted(executed_addresses([tokctl, *h.args], b.env, h.stdin)):
                i = bisect.bisect_right(starts, a) - 1
                if i >= 0:
                    order.setdefault(syms[i][1], syms[i][0])
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    ORDER.parent.mkdir(exist_ok=True)
    # In address order: the linker's own layout of the hot functions, packed.
    names = sorted(order, key=order.get)
    ORDER.write_text("".join(n + "\n" for n in names))
    print(f"{ORDER.relative_to(ROOT)}: {len(names)} functions")


if __name__ == "__main__":
    sys.exit(main())
