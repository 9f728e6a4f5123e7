"""Benchmark the bundled annotation server: concurrent annotators fetching and answering tasks.

Runs the real app on uvicorn on 127.0.0.1 (a free port), with the SQLite store in a temporary
PRODIGY_HOME. The annotators run in a second process (as browsers would, so they don't share the
server's interpreter lock); each one (a thread with one keep-alive HTTP connection and a named
session) loads /project as the page does, then asks for a batch, answers each task (accepting it
with an extra span, as after a correction) and sends the answer, until the feed is empty, with
no pause between requests. Then the database is read back.

Answers are acknowledged only after their commit; concurrent sessions' answers share commits
(group commit, recipes/server/writer.py). Prints p50/p95 latency per route, answers stored,
duplicates (tasks stored more than once, or answered by two annotators: an idle annotator may
take the last tasks another holds, and each annotator drops the tasks the server reports stale,
as the page does) and losses (tasks never stored, or acknowledged answers missing). The pass mark (p95 < 50 ms) covers the annotation
routes; /project is shown too (once per page load, all 20 connecting at the same moment).

    python bench/server.py [--sessions 20] [--tasks 2000] [--batch-size 10] [--answers-per-request 1]
                           [--lazy-stream]
"""

import argparse
import http.client
import json
import multiprocessing
import os
import random
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Dict, List, Tuple

ROOT = Path(__file__).resolve().parents[1]

SUBJECTS = [
    "Die Ministerin",
    "Der Trainer",
    "Eine Sprecherin",
    "Der Bürgermeister",
    "Die Forscherin",
    "Ein Anwohner",
    "Die Gewerkschaft",
    "Der Kapitän",
    "Die Richterin",
    "Ein Polizeisprecher",
]
VERBS = ["sagte", "erklärte", "betonte", "warnte", "meinte", "kündigte an", "räumte ein"]
CLAIMS = [
    "Wir haben keine Zeit zu verlieren",
    "Das Projekt wird pünktlich fertig",
    "Niemand hat mit diesem Ergebnis gerechnet",
    "Die Lage bleibt angespannt",
    "Wir arbeiten an einer Lösung",
    "Das war ein guter Tag für die Stadt",
    "Die Zahlen sprechen für sich",
    "Wir lassen uns nicht unter Druck setzen",
]
PLACES = ["in Hamburg", "am Montag", "vor Journalisten", "im Rathaus", "nach der Sitzung", "in Bremen"]


def synthetic_texts(n: int, seed: int = 13) -> List[str]:
    """``n`` distinct short news paragraphs with a direct quote each (made up here)."""
    rng = random.Random(seed)
    texts = []
    for i in range(n):
        subject, verb, claim = rng.choice(SUBJECTS), rng.choice(VERBS), rng.choice(CLAIMS)
        place = rng.choice(PLACES)
        texts.append(
            f"„{claim}“, {verb} {subject.lower() if i % 3 else subject} {place}. "
            f"Meldung Nummer {i}: Die Beratungen gehen {rng.choice(['morgen', 'bald', 'heute'])} weiter."
        )
    return texts


