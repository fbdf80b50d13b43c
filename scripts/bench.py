"""tokctl benchmarks; run through scripts/bench (which provides hyperfine and a
Secret Service). Everything is measured in the same run, against the
project's local mock server, and printed as a markdown table.

Adding a row: append a `Hot(...)` to `HOT_ROWS` for a command compared with
the `cat` floor (wall clock, callgrind instructions and peak RSS), or a
function to `OTHER_ROWS` for any other measurement. Both get the `Bench`
below: its `tokctl` path, `env`, mock `server`, `work` dir and `login()`."""

import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

ROOT = Path(__file__).resolve().parent.parent
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
# The cargo profile measured: `release` (what users get) unless
# BENCH_PROFILE says `profiling` (quicker to rebuild, keeps symbols).
PROFILE = os.environ.get("BENCH_PROFILE", "release")
CONCURRENT = 50
PROFILES = 50
def sh(*args, **kw):
    return subprocess.run(args, check=True, text=True, **kw)


def clean_release_build():
    """Times `cargo build --release` from nothing, in its own target dir so
    the developer's incremental state is untouched."""
    if os.environ.get("BENCH_SKIP_CLEAN_BUILD") or PROFILE != "release":
        sh("cargo", "build", "--profile", PROFILE, "--quiet", cwd=ROOT)
        return None, TARGET / PROFILE / "tokctl"
    clean = TARGET / "bench-clean"
    shutil.rmtree(clean, ignore_errors=True)
    start, cpu = time.monotonic(), children_cpu()
    sh("cargo", "build", "--release", "--quiet", "--target-dir", str(clean), cwd=ROOT)
    return (time.monotonic() - start, children_cpu() - cpu, os.getloadavg()[1]), clean / "release" / "tokctl"


