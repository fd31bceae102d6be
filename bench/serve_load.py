"""Load test of `smartkampung serve` on loopback (issue 23): C concurrent clients for D
seconds against the public check (POST /api/v1/check) on a registry of N persons, with
p50/p90/p99 latency, throughput and errors; beside it, in the same run, the same load on
/healthz (the framework alone, no library call and no body) as the baseline; and an
enumerating client that walks consecutive NIKs at --enum-rate requests a second (100 times
what the limit allows) from another address while the load runs, which the rate limit must
slow down and the log must show.

Two kinds of phase: paced (each client sends --rate requests a second on its keep-alive
connection: 200 clients x 10/s = 2,000 checks a second, far above a district's demand),
where the latency target is judged; and closed loop (each client sends its next request
as soon as the answer is in), which finds the throughput ceiling: there latency is
queueing by construction (Little's law: clients / throughput).

The load clients come from 127.0.0.1, exempted from the rate limit with --rate-exempt
(a district would exempt its own app's gateway the same way); the enumerator comes from
127.0.0.2 and gets the default limit. Bounded: --duration seconds and --max-requests per
phase, whichever comes first.

    PYTHONPATH=build/python python3 bench/serve_load.py                 # 1M persons, 200 clients, 30 s
    PYTHONPATH=build/python python3 bench/serve_load.py --persons 20000 --duration 5   # a quick look

The registry (all N persons as one population-wide list, DTKS, plus the sample's eight
programme lists) is built once into --workdir and reused.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import pathlib
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.request


def build_district(workdir: pathlib.Path, persons: int, seed: int) -> dict:
    import smartkampung as sk

    workdir.mkdir(parents=True, exist_ok=True)
    meta_path = workdir / f"meta-{persons}-{seed}.json"
    if meta_path.exists():
        return json.loads(meta_path.read_text())
    started = time.monotonic()
    sample = sk.sample.banyuwangi(persons, seed=seed)
    reg, _ = sk.sample.to_registry(sample)
    p = sample.persons
    dtks = workdir / "dtks.csv"
    with open(dtks, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["nik", "kk", "nama", "tgl_lahir", "jk"])
        for nik, kk, name, born, sex in zip(p["nik"], p["kk"], p["name"], p["birth_date"].astype(str), p["sex"]):
            w.writerow([nik, kk, name, born, "P" if sex == "F" else "L"])
    reg.load_csv(str(dtks), program="DTKS", level="regency")
    dtks.unlink()
    registry = workdir / f"registry-{persons}-{seed}.skr"
    reg.save(str(registry))
    certs = workdir / "certs.jsonl"
    if not certs.exists():
        sk.CertificateRegistry().save(str(certs))
    niks = [str(n) for n in p["nik"]]
    rng = random.Random(seed)
    found = rng.sample(niks, min(20000, len(niks)))
    meta = {
        "registry": str(registry),
        "certs": str(certs),
        "persons": reg.dedup().unique_persons,
        "enrolments": len(reg),
        "found_niks": found,
        "build_s": round(time.monotonic() - started, 1),
    }
    meta_path.write_text(json.dumps(meta))
    return meta


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc)."""
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Stats:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.statuses: dict[int, int] = {}
        self.failures = 0


async def one_client(
    port: int,
    path: str,
    bodies: list[bytes],
    stop_at: float,
    budget: list[int],
    stats: Stats,
    source: str | None = None,
    rate: float = 0.0,
) -> None:
    """A keep-alive HTTP/1.1 client: requests back to back (rate 0: a closed loop), or one
    every 1/rate seconds from a random phase. Paced latencies count from the moment the
    request was due, not from when it was sent (no coordinated omission: a slow answer
    delays the next request and that delay is counted)."""
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0) if source else None)
    except OSError:
        stats.failures += 1
        return
    method = "POST" if bodies else "GET"
    i = random.randrange(len(bodies)) if bodies else 0
    interval = 1.0 / rate if rate > 0 else 0.0
    due = time.perf_counter() + random.random() * interval
    try:
        while time.monotonic() < stop_at and budget[0] > 0:
            budget[0] -= 1
            body = bodies[i % len(bodies)] if bodies else b""
            i += 1
            head = (
                f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n"
            ).encode()
            if interval:
                wait = due - time.perf_counter()
                if wait > 0:
                    await asyncio.sleep(wait)
                t0, due = due, due + interval
            else:
                t0 = time.perf_counter()
            writer.write(head + body)
            status_line = await reader.readline()
            length = 0
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            await reader.readexactly(length)
            stats.latencies.append(time.perf_counter() - t0)
            code = int(status_line.split()[1]) if status_line else 0
            stats.statuses[code] = stats.statuses.get(code, 0) + 1
    except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
        stats.failures += 1
    finally:
        writer.close()


