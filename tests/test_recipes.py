"""Recipes called directly, as Explosion's plugin tests do: components, config and stream."""

import json
import types
from pathlib import Path
from typing import Any, Dict, List

import pytest
import spacy
from prodigy_quotes.annotate import quotes_correct, quotes_manual, split_ranges
from prodigy_quotes.compat import COMMANDS, RECIPES
from prodigy_quotes.errors import QuotesError
from prodigy_quotes.review import before_db_one, quotes_review
from prodigy_quotes.store import connect
from prodigy_quotes.tasks import validate_task
from typer.testing import CliRunner

ARTICLE = "„Wir sind bereit“, sagte Kim. Der Rat tagt morgen."
OTHER = "Die Stadt plant einen Park. „Das wird schön“, sagte Lea."
LONG = "Erster Absatz mit einigen Wörtern hier.\n\nZweiter Absatz, auch mit Wörtern.\n\n„Dritter Absatz“, sagte Tom."


def _source(tmp_path: Path, docs: List[Dict[str, Any]]) -> str:
    path = tmp_path / "docs.jsonl"
    path.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf8")
    return str(path)


def _spans(task: Dict[str, Any], label: str) -> List[str]:
    return [task["text"][s["start"] : s["end"]] for s in task["spans"] if s["label"] == label]


def test_manual_components_follow_the_contract(tmp_path: Path) -> None:
    src = _source(tmp_path, [{"text": ARTICLE, "meta": {"id": "1"}, "url": "http://example.org/1"}, {"text": OTHER}])
    components = quotes_manual("quotes_test", "blank:de", src, exclude=["old"], wrap=True)
    assert components["view_id"] == "relations" and components["dataset"] == "quotes_test"
    assert components["exclude"] == ["old"] and callable(components["validate_answer"])
    config = components["config"]
    assert config["labels"] == ["SPEAKER", "CUE"] and config["relations_span_labels"] == ["QUOTE", "SPEAKER", "CUE"]
    assert config["exclude_by"] == "input" and config["wrap_relations"] is True and config["lang"] == "de"
    assert config["custom_theme"]["cardMaxWidth"] == "90%"
    stream = components["stream"]
    assert isinstance(stream, types.GeneratorType)
    task = next(stream)
    assert task["text"] == ARTICLE and task["meta"] == {"id": "1"} and task["url"] == "http://example.org/1"
    assert validate_task(task) == []
    assert all({"text", "start", "end", "id", "ws"} <= set(tok) for tok in task["tokens"])
    assert any("Wir sind bereit" in quote for quote in _spans(task, "QUOTE"))
    assert isinstance(task["_input_hash"], int) and isinstance(task["_task_hash"], int)
    for rel in task["relations"]:
        assert rel["head"] == rel["head_span"]["token_end"] and rel["child"] == rel["child_span"]["token_end"]
    speakers = [
        task["text"][r["child_span"]["start"] : r["child_span"]["end"]]
        for r in task["relations"]
        if r["label"] == "SPEAKER"
    ]
    assert speakers == ["Kim"]
    assert [t["text"] for t in stream] == [OTHER]


