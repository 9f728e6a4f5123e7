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


@pytest.mark.parametrize(
    "text,speaker",
    [
        # object first, told by the tags: no name before the verb, a name after it
        ("Jegliche Mitverantwortung für die Affäre weist Hartmann von sich: „Das kann nur der Chef.“", "Hartmann"),
        (
            "Die Kritik an dem Entwurf wies Ministerin Petra Hartmann zurück: „Das ist falsch.“",
            "Ministerin Petra Hartmann",
        ),
        # object first, told by agreement: a plural noun before a singular verb
        ("Die Forderungen lehnte der Verband ab: „Das ist unbezahlbar.“", "der Verband"),
        # a pronoun subject after the verb ("sie" may be an object too: the plural before the verb says it is not)
        ("Die Vorwürfe der Opposition wies sie zurück: „Das ist falsch.“", "sie"),
        ("Die Pläne kritisierte sie scharf: „Das geht zu weit.“", "sie"),
        # a prepositional phrase before the verb whose preposition no word list holds
        ("Inmitten der Krise erklärte die Ministerin: „Wir handeln.“", "die Ministerin"),
    ],
)
def test_the_subject_is_told_from_objects_and_phrases_by_the_tags(tagged, untagged, text, speaker):
    assert _speakers(tagged, text) == [[speaker]]
    assert _speakers(untagged, text) != [[speaker]]  # the word lists alone take the first noun phrase


@pytest.mark.parametrize(
    "text,speaker",
    [
        ("Die Ministerin kritisierte sie scharf: „Das geht zu weit.“", "Die Ministerin"),  # subject first, as usual
        ("Sie sicherte dabei Johnson ihre „volle Unterstützung“ zu.", "Sie"),  # a pronoun first is the subject
        ("McCains Kampagne warf Obama vor, ein „typischer Politiker“ zu sein.", "McCains Kampagne"),
        ("Anlässlich des Jubiläums sagte der Präsident: „Wir feiern.“", "der Präsident"),  # a genitive is no subject
    ],
)
def test_subject_first_clauses_keep_their_subject(tagged, text, speaker):
    assert _speakers(tagged, text) == [[speaker]]


def test_unknown_words_are_read_as_names_or_as_compounds_of_known_nouns(tagged):
    doc = tagged("Die Richtlinienkompetenz des Jubiläums betonte Wiefelspütz: „Nein.“")
    assert [(t.text, t.tag_) for t in doc[:5]] == [
        ("Die", "ART"),
        ("Richtlinienkompetenz", "NN"),  # ends in a noun HanTa knows
        ("des", "ART"),
        ("Jubiläums", "NN"),  # a known noun with a genitive -s
        ("betonte", "VVFIN"),
    ]
    assert doc[5].tag_ == "NE"  # anything else unknown and capitalised: a name
    assert doc[1].lemma_ == "Richtlinienkompetenz" and tagged("Die Pläne lehnte er ab: „Nein.“")[1].lemma_ == "Plan"


def test_a_pipelines_morphology_gives_the_case(untagged):
    """With a morphologizer's case (de_core_news_md has one), an object first is told by its case alone."""
    from spacy.tokens import Doc

    words = ["Die", "Kritik", "wies", "die", "Regierung", "zurück", ":", "„", "Falsch", ".", "“"]
    spaces = [True, True, True, True, True, False, True, False, False, False, False]
    tags = ["ART", "NN", "VVFIN", "ART", "NN", "PTKVZ", "$.", "$(", "ADJD", "$.", "$("]
    morphs = ["Case=Acc", "Case=Acc|Number=Sing", "Number=Sing", "Case=Nom", "Case=Nom|Number=Sing"] + [""] * 6
    doc = Doc(untagged.vocab, words=words, spaces=spaces, tags=tags, morphs=morphs)
    doc = untagged.get_pipe("quote_finder")(doc)
    quote = next(s for s in doc.spans[SPANS_KEY] if s.label_ == QUOTE)
    assert [s.text for s in linked(doc, quote, SPEAKER)] == ["die Regierung"]
    plain = untagged(doc.text)  # the same words without morphology: the first noun phrase
    assert [s.text for s in linked(plain, next(s for s in plain.spans[SPANS_KEY] if s.label_ == QUOTE), SPEAKER)] == [
        "Die Kritik"
    ]


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


def test_a_users_quote_marks_reach_the_tagger(tmp_path):
    """The tagger tags the sentences next to the finder's own quotation marks, a user's new pair included, and
    keeps them with a saved pipeline."""
    import shutil

    from prodigy_quotes.finder import default_patterns_dir

    folder = tmp_path / "patterns"
    shutil.copytree(default_patterns_dir("de"), folder)
    (folder / "marks.jsonl").write_text('{"kind": "quote", "open": "⟪", "close": "⟫"}\n', encoding="utf8")
    text = "Demgegenüber sagte der Minister: ⟪Wir werden das prüfen.⟫"
    builtin = add_quote_finder(spacy.blank("de"))
    assert not any(t.tag_ for t in builtin(text))  # no mark it knows: the sentence is not tagged
    nlp = add_quote_finder(spacy.blank("de"), patterns_dir=folder)
    assert nlp(text)[1].tag_ == "VVFIN"
    assert _speakers(nlp, text) == [["der Minister"]]
    nlp.to_disk(tmp_path / "pipeline")
    assert "⟪" in spacy.load(tmp_path / "pipeline").get_pipe("quote_tagger_de").quote_marks
