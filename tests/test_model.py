"""Trainable quote pipeline: trains for a few steps on our own sentences, saves, loads, predicts."""

from pathlib import Path

import numpy
import prodigy_quotes.model  # noqa: F401  (registers the factories before spacy.load)
import pytest
import spacy
import srsly
from conftest import speaker_task
from prodigy_quotes.errors import QuotesError
from prodigy_quotes.schema import QUOTE, SPANS_KEY, SPEAKER
from prodigy_quotes.training import load_examples, split_datasets, tasks_to_docbin, train_pipeline

SENTENCES = [
    ("„Der Zug fährt heute nicht“, sagte Lena Vogt.", "„Der Zug fährt heute nicht“", "Lena Vogt"),
    ("Paul Brandt erklärte: „Wir öffnen im Mai.“", "„Wir öffnen im Mai.“", "Paul Brandt"),
    ("„Das Wasser ist sauber“, betonte die Ärztin.", "„Das Wasser ist sauber“", "die Ärztin"),
    ("Sie lasen das Buch „Grüne Tage“ im Urlaub. „Es war spannend“, meinte Mia Roth.", "„Es war spannend“", "Mia Roth"),
    ("„Niemand hat gewonnen“, sagte er am Abend.", "„Niemand hat gewonnen“", "er"),
    ("Der Minister sagte: „Die Brücke bleibt offen.“", "„Die Brücke bleibt offen.“", "Der Minister"),
]


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("train")
    tasks = [speaker_task(*s) for s in SENTENCES] * 3
    scores = train_pipeline(out, tasks, tasks[:6], max_steps=24, eval_frequency=8)
    assert "quote_speaker_f" in scores["performance"]
    return out


def test_saves_both_models_and_scores(trained: Path):
    assert (trained / "model-best" / "config.cfg").exists()
    assert (trained / "model-last" / "config.cfg").exists()
    assert "performance" in srsly.read_json(trained / "scores.json")


def test_loads_and_predicts_spans_and_links(trained: Path):
    nlp = spacy.load(trained / "model-best")
    assert nlp.pipe_names == [
        "quote_tagger_de",
        "quote_finder",
        "quote_detector",
        "quote_speaker_linker",
        "quote_cue_linker",
    ]
    doc = nlp("„Die Schule bleibt zu“, sagte Jonas Keller.")
    quotes = [s for s in doc.spans[SPANS_KEY] if s.label_ == QUOTE]
    assert [q.text for q in quotes] == ["„Die Schule bleibt zu“"]
    speakers = [l for l in doc._.quote_links if l.label == SPEAKER]
    assert len(speakers) == 1
    assert "Keller" in doc[speakers[0].child_start : speakers[0].child_end].text


def test_docbin_keeps_only_quote_labels():
    task = speaker_task(*SENTENCES[0])
    task["spans"].append({"start": 0, "end": 5, "label": "INDIRECT"})
    docs = list(tasks_to_docbin(spacy.blank("de"), [task]).get_docs(spacy.blank("de").vocab))
    assert sorted(s.label_ for s in docs[0].spans[SPANS_KEY]) == [QUOTE, SPEAKER]
    assert len(docs[0].user_data["quote_links"]) == 1


def test_rejects_empty_dataset(tmp_path: Path):
    path = tmp_path / "empty.jsonl"
    path.write_text("", encoding="utf-8")
    with pytest.raises(QuotesError, match="No accepted examples"):
        load_examples([str(path)])


def test_rejects_dataset_without_labels(tmp_path: Path):
    path = tmp_path / "plain.jsonl"
    srsly.write_jsonl(path, [{"text": "Nur ein Satz.", "answer": "accept", "spans": []}])
    with pytest.raises(QuotesError, match="No QUOTE, SPEAKER or CUE spans"):
        load_examples([str(path)])


def test_eval_prefix_splits_datasets():
    assert split_datasets("a,eval:b, c") == (["a", "c"], ["b"])
    with pytest.raises(QuotesError):
        split_datasets("eval:b")


def _with_rules(nlp: spacy.language.Language, text: str) -> spacy.tokens.Doc:
    from prodigy_quotes.finder import add_quote_finder

    finder = add_quote_finder(spacy.blank("de")).get_pipe("quote_finder")
    return finder(nlp.make_doc(text))


def test_detector_overrules_the_rules_only_by_more_than_its_margin(monkeypatch):
    nlp = spacy.blank("de")
    detector = nlp.add_pipe("quote_detector", config={"margin": 4.0})
    doc = _with_rules(nlp, "„Wir bauen neu“, sagte Lena Vogt.")
    detector.initialize(lambda: [], nlp=nlp)
    monkeypatch.setattr(detector, "_scores", lambda feats: numpy.full((len(feats),), -6.0, dtype="f"))
    assert [q.text for q in detector.predict([doc])[0]] == ["„Wir bauen neu“"]  # 3 - 6 = -3: not sure enough
    monkeypatch.setattr(detector, "_scores", lambda feats: numpy.full((len(feats),), -8.0, dtype="f"))
    assert detector.predict([doc])[0] == []  # 3 - 8 = -5: beyond the margin


