"""Upload the demo mailbox's returns (one or more per board, all 151 boards' worth) to a real
`bcf-xl serve` from concurrent clients, with SQLite and with PostgreSQL.

Prints throughput and p50/p95 latency per upload (upload, store, check in a worker, record,
answer with the findings), checks that every upload was stored exactly once with the status the
validator gives the same file, and compares with the floor measured in the same run: the same
files validated one after another in this process, with no web layer, database or workers.
Loopback only; bounded by the demo's files. Run: python bench/bench_web.py [clients]
(aim: p95 under 250 ms per return with SQLite on 2 cores).
"""

from __future__ import annotations

import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from queue import Empty, SimpleQueue

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import httpx  # noqa: E402

from bcf_xl.reference import load_reference  # noqa: E402
from bcf_xl.samples.demo import build_mailbox  # noqa: E402
from bcf_xl.spec.load import default_template  # noqa: E402
from bcf_xl.validate import validate_file  # noqa: E402
from bcf_xl.web.records import Records  # noqa: E402
from bcf_xl.web.database import make_engine, sessions  # noqa: E402
from bcf_xl.web.settings import Settings  # noqa: E402

from support.postgres import binaries, cluster  # noqa: E402
from support.webserver import Server, free_port, make_keys, upload  # noqa: E402

WORKERS = 2
_CODE = re.compile(r"(E\d{8})(?![0-9])")


def uploads(mailbox: Path, reference) -> list[tuple[str, Path]]:
    """(board, file) for every file of the mailbox that names a board, in name order."""
    out = []
    for path in sorted(mailbox.iterdir()):
        match = _CODE.search(path.name)
        if match and not path.name.startswith("~$"):
            out.append((reference.get(match.group(1)).code, path))
    return out


def floor(files: list[tuple[str, Path]], reference) -> tuple[list[float], dict[str, str]]:
    """Each file validated in this process: seconds per file, and the status per file."""
    validate_file(files[0][1], reference=reference)  # imports and caches, as a worker has them
    times, statuses = [], {}
    for code, path in files:
        started = time.perf_counter()
        statuses[path.name] = validate_file(path, reference=reference, expected_hwb=code).status
        times.append(time.perf_counter() - started)
    return times, statuses


def send_all(server: Server, files, keys, clients: int) -> tuple[list[float], float, list]:
    work: SimpleQueue = SimpleQueue()
    for item in files:
        work.put(item)
    latencies, answers, lock = [], [], threading.Lock()

    def client() -> None:
        with httpx.Client(base_url=server.url, timeout=120) as http:
            while True:
                try:
                    code, path = work.get_nowait()
                except Empty:
                    return
                started = time.perf_counter()
                answer = upload(http, code, keys.boards[code], path)
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    answers.append((path.name, answer.status_code, answer.json()))

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, time.perf_counter() - started, answers


def run(kind: str, url: str | None, files, statuses, reference, scratch: Path,
        clients: int) -> dict:
    data = scratch / f"data-{kind}"
    settings = Settings(data_dir=data, database_url=url)
    keys = make_keys(settings, reference, sorted({c for c, _ in files}))
    args = ("--workers", str(WORKERS), "--rate", "600") + (("--database", url) if url else ())
    server = Server(data, free_port(), args, scratch / f"{kind}.log").start()
    try:
        warm = files[:WORKERS]  # one upload per worker loads its imports before timing
        send_all(server, warm, keys, WORKERS)
        latencies, wall, answers = send_all(server, files, keys, clients)
    finally:
        server.stop()
    wrong = [n for n, status, body in answers if status != 201 or body["status"] != statuses[n]]
    engine = make_engine(settings.url)
    stored = Records(sessions(engine)).current()
    engine.dispose()
    names = sorted(c.filename for c in stored)
    once = names == sorted([p.name for _, p in files] + [p.name for _, p in warm])
    return {"kind": kind, "wall": wall, "latencies": sorted(latencies), "wrong": wrong,
            "once": once, "stored": len(stored)}


def report(result: dict, floor_times: list[float], clients: int) -> None:
    lat = result["latencies"]
    n = len(lat)
    p50, p95 = statistics.median(lat) * 1000, lat[min(n - 1, int(0.95 * n))] * 1000
    floor_p50 = statistics.median(floor_times) * 1000
    floor_rate = len(floor_times) / sum(floor_times)
    rate = n / result["wall"]
    print(f"{result['kind']:<10}: {n} uploads from {clients} clients, {WORKERS} workers: "
          f"{rate:6.1f} returns/s; latency p50 {p50:6.1f} ms, p95 {p95:6.1f} ms, "
          f"max {lat[-1] * 1000:6.1f} ms")
    print(f"{'':<10}  p50 / floor p50 {p50 / floor_p50:5.1f}x; throughput / floor "
          f"throughput {rate / floor_rate:5.2f}x; stored exactly once: "
          f"{'yes' if result['once'] else 'NO'}; wrong results: {len(result['wrong'])}")


def main(clients: int) -> None:
    template, reference = default_template(), load_reference()
    scratch = Path(tempfile.mkdtemp(prefix="bcf-xl-bench-web-"))
    try:
        mailbox = build_mailbox(template, reference, scratch / "demo", workers=WORKERS)
        files = uploads(mailbox, reference)
        floor_times, statuses = floor(files, reference)
        print(f"files     : {len(files)} demo returns of {len({c for c, _ in files})} boards")
        print(f"floor     : validate_file in this process, no web layer: "
              f"{statistics.median(floor_times) * 1000:6.1f} ms per return (p50), "
              f"{len(floor_times) / sum(floor_times):6.1f} returns/s")
        results = [run("SQLite", None, files, statuses, reference, scratch, clients)]
        pg = binaries()
        if pg is None:
            print("PostgreSQL: skipped (server binaries not installed)")
        else:
            with cluster(pg) as url:
                results.append(run("PostgreSQL", url, files, statuses, reference, scratch,
                                   clients))
        for result in results:
            report(result, floor_times, clients)
        if any(r["wrong"] or not r["once"] for r in results):
            raise SystemExit("uploads were lost, duplicated or wrongly checked")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 4)
