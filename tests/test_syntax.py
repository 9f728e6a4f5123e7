"""German syntax offline: the quote_tagger_de component (HanTa) and what the rules gain from it."""

import pytest
import spacy
from prodigy_quotes.finder import add_quote_finder
from prodigy_quotes.schema import QUOTE, SPANS_KEY, SPEAKER, linked
from prodigy_quotes.syntax import has_tagger

pytest.importorskip("HanTa", reason="HanTa is a dependency of the package: pip install -e .")


def _speakers(nlp, text):
    doc = nlp(text)
    return [[s.text for s in linked(doc, q, SPEAKER)] for q in doc.spans[SPANS_KEY] if q.label_ == QUOTE]


@pytest.fixture(scope="module")
def tagged():
    return add_quote_finder(spacy.blank("de"))


@pytest.fixture(scope="module")
def untagged():
    nlp = spacy.blank("de")
    nlp.add_pipe("quote_finder")
    return nlp


@pytest.mark.parametrize(
    "text,speaker",
    [
        ("Demgegenüber sagte der Minister: „Wir werden das prüfen.“", "der Minister"),  # pronominal adverb first
        ("Andererseits sagte Kim: „Wir werden das prüfen.“", "Kim"),  # adverb first
        ("Stattdessen erklärte der Verband: „Wir bleiben hier.“", "der Verband"),
    ],
)
def test_an_adverb_before_the_cue_is_never_the_speaker(tagged, untagged, text, speaker):
    assert _speakers(tagged, text) == [[speaker]]
    assert _speakers(untagged, text) != [[speaker]]  # the word lists alone take the adverb


def test_a_german_blank_pipeline_gets_the_tagger_before_the_finder(tagged):
    assert tagged.pipe_names == ["quote_tagger_de", "quote_finder"]
    doc = tagged("Demgegenüber sagte der Minister: „Wir werden das prüfen.“ Das Wetter war schön.")
    assert [(t.text, t.tag_, t.pos_) for t in doc[:4]] == [
        ("Demgegenüber", "PROAV", "ADV"),
        ("sagte", "VVFIN", "VERB"),
        ("der", "ART", "DET"),
        ("Minister", "NN", "NOUN"),
    ]
    assert doc[1].lemma_ == "sagen"
    assert all(not t.tag_ for t in doc[-5:])  # a sentence far from any cue is not tagged (speed)


def test_scope_all_tags_every_sentence():
    nlp = spacy.blank("de")
    nlp.add_pipe("quote_tagger_de", config={"scope": "all"})
    doc = nlp("Das Wetter war schön. Die Kinder spielten im Garten.")
    assert all(t.tag_ for t in doc)


def test_english_and_pipelines_with_a_tagger_get_no_german_tagger():
    assert "quote_tagger_de" not in add_quote_finder(spacy.blank("en")).pipe_names
    nlp = spacy.blank("de")
    nlp.add_pipe("tagger")
    assert has_tagger(nlp)
    assert add_quote_finder(nlp).pipe_names == ["tagger", "quote_finder"]


def test_the_tagger_saves_and_loads_with_a_pipeline(tagged, tmp_path):
    tagged.to_disk(tmp_path / "pipeline")
    loaded = spacy.load(tmp_path / "pipeline")
    assert loaded.pipe_names == ["quote_tagger_de", "quote_finder"]
    assert _speakers(loaded, "Demgegenüber sagte der Minister: „Wir werden das prüfen.“") == [["der Minister"]]