def test_speaker_linker_can_choose_no_speaker(monkeypatch):
    nlp = spacy.blank("de")
    linker = nlp.add_pipe("quote_speaker_linker", config={"null_choice": True})
    doc = _with_rules(nlp, "„Wir bauen neu“, sagte Lena Vogt.")
    doc.spans[SPANS_KEY] = [s for s in doc.spans[SPANS_KEY] if s.label_ == QUOTE]
    linker.initialize(lambda: [], nlp=nlp)

    def prefer(last: bool):
        def scores(feats):
            x = numpy.zeros((len(feats),), dtype="f")
            x[-1 if last else 0] = 5.0  # the 'no speaker' choice comes last, after the tokens around the quote
            return x

        return scores

    monkeypatch.setattr(linker, "_scores", prefer(last=True))
    assert linker.predict([doc])[0] == []
    monkeypatch.setattr(linker, "_scores", prefer(last=False))
    assert len(linker.predict([doc])[0]) == 1


def test_speaker_linker_overrules_the_rules_only_by_more_than_its_margin(monkeypatch):
    nlp = spacy.blank("de")
    linker = nlp.add_pipe("quote_speaker_linker", config={"margin": 2.0})
    doc = _with_rules(nlp, "„Wir bauen neu“, sagte Lena Vogt.")
    doc.spans[SPANS_KEY] = [s for s in doc.spans[SPANS_KEY] if s.label_ == QUOTE]
    linker.initialize(lambda: [], nlp=nlp)

    def favour_the_cue(score: float):
        def scores(feats):
            return numpy.asarray([score if i == 0 else 0.0 for i in range(len(feats))], dtype="f")  # 0: "sagte"

        return scores

    monkeypatch.setattr(linker, "_scores", favour_the_cue(1.5))
    assert [s.text for _, s in linker.predict([doc])[0]] == ["Lena Vogt"]  # the rules' speaker: not sure enough
    monkeypatch.setattr(linker, "_scores", favour_the_cue(3.0))
    assert [s.text for _, s in linker.predict([doc])[0]] == ["sagte"]


def test_a_speaker_the_rules_did_not_find_is_the_phrase_they_put_in_a_speakers_place(monkeypatch):
    nlp = spacy.blank("de")
    linker = nlp.add_pipe("quote_speaker_linker", config={"margin": 2.0})
    doc = _with_rules(nlp, "Die Sprecherin der Partei, Anna Berger, will „in den Wochen prüfen“, ob es geht.")
    assert not any(s.label_ == SPEAKER for s in doc.spans[SPANS_KEY])  # no cue: the rules link no one
    doc.spans[SPANS_KEY] = [s for s in doc.spans[SPANS_KEY] if s.label_ == QUOTE]
    linker.initialize(lambda: [], nlp=nlp)

    def favour(word: str):
        def scores(feats):
            idx, _ = linker._doc_candidates(doc, [(q.start, q.end) for q in doc.spans[SPANS_KEY]])[0]
            return numpy.asarray([5.0 if i >= 0 and doc[i].text == word else 0.0 for i in idx], dtype="f")

        return scores

    monkeypatch.setattr(linker, "_scores", favour("Sprecherin"))
    assert [s.text for _, s in linker.predict([doc])[0]] == ["Die Sprecherin der Partei"]
    monkeypatch.setattr(linker, "_scores", favour("Berger"))  # in no such phrase untagged: the run of names
    assert [s.text for _, s in linker.predict([doc])[0]] == ["Anna Berger"]


def test_linker_features_use_a_pipelines_parse_when_there_is_one():
    from prodigy_quotes.model.features import candidate_features

    words = ["„", "Ja", "“", ",", "sagte", "Kim", "."]
    doc = spacy.tokens.Doc(
        spacy.blank("de").vocab,
        words=words,
        spaces=[False] * 7,
        pos=["PUNCT", "INTJ", "PUNCT", "PUNCT", "VERB", "PROPN", "PUNCT"],
        heads=[4, 4, 4, 4, 4, 4, 4],
        deps=["punc", "oc", "punc", "punc", "ROOT", "sb", "punc"],
    )
    quoted = numpy.zeros((len(doc) + 1,), dtype="i")
    plain = candidate_features(doc, doc[0:3], 5, {}, quoted)
    parsed = candidate_features(doc, doc[0:3], 5, {}, quoted, parsed=doc.has_annotation("DEP"))
    assert not any(f.startswith("dep=") for f in plain)
    assert {"dep=sb", "pos=PROPN", "dep_head=sb|sagte"} <= set(parsed)


