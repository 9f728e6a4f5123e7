"""Route tests of the bundled annotation server, through an ASGI client on the real SQLite store."""

import json
import re
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
import spacy
from fastapi.testclient import TestClient
from prodigy_quotes.annotate import quotes_manual
from prodigy_quotes.compat import connect
from prodigy_quotes.errors import QuotesError
from prodigy_quotes.server.app import STATIC_DIR
from prodigy_quotes.server.serve import bind, build_app, host_and_port, resolve_config
from prodigy_quotes.server.writer import AnswerWriter
from prodigy_quotes.tasks import doc_to_task

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
NLP = spacy.blank("de")


def make_tasks(n: int, start: int = 0) -> List[Dict[str, Any]]:
    """Distinct small tasks in the relations format (no spans)."""
    return [doc_to_task(NLP(f"„Satz Nummer {i} ist kurz“, sagte Kim am Tag {i}.")) for i in range(start, start + n)]


def components(tasks: List[Dict[str, Any]], dataset: str = "news", **config: Any) -> Dict[str, Any]:
    return {
        "dataset": dataset,
        "view_id": "relations",
        "stream": iter(tasks),
        "config": {"labels": ["SPEAKER", "CUE"], "relations_span_labels": ["QUOTE", "SPEAKER", "CUE"], **config},
    }


def client(comps: Dict[str, Any], **overrides: Any) -> TestClient:
    return TestClient(build_app(comps, config_overrides=overrides))


def ask(c: TestClient, session: Optional[str], held: Optional[List[int]] = None) -> Dict[str, Any]:
    body: Dict[str, Any] = {"session_id": session}
    if held is not None:
        body["held"] = held
    res = c.post("/get_session_questions", json=body)
    assert res.status_code == 200, res.text
    return res.json()


def answer(c: TestClient, session: Optional[str], tasks: List[Dict[str, Any]], kind: str = "accept") -> Dict[str, Any]:
    res = c.post("/give_answers", json={"answers": [dict(t, answer=kind) for t in tasks], "session_id": session})
    assert res.status_code == 200, res.text
    return res.json()


def hashes(tasks: List[Dict[str, Any]]) -> List[int]:
    return [t["_task_hash"] for t in tasks]


def test_health_project_and_page() -> None:
    with client(components(make_tasks(3))) as c:
        assert c.get("/health").json() == {"status": "alive"}
        project = c.get("/project").json()
        assert project["dataset"] == "news" and project["view_id"] == "relations"
        assert project["relations_span_labels"] == ["QUOTE", "SPEAKER", "CUE"]
        assert "db_settings" not in project
        assert c.get("/project/anna").json()["session_id"] == "news-anna"
        page = c.get("/")
        assert page.status_code == 200 and "static/app.js" in page.text
        assert c.get("/static/app.js").status_code == 200
        assert c.get("/static/app.css").status_code == 200


