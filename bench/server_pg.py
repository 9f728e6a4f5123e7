"""Benchmark a team on PostgreSQL: 20 annotators across two server processes on one database, one killed.

Starts a throwaway PostgreSQL server (or uses ``--pg-url``), two ``quotes``-style annotation
servers on it (same dataset, ``feed_overlap`` false, ``release_after`` short so the survivor takes
over the dead server's tasks), and 20 annotators (threads of a second process, half on each
server) that fetch, answer and send until nothing is left. When a third of the tasks are stored,
one server gets SIGKILL; its annotators reload their page on the other server. Then the database
is read back: every task stored exactly once, no acknowledged answer lost, p95 per route.

    python bench/server_pg.py [--tasks 2000] [--sessions 20] [--pg-url postgresql://...]
"""

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Dict, List

sys.path.insert(0, str(Path(__file__).resolve().parent))
from server import Http, percentile, synthetic_texts  # noqa: E402  (the single-server bench's helpers)

SERVER = """
import json, sys, uvicorn
from prodigy_quotes.server.serve import bind, build_app
tasks = [json.loads(line) for line in open(sys.argv[1], encoding="utf8")]
config = {"batch_size": 10, "feed_overlap": False, "release_after": 3, "host": "127.0.0.1", "port": 0}
app = build_app({"dataset": "bench", "view_id": "relations", "stream": tasks, "config": config}, config=config)
sock = bind("127.0.0.1", 0)
print(sock.getsockname()[1], flush=True)
uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False)).run(sockets=[sock])
"""


def start_postgres(folder: Path) -> Any:
    """A throwaway PostgreSQL server in ``folder`` (as the postgres user when root); (url, stop)."""
    import glob

    pg_bin = str(Path(sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))[-1]).parent)
    as_pg = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if os.geteuid() == 0:
        os.chown(folder, *_ids("postgres"))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    data = folder / "data"
    subprocess.run(
        [*as_pg, f"{pg_bin}/initdb", "-D", str(data), "-U", "postgres", "--auth=trust"], check=True, capture_output=True
    )
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1"
    subprocess.run(
        [*as_pg, f"{pg_bin}/pg_ctl", "-D", str(data), "-o", options, "-w", "-l", str(folder / "log"), "start"],
        check=True,
        capture_output=True,
    )

    def stop() -> None:
        subprocess.run([*as_pg, f"{pg_bin}/pg_ctl", "-D", str(data), "-m", "immediate", "stop"], capture_output=True)

    return f"postgresql://postgres@127.0.0.1:{port}/postgres", stop


def _ids(user: str) -> tuple:
    import pwd

    entry = pwd.getpwnam(user)
    return entry.pw_uid, entry.pw_gid


