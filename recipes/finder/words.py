"""What a word of a sentence can be, for the quote finder: part of a noun, a preposition, a name, an adverb
stepped over. Reads the language's word lists and settings from its pattern files once.
"""

import re
from typing import Sequence, Tuple

from .patterns import Patterns
from .sentences import Item

Span = Tuple[int, int]  # character offsets, end exclusive


class Words:
    """Word classes of one language's patterns (and the tags of the pipeline's tagger, where it has one)."""

    def __init__(self, patterns: Patterns, lang: str) -> None:
        self.p = patterns
        self.lang = lang
        settings = patterns.language
        self.caps = bool(settings.get("capitalised_nouns", False))
        self.adverb_suffixes = tuple(settings.get("adverb_suffixes", ()))
        self.verb_suffixes = tuple(settings.get("verb_suffixes", ()))
        self.not_verb_suffixes = tuple(settings.get("not_verb_suffixes", ()))
        self.gerund_suffixes = tuple(settings.get("gerund_suffixes", ()))
        oblique_adjective = settings.get("oblique_adjective") or {}
        self.oblique_adjective = (
            str(oblique_adjective.get("article", "")).lower(),
            str(oblique_adjective.get("suffix", "")),
        )
        self.not_noun_tags = frozenset(settings.get("not_noun_tags", ()))
        self.name_tags = frozenset(settings.get("name_tags", ()))
        self.preposition_tags = frozenset(settings.get("preposition_tags", ()))
        self.outside_phrase_tags = self.not_noun_tags - self.preposition_tags  # ends a phrase (PPs belong to it)
        self.noun_tags = frozenset(settings.get("noun_tags", ()))
        self.common_noun_tags = self.noun_tags - self.name_tags
        self.subordinator_tags = frozenset(settings.get("subordinator_tags", ()))
        self.article_tags = frozenset(settings.get("article_tags", ()))
        self.clause_tags = self.subordinator_tags | frozenset(settings.get("clause_tags", ()))
        self.plural_endings = tuple(settings.get("plural_endings", ()))
        self.plurals = patterns.of("plural")
        self.particles = patterns.of("name_particle")
        self.finite_tags = frozenset(settings.get("finite_verb_tags", ()))
        self.dets = patterns.of("determiner")
        self.preps = patterns.of("preposition")
        self.pronouns = patterns.of("pronoun")
        self.nominative = patterns.of("nominative") & self.pronouns
        self.auxiliaries = patterns.of("auxiliary")
        self.passives = patterns.of("passive")
        self.agents = patterns.of("agent")
        self.relatives = patterns.of("relative")
        self.conjunctions = patterns.of("conjunction")
        self.oblique_articles = patterns.of("oblique")
        self.genitives = patterns.of("genitive")
        self.connectors = patterns.of("connector")
        self.source_preps = patterns.of("source_preposition")
        self.skips = patterns.of("skip") | self.auxiliaries
        self.cue_first = {key[0] for key in patterns.cues}
        self.source_first = patterns.source_words()
        self.reported = patterns.of("reported")
        self.verbs = patterns.of("verb")
        self.number_noun = re.compile(settings["number_noun"]) if settings.get("number_noun") else None
        self.function = self.dets | self.preps | self.skips | self.cue_first | patterns.of("reported")

    def _nounish(self, item: Item) -> bool:
        """Whether a word can be (part of) the head of a speaker noun phrase."""
        if item.kind != "W" or item.tag in self.not_noun_tags:
            return False  # the tagger says adverb, conjunction, verb, ...: never (part of) a speaker
        if item.low in self.pronouns:
            return True
        if self.caps:
            return (
                (item.text[0].isupper() or self._number_noun(item))
                and item.low not in self.function
                and not item.low.endswith(self.adverb_suffixes)
            )
        return (  # a lower-case gerund ("dismissing") is a verb, not a noun
            item.low not in self.function
            and (item.text[0].isalpha() or self._number_noun(item))
            and not (item.text[0].islower() and item.low.endswith(self.gerund_suffixes))
        )

    def _connected(self, items: Sequence[Item], k: int) -> bool:
        """Item ``k`` joins two capitalised words of one name: a connector ("Bank of England") or a quoted
        nickname (Dwayne "The Rock" Johnson)."""
        if not (0 < k < len(items) - 1 and items[k - 1].kind == items[k + 1].kind == "W"):
            return False
        if not (items[k - 1].text[:1].isupper() and items[k + 1].text[:1].isupper()):
            return False
        it = items[k]
        return it.kind == "W" and it.low in self.connectors or self._named_quote(it) and len(it.text.split()) <= 3

    def _prep(self, item: Item) -> bool:
        """A preposition: listed in the patterns, or tagged as one ("Anlässlich des Jubiläums")."""
        return item.kind == "W" and (item.low in self.preps or item.tag in self.preposition_tags)

    def _is_name(self, item: Item) -> bool:
        """A word the tagger reads as a name (untagged: any capitalised word)."""
        return item.kind == "W" and (item.tag in self.name_tags if item.tag else item.text[:1].isupper())

    def _number_noun(self, item: Item) -> bool:
        """A noun written with a number ("der 58-Jährige", "the 45-year-old")."""
        return self.number_noun is not None and self.number_noun.match(item.text) is not None

    def _english_verb(self, item: Item) -> bool:
        """A verb ending a noun phrase ("the company issued", "Lee spoke"), where nouns are not capitalised."""
        return (
            not self.caps
            and item.text.islower()
            and (
                item.low in self.verbs
                or len(item.low) >= 5
                and item.low.endswith(self.verb_suffixes)
                and not item.low.endswith(self.not_verb_suffixes)
            )
        )

    @staticmethod
    def _named_quote(item: Item) -> bool:
        """A short quoted name, such as a newspaper title, that can be a speaker."""
        return (
            item.kind == "Q"
            and len(item.text) > 2
            and item.text[1:2].isupper()
            and len(item.text.split()) <= 4
            and item.text[-2:-1] not in ".!?,"
        )

    def _skippable(self, item: Item) -> bool:
        """An adverb, particle or auxiliary the speaker search steps over ("dazu", "weiter", "hat"); a word of
        that list the tagger reads as an article ("das schwedische Umweltministerium") opens a phrase instead."""
        return (
            item.kind == "W"
            and item.low in self.skips
            and item.low not in self.pronouns
            and not (item.tag and item.tag in self.article_tags)
        )

    def _adverbial(self, item: Item) -> bool:
        """A word that can stand inside a cue between verb and particle ("gab dazu bekannt"), never a speaker's
        ("fügte sie hinzu"): an adverb or particle the speaker search steps over, or one the tags say so."""
        return (
            item.kind == "W"
            and item.low not in self.pronouns
            and (self._skippable(item) or bool(item.tag) and item.tag in self.outside_phrase_tags)
        )

    def _tagged_name(self, item: Item) -> bool:
        """A word the tagger reads as a name (never so untagged)."""
        return bool(item.tag) and item.tag in self.name_tags

    def _match(self, items: Sequence[Item], i: int, words: Tuple[str, ...]) -> bool:
        """Whether ``words`` stand at item ``i``."""
        if i + len(words) > len(items):
            return False
        return all(items[i + k].kind == "W" and items[i + k].low == w for k, w in enumerate(words))

    @staticmethod
    def _span(items: Sequence[Item], np: Tuple[int, int]) -> Span:
        """Character offsets of the items ``np``."""
        return (items[np[0]].start, items[np[1] - 1].end)
