#!/usr/bin/env python3
"""The Google Benchmark programs of two revisions, side by side in one run.

Checks out each revision with `git worktree add --detach` (under --work, /tmp by default),
builds only the core library and the bench programs there (Release, -DSMARTKAMPUNG_BENCH=ON,
tests and Python off: docs/geo.md's bench build), then runs each program of both builds
interleaved: round r runs A then B (B then A on odd rounds, so that neither side always
goes first), --rounds times, as separate processes; nothing is pinned. Prints a Markdown
table a program: the median CPU time of each benchmark present in both builds, the ratio
B/A, and a flag where B is slower by more than --threshold (3%). The spread column is the
larger of the two sides' (max - min) / median over the rounds: a ratio inside it is noise.

    python3 bench/compare_commits.py                       # 1ebd55c^ (before issue 20) vs HEAD
    python3 bench/compare_commits.py --base A --head B --benches nik,rules --filter 'Parse'
    python3 bench/compare_commits.py --benches geo --filter 'Nearest' --rounds 9   # rerun one

Programs named by --separate (default linkage, whose behaviour changed on purpose since
1ebd55c^) are reported in a section of their own. The worktrees and builds are kept for a
rerun (they are reused when the revision is the same); --clean removes the worktrees.
"""

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile

BENCHES = ["nik", "registry", "rules", "geo", "cert", "io", "linkage"]
UNIT_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


def git(repo, *args):
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout.strip()