def test_page_never_injects_html() -> None:
    """Task text reaches the DOM through textContent only."""
    script = (STATIC_DIR / "app.js").read_text(encoding="utf8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in script


def test_answers_are_tagged_and_stored_in_dataset_and_session() -> None:
    with client(components(make_tasks(5))) as c:
        batch = ask(c, "anna")
        assert batch["session_id"] == "news-anna" and len(batch["tasks"]) == 5
        result = answer(c, "anna", batch["tasks"][:2])
        assert result["stored"] == 2 and result["total"] == 2
    db = connect()
    stored = db.get_dataset_examples("news")
    assert len(stored) == 2
    assert {eg["_session_id"] for eg in stored} == {"news-anna"}
    assert all(eg["_annotator_id"] == "news-anna" and eg["_view_id"] == "relations" for eg in stored)
    assert all(isinstance(eg["_timestamp"], int) and eg["answer"] == "accept" for eg in stored)
    assert "news-anna" in db.sessions
    assert len(db.get_dataset_examples("news-anna")) == 2


def test_default_session_is_a_timestamp() -> None:
    with client(components(make_tasks(2))) as c:
        batch = ask(c, None)
        assert re.fullmatch(r"\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d", batch["session_id"])
        answer(c, None, batch["tasks"])
    assert connect().get_dataset_examples("news")[0]["_session_id"] == batch["session_id"]


def test_without_overlap_each_task_goes_to_one_session() -> None:
    tasks = make_tasks(25)
    with client(components(tasks)) as c:
        seen: Dict[str, List[int]] = {"anna": [], "ben": []}
        for _ in range(4):
            for name in seen:
                got = ask(c, name)["tasks"]
                seen[name] += hashes(got)
                answer(c, name, got)
        assert not set(seen["anna"]) & set(seen["ben"])
        assert sorted(seen["anna"] + seen["ben"]) == sorted(hashes(tasks))
    assert len(connect().get_dataset_examples("news")) == 25


def test_with_overlap_every_session_sees_every_task() -> None:
    tasks = make_tasks(12)
    with client(components(tasks, feed_overlap=True)) as c:
        for name in ("anna", "ben"):
            got = ask(c, name)["tasks"] + ask(c, name)["tasks"]
            assert sorted(hashes(got)) == sorted(hashes(tasks))
            answer(c, name, got)
            assert ask(c, name)["tasks"] == []
    db = connect()
    assert len(db.get_dataset_examples("news")) == 24
    assert len(db.get_dataset_examples("news-anna")) == 12


def test_overlap_restart_excludes_only_own_answers() -> None:
    tasks = make_tasks(4)
    with client(components(tasks, feed_overlap=True)) as c:
        answer(c, "anna", ask(c, "anna")["tasks"])
    with client(components(tasks, feed_overlap=True)) as c:
        assert ask(c, "anna")["tasks"] == []
        assert len(ask(c, "ben")["tasks"]) == 4


def test_restart_serves_exactly_the_unanswered_tasks() -> None:
    tasks = make_tasks(15)
    with client(components(tasks, batch_size=10)) as c:
        first = ask(c, "anna")["tasks"]
        answer(c, "anna", first[:4])
    with client(components(make_tasks(15), batch_size=10)) as c:  # same inputs, new server
        again = ask(c, "anna")["tasks"] + ask(c, "anna")["tasks"]
        assert sorted(hashes(again)) == sorted(hashes(tasks[4:]))


def test_tasks_lost_by_the_page_are_sent_again() -> None:
    with client(components(make_tasks(8), batch_size=3)) as c:
        first = ask(c, "anna", held=[])["tasks"]
        assert ask(c, "anna", held=[])["tasks"] == first  # page reloaded: nothing held
        second = ask(c, "anna", held=hashes(first))["tasks"]
        assert not set(hashes(second)) & set(hashes(first))
        answer(c, "anna", first)
        assert ask(c, "anna", held=[])["tasks"] == second


def test_end_session_gives_tasks_to_others() -> None:
    with client(components(make_tasks(4), allow_work_stealing=False)) as c:
        held = ask(c, "anna")["tasks"]
        nothing = ask(c, "ben")
        assert nothing["tasks"] == [] and nothing["held_by_others"] == 4  # not "no more tasks": anna has them
        assert c.post("/end_session", json={"session_id": "anna"}).json()["returned"] == 4
        assert hashes(ask(c, "ben")["tasks"]) == hashes(held)
        assert sorted(ask(c, "anna", held=hashes(held))["stale"]) == sorted(hashes(held))  # anna's page learns


def test_an_idle_annotator_takes_the_tasks_another_would_reach_last() -> None:
    with client(components(make_tasks(4))) as c:  # allow_work_stealing is on, as in Prodigy
        held = ask(c, "anna")["tasks"]
        stolen = ask(c, "ben")["tasks"]
        assert hashes(stolen) == hashes(held[1:])[::-1]  # anna keeps the task she has open
        assert ask(c, "ben")["tasks"] == []
        alive = c.post("/keep_alive", json={"session_id": "anna", "held": hashes(held)}).json()
        assert sorted(alive["stale"]) == sorted(hashes(stolen))
        assert answer(c, "anna", held[:1])["stored"] == 1 and answer(c, "ben", stolen)["stored"] == 3


def test_tasks_of_a_page_that_stopped_asking_go_to_others() -> None:
    with client(components(make_tasks(3), allow_work_stealing=False, release_after=0.2)) as c:
        held = ask(c, None)["tasks"]  # an editor opens the page without ?session= and goes away
        time.sleep(0.3)
        assert hashes(ask(c, "anna")["tasks"]) == hashes(held)


def test_a_duplicate_answer_is_kept_in_the_annotators_session() -> None:
    with client(components(make_tasks(2))) as c:
        got = ask(c, "anna")["tasks"]
        assert answer(c, "anna", got)["stored"] == 2
        res = answer(c, "ben", got)  # ben worked on the same tasks (stolen, or a page open across a restart)
        assert res["stored"] == 0 and res["duplicates"] == 2 and res["kept_in_session"] == 2
    db = connect()
    assert db.count_dataset("news") == 2 and db.count_dataset("news-ben") == 2


def test_duplicate_answers_are_stored_once() -> None:
    with client(components(make_tasks(3))) as c:
        got = ask(c, "anna")["tasks"]
        answer(c, "anna", got)
        again = answer(c, "anna", got)
        assert again["stored"] == 0 and again["duplicates"] == 3
        assert answer(c, "ben", got)["stored"] == 0
    assert len(connect().get_dataset_examples("news")) == 3


def test_force_stream_order_resends_unanswered() -> None:
    with client(components(make_tasks(5), batch_size=2, force_stream_order=True)) as c:
        first = ask(c, "anna")["tasks"]
        assert ask(c, "anna")["tasks"] == first
        answer(c, "anna", first[:1])
        assert hashes(ask(c, "anna")["tasks"])[0] == first[1]["_task_hash"]


def test_exclude_datasets_and_exclude_by_input() -> None:
    tasks = make_tasks(4)
    db = connect()
    db.add_dataset("old")
    db.add_examples(
        [dict(tasks[0], answer="accept", spans=[{"start": 0, "end": 1, "label": "QUOTE"}], _task_hash=123)],
        datasets=["old"],
    )
    comps = components(tasks, exclude_by="input")
    comps["exclude"] = ["old"]
    with client(comps) as c:
        assert sorted(hashes(ask(c, "anna")["tasks"])) == sorted(hashes(tasks[1:]))


def test_invalid_answer_is_refused_and_not_stored() -> None:
    comps = quotes_manual("news", "blank:de", str(SEEDS))
    with client(comps) as c:
        task = ask(c, "anna")["tasks"][0]
        assert task["tokens"] and task["spans"]
        bad = json.loads(json.dumps(task))
        speaker = {
            "start": bad["tokens"][0]["start"],
            "end": bad["tokens"][0]["end"],
            "token_start": 0,
            "token_end": 0,
            "label": "SPEAKER",
        }
        cue = {
            "start": bad["tokens"][2]["start"],
            "end": bad["tokens"][2]["end"],
            "token_start": 2,
            "token_end": 2,
            "label": "CUE",
        }
        bad["spans"] = [speaker, cue]
        bad["relations"] = [{"head": 0, "child": 2, "head_span": speaker, "child_span": cue, "label": "CUE"}]
        bad["answer"] = "accept"
        check = c.post("/validate_answer", json={"answer": bad}).json()
        assert check["valid"] is False and "relation" in check["error"]
        res = c.post("/give_answers", json={"answers": [bad], "session_id": "anna"})
        assert res.status_code == 400 and "relation" in res.json()["detail"]
        assert connect().count_dataset("news") == 0
        good = dict(task, answer="accept")
        assert c.post("/validate_answer", json={"answer": good}).json() == {"valid": True, "error": None}
        assert answer(c, "anna", [task])["stored"] == 1
    stored = connect().get_dataset_examples("news")
    assert len(stored) == 1 and stored[0]["relations"] == task["relations"]


def test_allowed_sessions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRODIGY_ALLOWED_SESSIONS", "anna, ben")
    with client(components(make_tasks(3))) as c:
        assert ask(c, "anna")["session_id"] == "news-anna"
        assert c.post("/get_session_questions", json={"session_id": "eve"}).status_code == 403
        res = c.post("/get_session_questions", json={"session_id": None})
        assert res.status_code == 403 and "?session=" in res.json()["detail"]
        assert c.post("/give_answers", json={"answers": [], "session_id": "eve"}).status_code == 403


def test_basic_auth(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRODIGY_BASIC_AUTH_USER", "kim")
    monkeypatch.setenv("PRODIGY_BASIC_AUTH_PASS", "s3cret")
    with client(components(make_tasks(1))) as c:
        assert c.get("/health").status_code == 401
        assert c.get("/", auth=("kim", "wrong")).status_code == 401
        assert c.get("/health", auth=("kim", "s3cret")).json() == {"status": "alive"}
        res = c.post("/get_session_questions", json={"session_id": "anna"}, auth=("kim", "s3cret"))
        assert len(res.json()["tasks"]) == 1
        assert c.get("/static/app.js").status_code == 401  # the page's files too
        assert c.get("/static/app.js", auth=("kim", "s3cret")).status_code == 200


def test_static_files_stay_inside_their_folder() -> None:
    with client(components(make_tasks(1))) as c:
        assert "javascript" in c.get("/static/api.js").headers["content-type"]
        assert c.get("/static/../app.py").status_code == 404
        assert c.get("/static/%2e%2e/app.py").status_code == 404
        assert c.get("/static/nothing.js").status_code == 404


def test_a_recipes_event_hooks_are_served_at_event_name() -> None:
    """The server knows no quote logic: a recipe adds routes as Prodigy event hooks, ``hook(controller, **payload)``."""
    comps = components(make_tasks(1))
    comps["event_hooks"] = {"shout": lambda ctrl, *, word: {"loud": word.upper(), "dataset": ctrl.dataset}}
    with client(comps) as c:
        assert c.post("/event/shout", json={"word": "ja"}).json() == {"loud": "JA", "dataset": "news"}
        assert c.post("/event/shout", json={"wort": "ja"}).status_code == 400
        assert c.post("/event/whisper", json={}).status_code == 404


def test_the_annotation_recipes_resolve_speakers_through_an_event_hook(tmp_path: Path) -> None:
    text = "„Wir sind bereit“, sagte Kim Adler. „Wir kommen“, sagte er."
    source = tmp_path / "one.jsonl"
    source.write_text(json.dumps({"text": text}, ensure_ascii=False) + "\n", encoding="utf8")
    with client(quotes_manual("news", "blank:de", str(source))) as c:
        task = ask(c, "anna")["tasks"][0]
        res = c.post("/event/resolve-speakers", json={"task": task})
        assert res.status_code == 200, res.text
        names = [s["name"] for s in res.json()["speakers"]]
        assert names == ["Kim Adler", "Kim Adler"]
        assert c.post("/event/resolve-speakers", json={"task": "nope"}).status_code == 400


def test_basic_auth_needs_both_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRODIGY_BASIC_AUTH_USER", "kim")
    with pytest.raises(QuotesError, match="PRODIGY_BASIC_AUTH_PASS"):
        build_app(components(make_tasks(1)))


def test_recipe_callbacks_are_honoured() -> None:
    calls: Dict[str, Any] = {"update": [], "exit": 0}
    comps = components(make_tasks(3))
    comps["update"] = lambda answers: calls["update"].append(len(answers)) or "updated"
    comps["before_db"] = lambda answers: [dict(a, cleaned=True) for a in answers]
    comps["progress"] = lambda ctrl, session, answers, result: 0.25 if result == "updated" else 0.0
    comps["on_exit"] = lambda ctrl: calls.__setitem__("exit", ctrl.total)
    with client(comps) as c:
        result = answer(c, "anna", ask(c, "anna")["tasks"])
        assert result["progress"] == 0.25
    assert calls == {"update": [3], "exit": 3}
    assert all(eg["cleaned"] for eg in connect().get_dataset_examples("news"))


def test_progress_counts_the_stream() -> None:
    with client(components(make_tasks(4), auto_count_stream=True)) as c:
        batch = ask(c, "anna")
        assert batch["progress"] == 0.0 and batch["remaining"] == 4
        result = answer(c, "anna", batch["tasks"][:1])
        assert result["progress"] == 0.25 and result["remaining"] == 3


def test_bad_answer_value_is_refused() -> None:
    with client(components(make_tasks(1))) as c:
        task = ask(c, "anna")["tasks"][0]
        res = c.post("/give_answers", json={"answers": [dict(task, answer="maybe")], "session_id": "anna"})
        assert res.status_code == 400
        assert c.post("/give_answers", json={"answers": "nope"}).status_code == 400


def test_host_and_port_resolution(prodigy_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PRODIGY_HOST", raising=False)
    monkeypatch.delenv("PRODIGY_PORT", raising=False)
    monkeypatch.chdir(prodigy_home)
    assert host_and_port(resolve_config({})) == ("127.0.0.1", 8080)
    (prodigy_home / "prodigy.json").write_text(json.dumps({"port": 9001, "host": "0.0.0.0"}))
    assert host_and_port(resolve_config({"port": 7000})) == ("0.0.0.0", 9001)
    monkeypatch.setenv("PRODIGY_PORT", "9002")
    monkeypatch.setenv("PRODIGY_HOST", "localhost")
    assert host_and_port(resolve_config({})) == ("localhost", 9002)
    assert resolve_config({})["port"] == 9002  # a number in /project, as prodigy.json gives it
    monkeypatch.setenv("PRODIGY_CONFIG_OVERRIDES", json.dumps({"port": 9003}))
    assert host_and_port(resolve_config({})) == ("localhost", 9003)
    assert host_and_port(resolve_config({}, {"port": 9004})) == ("localhost", 9004)
    monkeypatch.setenv("PRODIGY_PORT", "eighty")
    monkeypatch.delenv("PRODIGY_CONFIG_OVERRIDES")
    with pytest.raises(QuotesError, match="Invalid port"):
        host_and_port(resolve_config({}))


def test_quotes_manual_session_survives_a_restart() -> None:
    with client(quotes_manual("news", "blank:de", str(SEEDS))) as c:
        tasks = ask(c, "anna")["tasks"]
        assert len(tasks) == len(list(SEEDS.glob("*.txt")))
        assert all(t["tokens"] and any(s["label"] == "QUOTE" for s in t["spans"]) for t in tasks)
        answer(c, "anna", tasks[:1])
    with client(quotes_manual("news", "blank:de", str(SEEDS))) as c:
        again = ask(c, "ben")  # anna's page still holds the rest: ben does not get them
        assert again["tasks"] == [] and again["held_by_others"] == len(tasks) - 1 and again["total"] == 1
        back = ask(c, "anna", held=[])  # anna reloads her page
        assert hashes(back["tasks"]) == hashes(tasks[1:])
        assert back["session_total"] == 1 and back["progress"] == 1 / len(tasks)


def test_concurrent_sessions_store_every_answer_once() -> None:
    tasks = make_tasks(120)
    with client(components(tasks, batch_size=5)) as c:

        def work(name: str) -> List[int]:
            done: List[int] = []
            while True:
                got = ask(c, name)["tasks"]
                if not got:
                    return done
                for task in got:
                    answer(c, name, [task])
                    done.append(task["_task_hash"])

        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(work, [f"a{i}" for i in range(8)]))
    answered = [h for r in results for h in r]
    assert set(answered) == set(hashes(tasks))  # an idle annotator may also answer a task another holds
    db = connect()
    stored = db.get_dataset_examples("news")
    assert sorted(eg["_task_hash"] for eg in stored) == sorted(hashes(tasks))  # each stored once in the dataset
    kept = sum(db.count_dataset(f"news-a{i}") for i in range(8))
    assert kept == len(answered)  # and every answer in its annotator's session


def test_writer_stores_the_good_jobs_of_a_failing_group() -> None:
    db = connect()
    db.add_dataset("news")
    writer = AnswerWriter(db, "news")
    good, bad = Future(), Future()
    broken = {"text": "kein Hash", "answer": "accept"}
    writer._commit(
        [("news-anna", [dict(make_tasks(1)[0], answer="accept")], [], good), ("news-ben", [broken], [], bad)]
    )
    writer.close()
    assert good.result() is None
    with pytest.raises(ValueError):
        bad.result()
    assert db.count_dataset("news") == 1 and "news-anna" in db.sessions and "news-ben" not in db


def test_a_failed_commit_is_not_acknowledged_and_can_be_sent_again(monkeypatch: pytest.MonkeyPatch) -> None:
    with client(components(make_tasks(2))) as c:
        got = ask(c, "anna")["tasks"]
        db = connect()
        real = db.add_examples

        def failing(*args: Any, **kwargs: Any) -> None:
            raise OSError("disk full")

        monkeypatch.setattr(db, "add_examples", failing)
        res = c.post("/give_answers", json={"answers": [dict(t, answer="accept") for t in got], "session_id": "anna"})
        assert res.status_code == 500 and "disk full" in res.json()["detail"]
        monkeypatch.setattr(db, "add_examples", real)
        assert answer(c, "anna", got)["stored"] == 2
    assert connect().count_dataset("news") == 2


def test_a_taken_port_is_a_clear_error() -> None:
    taken = bind("127.0.0.1", 0)
    try:
        with pytest.raises(QuotesError, match="Can't listen on 127.0.0.1") as err:
            bind("127.0.0.1", taken.getsockname()[1])
        assert "PRODIGY_PORT" in err.value.detail
    finally:
        taken.close()


def test_routes_work_without_orjson(monkeypatch: pytest.MonkeyPatch) -> None:
    from prodigy_quotes.server import app as app_module

    monkeypatch.setattr(app_module, "orjson", None)
    with client(components(make_tasks(2))) as c:
        got = ask(c, "anna")["tasks"]
        assert len(got) == 2 and got[0]["text"].startswith("„Satz")
        assert answer(c, "anna", got)["stored"] == 2
        assert c.post("/give_answers", content=b"{not json").status_code == 400


def test_progress_and_counts_come_from_the_database_across_a_restart() -> None:
    tasks = make_tasks(30)
    with client(components(tasks, batch_size=10, auto_count_stream=True)) as c:
        answer(c, "anna", ask(c, "anna")["tasks"][:8])
        before = ask(c, "anna", held=[])
    answered = {eg["_task_hash"] for eg in connect().get_dataset_examples("news")}
    rest = [t for t in make_tasks(30) if t["_task_hash"] not in answered]  # a recipe's stream skips what is done
    with client(components(rest, batch_size=10, auto_count_stream=True)) as c:
        after = ask(c, "anna", held=[])
    for figures in (before, after):
        assert figures["progress"] == 8 / 30 and figures["remaining"] == 22 and figures["work_total"] == 30
        assert figures["total"] == 8 and figures["session_total"] == 8


def test_an_empty_source_starts_no_server(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from prodigy_quotes.server.serve import serve

    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n", encoding="utf8")
    with pytest.raises(QuotesError, match="Nothing to annotate: the source holds no texts"):
        serve(quotes_manual("news", "blank:de", str(empty)))
    done = tmp_path / "one.jsonl"
    done.write_text(json.dumps({"text": "„Ja“, sagte Kim."}) + "\n", encoding="utf8")
    with client(quotes_manual("news", "blank:de", str(done))) as c:
        answer(c, "anna", ask(c, "anna")["tasks"])
    serve(quotes_manual("news", "blank:de", str(done)))  # returns at once: nothing left
    assert "Nothing left to annotate: every task is answered already (1 in dataset 'news')" in capsys.readouterr().out


@pytest.mark.parametrize(
    "route,body",
    [
        ("/get_session_questions", {"session_id": 123}),
        ("/give_answers", {"answers": [], "session_id": ["anna"]}),
        ("/end_session", {"session_id": {"name": "anna"}}),
        ("/keep_alive", {"session_id": "anna", "held": ["not", "hashes"]}),
    ],
)
def test_inputs_of_the_wrong_type_are_a_400_that_says_why(route: str, body: Dict[str, Any]) -> None:
    with client(components(make_tasks(1))) as c:
        res = c.post(route, json=body)
        assert res.status_code == 400 and ("session_id" in res.json()["detail"] or "held" in res.json()["detail"])
