"""How the rules read each quoted stretch, kept for the linker: shape, speech check, how the speaker was taken, and
the phrases in a speaker's place (finder.context)."""

from typing import Dict, List, Tuple

import pytest
import spacy
from prodigy_quotes.finder import add_quote_finder
from prodigy_quotes.finder.context import quote_shape
from prodigy_quotes.finder.marks import MarkScanner
from prodigy_quotes.finder.patterns import builtin_patterns
from prodigy_quotes.finder.sentences import TokenIndex, sentence_items
from prodigy_quotes.schema import CONTEXT_ATTR, PLACES_ATTR
from spacy.language import Language


@pytest.fixture(scope="module")
def nlp() -> Language:
    return add_quote_finder(spacy.blank("de"))


def _read(nlp: Language, text: str) -> List[Tuple[str, str, str, str, Dict[str, str]]]:
    """(quote, shape, check, how, {role: phrase}) of each quoted stretch of ``text``."""
    doc = nlp(text)
    out = []
    for qs, qe, shape, check, how in doc.user_data[CONTEXT_ATTR]:
        places = {r: doc[ps:pe].text for s, e, r, ps, pe in doc.user_data[PLACES_ATTR] if (s, e) == (qs, qe)}
        out.append((doc[qs:qe].text, shape, check, how, places))
    return out


@pytest.mark.parametrize(
    "sentence,shape",
    [
        ("„Wir kommen.“", "alone"),
        ("Er sagte: „Wir kommen.“", "colon"),
        ("Er nannte das „Unsinn“ und ging.", "embedded"),
        ("„Wir kommen“, sagte er.", "opens"),
        ("Er nannte das „Unsinn“.", "closes"),
        ("Er nannte das „Unsinn“, dann ging er.", "inside"),
    ],
)
def test_quote_shape(sentence: str, shape: str):
    quotes = MarkScanner(builtin_patterns("de").pairs).scan(sentence)
    items = sentence_items(TokenIndex(spacy.blank("de")(sentence)), 0, len(sentence), quotes, 0)
    assert quote_shape(items, next(k for k, it in enumerate(items) if it.kind == "Q")) == shape


@pytest.mark.parametrize(
    "text,quote,shape,how",
    [
        ("„Das ist gut“, sagte Kim Adler.", "„Das ist gut“", "opens", "cue_after"),
        ("Die Ministerin Jana Winter schrieb: „Es reicht.“", "„Es reicht.“", "colon", "cue_before"),
        ("„Es reicht.“ Das schrieb die Ministerin Jana Winter.", "„Es reicht.“", "alone", "next_sentence"),
        (
            "„Gut“, sagte Kim Adler. Sie wirkte froh. „Wir bleiben.“ Dann ging sie.",
            "„Wir bleiben.“",
            "alone",
            "carried2",
        ),
    ],
)
def test_how_the_rules_took_each_speaker(nlp: Language, text: str, quote: str, shape: str, how: str):
    assert (quote, shape, how) in [(q, s, h) for q, s, _, h, _ in _read(nlp, text)]


def test_a_stretch_the_rules_take_for_no_speech_keeps_its_check_and_no_speaker_path(nlp: Language):
    ((quote, shape, check, how, _),) = _read(nlp, "Er las die Zeitung „Neue Welt“ am Morgen.")
    assert (quote, shape, check, how) == ("„Neue Welt“", "embedded", "after_title", "")


def test_the_phrases_in_a_speakers_place_around_a_partial_quote(nlp: Language):
    text = (
        "Der Minister Olaf Brandt kam am Morgen. "
        "Auch die Sprecherin der Partei, Anna Berger, will „in den kommenden Wochen prüfen“, ob es geht. "
        "Die Kanzlerin schwieg."
    )
    ((quote, shape, _, _, places),) = _read(nlp, text)
    assert quote == "„in den kommenden Wochen prüfen“" and shape == "inside"
    assert places["clause"] == "die Sprecherin der Partei, Anna Berger"
    assert places["first"] == "die Sprecherin der Partei"
    assert places["prev_first"] == "Der Minister Olaf Brandt"
    assert places["next_first"] == "Die Kanzlerin"