def test_the_rules_tell_the_linker_the_subject_of_a_partial_quotes_clause():
    """A quoted verdict inside a clause whose subject said it: the rules hand the clause's subject to the linker as
    a feature of those tokens, whoever they linked."""
    from prodigy_quotes.model.components import QuoteLinker, _DocRules, stash_rules
    from prodigy_quotes.model.features import hashed
    from prodigy_quotes.pipeline import load_quote_pipeline
    from prodigy_quotes.schema import PLACES_ATTR

    nlp = load_quote_pipeline("patterns:de")
    doc = nlp("Ministerin Jana Winter kritisierte den Plan des Landrats am Montag als „völlig verfehlt“.")
    quote = next(s for s in doc.spans[SPANS_KEY] if s.label_ == QUOTE)
    ((qs, qe, role, ss, se),) = [p for p in doc.user_data[PLACES_ATTR] if p[2] == "clause"]
    assert (qs, qe) == (quote.start, quote.end) and doc[ss:se].text == "Ministerin Jana Winter"
    stash_rules(doc)
    linker = QuoteLinker(nlp.vocab, None, "quote_speaker_linker", "de", SPEAKER, 80)  # no network: features only
    linker._pronouns = frozenset()
    quoted = numpy.zeros((len(doc) + 1,), dtype="i")
    idx, feats = linker._candidates(doc, quote, quoted, [], _DocRules.of(doc))
    marked = hashed(["clause_subj=True"])[0]
    assert [doc[i].text for i, f in zip(idx, feats) if marked in f] == ["Ministerin", "Jana", "Winter"]


@pytest.fixture(scope="module")
def parsing_pipeline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny German pipeline with a parser, standing in for a user's installed one."""
    from spacy.training import Example

    nlp = spacy.blank("de")
    nlp.add_pipe("parser")
    doc = nlp.make_doc("Kim sagte ja")
    examples = [Example.from_dict(doc, {"heads": [1, 1, 1], "deps": ["sb", "ROOT", "oc"]})]
    optimizer = nlp.initialize(lambda: examples * 40)  # labels seen fewer than 30 times become "dep"
    for _ in range(5):
        nlp.update(examples, sgd=optimizer)
    path = tmp_path_factory.mktemp("base") / "de_parser"
    nlp.to_disk(path)
    return path


def test_trains_on_top_of_a_users_pipeline_and_keeps_its_parser(tmp_path: Path, parsing_pipeline: Path):
    tasks = [speaker_task(*s) for s in SENTENCES] * 2
    train_pipeline(tmp_path, tasks, tasks[:6], base_model=str(parsing_pipeline), max_steps=8, eval_frequency=4)
    nlp = spacy.load(tmp_path / "model-best")
    assert nlp.pipe_names[0] == "parser" and "quote_speaker_linker" in nlp.pipe_names
    doc = nlp("„Die Schule bleibt zu“, sagte Jonas Keller.")
    assert doc.has_annotation("DEP")
    assert [s.text for s in doc.spans[SPANS_KEY] if s.label_ == QUOTE] == ["„Die Schule bleibt zu“"]


def test_the_model_reads_the_pipelines_patterns_and_keeps_them(tmp_path: Path):
    """A user's pattern folder reaches the trainable components, and a saved component keeps what it read."""
    import shutil

    from prodigy_quotes.finder import add_quote_finder, default_patterns_dir
    from spacy.training import Example

    patterns = tmp_path / "patterns"
    shutil.copytree(default_patterns_dir("de"), patterns)
    (patterns / "extra.jsonl").write_text(
        '{"kind": "quote", "open": "⟪", "close": "⟫"}\n{"kind": "pronoun", "text": ["jemensch"]}\n', encoding="utf8"
    )
    nlp = add_quote_finder(spacy.blank("de"), patterns)
    detector = nlp.add_pipe("quote_detector", config={"model": {"n_hash": 1024, "width": 8}})
    linker = nlp.add_pipe("quote_speaker_linker", config={"lexicon": False, "model": {"n_hash": 1024, "width": 8}})
    text = "⟪Der Zug fährt nicht⟫, sagte jemensch."
    doc = nlp.make_doc(text)
    nlp.initialize(lambda: [Example(doc, doc)])
    assert "jemensch" in linker.pronouns
    stretches = [c.text for c in detector.candidates(nlp(text))[0]]
    assert "⟪Der Zug fährt nicht⟫" in stretches
    nlp.to_disk(tmp_path / "saved")
    loaded = spacy.load(tmp_path / "saved")
    assert "⟪" in loaded.get_pipe("quote_detector").profile()["quote_pairs"]
    assert "jemensch" in loaded.get_pipe("quote_speaker_linker").pronouns