def children_cpu():
    """User + system seconds of all finished child processes: a build's CPU
    time, which other people's builds on the machine do not stretch."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


class MockServer:
    """examples/mock_server.rs on a free loopback port."""

    def __init__(self, access_ttl):
        # The test suite's debug build, already there on a developer's
        # machine: building the dev-dependencies again with LTO would cost
        # more than the whole benchmark, and the server's own time is shown
        # beside the one row it is part of (the refresh round trip).
        sh("cargo", "build", "--quiet", "--example", "mock_server", cwd=ROOT)
        exe = TARGET / "debug" / "examples" / "mock_server"
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


class OidcServer:
    """tests/oidc-server (the real oidc-provider fixture) on a free loopback port."""

    def __init__(self):
        fixture = ROOT / "tests" / "oidc-server"
        if not (fixture / "node_modules" / "oidc-provider").is_dir():
            sh("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error", cwd=fixture)
        self.proc = subprocess.Popen(
            ["node", "server.mjs"], cwd=fixture, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            env={**os.environ, "OIDC_ACCESS_TTL": "3600", "OIDC_REFRESH_TTL": "86400"})
        self.issuer = json.loads(self.proc.stdout.readline())["issuer"]

    def stop(self):
        self.proc.stdin.close()
        self.proc.terminate()
        self.proc.wait(5)


def narrowed_rows(tokctl, env, work):
    """A token narrowed to one RFC 8707 resource, fresh in its own cache
    entry, against the default token of the same OAuth profile."""
    api = "https://api.example.test/"
    oidc = OidcServer()
    try:
        sh(tokctl, "-q", "login", "-p", "o", "--provider", "oidc", "--store", "file", "--issuer", oidc.issuer,
           "--client-id", "tokctl-basic", "--flow", "password", "--username", "alice", "--password-stdin",
           "--client-secret-stdin", "--token-param", f"resource={api}",
           input="wonderland\nbasic-secret\n", env=env, stdout=subprocess.DEVNULL)
        sh(tokctl, "print-header", "-p", "o", "--resource", api, env=env, stdout=subprocess.DEVNULL)
        narrow = next((work / "data" / "cache" / "narrow" / "o").glob("*.json"))
        cmds = [f"cat {narrow}", f"{tokctl} print-header -p o", f"{tokctl} print-header -p o --resource {api}",
                f"cat {narrow}"]
        med = hyperfine(cmds, env, runs=300, warmup=50, rounds=10)
    finally:
        oidc.stop()
    floor = (med[0] + med[-1]) / 2
    return [
        ("`print-header`, fresh token, OAuth profile", ms(med[1]), f"{med[1] / floor:.2f}×", "≤ 1.5×"),
        ("`print-header --resource`, fresh narrowed token", ms(med[2]), f"{med[2] / floor:.2f}× ({med[2] / med[1]:.2f}× the default)", "≤ 1.5×"),
    ]


def hyperfine(commands, env, runs=200, warmup=20, rounds=1):
    """Median seconds of each command (hyperfine, shell-less). With
    `rounds`, hyperfine runs every command runs/rounds times per round, one
    round after another, and the median is over all rounds' runs: the
    commands then share the machine's load as it comes and goes, instead of
    one command getting a quiet minute and the next a busy one."""
    times = [[] for _ in commands]
    for _ in range(rounds):
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            args = ["hyperfine", "-N", "--style", "none", "--runs", str(runs // rounds),
                    "--warmup", str(max(warmup // rounds, 3)), "--export-json", out.name] + commands
            subprocess.run(args, check=True, env=env, stdout=subprocess.DEVNULL)
            data = json.load(open(out.name))
        for t, r in zip(times, data["results"]):
            t.extend(r["times"])
    return [statistics.median(t) for t in times]


def spawn_medians(argvs, env, stdin, runs=300, warmup=30):
    """Median seconds of each argv fed `stdin`, runs interleaved round-robin
    (hyperfine 1.15, Debian's, cannot feed stdin). Includes Python's spawn
    cost, the same for every argv, so compare only within one call."""
    with tempfile.TemporaryFile() as f:
        f.write(stdin)
        times = [[] for _ in argvs]
        for i in range(warmup + runs):
            for argv, t in zip(argvs, times):
                f.seek(0)
                start = time.perf_counter()
                subprocess.run(argv, env=env, stdin=f, stdout=subprocess.DEVNULL, check=True)
                if i >= warmup:
                    t.append(time.perf_counter() - start)
    return [statistics.median(t) for t in times]


def instructions(argv, env, stdin=None):
    """Instructions executed, counted by callgrind: stable on a busy machine."""
    out = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *argv],
                         env=env, input=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=True)
    line = next(l for l in out.stderr.decode().splitlines() if "Collected :" in l)
    return int(line.split(":")[-1])


def peak_rss_kib(cmd, env, stdin=None, runs=15):
    """GNU time's %M (measured from a small C parent, because a child forked
    from Python reports Python's own pages as its peak): the median of
    `runs`, since address-space randomisation moves which pages the kernel
    maps around each fault, by ±0.2 MiB from run to run."""
    peaks = []
    for _ in range(runs):
        out = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], env=env, check=True, input=stdin,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        peaks.append(int(out.stderr.decode().strip().splitlines()[-1]))
    return statistics.median(peaks)


def ms(s):
    return f"{s * 1000:.2f} ms"


class Bench:
    """What a row can use: the binary, the environment (TOKCTL_* pointed at a
    temporary config and data dir), the mock server and `login()`."""

    def __init__(self, tokctl, work, env, server):
        self.tokctl, self.work, self.env, self.server = tokctl, work, env, server

    def login(self, profile, store="file", provider="realmassive", extra=()):
        sh(self.tokctl, "-q", "login", "-p", profile, "--provider", provider, "--store", store,
           "--base-url", self.server.url, "--username", "demo@example.com", *extra, env=self.env)

    def cache(self, profile):
        return str(self.work / "data" / "cache" / f"{profile}.json")


@dataclass
class Hot:
    """A hot-path command, compared with `cat` of a cache file in the same run."""
    label: str
    args: list                      # tokctl's arguments
    target: str = ""                # shown in the target column, e.g. "≤ 1.2×"
    stdin: Optional[bytes] = None   # fed on stdin (then timed by spawn_medians)
    setup: Optional[Callable[[Bench], None]] = None  # logs in what it needs
    when: Callable[[Bench], bool] = lambda b: True   # e.g. only with a keychain


def has_keychain(_b):
    return os.environ.get("TOKCTL_TEST_KEYCHAIN") == "1"


def login_defined(b):
    """A profile of a defined kind: the Vivacity example definition, speaking
    the mock's Vivacity API. Its hot path must cost what a built-in kind's does."""
    d = b.work / "providers"
    d.mkdir(mode=0o700, exist_ok=True)
    shutil.copy(ROOT / "examples" / "providers" / "vivacitylabs.toml", d / "vivacitylabs.toml")
    os.chmod(d / "vivacitylabs.toml", 0o600)
    b.env["TOKCTL_PROVIDERS_DIR"] = str(d)
    sh(b.tokctl, "-q", "login", "-p", "def", "--provider", "vivacitylabs", "--store", "file",
       "--base-url", b.server.url, "--username", "demo", env=b.env)


HOT_ROWS = [
    Hot("`print-header`, fresh token, file store", ["print-header", "-p", "rm"], "≤ 1.2×"),
    Hot("`print-header --format exec-credential`, fresh token",
        ["print-header", "-p", "rm", "--format", "exec-credential"], "≤ 1.3×"),
    Hot("`git-credential get`, fresh token", ["git-credential", "-p", "rm", "get"], "≤ 1.3×",
        stdin=b"capability[]=authtype\nprotocol=https\nhost=git.example.com\n\n"),
    Hot("`print-header`, fresh token, defined kind (providers/vivacitylabs.toml)",
        ["print-header", "-p", "def"], "≤ 1.2×", setup=login_defined),
    Hot("`print-header`, fresh token, keychain store", ["print-header", "-p", "rm-kc"], "≤ 1.2×",
        setup=lambda b: b.login("rm-kc", "keychain"), when=has_keychain),
]


def hot_rows(b, rows):
    """Wall clock (median ratio to the floor), instructions and peak RSS of
    every HOT_ROWS entry. The floor is `cat` of the cache file, measured
    before and after the tokctl runs, so that a machine warming up or
    slowing down during the group is averaged out."""
    hot = [h for h in HOT_ROWS if h.when(b)]
    for h in hot:
        if h.setup:
            h.setup(b)
    cat = ["cat", b.cache("rm")]
    plain = [h for h in hot if h.stdin is None]
    med = hyperfine([" ".join(cat)] + [" ".join([b.tokctl, *h.args]) for h in plain] + [" ".join(cat)],
                    b.env, runs=600, warmup=50, rounds=10)
    floor = (med[0] + med[-1]) / 2
    times = dict(zip((h.label for h in plain), med[1:-1]))
    rows.append(("`cat` of the cache file (floor; mean of before and after)", ms(floor), "1.00×", ""))
    for h in plain:
        rows.append((h.label, ms(times[h.label]), f"{times[h.label] / floor:.2f}×", h.target))
    for h in hot:
        if h.stdin is not None:
            cat_med, med = spawn_medians([["cat"], [b.tokctl, *h.args]], b.env, h.stdin)
            rows.append((h.label + " (stdin; spawned from Python)", ms(med),
                         f"{med / cat_med:.2f}× `cat` of the same stdin", h.target))
    cat_i = instructions(cat, b.env)
    rows.append(("instructions: `cat` of the cache file (callgrind)", f"{cat_i / 1e6:.2f} M", "1.00×", ""))
    for h in hot:
        n = instructions([b.tokctl, *h.args], b.env, h.stdin)
        rows.append((f"instructions: {h.label}", f"{n / 1e6:.2f} M", f"{n / cat_i:.2f}×", ""))
    rows.append(("peak RSS of `cat`", f"{peak_rss_kib(cat, b.env) / 1024:.2f} MiB", "median of 15", ""))
    for h in hot:
        rss = peak_rss_kib([b.tokctl, *h.args], b.env, h.stdin)
        rows.append((f"peak RSS: {h.label}", f"{rss / 1024:.2f} MiB", "median of 15", "≤ 3 MiB"))


def exec_overhead(b, rows):
    true = shutil.which("true")
    med = hyperfine([true, f"{b.tokctl} exec -p rm -- {true}"], b.env)
    rows.append(("`true`", ms(med[0]), "", ""))
    rows.append(("`exec -- true`", ms(med[1]), f"+{ms(med[1] - med[0])}", "≤ +2 ms"))


def listing(b, rows):
    med = hyperfine([f"{b.tokctl} info -p rm --json", f"{b.tokctl} profiles"], b.env, runs=100)
    rows.append((f"`info --json` ({PROFILES} profiles)", ms(med[0]), "", ""))
    rows.append((f"`profiles` ({PROFILES} profiles)", ms(med[1]), "", ""))


def refresh_round_trip(b, rows):
    """One refresh round trip, and the server's share of it."""
    b.server.reset()
    med = hyperfine([f"{b.tokctl} -q refresh -p rm"], b.env, runs=30, warmup=0)
    st = b.server.stats()
    server_ms = st["server_time_us"] / max(st["refresh"], 1) / 1000
    rows.append(("`refresh` round trip (whole process)", ms(med[0]), f"server {server_ms:.2f} ms", ""))


def concurrent_expired(b, rows):
    """50 concurrent print-header on an expired profile: one refresh."""
    cache = b.cache("rm")
    data = json.load(open(cache))
    data["access"]["expires_at"] = 1
    data["expires_at"] = 1
    Path(cache).write_text(json.dumps(data))
    b.server.reset()
    start = time.monotonic()
    procs = [subprocess.Popen([b.tokctl, "print-header", "-p", "rm"], env=b.env, stdout=subprocess.PIPE)
             for _ in range(CONCURRENT)]
    outs = {p.communicate()[0] for p in procs}
    wall = time.monotonic() - start
    assert all(p.returncode == 0 for p in procs)
    st = b.server.stats()
    rows.append((f"{CONCURRENT} concurrent `print-header`, expired token", ms(wall),
                 f"{st['refresh']} refresh, {len(outs)} distinct token", "1 refresh, < 1 s"))


# Measurements other than hot-path commands, in this order; each appends
# (measurement, value, note, target) tuples. concurrent_expired leaves the
# profile's token expired, so it stays last among those that need it fresh.
def keep_fresh_supervisor(b, rows):
    """What staying the parent costs (`exec --keep-fresh`), the
    supervisor's memory, and its CPU time while a long job runs and no
    renewal is due (BENCH_QUIET_SECS, default a minute)."""
    env = dict(b.env, XDG_RUNTIME_DIR=str(b.work / "run"))
    (b.work / "run").mkdir(mode=0o700, exist_ok=True)
    true = shutil.which("true")
    med = hyperfine([f"{b.tokctl} exec -p rm -- {true}", f"{b.tokctl} exec -p rm --keep-fresh -- {true}"], env)
    rows.append(("`exec --keep-fresh -- true`", ms(med[1]), f"+{ms(med[1] - med[0])} over `exec -- true`", ""))
    rss = peak_rss_kib([b.tokctl, "exec", "-p", "rm", "--keep-fresh", "--", "sleep", "2"], env, runs=3)
    rows.append(("peak RSS of the `--keep-fresh` supervisor", f"{rss / 1024:.1f} MiB", "", "≤ 10 MiB"))
    quiet = float(os.environ.get("BENCH_QUIET_SECS", "60"))
    sup = subprocess.Popen([b.tokctl, "exec", "-p", "rm", "--keep-fresh", "--", "sleep", str(quiet + 5)], env=env)
    time.sleep(2)

    def ticks():  # utime + stime of the supervisor, /proc/PID/stat fields 14-15
        return sum(int(f) for f in open(f"/proc/{sup.pid}/stat").read().rsplit(")", 1)[1].split()[11:13])
    before = ticks()
    time.sleep(quiet)
    spent = (ticks() - before) * 1000 / os.sysconf("SC_CLK_TCK")
    sup.terminate()
    sup.wait(10)
    rows.append((f"`--keep-fresh` supervisor CPU over a quiet {quiet:.0f} s", f"{spent:.0f} ms", "user + system", "≈ 0"))


def narrowed(b, rows):
    """A fresh token narrowed with --resource costs what the default one does."""
    rows.extend(narrowed_rows(b.tokctl, b.env, b.work))


def binary_facts(b, rows):
    """What the dynamic loader does before tokctl's first instruction, and
    the hardening and portability it must keep: PIE (ASLR), full RELRO
    (BIND_NOW), no packed DT_RELR relocations, and the newest glibc symbol
    version it needs."""
    relocs = sh("readelf", "-r", "-W", b.tokctl, capture_output=True).stdout
    relative = relocs.count("R_X86_64_RELATIVE")
    symbolic = sum(1 for l in relocs.splitlines() if l[:1].isalnum() and "R_X86_64_" in l) - relative
    rows.append(("dynamic relocations: relative / symbol", f"{relative} / {symbolic}", "", ""))
    dynamic = sh("readelf", "-d", "-W", b.tokctl, capture_output=True).stdout
    libs = [l.split("[")[1].rstrip("]") for l in dynamic.splitlines() if "(NEEDED)" in l]
    rows.append(("shared libraries loaded", ", ".join(libs), "", ""))
    headers = sh("readelf", "-l", "-W", b.tokctl, capture_output=True).stdout
    pie = "DYN (Position-Independent Executable" in headers or "PIE" in dynamic
    relro = "GNU_RELRO" in headers and "BIND_NOW" in dynamic
    relr = "(RELR)" in dynamic
    versions = sh("readelf", "-V", "-W", b.tokctl, capture_output=True).stdout
    glibc = max((tuple(int(x) for x in v.split("_")[1].split("."))
                 for v in set(re.findall(r"GLIBC_2\.[0-9.]+", versions))), default=())
    rows.append(("PIE / full RELRO / DT_RELR", f"{'yes' if pie else 'NO'} / {'yes' if relro else 'NO'} / "
                 f"{'YES' if relr else 'no'}", "", "yes / yes / no"))
    rows.append(("newest glibc symbol version needed", "GLIBC_" + ".".join(map(str, glibc)), "", ""))


OTHER_ROWS = [exec_overhead, keep_fresh_supervisor, listing, refresh_round_trip, concurrent_expired, narrowed,
              binary_facts]


def main():
    build_secs, tokctl = clean_release_build()
    load_before = " ".join(f"{x:.1f}" for x in os.getloadavg())
    tokctl = str(tokctl)
    work = Path(tempfile.mkdtemp(prefix="tokctl-bench-"))
    env = dict(os.environ)
    for k in list(env):
        if k.startswith("TOKCTL_"):
            del env[k]
    # The C locale: under a UTF-8 locale `cat` loads locale data first (118
    # system calls instead of 44), a floor tokctl, which never does, would
    # beat without trying.
    env.update(TOKCTL_CONFIG=str(work / "config.toml"), TOKCTL_DATA_DIR=str(work / "data"),
               TOKCTL_PASSWORD="demo-password", NO_PROXY="127.0.0.1,localhost", LC_ALL="C")
    server = MockServer(access_ttl=3600)
    b = Bench(tokctl, work, env, server)
    rows = []
    try:
        b.login("rm")
        for i in range(PROFILES - 2):
            b.login(f"p{i:02}")
        hot_rows(b, rows)
        for measure in OTHER_ROWS:
            measure(b, rows)
        size = os.path.getsize(tokctl)
        label = "stripped release binary" if PROFILE == "release" else f"{PROFILE} binary (with symbols)"
        rows.append((label, f"{size / 1024 / 1024:.1f} MiB", "", "≤ 8 MiB" if PROFILE == "release" else ""))
        if build_secs is not None:
            wall, cpu, load = build_secs
            rows.append(("clean `cargo build --release`", f"{wall:.0f} s",
                         f"{cpu:.0f} s CPU; load average {load:.1f} over 5 min", "≤ 180 s"))
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)

    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    print(f"\nMachine: {os.cpu_count()} cores, {cpu}, {platform.system()} {platform.release()}; "
          f"keychain rows: {'yes' if has_keychain(b) else 'no (no Secret Service)'}; "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; cargo profile {PROFILE}; "
          f"load average {load_before} before, {' '.join(f'{x:.1f}' for x in os.getloadavg())} after\n")
    print("| measurement | median / value | ratio / note | target |")
    print("|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(r) + " |")


if __name__ == "__main__":
    sys.exit(main())