def test_manual_accepts_a_loaded_language_and_text_files(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf8")
    components = quotes_manual("ds", spacy.blank("de"), str(tmp_path / "a.txt"))
    (task,) = list(components["stream"])
    assert task["meta"] == {"file": "a.txt"} and task["text"] == ARTICLE


def test_stream_skips_answered_and_excluded_inputs(tmp_path: Path) -> None:
    src = _source(tmp_path, [{"text": ARTICLE}, {"text": OTHER}, {"text": ARTICLE}])
    first = next(quotes_manual("ds", "blank:de", src)["stream"])
    db = connect()
    db.add_examples([{**first, "answer": "accept"}], datasets=["ds"])
    assert [t["text"] for t in quotes_manual("ds", "blank:de", src)["stream"]] == [OTHER]
    assert [t["text"] for t in quotes_manual("new", "blank:de", src, exclude=["ds"])["stream"]] == [OTHER]
    assert [t["text"] for t in quotes_manual("new", "blank:de", src)["stream"]] == [ARTICLE, OTHER]


def test_feed_overlap_leaves_per_session_exclusion_to_the_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = _source(tmp_path, [{"text": ARTICLE}, {"text": OTHER}])
    first = next(quotes_manual("ds", "blank:de", src)["stream"])
    connect().add_examples([{**first, "answer": "accept"}], datasets=["ds", "done"])
    monkeypatch.setenv("PRODIGY_CONFIG_OVERRIDES", '{"feed_overlap": true}')
    assert [t["text"] for t in quotes_manual("ds", "blank:de", src)["stream"]] == [ARTICLE, OTHER]
    assert [t["text"] for t in quotes_manual("ds", "blank:de", src, exclude="done")["stream"]] == [OTHER]


def test_long_documents_split_at_paragraphs(tmp_path: Path) -> None:
    src = _source(tmp_path, [{"text": LONG, "meta": {"id": "long"}}])
    tasks = list(quotes_manual("ds", "blank:de", src, max_tokens=8)["stream"])
    assert len(tasks) == 3
    for i, task in enumerate(tasks):
        meta = task["meta"]
        assert meta["id"] == "long" and meta["part"] == i + 1 and meta["parts"] == 3
        assert LONG[meta["offset"] : meta["offset"] + len(task["text"])] == task["text"]
    assert tasks[2]["text"].startswith("„Dritter Absatz“") and _spans(tasks[2], "QUOTE")
    assert len(list(quotes_manual("ds2", "blank:de", src, max_tokens=0)["stream"])) == 1


def test_split_never_cuts_an_existing_span() -> None:
    count = lambda text: len(text.split())  # noqa: E731
    text = "a b c\n\nd e f\n\ng h i"
    assert split_ranges(text, count, 3) == [(0, 5), (7, 12), (14, 19)]
    assert split_ranges(text, count, 3, keep_together=[(2, 9)]) == [(0, 12), (14, 19)]
    assert split_ranges(text, count, 100) == [(0, len(text))]


def test_existing_annotations_are_kept_and_tokenized(tmp_path: Path) -> None:
    text = "Sie sagte, es regne."
    doc = {
        "text": text,
        "spans": [
            {"start": 0, "end": 3, "label": "SPEAKER"},
            {"start": 4, "end": 9, "label": "CUE"},
            {"start": 11, "end": 19, "label": "INDIRECT"},
        ],
        "relations": [
            {
                "head_span": {"start": 11, "end": 19, "label": "INDIRECT"},
                "child_span": {"start": 0, "end": 3, "label": "SPEAKER"},
                "label": "SPEAKER",
            }
        ],
    }
    (task,) = list(
        quotes_manual("ds", "blank:de", _source(tmp_path, [doc]), span_label=["QUOTE", "SPEAKER", "CUE", "INDIRECT"])[
            "stream"
        ]
    )
    assert _spans(task, "INDIRECT") == ["es regne"] and _spans(task, "SPEAKER") == ["Sie"]
    assert [(r["label"], r["head"], r["child"]) for r in task["relations"]] == [("SPEAKER", 4, 0)]
    assert validate_task(task) == []


def _answer(task: Dict[str, Any], **changes: Any) -> Dict[str, Any]:
    return {**task, "answer": "accept", **changes}


def test_validate_answer_rejects_broken_relations(tmp_path: Path) -> None:
    components = quotes_manual("ds", "blank:de", _source(tmp_path, [{"text": ARTICLE}]))
    task = next(components["stream"])
    validate = components["validate_answer"]
    validate(_answer(task))  # the suggestion itself is fine
    quote = next(s for s in task["spans"] if s["label"] == "QUOTE")
    cue = next(s for s in task["spans"] if s["label"] == "CUE")
    missing = {"start": 30, "end": 33, "token_start": 8, "token_end": 8, "label": "SPEAKER"}
    dangling = {"head": quote["token_end"], "child": 8, "head_span": quote, "child_span": missing, "label": "SPEAKER"}
    with pytest.raises(ValueError, match="not a span of the task"):
        validate(_answer(task, relations=task["relations"] + [dangling]))
    wrong = {
        "head": quote["token_end"],
        "child": cue["token_end"],
        "head_span": quote,
        "child_span": cue,
        "label": "SPEAKER",
    }
    with pytest.raises(ValueError, match="points at a CUE span"):
        validate(_answer(task, relations=[wrong]))
    backwards = {
        "head": cue["token_end"],
        "child": quote["token_end"],
        "head_span": cue,
        "child_span": quote,
        "label": "CUE",
    }
    with pytest.raises(ValueError, match="from the quote"):
        validate(_answer(task, relations=[backwards]))
    with pytest.raises(ValueError, match="unknown label"):
        validate(_answer(task, spans=task["spans"] + [dict(quote, label="PERSON")]))
    validate(_answer(task, relations=[dangling], answer="reject"))  # rejected answers aren't checked


def test_manual_errors_early_for_missing_source() -> None:
    with pytest.raises(QuotesError, match="no such file"):
        quotes_manual("ds", "blank:de", "nowhere.jsonl")
    with pytest.raises(QuotesError, match="no dataset named 'nope'"):
        quotes_manual("ds", "blank:de", "dataset:nope")


def test_manual_reads_a_dataset_source(tmp_path: Path) -> None:
    connect().add_examples([{"text": OTHER, "_input_hash": 1, "_task_hash": 2, "answer": "accept"}], datasets=["raw"])
    (task,) = list(quotes_manual("ds", "blank:de", "dataset:raw")["stream"])
    assert task["text"] == OTHER and task["_input_hash"] != 1


def test_correct_needs_a_pipeline_that_predicts_quotes(tmp_path: Path) -> None:
    src = _source(tmp_path, [{"text": ARTICLE}])
    with pytest.raises(QuotesError, match="doesn't predict quotes"):
        quotes_correct("ds", "blank:de", src)
    from prodigy_quotes.finder import add_quote_finder

    nlp = add_quote_finder(spacy.blank("de"))
    components = quotes_correct("ds", nlp, src)
    assert components["view_id"] == "relations" and components["config"]["labels"] == ["SPEAKER", "CUE"]
    task = next(components["stream"])
    assert any("Wir sind bereit" in quote for quote in _spans(task, "QUOTE"))


# -- review ----------------------------------------------------------------------------------


def _annotated(tmp_path: Path) -> Dict[str, Any]:
    return next(quotes_manual("ds", "blank:de", _source(tmp_path, [{"text": ARTICLE}]))["stream"])


def _store_answers(task: Dict[str, Any], dataset: str, answers: Dict[str, Dict[str, Any]]) -> None:
    db = connect()
    for session, changes in answers.items():
        sid = f"{dataset}-{session}"
        db.add_dataset(sid, session=True)
        db.add_examples(
            [{**task, "answer": "accept", "_session_id": sid, "_annotator_id": sid, **changes}], datasets=[dataset, sid]
        )


def test_review_merges_versions_and_shows_differences(tmp_path: Path) -> None:
    task = _annotated(tmp_path)
    assert task["relations"], "the finder should link the quote"
    _store_answers(task, "ann", {"alex": {}, "bea": {}, "cem": {"relations": task["relations"][:1]}})
    components = quotes_review("gold", ["ann"])
    assert components["view_id"] == "review" and components["dataset"] == "gold"
    assert components["config"]["labels"] == ["SPEAKER", "CUE"] and callable(components["validate_answer"])
    (review,) = list(components["stream"])
    versions = review["versions"]
    assert [v["sessions"] for v in versions] == [["ann-alex", "ann-bea"], ["ann-cem"]]
    assert versions[0]["default"] and not versions[1]["default"]
    assert review["relations"] == task["relations"] and review["view_id"] == "relations"
    assert len(review["diff"]["relations"]) == len(task["relations"]) - 1 and review["diff"]["spans"] == []
    assert "only ann-alex,ann-bea" in review["meta"]["differs"]
    stored = before_db_one({**review, "answer": "accept"})
    assert "versions" not in stored and stored["_review"]["sessions"] == ["ann-alex", "ann-bea", "ann-cem"]
    connect().add_examples(components["before_db"]([{**review, "answer": "accept"}]), datasets=["gold"])
    assert list(quotes_review("gold", "ann")["stream"]) == []  # one reviewed version per input


def test_review_auto_accepts_agreement(tmp_path: Path) -> None:
    task = _annotated(tmp_path)
    _store_answers(task, "ann", {"alex": {}, "bea": {}})
    assert list(quotes_review("gold", "ann", auto_accept=True)["stream"]) == []
    (stored,) = connect().get_dataset_examples("gold")
    assert stored["answer"] == "accept" and stored["_review"]["agreed"] and stored["relations"] == task["relations"]
    _store_answers(task, "solo", {"cem": {}})
    assert len(list(quotes_review("gold2", "solo", auto_accept=True)["stream"])) == 1
    assert list(quotes_review("gold3", "solo", auto_accept=True, accept_single=True)["stream"]) == []


def test_review_checks_its_datasets() -> None:
    with pytest.raises(QuotesError, match="No dataset named 'ann'"):
        quotes_review("gold", "ann")
    with pytest.raises(QuotesError, match="both the output and an input"):
        quotes_review("gold", "gold,ann")


# -- registration and CLI ---------------------------------------------------------------------

MY_RECIPES = ("quotes.manual", "quotes.correct", "quotes.review", "quotes.export")
MY_COMMANDS = ("db-in", "db-out", "stats", "drop")


def test_recipes_and_commands_are_registered() -> None:
    import prodigy_quotes.quotes  # noqa: F401  (the -F module registers everything)

    assert set(MY_RECIPES) <= set(RECIPES) and set(MY_COMMANDS) <= set(COMMANDS)
    assert RECIPES["quotes.manual"].args["exclude"].short == "-e"
    assert RECIPES["quotes.manual"].args["dataset"].positional


@pytest.mark.parametrize("name", [n.split(".", 1)[1] for n in MY_RECIPES] + list(MY_COMMANDS))
def test_cli_help(name: str) -> None:
    from prodigy_quotes.cli import app

    result = CliRunner().invoke(app, [name, "--help"])
    assert result.exit_code == 0, result.output
    spec = RECIPES.get(f"quotes.{name}") or COMMANDS[name]
    first_line = (spec.func.__doc__ or "").strip().splitlines()[0]
    assert first_line[:40] in " ".join(result.output.split())


def test_cli_db_round_trip(tmp_path: Path) -> None:
    from prodigy_quotes.cli import app

    src = tmp_path / "in.jsonl"
    src.write_text(
        json.dumps(
            {"text": ARTICLE, "answer": "accept", "spans": [{"start": 0, "end": 17, "label": "QUOTE"}]},
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf8",
    )
    runner = CliRunner()
    assert runner.invoke(app, ["db-in", "news", str(src)]).exit_code == 0
    out = runner.invoke(app, ["db-out", "news"])
    assert out.exit_code == 0 and json.loads(out.output.splitlines()[0])["text"] == ARTICLE
    assert runner.invoke(app, ["export", "news", str(tmp_path / "q.jsonl")]).exit_code == 0
    assert json.loads((tmp_path / "q.jsonl").read_text(encoding="utf8"))["text"] == "„Wir sind bereit“"
    stats = runner.invoke(app, ["stats", "news", "-l"])
    assert stats.exit_code == 0 and "Annotations  1" in stats.output
    bad = runner.invoke(app, ["db-in", "news", str(tmp_path / "missing.jsonl")])
    assert bad.exit_code == 1 and "no such file" in bad.output
    assert runner.invoke(app, ["drop", "news"]).exit_code == 0
    assert runner.invoke(app, ["db-out", "news"]).exit_code == 1


def test_entry_points_resolve_from_the_installed_package() -> None:
    from importlib import metadata

    import prodigy_quotes.quotes  # noqa: F401

    points = {ep.name: ep for ep in metadata.entry_points(group="prodigy_recipes")}
    assert set(MY_RECIPES) <= set(points), "reinstall with `pip install -e .` to refresh the entry points"
    for name, ep in points.items():
        func = ep.load()
        assert callable(func) and RECIPES[name].func is func, name


def test_split_keeps_related_spans_and_double_labels_together(tmp_path: Path) -> None:
    text = "Kim ist Ministerin.\n\nSie sagte:\n\n„Wir bleiben.“\n\nDemnach sei alles gut."
    kim = {"start": 0, "end": 3, "label": "SPEAKER"}
    quote = {"start": text.index("„"), "end": text.index("“") + 1, "label": "QUOTE"}
    also = dict(quote, label="INDIRECT")
    dem_s = {"start": text.index("Demnach"), "end": text.index("Demnach") + 7, "label": "SPEAKER"}
    dem_c = dict(dem_s, label="CUE")
    rest = {"start": dem_s["end"] + 1, "end": len(text) - 1, "label": "INDIRECT"}
    rels = [{"head_span": q, "child_span": kim, "label": "SPEAKER"} for q in (quote, also)]
    rels += [
        {"head_span": rest, "child_span": dem_s, "label": "SPEAKER"},
        {"head_span": rest, "child_span": dem_c, "label": "CUE"},
    ]
    doc = {"text": text, "meta": {"id": "x"}, "spans": [kim, quote, also, dem_s, dem_c, rest], "relations": rels}
    tasks = list(quotes_manual("ds", "blank:de", _source(tmp_path, [doc]), max_tokens=3)["stream"])
    assert [t["meta"]["parts"] for t in tasks] == [2, 2]
    found = set()
    for t in tasks:
        off = t["meta"]["offset"]
        found |= {
            (
                r["head_span"]["start"] + off,
                r["head_span"]["label"],
                r["child_span"]["start"] + off,
                r["child_span"]["label"],
                r["label"],
            )
            for r in t["relations"]
        }
        assert validate_task(t) == []
    assert found == {
        (
            r["head_span"]["start"],
            r["head_span"]["label"],
            r["child_span"]["start"],
            r["child_span"]["label"],
            r["label"],
        )
        for r in rels
    }


def test_annotated_documents_without_quotes_stay_empty(tmp_path: Path) -> None:
    (task,) = list(quotes_manual("ds", "blank:de", _source(tmp_path, [{"text": ARTICLE, "spans": []}]))["stream"])
    assert task["spans"] == [] and task["relations"] == []


def test_patterns_folder_replaces_the_built_in_patterns(tmp_path: Path) -> None:
    patterns = tmp_path / "patterns"
    patterns.mkdir()
    (patterns / "mine.jsonl").write_text(
        '{"kind": "quote", "open": "„", "close": ["“"]}\n{"kind": "cue", "text": ["blubberte"]}\n', encoding="utf8"
    )
    src = _source(tmp_path, [{"text": "„Wir sind bereit“, blubberte Kim."}])
    plain = next(quotes_manual("ds", "blank:de", src)["stream"])
    custom = next(quotes_manual("ds", "blank:de", src, patterns=str(patterns))["stream"])
    assert (
        _spans(plain, "CUE") == [] and _spans(custom, "CUE") == ["blubberte"] and _spans(custom, "SPEAKER") == ["Kim"]
    )


def test_correct_loads_a_pipeline_from_a_folder(tmp_path: Path) -> None:
    from prodigy_quotes.finder import add_quote_finder

    add_quote_finder(spacy.blank("de")).to_disk(tmp_path / "model")
    components = quotes_correct("ds", str(tmp_path / "model"), _source(tmp_path, [{"text": ARTICLE}]), wrap=True)
    task = next(components["stream"])
    assert components["config"]["wrap_relations"] is True and _spans(task, "SPEAKER") == ["Kim"]


def test_review_gives_tokens_to_imported_gold_and_says_what_it_snapped(tmp_path: Path) -> None:
    text = "„Wir sind bereit“, sagte Kim. Der Rest ist Text."
    gold = {
        "text": text,
        "answer": "accept",
        "spans": [
            {"start": 0, "end": 17, "label": "QUOTE"},
            {"start": 25, "end": 27, "label": "SPEAKER"},  # "Ki": not on a word boundary
        ],
        "relations": [
            {
                "head_span": {"start": 0, "end": 17, "label": "QUOTE"},
                "child_span": {"start": 25, "end": 27, "label": "SPEAKER"},
                "label": "SPEAKER",
            }
        ],
    }
    source = tmp_path / "gold.jsonl"
    source.write_text(json.dumps(gold, ensure_ascii=False) + "\n", encoding="utf8")
    result = CliRunner().invoke(
        __import__("prodigy_quotes.cli", fromlist=["app"]).app, ["db-in", "imported", str(source)]
    )
    assert result.exit_code == 0, result.output
    (task,) = list(quotes_review("gold", "imported")["stream"])
    assert task["tokens"] and [t["text"] for t in task["tokens"][:2]] == ["„", "Wir"]
    assert [(s["label"], text[s["start"] : s["end"]]) for s in task["spans"]] == [
        ("QUOTE", "„Wir sind bereit“"),
        ("SPEAKER", "Kim"),
    ]
    (rel,) = task["relations"]
    speaker = next(s for s in task["spans"] if s["label"] == "SPEAKER")
    assert rel["child"] == speaker["token_end"] and rel["child_span"]["token_start"] == speaker["token_start"]
    assert "SPEAKER 25-27 widened to the words 25-28" in task["meta"]["snapped"]
    assert validate_task(task, span_labels=["QUOTE", "SPEAKER", "CUE"]) == []


def test_a_span_on_no_word_is_dropped_and_named() -> None:
    from prodigy_quotes.tasks import with_tokens

    task = with_tokens(spacy.blank("de"), {"text": "Ja,  sagte er.", "spans": [{"start": 3, "end": 5, "label": "CUE"}]})
    assert task["spans"] == [] and "CUE 3-5 lies outside the text or on no word" in task["meta"]["snapped"]


def test_db_in_says_plainly_when_no_task_is_valid(tmp_path: Path) -> None:
    from prodigy_quotes.cli import app

    source = tmp_path / "bad.jsonl"
    source.write_text('{"text": "Ja.", "answer": "maybe"}\n', encoding="utf8")
    result = CliRunner().invoke(app, ["db-in", "news", str(source)])
    assert result.exit_code == 1 and "No task in the file is valid" in result.output
    assert "valid ones" not in result.output


def test_manual_names_the_line_of_a_paragraph_too_long_to_read(tmp_path: Path) -> None:
    source = _source(tmp_path, [{"text": "Kurz."}, {"text": "„Ja“, sagte er. " + "Wort " * 220_000}])
    with pytest.raises(QuotesError, match=r"docs.jsonl, line 2: A paragraph of 1,100,015 characters is longer"):
        list(quotes_manual("long", "blank:de", source)["stream"])