def annotator(bases: List[str], name: str, state: Dict[str, Any]) -> None:
    """Fetch, answer, send until the feed is empty; on a dead server, reload the page on the other one."""
    server = 0 if name < "annotator10" else 1
    client = Http(bases[server])
    empty = 0
    while empty < 6:  # a few polls after the feed runs dry: the dead server's claims time out (release_after)
        try:
            t0 = time.perf_counter()
            status, raw = client.call("POST", "/get_session_questions", {"session_id": name, "held": []})
            state["timings"]["/get_session_questions"].append(time.perf_counter() - t0)
            tasks = json.loads(raw)["tasks"] if status == 200 else []
            if not tasks:
                empty += 1
                time.sleep(2)  # the dead server's claims time out after release_after
                continue
            empty = 0
            for task in tasks:
                t0 = time.perf_counter()
                body = {"answers": [dict(task, answer="accept")], "session_id": name}
                status, raw = client.call("POST", "/give_answers", body)
                state["timings"]["/give_answers"].append(time.perf_counter() - t0)
                if status == 200:
                    state["acked"].append(task["_task_hash"])
        except (OSError, ConnectionError, json.JSONDecodeError):
            client.close()
            server = 1 - server if state["killed"] == server else server
            client = Http(bases[server])
            time.sleep(0.2)
    client.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=2000)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--pg-url", default=None)
    args = parser.parse_args()
    import psycopg
    import spacy
    from prodigy_quotes.tasks import doc_to_task

    tmp = Path(tempfile.mkdtemp(prefix="bench-pg-"))
    tmp.chmod(0o755)  # the postgres user reaches its data folder inside
    stop = None
    url = args.pg_url
    if url is None:
        (tmp / "pg").mkdir()
        url, stop = start_postgres(tmp / "pg")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS quotes_bench WITH (FORCE)")
        conn.execute("CREATE DATABASE quotes_bench")
    host, port = url.split("@", 1)[1].split("/", 1)[0].split(":")
    home = tmp / "home"
    home.mkdir()
    settings = {"host": host, "port": int(port), "user": "postgres", "dbname": "quotes_bench"}
    (home / "prodigy.json").write_text(json.dumps({"db": "postgresql", "db_settings": {"postgresql": settings}}))
    env = {**os.environ, "PRODIGY_HOME": str(home)}
    tasks = [doc_to_task(doc) for doc in spacy.blank("de").pipe(synthetic_texts(args.tasks))]
    with (tmp / "tasks.jsonl").open("w", encoding="utf8") as f:
        for task in tasks:
            f.write(json.dumps(task, ensure_ascii=False) + "\n")
    servers = [
        subprocess.Popen(
            [sys.executable, "-c", SERVER, str(tmp / "tasks.jsonl")], env=env, stdout=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    bases = [f"http://127.0.0.1:{int(s.stdout.readline())}" for s in servers]
    state: Dict[str, Any] = {"timings": defaultdict(list), "acked": [], "killed": None}
    names = [f"annotator{i:02d}" for i in range(args.sessions)]
    threads = [threading.Thread(target=annotator, args=(bases, n, state)) for n in names]
    started = time.perf_counter()
    for t in threads:
        t.start()
    while len(state["acked"]) < args.tasks // 3:
        time.sleep(0.05)
    servers[0].send_signal(signal.SIGKILL)  # kill -9: no shutdown, no flush
    state["killed"] = 0
    acked_at_kill = len(state["acked"])
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    servers[1].terminate()
    servers[1].wait(timeout=20)
    with psycopg.connect(url.rsplit("/", 1)[0] + "/quotes_bench") as conn:
        rows = conn.execute(
            'SELECT e."task_hash" FROM "example" e JOIN "link" l ON l."example_id" = e."id" '
            'JOIN "dataset" d ON d."id" = l."dataset_id" WHERE d."name" = %s',
            ("bench",),
        ).fetchall()
    stored = Counter(int(r[0]) for r in rows)
    all_hashes = {t["_task_hash"] for t in tasks}
    twice = sum(c - 1 for c in stored.values() if c > 1)
    missing = len(all_hashes - set(stored))
    lost = len(set(state["acked"]) - set(stored))
    print(
        f"{args.sessions} annotators on 2 servers, {args.tasks} tasks, one server killed after {acked_at_kill} "
        f"answers; wall {wall:.1f}s"
    )
    print(f"{'route':<26}{'requests':>9}{'p50 ms':>9}{'p95 ms':>9}")
    worst = 0.0
    for route in ("/get_session_questions", "/give_answers"):
        values = sorted(v * 1000 for v in state["timings"][route])
        p95 = percentile(values, 95)
        worst = max(worst, p95) if route == "/give_answers" else worst
        print(f"{route:<26}{len(values):>9}{values[len(values) // 2]:>9.1f}{p95:>9.1f}")
    print(
        f"stored once: {len(stored)} of {args.tasks}; stored twice: {twice}; never stored: {missing}; "
        f"acknowledged but lost: {lost}"
    )
    ok = twice == 0 and missing == 0 and lost == 0 and worst < 50
    print(
        f"{'PASS' if ok else 'FAIL'}: every task answered exactly once, no acknowledged answer lost, "
        "p95 of /give_answers < 50 ms"
    )
    if stop is not None:
        stop()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
