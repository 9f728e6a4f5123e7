"""The store on a real PostgreSQL server: Prodigy's tables, every dataset command, and two annotation servers
on one database that never hand out the same task twice."""

import json
import os
from pathlib import Path
from typing import Any, Dict, List

import pytest
from prodigy_quotes.errors import QuotesError
from prodigy_quotes.hashing import set_hashes
from prodigy_quotes.server.controller import Controller
from prodigy_quotes.store import connect, disconnect_all
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
DEV_TASKS = ROOT.parent / "shared" / "data" / "wikinews-de" / "dev.tasks.jsonl"


def _task(text: str) -> Dict[str, Any]:
    return set_hashes({"text": text, "spans": [{"start": 0, "end": len(text), "label": "QUOTE"}], "answer": "accept"})


def quotes(*args: str) -> str:
    from prodigy_quotes.cli import app

    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_prodigys_tables_on_postgresql(postgres: dict) -> None:
    db = connect()
    assert db.db_id == "postgresql" and "password" not in db.db_name
    db.add_dataset("news", meta={"note": "x"})
    db.add_dataset("news-anna", session=True)
    db.add_examples([_task("„Ja“, sagte sie.")], datasets=["news", "news-anna"])
    assert db.datasets == ["news"] and db.sessions == ["news-anna"]
    assert db.get_dataset_session_ids("news") == ["news-anna"]
    assert db.get_meta("news")["note"] == "x" and db.count_dataset("news") == 1
    import psycopg

    with psycopg.connect(postgres["url"]) as conn:
        cols = {
            t: [
                r[0]
                for r in conn.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = %s ORDER BY ordinal_position",
                    (t,),
                )
            ]
            for t in ("dataset", "example", "link")
        }
        types = dict(
            conn.execute(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'dataset'"
            ).fetchall()
        )
    assert cols == {
        "dataset": ["id", "name", "created", "meta", "session"],
        "example": ["id", "input_hash", "task_hash", "content"],
        "link": ["id", "example_id", "dataset_id"],
    }
    assert types["session"] == "boolean" and types["meta"] == "bytea"
    assert db.drop_dataset("news-anna") and db.drop_dataset("news") and db.datasets == []


@pytest.mark.skipif(not DEV_TASKS.exists(), reason="needs ../shared/data/wikinews-de (not distributed)")
def test_db_in_and_db_out_round_trip_the_wikinews_dev_tasks(postgres: dict, tmp_path: Path) -> None:
    quotes("db-in", "gold", str(DEV_TASKS))
    out = tmp_path / "out.jsonl"
    out.write_text(quotes("db-out", "gold"), encoding="utf8")

    def key(t: Dict[str, Any]) -> str:
        spans = sorted((s["start"], s["end"], s["label"]) for s in t.get("spans", []))
        rels = sorted((r["head_span"]["start"], r["child_span"]["start"], r["label"]) for r in t.get("relations", []))
        return json.dumps([t["text"], spans, rels])

    given = [json.loads(line) for line in DEV_TASKS.read_text(encoding="utf8").splitlines() if line.strip()]
    back = [json.loads(line) for line in out.read_text(encoding="utf8").splitlines() if line.strip()]
    assert len(given) == len(back) == 150 and sorted(map(key, given)) == sorted(map(key, back))


def test_every_dataset_command_works_on_postgresql(postgres: dict, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(_task(f"„Satz {i}“, sagte Kim.")) + "\n" for i in range(3)), encoding="utf8")
    quotes("db-in", "news", str(source))
    assert "news" in quotes("stats", "-l") and "dbname=" not in quotes("stats")
    assert len(quotes("db-out", "news").splitlines()) == 3
    quotes("export", "news", str(tmp_path / "quotes.jsonl"))
    assert (tmp_path / "quotes.jsonl").read_text(encoding="utf8").count("\n") == 3
    quotes("drop", "news")
    disconnect_all()
    assert "news" not in connect()


def components(tasks: List[Dict[str, Any]]) -> Dict[str, Any]:
    return {"dataset": "news", "view_id": "relations", "stream": iter(tasks), "config": {"batch_size": 5}}


def test_two_servers_on_one_database_never_hand_out_a_task_twice(postgres: dict) -> None:
    tasks = [set_hashes({"text": f"„Satz {i}“, sagte Kim."}) for i in range(40)]
    one = Controller(components([dict(t) for t in tasks]), config={"allow_work_stealing": False})
    two = Controller(components([dict(t) for t in tasks]), config={"allow_work_stealing": False})
    seen: Dict[int, str] = {}
    for round_ in range(10):
        for ctrl, name in ((one, "anna"), (two, "ben")):
            got = ctrl.get_questions(name)
            for t in got:
                assert t["_task_hash"] not in seen, f"{t['text']} went to {seen.get(t['_task_hash'])} and {name}"
                seen[t["_task_hash"]] = name
            if got:
                ctrl.receive_answers([dict(t, answer="accept") for t in got[:3]], name)
    assert len(seen) == 40  # every task went out once, across the two servers
    assert one.get_questions("anna") + two.get_questions("ben") == []  # the rest is held, not lost


def test_a_missing_driver_names_the_extra(monkeypatch: pytest.MonkeyPatch, prodigy_home: Path) -> None:
    import builtins

    real = builtins.__import__

    def no_psycopg(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "psycopg":
            raise ImportError("no psycopg")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_psycopg)
    with pytest.raises(QuotesError) as err:
        connect("postgresql", {"host": "127.0.0.1", "dbname": "x"})
    assert 'pip install "prodigy-quotes[postgres]"' in err.value.detail


def test_libpq_environment_and_urls_are_understood(postgres: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = postgres["settings"]
    (Path(os.environ["PRODIGY_HOME"]) / "prodigy.json").write_text(json.dumps({"db": "postgresql"}), encoding="utf8")
    for var, value in (("PGHOST", settings["host"]), ("PGPORT", str(settings["port"])), ("PGUSER", settings["user"])):
        monkeypatch.setenv(var, value)
    monkeypatch.setenv("PGDATABASE", settings["dbname"])
    disconnect_all()
    connect().add_dataset("from_env")
    disconnect_all()
    assert "from_env" in connect(postgres["url"]).datasets


def test_progress_counts_the_answers_stored_through_the_other_server(
    postgres: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    import prodigy_quotes.server.answers as answers
    import prodigy_quotes.server.assignment as assignment

    for module in (answers, assignment):
        monkeypatch.setattr(module, "TOUCH_EVERY", 0.0)  # count and renew at once
    tasks = [set_hashes({"text": f"„Satz {i}“, sagte Kim."}) for i in range(10)]
    config = {"allow_work_stealing": False, "auto_count_stream": True}
    one = Controller(components([dict(t) for t in tasks]), config=config)
    two = Controller(components([dict(t) for t in tasks]), config=config)
    got = one.get_questions("anna")
    one.receive_answers([dict(t, answer="accept") for t in got[:4]], "anna")
    status = two.keep_alive("ben", held=[])
    assert status["total"] == 4 and status["remaining"] == 6 and status["progress"] == 0.4
