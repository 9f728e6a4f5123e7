"""Prodigy's task format: tokens, inclusive token_end, relations on last tokens."""

import spacy
from prodigy_quotes.hashing import set_hashes
from prodigy_quotes.schema import CUE, QUOTE, SPANS_KEY, SPEAKER, add_link, linked
from prodigy_quotes.tasks import doc_to_task, task_to_doc, validate_task
from spacy.tokens import DocBin, Span

TEXT = "„Hinter euch stehen Pjöngjang und Moskau“, sagte Kim.\n\nEr lachte."


def annotated_doc():
    nlp = spacy.blank("de")
    doc = nlp(TEXT)
    quote, cue, speaker = Span(doc, 0, 8, QUOTE), Span(doc, 9, 10, CUE), Span(doc, 10, 11, SPEAKER)
    doc.spans[SPANS_KEY] = [quote, speaker, cue]
    add_link(doc, quote, speaker, SPEAKER)
    add_link(doc, quote, cue, CUE)
    return nlp, doc


def test_tokens_have_offsets_ids_and_whitespace():
    _, doc = annotated_doc()
    task = doc_to_task(doc)
    for i, tok in enumerate(task["tokens"]):
        assert tok["id"] == i
        assert TEXT[tok["start"] : tok["end"]] == tok["text"]
    assert task["tokens"][1] == {"text": "Hinter", "start": 1, "end": 7, "id": 1, "ws": True}
    assert task["tokens"][0]["ws"] is False


def test_spans_use_inclusive_token_end():
    _, doc = annotated_doc()
    quote = next(s for s in doc_to_task(doc)["spans"] if s["label"] == QUOTE)
    assert (quote["start"], quote["end"], quote["token_start"], quote["token_end"]) == (0, 41, 0, 7)
    assert quote["text"] == "„Hinter euch stehen Pjöngjang und Moskau“"


def test_relations_point_at_the_last_token_of_each_span():
    _, doc = annotated_doc()
    rels = {r["label"]: r for r in doc_to_task(doc)["relations"]}
    assert rels[SPEAKER]["head"] == 7 and rels[SPEAKER]["child"] == 10
    assert rels[SPEAKER]["head_span"]["label"] == QUOTE
    assert rels[SPEAKER]["child_span"] == {"start": 49, "end": 52, "token_start": 10, "token_end": 10, "label": SPEAKER}
    assert rels[CUE]["child"] == 9


def test_task_hashes_follow_prodigy():
    _, doc = annotated_doc()
    task = doc_to_task(doc, {"id": "a1"})
    fresh = set_hashes({k: v for k, v in task.items() if not k.startswith("_")})
    assert (task["_input_hash"], task["_task_hash"]) == (fresh["_input_hash"], fresh["_task_hash"])
    assert task["_input_hash"] == set_hashes({"text": TEXT})["_input_hash"]
    assert task["meta"] == {"id": "a1"}


def test_round_trip_through_task_and_docbin_keeps_spans_and_links():
    nlp, doc = annotated_doc()
    back = task_to_doc(nlp.vocab, doc_to_task(doc))
    assert [(s.text, s.label_) for s in back.spans[SPANS_KEY]] == [
        (s.text, s.label_) for s in sorted(doc.spans[SPANS_KEY], key=lambda s: s.start)
    ]
    binary = DocBin(store_user_data=True, docs=[back]).to_bytes()
    loaded = list(DocBin().from_bytes(binary).get_docs(nlp.vocab))[0]
    quote = loaded.spans[SPANS_KEY][0]
    assert [s.text for s in linked(loaded, quote, SPEAKER)] == ["Kim"]


def test_task_without_tokens_is_tokenized_and_char_spans_align():
    nlp, _ = annotated_doc()
    task = {
        "text": TEXT,
        "spans": [{"start": 0, "end": 41, "label": QUOTE}, {"start": 49, "end": 52, "label": SPEAKER}],
        "relations": [
            {
                "label": SPEAKER,
                "head_span": {"start": 0, "end": 41, "label": QUOTE},
                "child_span": {"start": 49, "end": 52, "label": SPEAKER},
            }
        ],
    }
    doc = task_to_doc(nlp, task)
    assert [s.text for s in linked(doc, doc.spans[SPANS_KEY][0], SPEAKER)] == ["Kim"]


def test_validate_accepts_our_tasks_and_names_each_problem():
    _, doc = annotated_doc()
    task = doc_to_task(doc)
    assert validate_task(task) == []
    bad = doc_to_task(doc)
    bad["spans"][0]["text"] = "something else"
    bad["spans"][1]["label"] = "PERSON"
    bad["relations"][0]["child_span"] = {"start": 1, "end": 3, "label": SPEAKER}
    bad["relations"][1]["head"] = 3
    problems = validate_task(bad)
    assert any("does not match the task text" in p for p in problems)
    assert any("unknown label 'PERSON'" in p for p in problems)
    assert any("not a span of the task" in p for p in problems)
    assert any("not the last token" in p for p in problems)
    assert validate_task({"spans": []}) == ['missing "text" (a string)']
    assert "outside the text" in validate_task({"text": "abc", "spans": [{"start": 2, "end": 9, "label": QUOTE}]})[0]