def percentile(values: List[float], q: float) -> float:
    """The q-th percentile (nearest rank) of values, in the values' unit."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, int(round(q / 100 * len(ordered) + 0.5)) - 1))
    return ordered[rank]


class Http:
    """One keep-alive HTTP/1.1 connection with Nagle off, as browsers keep (stdlib: light on a shared CPU)."""

    def __init__(self, base: str) -> None:
        host, port = base.split("//", 1)[1].rsplit(":", 1)
        self.conn = http.client.HTTPConnection(host, int(port), timeout=30)
        self.conn.connect()
        self.conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def call(self, method: str, path: str, body: Any = None) -> Tuple[int, bytes]:
        """Status and body of one request (headers and JSON body go out in one packet)."""
        data = json.dumps(body).encode("utf8") if body is not None else None
        self.conn.request(method, path, body=data, headers={"Content-Type": "application/json"} if data else {})
        res = self.conn.getresponse()
        return res.status, res.read()

    def close(self) -> None:
        self.conn.close()


def annotator(
    base: str,
    name: str,
    per_request: int,
    timings: Dict[str, List[float]],
    received: Dict[str, List[int]],
    acked: Dict[str, List[int]],
    errors: List[str],
) -> None:
    """One annotator session: load the project, then fetch, answer, send, until no task is left."""
    t0 = time.perf_counter()  # the page's first call; it also opens the connection
    client = Http(base)
    status, raw = client.call("GET", f"/project/{name}")
    timings["/project"].append(time.perf_counter() - t0)
    if status != 200:
        errors.append(f"{name}: project {status} {raw[:200]!r}")
        return
    try:
        while True:
            t0 = time.perf_counter()
            status, raw = client.call("POST", "/get_session_questions", {"session_id": name})
            timings["/get_session_questions"].append(time.perf_counter() - t0)
            if status != 200:
                errors.append(f"{name}: get_session_questions {status} {raw[:200]!r}")
                return
            tasks = json.loads(raw)["tasks"]
            if not tasks:
                return
            received[name] += [t["_task_hash"] for t in tasks]
            stale: set = set()
            for start in range(0, len(tasks), per_request):
                answers = []
                for task in tasks[start : start + per_request]:
                    if task["_task_hash"] in stale:  # an idle annotator took it: the page drops it, as ours does
                        continue
                    tok = task["tokens"][0]
                    task["spans"] = task.get("spans", []) + [
                        {"start": tok["start"], "end": tok["end"], "token_start": 0, "token_end": 0, "label": "CUE"}
                    ]
                    answers.append(dict(task, answer="accept"))
                if not answers:
                    continue
                t0 = time.perf_counter()
                status, raw = client.call("POST", "/give_answers", {"answers": answers, "session_id": name})
                timings["/give_answers"].append(time.perf_counter() - t0)
                if status != 200:
                    errors.append(f"{name}: give_answers {status} {raw[:200]!r}")
                    return
                acked[name] += [a["_task_hash"] for a in answers]
                stale.update(json.loads(raw).get("stale") or [])
    finally:
        client.close()


def run_annotators(base: str, names: List[str], per_request: int) -> Tuple[Dict, Dict, Dict, List[str]]:
    """All annotator threads of one client process; returns timings, tasks received and acknowledged."""
    timings: Dict[str, List[float]] = defaultdict(list)
    received: Dict[str, List[int]] = defaultdict(list)
    acked: Dict[str, List[int]] = defaultdict(list)
    errors: List[str] = []
    workers = [
        threading.Thread(target=annotator, args=(base, n, per_request, timings, received, acked, errors)) for n in names
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return dict(timings), dict(received), dict(acked), errors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--tasks", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=10)
    parser.add_argument("--answers-per-request", type=int, default=1)
    parser.add_argument("--target-p95-ms", type=float, default=50.0)
    parser.add_argument(
        "--lazy-stream",
        action="store_true",
        help="Give the stream as a generator (server then works in its thread pool)",
    )
    args = parser.parse_args()

    home = tempfile.mkdtemp(prefix="bench-server-")
    os.environ["PRODIGY_HOME"] = home
    for var in (
        "PRODIGY_CONFIG",
        "PRODIGY_CONFIG_OVERRIDES",
        "PRODIGY_ALLOWED_SESSIONS",
        "PRODIGY_BASIC_AUTH_USER",
        "PRODIGY_BASIC_AUTH_PASS",
    ):
        os.environ.pop(var, None)

    import spacy
    import uvicorn
    from prodigy_quotes.compat import connect
    from prodigy_quotes.server.serve import bind, build_app
    from prodigy_quotes.tasks import doc_to_task

    nlp = spacy.blank("de")
    t0 = time.perf_counter()
    tasks = [doc_to_task(doc) for doc in nlp.pipe(synthetic_texts(args.tasks))]
    all_hashes = {t["_task_hash"] for t in tasks}
    assert len(all_hashes) == args.tasks, "synthetic tasks must be distinct"
    print(f"{args.tasks} tasks made in {time.perf_counter() - t0:.1f}s; SQLite in {home}")

    # A list, as quotes.manual's stream is (auto_count_stream): the server knows the total.
    components = {
        "dataset": "bench",
        "view_id": "relations",
        "stream": tasks,
        "config": {
            "labels": ["SPEAKER", "CUE"],
            "relations_span_labels": ["QUOTE", "SPEAKER", "CUE"],
            "batch_size": args.batch_size,
            "feed_overlap": False,
        },
    }
    if args.lazy_stream:
        components["stream"] = iter(tasks)
    app = build_app(components, config={**components["config"], "host": "127.0.0.1", "port": 0})
    sock = bind("127.0.0.1", 0)
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    base = f"http://127.0.0.1:{port}"

    names = [f"annotator{i:02d}" for i in range(args.sessions)]
    t0 = time.perf_counter()
    # The annotators run in another process, as browsers would: they don't compete with the
    # server for its interpreter lock.
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(1) as pool:
        timings, received, acked, errors = pool.apply(run_annotators, (base, names, args.answers_per_request))
    wall = time.perf_counter() - t0
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()

    db = connect()
    stored = db.get_dataset_examples("bench")
    stored_counts = Counter(eg["_task_hash"] for eg in stored)
    handed = Counter(h for hs in received.values() for h in hs)
    acked_all = {h for hs in acked.values() for h in hs}
    answered = Counter(h for hs in acked.values() for h in hs)
    # a task stored twice, or answered by two annotators (an idle one took it before the holder learnt it)
    duplicates = sum(c - 1 for c in stored_counts.values() if c > 1) + sum(1 for c in answered.values() if c > 1)
    stolen = sum(1 for c in handed.values() if c > 1)
    losses = len(all_hashes - set(stored_counts)) + len(acked_all - set(stored_counts))
    session_rows = sum(db.count_dataset(f"bench-{n}") for n in names if f"bench-{n}" in db)
    wrong_session = sum(1 for eg in stored if not str(eg.get("_session_id", "")).startswith("bench-annotator"))

    print(
        f"\n{args.sessions} sessions, {args.tasks} tasks, batch {args.batch_size}, "
        f"{args.answers_per_request} answer(s) per request, wall {wall:.1f}s "
        f"({len(stored) / wall:.0f} answers/s)"
    )
    print(f"{'route':<26}{'requests':>9}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    worst_p95 = 0.0
    for route in ("/project", "/get_session_questions", "/give_answers"):
        values = [v * 1000 for v in timings[route]]
        if not values:
            continue
        p95 = percentile(values, 95)
        if route != "/project":  # once per page load, while all 20 connect at the same moment
            worst_p95 = max(worst_p95, p95)
        print(f"{route:<26}{len(values):>9}{statistics.median(values):>9.1f}{p95:>9.1f}{max(values):>9.1f}")
    print(f"\nanswers stored: {len(stored)} (session datasets: {session_rows}; untagged: {wrong_session})")
    print(f"duplicates: {duplicates} (tasks handed to a second annotator once the feed ran dry: {stolen})")
    print(f"losses: {losses}")
    if errors:
        print("errors:\n  " + "\n  ".join(errors[:10]))
    ok = (
        not errors
        and duplicates == 0
        and losses == 0
        and len(stored) == args.tasks
        and session_rows == len([h for hs in acked.values() for h in hs])
        and worst_p95 < args.target_p95_ms
    )
    print(
        f"\n{'PASS' if ok else 'FAIL'}: p95 of the annotation routes < {args.target_p95_ms:.0f} ms, "
        "no lost or duplicated answers"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
