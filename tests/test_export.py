"""db-in, db-out, stats, drop and quotes.export on a small hand-written dataset (and the dev set)."""

import json
from pathlib import Path
from typing import Any, Dict, List

import pytest
from prodigy_quotes.dbcommands import db_in, db_out, drop, stats
from prodigy_quotes.errors import QuotesError
from prodigy_quotes.export import export_dataset, quote_records, quotes_export
from prodigy_quotes.schema import SPANS_KEY
from prodigy_quotes.store import connect
from spacy.tokens import DocBin

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "wikinews-de"

TEXT_1 = "„Wir bleiben hier“, sagte die Bürgermeisterin. „Alles andere“, fügte sie hinzu, „wäre falsch.“"
TEXT_2 = 'Der Minister erklärte, man werde prüfen. "Das dauert", sagte er.'


def _span(text: str, part: str, label: str, nth: int = 0) -> Dict[str, Any]:
    start = -1
    for _ in range(nth + 1):
        start = text.index(part, start + 1)
    return {"start": start, "end": start + len(part), "label": label}


def _rel(head: Dict[str, Any], child: Dict[str, Any], label: str) -> Dict[str, Any]:
    return {"head_span": dict(head), "child_span": dict(child), "label": label}


def fixture_tasks() -> List[Dict[str, Any]]:
    """Three answers written for these tests: nested spans, an INDIRECT quote, a rejected one."""
    q1 = _span(TEXT_1, "„Wir bleiben hier“", "QUOTE")
    s1 = _span(TEXT_1, "die Bürgermeisterin", "SPEAKER")
    c1 = _span(TEXT_1, "sagte", "CUE")
    q2 = _span(TEXT_1, "„Alles andere“", "QUOTE")
    q3 = _span(TEXT_1, "„wäre falsch.“", "QUOTE")
    s2 = _span(TEXT_1, "sie", "SPEAKER")
    c2 = _span(TEXT_1, "fügte", "CUE")
    inner = _span(TEXT_1, "Bürgermeisterin", "SPEAKER")  # nested in s1, unlinked
    task1 = {
        "text": TEXT_1,
        "meta": {"id": "a1"},
        "answer": "accept",
        "_session_id": "news-alex",
        "spans": [q1, c1, s1, inner, q2, c2, s2, q3],
        "relations": [
            _rel(q1, s1, "SPEAKER"),
            _rel(q1, c1, "CUE"),
            _rel(q2, s2, "SPEAKER"),
            _rel(q3, s2, "SPEAKER"),
            _rel(q2, c2, "CUE"),
            _rel(q3, c2, "CUE"),
        ],
    }
    ind = _span(TEXT_2, "man werde prüfen", "INDIRECT")
    sp = _span(TEXT_2, "Der Minister", "SPEAKER")
    cu = _span(TEXT_2, "erklärte", "CUE")
    dq = _span(TEXT_2, '"Das dauert"', "QUOTE")
    task2 = {
        "text": TEXT_2,
        "meta": {"id": "a2"},
        "answer": "accept",
        "spans": [sp, cu, ind, dq],
        "relations": [_rel(ind, sp, "SPEAKER"), _rel(ind, cu, "CUE")],
    }
    task3 = {"text": "Niemand sagte etwas.", "meta": {"id": "a3"}, "answer": "reject", "spans": [], "relations": []}
    return [task1, task2, task3]


def _write(path: Path, tasks: List[Any]) -> Path:
    path.write_text(
        "".join((t if isinstance(t, str) else json.dumps(t, ensure_ascii=False)) + "\n" for t in tasks), encoding="utf8"
    )
    return path


def _strip(eg: Dict[str, Any]) -> Dict[str, Any]:
    return {k: v for k, v in eg.items() if k not in ("_input_hash", "_task_hash")}


def test_db_in_db_out_round_trip_loses_nothing(tmp_path: Path) -> None:
    tasks = fixture_tasks()
    src = _write(tmp_path / "in.jsonl", tasks)
    result = db_in("news", str(src))
    assert result["imported"] == 3
    db = connect()
    assert db.datasets == ["news"] and db.sessions == [result["session_id"]]
    assert db_out("news", str(tmp_path / "out.jsonl")) == 3
    out = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf8").splitlines()]
    assert [_strip(eg) for eg in out] == tasks
    assert all(isinstance(eg["_input_hash"], int) and isinstance(eg["_task_hash"], int) for eg in out)
    db_out("news", str(tmp_path / "folder"))
    assert (tmp_path / "folder" / "news.jsonl").read_text(encoding="utf8") == (tmp_path / "out.jsonl").read_text(
        encoding="utf8"
    )


