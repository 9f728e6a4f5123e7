"""Is a quoted stretch speech? Each named check of the ordered list, alone, on a sentence that it decides."""

from typing import Tuple

import pytest
import spacy
from prodigy_quotes.finder.patterns import builtin_patterns
from prodigy_quotes.finder.rules import QuoteRules
from prodigy_quotes.finder.sentences import TokenIndex, sentence_items
from prodigy_quotes.finder.speech import CHECKS, SpeechTest


@pytest.fixture(scope="module")
def rules() -> QuoteRules:
    return QuoteRules(builtin_patterns("de"), "de")


def _decide(rules: QuoteRules, sentence: str, context: bool, which: int = 0) -> Tuple[str, bool]:
    """Which check decides the ``which``-th quote of ``sentence`` (a sentence of its own), and how."""
    quotes = rules.scanner.scan(sentence)
    items = sentence_items(TokenIndex(spacy.blank("de")(sentence)), 0, len(sentence), quotes, 0)
    k = [i for i, it in enumerate(items) if it.kind == "Q"][which]
    test = rules.speech
    return test.decide(test.read(sentence, quotes[which], items, k, context, cued=context))


@pytest.mark.parametrize(
    "sentence,context,check,verdict",
    [
        ("Die „Roude Léiw“-Befürworter jubelten.", False, "part_of_compound", False),
        ("Er las die Zeitung „Neue Welt“ am Morgen.", False, "after_title", False),
        ("Der Bundestag beschloss ein „Gesetz zur Änderung des Mietrechts“ im Mai.", True, "name_with_title", False),
        ("Laut „tagesschau.de“ kamen viele.", False, "gloss_or_source", False),
        ("Der Ort wird „Klein-Paris“ genannt.", False, "naming", False),
        ("Sie trugen Schilder mit der Parole „Nie wieder“ durch die Stadt.", False, "after_utterance", True),
        ("Der Minister bezeichnete das als „Putsch“.", True, "predicative", True),
        ("Am Ende sagte er: „Wir kommen zurück.“", True, "sentence", True),
        ("Wie „heise online“ berichtet, fiel das Netz aus.", True, "subject_name", False),
        ("„Ja, vielleicht“, sagte er.", True, "framed_remark", True),
        ("Man sprach von einer „großen Sache“ im Ort.", False, "fragment", False),
    ],
)
def test_each_check_decides_its_case(rules, sentence, context, check, verdict):
    assert _decide(rules, sentence, context) == (check, verdict)


def test_the_checks_run_in_the_listed_order_and_each_is_a_method():
    assert len(set(CHECKS)) == len(CHECKS)
    assert all(callable(getattr(SpeechTest, name)) for name in CHECKS + ("fragment",))