async def load_phase(
    port: int,
    path: str,
    bodies: list[bytes],
    clients: int,
    duration: float,
    max_requests: int,
    enumerate_niks: list[str] | None = None,
    rate: float = 0.0,
    enum_rate: float = 50.0,
) -> tuple[Stats, Stats | None, float]:
    stop_at = time.monotonic() + duration
    budget = [max_requests]
    stats = Stats()
    tasks = [one_client(port, path, bodies, stop_at, budget, stats, rate=rate) for _ in range(clients)]
    enum_stats = None
    if enumerate_niks:
        enum_stats = Stats()
        enum_bodies = [json.dumps({"nik": n}).encode() for n in enumerate_niks]
        tasks.append(
            one_client(
                port,
                "/api/v1/check",
                enum_bodies,
                stop_at,
                [len(enum_bodies)],
                enum_stats,
                source="127.0.0.2",
                rate=enum_rate,
            )
        )
    started = time.monotonic()
    await asyncio.gather(*tasks)
    return stats, enum_stats, time.monotonic() - started


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))] * 1000


def summary(name: str, stats: Stats, elapsed: float) -> dict:
    ok = sum(n for c, n in stats.statuses.items() if 200 <= c < 300)
    errors = sum(n for c, n in stats.statuses.items() if not 200 <= c < 300) + stats.failures
    return {
        "phase": name,
        "requests": len(stats.latencies),
        "ok": ok,
        "errors": errors,
        "statuses": stats.statuses,
        "rps": round(len(stats.latencies) / elapsed, 1),
        "p50_ms": round(pct(stats.latencies, 0.50), 2),
        "p90_ms": round(pct(stats.latencies, 0.90), 2),
        "p99_ms": round(pct(stats.latencies, 0.99), 2),
        "max_ms": round(max(stats.latencies) * 1000, 2) if stats.latencies else None,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--persons", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--duration", type=float, default=30.0)
    ap.add_argument("--max-requests", type=int, default=2_000_000, help="per phase")
    ap.add_argument("--workdir", default="/tmp/skamp-serve-load")
    ap.add_argument("--access-log", action="store_true", help="keep the server's access log on (default off)")
    ap.add_argument("--check-on-pool", action="store_true", help="the server's public check on its worker threads")
    ap.add_argument(
        "--rate",
        type=float,
        default=10.0,
        help="requests a second per client in the paced phases (default 10: 2,000/s from 200 clients)",
    )
    ap.add_argument(
        "--enum-rate",
        type=float,
        default=50.0,
        help="requests a second of the enumerating client (default 50; the limit allows 0.5)",
    )
    ap.add_argument("--no-baseline", action="store_true", help="skip the /healthz phases")
    ap.add_argument("--no-saturation", action="store_true", help="skip the closed-loop phases")
    args = ap.parse_args()
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass

    workdir = pathlib.Path(args.workdir)
    meta = build_district(workdir, args.persons, args.seed)
    print(
        f"registry: {meta['persons']:,} persons, {meta['enrolments']:,} enrolments "
        f"(built in {meta['build_s']} s, cached in {workdir})",
        flush=True,
    )
    data = workdir / "data"
    port = free_port()
    log_path = workdir / "server.log"
    cmd = [
        sys.executable,
        "-m",
        "smartkampung",
        "serve",
        "--registry",
        meta["registry"],
        "--certs",
        meta["certs"],
        "--data",
        str(data),
        "--port",
        str(port),
        "--rate-exempt",
        "127.0.0.1/32",
    ]
    if not args.access_log:
        cmd.append("--no-access-log")
    if args.check_on_pool:
        cmd.append("--check-on-pool")
    with open(log_path, "wb") as logf:
        server = subprocess.Popen(cmd, stdout=logf, stderr=logf)
    try:
        started = time.monotonic()
        while True:
            if server.poll() is not None:
                raise SystemExit("server failed:\n" + log_path.read_text()[-2000:])
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).read()
                break
            except OSError:
                time.sleep(0.2)
        print(f"server up in {time.monotonic() - started:.1f} s (pid {server.pid}, log {log_path})", flush=True)
        # half enrolled, half valid NIKs nobody holds (the same persons' NIKs with another serial)
        found = meta["found_niks"]
        missing = [n[:12] + f"{(int(n[12:]) + 4999) % 9999 + 1:04d}" for n in found[: len(found) // 2]]
        bodies = [json.dumps({"nik": n}).encode() for n in found[: len(found) // 2] + missing]
        random.Random(2).shuffle(bodies)
        enum_start = int(found[0][:12] + "0001")
        enumerate_niks = [str(enum_start + i) for i in range(200_000)]
        results = []

        def phase(name: str, path: str, phase_bodies: list[bytes], rate: float, enum: list[str] | None = None):
            cpu0, load0, client0 = cpu_seconds(server.pid), os.getloadavg()[0], time.process_time()
            stats, enum_stats, elapsed = asyncio.run(
                load_phase(
                    port, path, phase_bodies, args.clients, args.duration, args.max_requests, enum, rate, args.enum_rate
                )
            )
            cpu = cpu_seconds(server.pid) - cpu0
            served = len(stats.latencies) + (len(enum_stats.latencies) if enum_stats else 0)
            results.append(
                summary(name, stats, elapsed)
                | {
                    "server_cpu_us_per_request": round(cpu / max(served, 1) * 1e6, 1),
                    "server_cpu_share": round(cpu / elapsed, 2),
                    "client_cpu_share": round((time.process_time() - client0) / elapsed, 2),
                    "load_avg_1min": round(max(load0, os.getloadavg()[0]), 1),
                }
            )
            print(json.dumps(results[-1]), flush=True)
            return enum_stats, elapsed

        mode = f"{args.clients} clients x {args.rate:g} req/s each"
        if not args.no_baseline:
            phase(f"baseline GET /healthz, {mode}", "/healthz", [], args.rate)
        before = log_path.read_text(errors="replace")
        enum, elapsed = phase(f"POST /api/v1/check, {mode}", "/api/v1/check", bodies, args.rate, enumerate_niks)
        paced = results[-1]
        allowed, refused = enum.statuses.get(200, 0), enum.statuses.get(429, 0)
        print(
            json.dumps(
                {
                    "phase": f"enumerator from 127.0.0.2 ({args.enum_rate:g} req/s, consecutive NIKs)",
                    "requests": len(enum.latencies),
                    "answered": allowed,
                    "refused_429": refused,
                    "niks_answered_per_minute": round(allowed / elapsed * 60, 1),
                }
            ),
            flush=True,
        )
        new_log = log_path.read_text(errors="replace")[len(before) :]
        limit_lines = [ln for ln in new_log.splitlines() if "rate limit: check" in ln]
        print(f"log lines about the limit: {len(limit_lines)}")
        for ln in limit_lines[:1] + limit_lines[-1:]:
            print("  " + ln)
        if not args.no_saturation:
            if not args.no_baseline:
                phase(f"baseline GET /healthz, {args.clients} clients closed loop", "/healthz", [], 0.0)
            phase(f"POST /api/v1/check, {args.clients} clients closed loop (saturation)", "/api/v1/check", bodies, 0.0)
        verdict = "PASS" if paced["errors"] == 0 and paced["p99_ms"] < 50 and refused > 0 and limit_lines else "FAIL"
        print(f"target ({mode}): p99 < 50 ms, no errors, enumerator limited and logged: {verdict}")
        return 0 if verdict == "PASS" else 1
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    sys.exit(main())
