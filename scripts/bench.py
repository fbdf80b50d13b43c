#!/usr/bin/env python3
"""tokctl benchmarks; run through scripts/bench (which provides hyperfine and a
Secret Service). Everything is measured in the same run, against the
project's local mock server, and printed as a markdown table."""

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "target"
CONCURRENT = 50
PROFILES = 50


def sh(*args, **kw):
    return subprocess.run(args, check=True, text=True, **kw)


def clean_release_build():
    """Times `cargo build --release` from nothing, in its own target dir so
    the developer's incremental state is untouched."""
    if os.environ.get("BENCH_SKIP_CLEAN_BUILD"):
        sh("cargo", "build", "--release", "--quiet", cwd=ROOT)
        return None, TARGET / "release" / "tokctl"
    clean = TARGET / "bench-clean"
    shutil.rmtree(clean, ignore_errors=True)
    start = time.monotonic()
    sh("cargo", "build", "--release", "--quiet", "--target-dir", str(clean), cwd=ROOT)
    return time.monotonic() - start, clean / "release" / "tokctl"


class MockServer:
    """examples/mock_server.rs on a free loopback port."""

    def __init__(self, access_ttl):
        sh("cargo", "build", "--release", "--quiet", "--example", "mock_server", cwd=ROOT)
        exe = TARGET / "release" / "examples" / "mock_server"
        self.proc = subprocess.Popen(
            [str(exe), "--port", "0", "--access-ttl", str(access_ttl)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.url = json.loads(self.proc.stdout.readline())["url"]

    def stats(self):
        out = subprocess.run(["curl", "-sf", self.url + "/__stats"], capture_output=True, text=True, check=True)
        return json.loads(out.stdout)

    def reset(self):
        subprocess.run(["curl", "-sf", "-X", "POST", self.url + "/__reset"], capture_output=True, check=True)

    def stop(self):
        self.proc.stdin.close()
        self.proc.terminate()
        self.proc.wait(5)


def hyperfine(commands, env, runs=200, warmup=20):
    """Median seconds of each command (hyperfine, shell-less)."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        args = ["hyperfine", "-N", "--style", "none", "--runs", str(runs), "--warmup", str(warmup),
                "--export-json", out.name] + commands
        subprocess.run(args, check=True, env=env, stdout=subprocess.DEVNULL)
        data = json.load(open(out.name))
    return [r["median"] for r in data["results"]]


def peak_rss_kib(cmd, env):
    """GNU time's %M: measured from a small C parent, because a child forked
    from Python reports Python's own pages as its peak."""
    out = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], env=env, check=True,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    return int(out.stderr.strip().splitlines()[-1])


def ms(s):
    return f"{s * 1000:.2f} ms"


def main():
    build_secs, tokctl = clean_release_build()
    tokctl = str(tokctl)
    work = Path(tempfile.mkdtemp(prefix="tokctl-bench-"))
    env = dict(os.environ)
    for k in list(env):
        if k.startswith("TOKCTL_"):
            del env[k]
    env.update(TOKCTL_CONFIG=str(work / "config.toml"), TOKCTL_DATA_DIR=str(work / "data"),
               TOKCTL_PASSWORD="demo-password", NO_PROXY="127.0.0.1,localhost")
    server = MockServer(access_ttl=3600)
    rows = []
    try:
        def login(profile, store, extra=()):
            sh(tokctl, "-q", "login", "-p", profile, "--provider", "realmassive", "--store", store,
               "--base-url", server.url, "--username", "demo@example.com", *extra, env=env)

        login("rm", "file")
        keychain = os.environ.get("TOKCTL_TEST_KEYCHAIN") == "1"
        if keychain:
            login("rm-kc", "keychain")
        for i in range(PROFILES - 2):
            login(f"p{i:02}", "file")
        cache = str(work / "data" / "cache" / "rm.json")

        # 1. print-header vs cat of the cache file (the floor).
        # The floor is measured before and after the tokctl runs, so that a
        # machine warming up or slowing down during the group is averaged out.
        cmds = ["cat " + cache, f"{tokctl} print-header -p rm"]
        if keychain:
            cmds.append(f"{tokctl} print-header -p rm-kc")
        cmds.append("cat " + cache)
        med = hyperfine(cmds, env, runs=300, warmup=50)
        floor = (med[0] + med[-1]) / 2
        rows.append(("`cat` of the cache file (floor; mean of before and after)", ms(floor), "1.00×", ""))
        rows.append(("`print-header`, fresh token, file store", ms(med[1]), f"{med[1] / floor:.2f}×", "≤ 1.5×"))
        if keychain:
            rows.append(("`print-header`, fresh token, keychain store", ms(med[2]), f"{med[2] / floor:.2f}×", "≤ 1.5×"))

        # 2. exec overhead.
        true = shutil.which("true")
        med = hyperfine([true, f"{tokctl} exec -p rm -- {true}"], env)
        rows.append(("`true`", ms(med[0]), "", ""))
        rows.append(("`exec -- true`", ms(med[1]), f"+{ms(med[1] - med[0])}", "≤ +2 ms"))

        # 3. info and profiles with 50 profiles.
        med = hyperfine([f"{tokctl} info -p rm --json", f"{tokctl} profiles"], env, runs=100)
        rows.append((f"`info --json` ({PROFILES} profiles)", ms(med[0]), "", ""))
        rows.append((f"`profiles` ({PROFILES} profiles)", ms(med[1]), "", ""))

        # 4. One refresh round trip, and the server's share of it.
        server.reset()
        n = 30
        med = hyperfine([f"{tokctl} -q refresh -p rm"], env, runs=n, warmup=0)
        st = server.stats()
        server_ms = st["server_time_us"] / max(st["refresh"], 1) / 1000
        rows.append(("`refresh` round trip (whole process)", ms(med[0]), f"server {server_ms:.2f} ms", ""))

        # 5. 50 concurrent print-header on an expired profile.
        data = json.load(open(cache))
        data["access"]["expires_at"] = 1
        data["expires_at"] = 1
        Path(cache).write_text(json.dumps(data))
        server.reset()
        start = time.monotonic()
        procs = [subprocess.Popen([tokctl, "print-header", "-p", "rm"], env=env, stdout=subprocess.PIPE)
                 for _ in range(CONCURRENT)]
        outs = {p.communicate()[0] for p in procs}
        wall = time.monotonic() - start
        assert all(p.returncode == 0 for p in procs)
        st = server.stats()
        rows.append((f"{CONCURRENT} concurrent `print-header`, expired token", ms(wall),
                     f"{st['refresh']} refresh, {len(outs)} distinct token", "1 refresh, < 1 s"))

        # 6. Memory, size, build time.
        rss = peak_rss_kib([tokctl, "print-header", "-p", "rm"], env)
        rows.append(("peak RSS of `print-header`", f"{rss / 1024:.1f} MiB", "", "≤ 10 MiB"))
        size = os.path.getsize(tokctl)
        rows.append(("stripped release binary", f"{size / 1024 / 1024:.1f} MiB", "", "≤ 8 MiB"))
        if build_secs is not None:
            rows.append(("clean `cargo build --release`", f"{build_secs:.0f} s", "", "≤ 180 s"))
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)

    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    print(f"\nMachine: {os.cpu_count()} cores, {cpu}, {platform.system()} {platform.release()}; "
          f"keychain rows: {'yes' if keychain else 'no (no Secret Service)'}\n")
    print("| measurement | median / value | ratio / note | target |")
    print("|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(r) + " |")


if __name__ == "__main__":
    sys.exit(main())