def test_export_quotes_records(tmp_path: Path) -> None:
    db_in("news", str(_write(tmp_path / "in.jsonl", fixture_tasks())))
    assert quotes_export("news", str(tmp_path / "quotes.jsonl")) is None
    result = export_dataset("news", str(tmp_path / "quotes.jsonl"))
    records = [json.loads(line) for line in (tmp_path / "quotes.jsonl").read_text(encoding="utf8").splitlines()]
    assert result["answers"] == 2 and result["quotes"] == len(records) == 5  # the rejected answer is left out
    first = records[0]
    assert first["id"] == "a1" and first["type"] == "QUOTE" and first["text"] == "„Wir bleiben hier“"
    assert TEXT_1[first["start"] : first["end"]] == first["text"]
    assert first["speaker"]["text"] == "die Bürgermeisterin" and first["cue"]["text"] == "sagte"
    assert first["session"] == "news-alex"
    interrupted = [r for r in records if r["id"] == "a1"][1:]
    assert [r["speaker"]["text"] for r in interrupted] == ["sie", "sie"]
    second = [r for r in records if r["id"] == "a2"]
    assert [(r["type"], r["speaker"] and r["speaker"]["text"]) for r in second] == [
        ("INDIRECT", "Der Minister"),
        ("QUOTE", None),
    ]
    assert second[1]["cue"] is None and second[1]["speakers"] == [] and second[0]["session"] is None


def test_export_tasks_is_db_out_and_spacy_has_spans_and_links(tmp_path: Path) -> None:
    db_in("news", str(_write(tmp_path / "in.jsonl", fixture_tasks())))
    quotes_export("news", str(tmp_path / "tasks.jsonl"), format="tasks")
    db_out("news", str(tmp_path / "out.jsonl"))
    assert (tmp_path / "tasks.jsonl").read_text(encoding="utf8") == (tmp_path / "out.jsonl").read_text(encoding="utf8")
    result = export_dataset("news", str(tmp_path / "news.spacy"), format="spacy")
    assert result["docs"] == 2
    import spacy

    docs = list(DocBin().from_disk(tmp_path / "news.spacy").get_docs(spacy.blank("de").vocab))
    assert [d.text for d in docs] == [TEXT_1, TEXT_2]
    spans = {(s.text, s.label_) for s in docs[0].spans[SPANS_KEY]}
    assert ("„Wir bleiben hier“", "QUOTE") in spans and ("die Bürgermeisterin", "SPEAKER") in spans
    assert len(docs[0]._.quote_links) == 6 and docs[0].user_data["meta"] == {"id": "a1"}
    with pytest.raises(QuotesError, match="format"):
        quotes_export("news", str(tmp_path / "x"), format="xlsx")


@pytest.mark.parametrize(
    "bad,reason",
    [
        ({"text": "Kurz.", "spans": [{"start": 0, "end": 50, "label": "QUOTE"}]}, "outside the text"),
        ({"text": "Kurz.", "spans": [{"start": 0, "end": 4, "label": "QUOTE", "text": "Lang"}]}, "does not match"),
        ({"text": "Kurz.", "spans": [{"start": 0, "end": 4, "label": "PERSON"}]}, "unknown label"),
        (
            {
                "text": "Er sagte.",
                "spans": [{"start": 0, "end": 2, "label": "SPEAKER"}],
                "relations": [
                    {
                        "head_span": {"start": 3, "end": 8, "label": "QUOTE"},
                        "child_span": {"start": 0, "end": 2, "label": "SPEAKER"},
                        "label": "SPEAKER",
                    }
                ],
            },
            "not a span of the task",
        ),
        ({"text": "Kurz.", "answer": "maybe"}, "answer"),
        ("{not json", "not valid JSON"),
        ({"meta": {}}, '"text"'),
    ],
)
def test_db_in_rejects_bad_tasks_and_imports_nothing(tmp_path: Path, bad: Any, reason: str) -> None:
    db_in("news", str(_write(tmp_path / "first.jsonl", fixture_tasks()[:1])))
    src = _write(tmp_path / "in.jsonl", fixture_tasks()[1:] + [bad])
    with pytest.raises(QuotesError) as err:
        db_in("news", str(src))
    message = str(err.value)
    assert f"{src}, line 3" in message and reason in message
    db = connect()
    assert db.count_dataset("news") == 1 and len(db.sessions) == 1


