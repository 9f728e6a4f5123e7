"""quotes.evaluate: figures as /work/shared/tools/score.py computes them, on our own small fixture."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import srsly
from prodigy_quotes.errors import QuotesError
from prodigy_quotes.evaluate import evaluate
from prodigy_quotes.scoring import gold_parts, label_scores, score_tasks

SCORE_PY = Path(__file__).resolve().parents[2] / "shared" / "tools" / "score.py"

TEXT_A = "„Wir bauen eine Brücke“, sagte Anna Berg. „Sie wird lang.“ Dann ging sie."
TEXT_B = "Der Film „Roter Mond“ lief gestern. Tom Kern meinte: „Das war gut.“"


def _span(text: str, part: str, label: str, nth: int = 0) -> dict:
    start = -1
    for _ in range(nth + 1):
        start = text.index(part, start + 1)
    return {"start": start, "end": start + len(part), "label": label}


def _rel(head: dict, child: dict) -> dict:
    return {"label": "SPEAKER", "head_span": head, "child_span": child}


def _gold():
    qa1 = _span(TEXT_A, "„Wir bauen eine Brücke“", "QUOTE")
    qa2 = _span(TEXT_A, "„Sie wird lang.“", "QUOTE")
    sa = _span(TEXT_A, "Anna Berg", "SPEAKER")
    qb = _span(TEXT_B, "„Das war gut.“", "QUOTE")
    sb = _span(TEXT_B, "Tom Kern", "SPEAKER")
    return [
        {
            "text": TEXT_A,
            "meta": {"id": "a"},
            "answer": "accept",
            "spans": [qa1, qa2, sa],
            "relations": [_rel(qa1, sa), _rel(qa2, sa)],
        },
        {"text": TEXT_B, "meta": {"id": "b"}, "answer": "accept", "spans": [qb, sb], "relations": [_rel(qb, sb)]},
    ]


def _pred():
    qa1 = _span(TEXT_A, "„Wir bauen eine Brücke“, ", "QUOTE")  # trailing ", " — exact after trimming? no: comma
    qa2 = _span(TEXT_A, "„Sie wird lang.“ ", "QUOTE")  # white space trimmed: exact
    sa = _span(TEXT_A, "Anna", "SPEAKER")  # overlaps the gold speaker
    title = _span(TEXT_B, "„Roter Mond“", "QUOTE")  # a title: false positive
    qb = _span(TEXT_B, "„Das war gut.“", "QUOTE")
    wrong = _span(TEXT_B, "Der Film", "SPEAKER")
    return [
        {"text": TEXT_A, "meta": {"id": "a"}, "spans": [qa1, qa2, sa], "relations": [_rel(qa1, sa), _rel(qa2, sa)]},
        {"text": TEXT_B, "meta": {"id": "b"}, "spans": [title, qb, wrong], "relations": [_rel(qb, wrong)]},
    ]


def test_figures_by_hand():
    result = score_tasks(_gold(), _pred())
    assert result["quote_exact"] == {"p": 0.5, "r": 0.6667, "f": 0.5714, "tp": 2, "pred": 4, "gold": 3}
    assert result["quote_overlap"]["tp"] == 3
    assert result["speaker_acc_on_found"] == 0.6667
    assert result["attribution_e2e"] == {"p": 0.6667, "r": 0.6667, "f": 0.6667, "tp": 2, "pred": 3, "gold": 3}


def test_per_label_span_figures_by_hand():
    labels = label_scores(_gold(), _pred())
    assert labels["QUOTE"]["exact"] == {"p": 0.5, "r": 0.6667, "f": 0.5714, "tp": 2, "pred": 4, "gold": 3}
    assert labels["SPEAKER"]["exact"]["tp"] == 0  # "Anna" for "Anna Berg"; "Der Film" for "Tom Kern"
    assert labels["SPEAKER"]["overlap"] == {"p": 0.5, "r": 0.5, "f": 0.5, "tp": 1, "pred": 2, "gold": 2}
    assert labels["CUE"]["exact"]["gold"] == 0


def test_parts_separated_by_spaces_merge_but_not_across_lines():
    text = "„Eins.“ „Zwei.“\n\n„Drei.“"
    spans = [_span(text, "„Eins.“", "QUOTE"), _span(text, "„Zwei.“", "QUOTE"), _span(text, "„Drei.“", "QUOTE")]
    parts, _ = gold_parts({"text": text, "spans": spans, "relations": []})
    assert parts == [(0, 15), (17, 24)]


RAW_TYPES = {"QUOTE": "direct", "INDIRECT": "indirect"}  # span labels of the tasks -> quote types of score.py


def _raw_gold(tasks):
    """The gold tasks in the raw form score.py reads: one quote per QUOTE span."""
    out = []
    for t in tasks:
        quotes = []
        for s in t["spans"]:
            if s["label"] not in RAW_TYPES:
                continue
            spk = [r["child_span"] for r in t["relations"] if r["head_span"] == s]
            quotes.append(
                {
                    "type": RAW_TYPES[s["label"]],
                    "spans": [{"start": s["start"], "end": s["end"]}],
                    "speaker": [{"start": c["start"], "end": c["end"]} for c in spk],
                }
            )
        out.append({"id": t["meta"]["id"], "text": t["text"], "quotes": quotes})
    return out


def test_agrees_with_reference_scorer(tmp_path):
    if not SCORE_PY.exists():
        pytest.skip("reference scorer not present")
    srsly.write_jsonl(tmp_path / "gold.jsonl", _raw_gold(_gold()))
    srsly.write_jsonl(tmp_path / "pred.jsonl", _pred())
    out = subprocess.run(
        [sys.executable, str(SCORE_PY), str(tmp_path / "gold.jsonl"), str(tmp_path / "pred.jsonl")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert json.loads(out) == score_tasks(_gold(), _pred())


def test_neutral_quote_types_agree_with_reference_scorer(tmp_path):
    if not SCORE_PY.exists():
        pytest.skip("reference scorer not present")
    gold = _gold()
    gold[1]["spans"].append(_span(TEXT_B, "Der Film „Roter Mond“ lief gestern", "INDIRECT"))
    srsly.write_jsonl(tmp_path / "gold.jsonl", _raw_gold(gold))
    srsly.write_jsonl(tmp_path / "pred.jsonl", _pred())
    command = [sys.executable, str(SCORE_PY), str(tmp_path / "gold.jsonl"), str(tmp_path / "pred.jsonl")]
    out = subprocess.run([*command, "--neutral", "indirect"], capture_output=True, text=True, check=True).stdout
    ours = score_tasks(gold, _pred(), neutral=["INDIRECT"])
    assert json.loads(out) == ours
    assert ours["quote_exact"]["pred"] == score_tasks(gold, _pred())["quote_exact"]["pred"] - 1  # the title is out


def test_evaluate_patterns_on_file(tmp_path):
    path = tmp_path / "gold.jsonl"
    srsly.write_jsonl(path, _gold())
    result = evaluate("patterns:de", str(path))
    assert result["docs"] == 2 and result["quote_exact"]["gold"] == 3
    assert result["quote_overlap"]["tp"] >= 2  # the rules find the two marked quotes of the first text


def test_evaluate_rejects_empty(tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_text("", encoding="utf-8")
    with pytest.raises(QuotesError, match="No accepted examples"):
        evaluate("patterns:de", str(path))


def test_the_finder_scores_itself_in_nlp_evaluate_with_a_scorer_a_config_can_replace():
    """``nlp.evaluate`` on the rules gives score.py's figures; the ``scorer`` setting, as in spaCy's own
    components, names a registered function that can be swapped."""
    import spacy
    from prodigy_quotes.finder import add_quote_finder
    from prodigy_quotes.tasks import task_to_doc
    from spacy.training import Example
    from spacy.util import registry

    text = "„Wir sind bereit“, sagte Kim Adler. „Das wird teuer“, sagte Ida Kramer."
    gold = {
        "text": text,
        "spans": [
            {"start": 0, "end": 17, "label": "QUOTE"},
            {"start": 25, "end": 34, "label": "SPEAKER"},
            {"start": 36, "end": 52, "label": "QUOTE"},
        ],
        "relations": [
            {
                "label": "SPEAKER",
                "head_span": {"start": 0, "end": 17, "label": "QUOTE"},
                "child_span": {"start": 25, "end": 34, "label": "SPEAKER"},
            }
        ],
    }
    nlp = add_quote_finder(spacy.blank("de"))
    example = Example(nlp.make_doc(text), task_to_doc(nlp, gold))
    scores = nlp.evaluate([example])
    assert scores["quote_exact_f"] == 1.0
    assert scores["quote_speaker_f"] == pytest.approx(2 / 3, abs=1e-4)  # one gold link, two predicted

    @registry.scorers("test.only_quotes.v1")
    def only_quotes():
        return lambda examples, **kw: {"quotes_seen": float(sum(1 for _ in examples))}

    nlp2 = spacy.blank("de")
    nlp2.add_pipe("quote_finder", config={"scorer": {"@scorers": "test.only_quotes.v1"}})
    assert nlp2.evaluate([Example(nlp2.make_doc(text), task_to_doc(nlp2, gold))])["quotes_seen"] == 1.0