def checkout(repo, work, sha):
    """A detached worktree of `sha` under `work` (reused when present)."""
    tree = work / f"src-{sha[:12]}"
    if not (tree / "CMakeLists.txt").exists():
        subprocess.run(
            ["git", "-C", str(repo), "worktree", "add", "--detach", str(tree), sha],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return tree


def build(tree, build_dir, benches, jobs):
    """Only the library and the bench programs the revision has; returns {name: program}."""
    present = [b for b in benches if (tree / "bench" / f"bench_{b}.cpp").exists()]
    if not (build_dir / "build.ninja").exists():
        subprocess.run(
            [
                "cmake",
                "-S",
                str(tree),
                "-B",
                str(build_dir),
                "-G",
                "Ninja",
                "-DCMAKE_BUILD_TYPE=Release",
                "-DSMARTKAMPUNG_BENCH=ON",
                "-DSMARTKAMPUNG_TESTS=OFF",
                "-DSMARTKAMPUNG_PYTHON=OFF",
                "-DSMARTKAMPUNG_INSTALL=OFF",
                "-DSMARTKAMPUNG_SHARED=OFF",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    targets = [f"bench_{b}" for b in present]
    subprocess.run(["ninja", "-C", str(build_dir), f"-j{jobs}", *targets], check=True, stdout=subprocess.DEVNULL)
    return {b: build_dir / "bench" / f"bench_{b}" for b in present}


def run_once(program, args, out_json, clock="cpu_time"):
    """{benchmark name: [ns of each repetition]} of one process (errors left out), by `clock`
    (cpu_time, or real_time for a benchmark that runs on several threads)."""
    done = subprocess.run(
        [str(program), f"--benchmark_out={out_json}", "--benchmark_out_format=json", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    if done.returncode != 0:
        sys.exit(f"{program} failed ({done.returncode}):\n{done.stderr}")
    times = {}
    for b in json.loads(pathlib.Path(out_json).read_text())["benchmarks"]:
        if b.get("run_type", "iteration") != "iteration" or b.get("error_occurred"):
            continue
        name = b.get("run_name", b["name"])
        times.setdefault(name, []).append(b[clock] * UNIT_NS[b.get("time_unit", "ns")])
    return times


def fmt_ns(ns):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("us", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


def table(rows, threshold, clock="cpu_time"):
    what = "CPU" if clock == "cpu_time" else "wall"
    out = [
        f"| benchmark | A (median {what}) | B (median {what}) | B/A | spread | |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for name, a, b in rows:
        ma, mb = statistics.median(a), statistics.median(b)
        ratio = mb / ma if ma > 0 else float("nan")
        spread = max((max(x) - min(x)) / statistics.median(x) if statistics.median(x) > 0 else 0 for x in (a, b))
        flag = f"**slower > {threshold - 1:.0%}**" if ratio > threshold else ""
        out.append(f"| {name} | {fmt_ns(ma)} | {fmt_ns(mb)} | {ratio:.3f} | {spread:.1%} | {flag} |")
    return "\n".join(out)


def main():
    repo_default = pathlib.Path(__file__).resolve().parents[1]
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--base", default="1ebd55c^", help="revision A (default 1ebd55c^)")
    p.add_argument("--head", default="HEAD", help="revision B (default HEAD)")
    p.add_argument("--repo", default=str(repo_default), help="the git checkout to take them from")
    p.add_argument(
        "--work",
        default=os.path.join(tempfile.gettempdir(), "skamp-compare"),
        help="where the worktrees and builds go (default /tmp/skamp-compare)",
    )
    p.add_argument("--benches", default=",".join(BENCHES), help="programs, comma-separated")
    p.add_argument(
        "--separate", default="linkage", help="programs reported in a section of their own (changed on purpose)"
    )
    p.add_argument("--filter", default="", help="--benchmark_filter for every program")
    p.add_argument("--rounds", type=int, default=5, help="interleaved A/B process pairs (>= 5)")
    p.add_argument("--repetitions", type=int, default=1, help="--benchmark_repetitions a process")
    p.add_argument("--min-time", default="0.02", help="--benchmark_min_time (seconds)")
    p.add_argument("--threshold", type=float, default=1.03, help="flag B/A above this")
    p.add_argument("--jobs", type=int, default=2, help="ninja -j")
    p.add_argument("--out", help="also write the report (Markdown) to this file")
    p.add_argument(
        "--clock",
        choices=["cpu_time", "real_time"],
        default="cpu_time",
        help="the time compared: the calling thread's CPU (default) or wall (benchmarks on several threads)",
    )
    p.add_argument("--clean", action="store_true", help="remove the worktrees when done")
    args = p.parse_args()

    repo = pathlib.Path(args.repo)
    work = pathlib.Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    # The bench programs read <source>/../shared/data (FEBRL): the repo's sibling, when it has one.
    shared = repo.resolve().parent / "shared"
    if shared.is_dir() and not (work / "shared").exists():
        (work / "shared").symlink_to(shared)
    benches = [b for b in args.benches.split(",") if b]
    sides = {}
    for label, rev in (("A", args.base), ("B", args.head)):
        sha = git(repo, "rev-parse", "--verify", f"{rev}^{{commit}}")
        tree = checkout(repo, work, sha)
        print(f"{label}: {rev} = {sha[:12]} ({git(repo, 'log', '-1', '--format=%s', sha)[:70]})", file=sys.stderr)
        sides[label] = (rev, sha, tree, build(tree, work / f"build-{sha[:12]}", benches, args.jobs))

    bench_args = [f"--benchmark_min_time={args.min_time}", f"--benchmark_repetitions={args.repetitions}"]
    if args.filter:
        bench_args.append(f"--benchmark_filter={args.filter}")
    report = [
        f"A = `{args.base}` ({sides['A'][1][:12]}), B = `{args.head}` ({sides['B'][1][:12]}); "
        f"{args.rounds} interleaved rounds, min_time {args.min_time} s, "
        f"{args.repetitions} repetition(s) a process; {'CPU' if args.clock == 'cpu_time' else 'wall'} time, medians.",
    ]
    separate = set(args.separate.split(","))
    sections = {False: [], True: []}
    for b in benches:
        if b not in sides["A"][3] or b not in sides["B"][3]:
            report.append(f"bench_{b}: not in both revisions, left out.")
            continue
        samples = {"A": {}, "B": {}}
        for r in range(max(args.rounds, 1)):
            for label in ("A", "B") if r % 2 == 0 else ("B", "A"):
                out_json = work / f"run-{label}-{b}.json"
                for name, t in run_once(sides[label][3][b], bench_args, out_json, args.clock).items():
                    samples[label].setdefault(name, []).extend(t)
            print(f"bench_{b}: round {r + 1}/{args.rounds}", file=sys.stderr)
        common = [n for n in samples["A"] if n in samples["B"]]
        only = sorted(set(samples["A"]) ^ set(samples["B"]))
        text = [
            f"### bench_{b}",
            "",
            table([(n, samples["A"][n], samples["B"][n]) for n in common], args.threshold, args.clock),
        ]
        if only:
            text += ["", f"In one build only (not compared): {', '.join(only)}"]
        sections[b in separate].append("\n".join(text))
    report += sections[False]
    if sections[True]:
        report += ["## Changed on purpose (reported apart)"] + sections[True]
    text = "\n\n".join(report) + "\n"
    print(text)
    if args.out:
        pathlib.Path(args.out).write_text(text)
    if args.clean:
        for label in ("A", "B"):
            subprocess.run(["git", "-C", str(repo), "worktree", "remove", "--force", str(sides[label][2])], check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