def test_db_in_skip_invalid_counts(tmp_path: Path) -> None:
    bad = {"text": "Kurz.", "spans": [{"start": 0, "end": 4, "label": "PERSON"}]}
    src = _write(tmp_path / "in.jsonl", [bad] + fixture_tasks() + ["[1, 2]"])
    result = db_in("news", str(src), skip_invalid=True)
    assert result == {"imported": 3, "skipped": 2, "session_id": result["session_id"]}
    assert connect().count_dataset("news") == 3
    assert db_in("other", str(src), skip_invalid=True, label=["PERSON"])["imported"] == 4


def test_db_in_sets_missing_answer_and_dry_run(tmp_path: Path) -> None:
    src = _write(tmp_path / "in.jsonl", [{"text": "Ohne Antwort."}])
    assert db_in("news", str(src), dry=True)["imported"] == 0 and "news" not in connect()
    db_in("news", str(src), answer="reject")
    assert connect().get_dataset_examples("news")[0]["answer"] == "reject"
    with pytest.raises(QuotesError, match="--answer"):
        db_in("news", str(src), answer="yes")
    with pytest.raises(QuotesError, match="no such file"):
        db_in("news", str(tmp_path / "missing.jsonl"))


def test_stats_and_drop(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    db_in("news", str(_write(tmp_path / "in.jsonl", fixture_tasks())))
    info = stats("news", list_datasets=True, list_sessions=True)
    ds = info["dataset"]
    assert info["datasets"] == 1 and info["sessions"] == 1
    assert ds["annotations"] == 3 and ds["documents"] == 3 and ds["answers"] == {"accept": 2, "reject": 1}
    assert ds["spans"]["QUOTE"] == 4 and ds["spans"]["INDIRECT"] == 1 and ds["relations"] == {"SPEAKER": 4, "CUE": 4}
    assert len(ds["sessions"]) == 1
    out = capsys.readouterr().out
    assert "Total Datasets" in out and "Datasets: news" in out and "accept 2" in out
    assert drop("news") == 3
    assert "news" not in connect()
    with pytest.raises(QuotesError, match="No dataset named 'news'"):
        drop("news")
    with pytest.raises(QuotesError, match="No dataset"):
        db_out("news")


def test_quote_records_without_relations() -> None:
    task = {"text": "„Ja.“", "spans": [{"start": 0, "end": 5, "label": "QUOTE"}], "answer": "accept"}
    (record,) = quote_records(task)
    assert record["speaker"] is None and record["cue"] is None and record["text"] == "„Ja.“" and record["offset"] == 0


def test_dev_set_round_trip_loses_nothing(tmp_path: Path) -> None:
    """db-in → db-out → export on the 150 dev articles: every task, span and relation survives."""
    path = SHARED_DATA / "dev.tasks.jsonl"
    if not path.exists():
        pytest.skip(f"{path} is not available")
    original = [json.loads(line) for line in path.read_text(encoding="utf8").splitlines() if line.strip()]
    assert db_in("dev", str(path))["imported"] == len(original) == 150
    db_out("dev", str(tmp_path / "dev.out.jsonl"))
    out = [json.loads(line) for line in (tmp_path / "dev.out.jsonl").read_text(encoding="utf8").splitlines()]
    assert [_strip(eg) for eg in out] == original
    quotes_export("dev", str(tmp_path / "dev.quotes.jsonl"))
    records = [json.loads(line) for line in (tmp_path / "dev.quotes.jsonl").read_text(encoding="utf8").splitlines()]
    accepted = [t for t in original if t.get("answer", "accept") == "accept"]
    quote_spans = [
        (t["meta"]["id"], s["start"], s["end"], s["label"])
        for t in accepted
        for s in t["spans"]
        if s["label"] not in ("SPEAKER", "CUE")
    ]
    assert sorted((r["id"], r["start"], r["end"], r["type"]) for r in records) == sorted(quote_spans)
    relations = {
        label: sum(1 for t in accepted for r in t["relations"] if r["label"] == label) for label in ("SPEAKER", "CUE")
    }
    distinct = {
        label: sum(
            len(
                {
                    (
                        r["head_span"]["start"],
                        r["head_span"]["end"],
                        r["head_span"]["label"],
                        r["child_span"]["start"],
                        r["child_span"]["end"],
                    )
                    for r in t["relations"]
                    if r["label"] == label
                }
            )
            for t in accepted
        )
        for label in ("SPEAKER", "CUE")
    }
    assert sum(len(r["speakers"]) for r in records) == distinct["SPEAKER"] <= relations["SPEAKER"]
    assert sum(len(r["cues"]) for r in records) == distinct["CUE"] <= relations["CUE"]
    result = export_dataset("dev", str(tmp_path / "dev.spacy"), format="spacy")
    assert result["docs"] == 150
    assert result["spans"] == sum(len({(s["start"], s["end"], s["label"]) for s in t["spans"]}) for t in accepted)


def test_spacy_export_keeps_two_labels_on_one_stretch(tmp_path: Path) -> None:
    text = "Demnach sei alles gut."
    both = [{"start": 0, "end": 7, "label": "SPEAKER"}, {"start": 0, "end": 7, "label": "CUE"}]
    quote = {"start": 8, "end": 21, "label": "INDIRECT"}
    task = {
        "text": text,
        "answer": "accept",
        "spans": both + [quote],
        "relations": [_rel(quote, both[0], "SPEAKER"), _rel(quote, both[1], "CUE")],
    }
    db_in("news", str(_write(tmp_path / "in.jsonl", [task])))
    assert export_dataset("news", str(tmp_path / "n.spacy"), format="spacy")["spans"] == 3


def test_quote_records_name_who_is_quoted_and_csv_has_the_same(tmp_path: Path) -> None:
    import csv

    from prodigy_quotes.annotate import quotes_manual

    source = tmp_path / "in.jsonl"
    text = "Die Ministerin Anna Berger sagte: „Wir handeln.“ Später ergänzte sie: „Sofort.“"
    source.write_text(json.dumps({"text": text, "meta": {"id": "b1"}}, ensure_ascii=False) + "\n", encoding="utf8")
    (task,) = list(quotes_manual("draft", "blank:de", str(source))["stream"])
    db_in("news", str(_write(tmp_path / "t.jsonl", [dict(task, answer="accept")])))
    quotes_export("news", str(tmp_path / "q.jsonl"))
    records = [json.loads(line) for line in (tmp_path / "q.jsonl").read_text(encoding="utf8").splitlines()]
    assert [(r["speaker"]["text"], r["speaker_name"], r["speaker_resolved"], r["speaker_id"]) for r in records] == [
        ("Die Ministerin Anna Berger", "Die Ministerin Anna Berger", True, 1),
        ("sie", "Die Ministerin Anna Berger", True, 1),
    ]
    quotes_export("news", str(tmp_path / "q.csv"), format="csv")
    with (tmp_path / "q.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["text"], r["speaker"], r["speaker_name"], r["speaker_id"]) for r in rows] == [
        ("„Wir handeln.“", "Die Ministerin Anna Berger", "Die Ministerin Anna Berger", "1"),
        ("„Sofort.“", "sie", "Die Ministerin Anna Berger", "1"),
    ]


def test_a_coref_link_survives_db_in_db_out_review_and_export(tmp_path: Path) -> None:
    from prodigy_quotes.hashing import set_hashes
    from prodigy_quotes.review import quotes_review

    text = "Der Trainer Max Roth lobte das Team. „Sehr gut“, sagte er."
    spans = {
        "roth": {"start": 0, "end": 20, "label": "SPEAKER"},
        "quote": {"start": 37, "end": 47, "label": "QUOTE"},
        "er": {"start": 55, "end": 57, "label": "SPEAKER"},
    }
    rels = [
        {"head_span": spans["quote"], "child_span": spans["er"], "label": "SPEAKER"},
        {"head_span": spans["er"], "child_span": spans["roth"], "label": "COREF"},
    ]
    task = set_hashes({"text": text, "spans": list(spans.values()), "relations": rels, "answer": "accept"})
    db_in("ann", str(_write(tmp_path / "in.jsonl", [task])))
    out = tmp_path / "out.jsonl"
    db_out("ann", str(out))
    (back,) = [json.loads(line) for line in out.read_text(encoding="utf8").splitlines()]
    assert [r["label"] for r in back["relations"]] == ["SPEAKER", "COREF"]
    (review,) = list(quotes_review("gold", "ann")["stream"])
    assert "COREF" in [r["label"] for r in review["relations"]]
    quotes_export("ann", str(tmp_path / "q.jsonl"))
    (record,) = [json.loads(line) for line in (tmp_path / "q.jsonl").read_text(encoding="utf8").splitlines()]
    assert record["speaker"]["text"] == "er" and record["speaker_name"] == "Der Trainer Max Roth"
