"""Speaker and cue of a sentence from its words: cue verbs, source markers and noun phrases.

No parser: a speaker is the noun phrase (or pronoun) next to a cue verb that is not inside a
prepositional phrase, looked for on the subject side first. In a language whose nouns are
capitalised (German) noun phrases are found by capitalisation, elsewhere (English) by stopping
at function words. Every word list and language setting comes from the pattern files.
"""

import re
from typing import List, NamedTuple, Optional, Sequence, Tuple

from .patterns import Patterns
from .sentences import Item

Span = Tuple[int, int]  # character offsets, end exclusive

CLAUSE_STOPS = frozenset(":;")
CUE_GAP = 2  # a separable particle this close to its verb (words between) is marked with it as one cue span
APPOSITION_WORDS = 12  # the longest apposition after a speaker that is taken into its span
ATTACHED_WORDS = 4  # the longest phrase between a title and the name in apposition to it ("im Bundestag")
DASHES = frozenset("–—-")


class Attribution(NamedTuple):
    """A cue (or source marker) in a sentence and the speaker found for it (or None)."""

    cue: List[Span]
    speaker: Optional[Span]
    anchor: int  # item index of the cue, to pick the cue nearest to a quote


class Attributor:
    """Finds cues and speakers in the items of one sentence, for one language's patterns."""

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

    # -- noun phrases -------------------------------------------------------------------
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

    def _particles_before(self, items: Sequence[Item], s: int, floor: int) -> int:
        """How many name particles ("von der", "de", "zu") stand right before the name at ``s``, where they
        belong to it: after a capitalised word ("Ursula von der Leyen") or opening the clause ("Von der Leyen
        betonte"); 0 if none."""
        if not self.particles or not self._is_name(items[s]):
            return 0
        k = s
        while k - 1 >= floor and s - k < 2 and items[k - 1].kind == "W" and items[k - 1].low in self.particles:
            k -= 1
        if k == s or items[k].low in self.dets:
            return 0
        opens = k == floor
        after_name = k - 1 >= floor and items[k - 1].kind == "W" and items[k - 1].text[:1].isupper()
        return s - k if opens or after_name and self._nounish(items[k - 1]) else 0

    def _particle_name(self, items: Sequence[Item], i: int, n: int) -> int:
        """The end of a name that starts with particles at ``i`` ("von der Leyen", "de Maizière"), or 0. A
        particle that is also a preposition needs a second one ("von der"), so "zu Merkel" stays a phrase."""
        if not self.particles or i >= n or items[i].kind != "W" or items[i].low not in self.particles:
            return 0
        if items[i].low in self.dets:
            return 0
        k = i + 1
        while k < n and k - i < 2 and items[k].kind == "W" and items[k].low in self.particles:
            k += 1
        if k >= n or not self._is_name(items[k]) or k - i < 2 and self._prep(items[i]):
            return 0
        e = k + 1
        while e < n and e - k < 3 and self._is_name(items[e]):
            e += 1
        return e

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

    def _np_right(self, items: Sequence[Item], i: int, limit: int, bare: bool = False) -> Optional[Tuple[int, int]]:
        """The noun phrase starting at item ``i`` (det, adjectives, nouns), as item indices.

        ``bare``: adjectives may come without an article (after a preposition: "am heutigen Montag").
        """
        j, n = i, min(len(items), limit)
        name = self._particle_name(items, i, n)
        if name:  # "(sagte) von der Leyen", "de Maizière"
            return (i, name)
        if (
            j < n
            and items[j].kind == "W"
            and items[j].low in self.pronouns
            and (j + 1 >= n or not self._nounish(items[j + 1]) or items[j + 1].kind == "Q")
        ):
            return (j, j + 1)
        while j < n and items[j].kind == "W" and items[j].low in self.dets:
            j += 1
        if j < n and self._named_quote(items[j]):
            return (i, j + 1)  # a quoted name: schrieb die „Zeit“
        k = j
        while (
            k < n
            and k - j < 3
            and items[k].kind == "W"
            and not self._nounish(items[k])
            and items[k].low not in self.function
            and (j > i or bare or not self.caps)
        ):
            k += 1  # adjectives after a determiner
        if k < n and self._nounish(items[k]) and items[k].kind == "W":
            e = k
            while e < n and e - k < 8:
                if self._connected(items, e):
                    e += 2  # "Bank of England Governor"
                elif e > k and self._particle_name(items, e, n):
                    e = self._particle_name(items, e, n)  # "Ministerin von der Leyen"
                elif (
                    self._nounish(items[e])
                    and (items[e].kind == "W" or e > k)
                    and not (e > k and self._english_verb(items[e]))
                ):
                    e += 1
                else:
                    break
            if not self.caps:
                return (i, e)
            # genitive attachment: "der Chef der Bundesagentur"; a chain where the tags show that each genitive
            # ends with a common noun ("der Leiter des Labors der Klinik"), not after a name ("des BMI der …")
            first = True
            while e + 1 < n and items[e].low in self.genitives and self._nounish(items[e + 1]):
                if not first and not (items[e - 1].tag and items[e - 1].tag in self.common_noun_tags):
                    break
                g = e + 1
                while g < n and self._nounish(items[g]) and items[g].kind == "W" and g - e < 5:
                    g += 1
                e, first = g, False
            return (i, e)
        return None

    def _np_left(
        self, items: Sequence[Item], end: int, floor: int, adjacent: bool = False
    ) -> Optional[Tuple[int, int]]:
        """The noun phrase ending just before item ``end`` (not inside a PP), as item indices; a genitive it ends
        with stays part of it ("der Hauptgeschäftsführer des Verbandes")."""
        j = end - 1
        tail = 0  # the end of the genitive the phrase being walked to ends with, if any
        while j >= floor:
            while j >= floor and self._skippable(items[j]):
                j -= 1
            if j >= floor and items[j].text == ")":  # "Greta Lohmann (SPD) sagte": the party is hers
                k = j
                while k >= floor and items[k].text != "(":
                    k -= 1
                if k > floor and j - k <= 6:
                    j, tail = k - 1, max(tail, j + 1)
            if j < floor or items[j].kind != "W" or not self._nounish(items[j]):
                return None
            e = j + 1
            if items[j].low in self.pronouns:
                s = j
            else:
                s = j
                while s - 1 >= floor and e - s < 8:
                    if self._nounish(items[s - 1]) and items[s - 1].kind == "W":
                        s -= 1
                    elif s - 2 >= floor and self._connected(items, s - 1):
                        s -= 2  # "Bank of England Governor Andrew Bailey"
                    elif self._particles_before(items, s, floor):
                        s -= self._particles_before(items, s, floor)  # "Ursula von der Leyen", "Von der Leyen"
                    else:
                        break
                k = s
                while (
                    k - 1 >= floor
                    and k > s - 3
                    and items[k - 1].kind == "W"
                    and items[k - 1].low not in self.function
                    and not self._nounish(items[k - 1])
                ):
                    k -= 1
                if k - 1 >= floor and items[k - 1].kind == "W" and items[k - 1].low in self.dets:
                    s = k - 1
                elif k < s and k - 1 >= floor and items[k - 1].kind == "W" and self._prep(items[k - 1]):
                    if adjacent:
                        return None
                    j, tail = k - 2, 0  # "Am heutigen Montag": a prepositional phrase
                    continue
                while s - 1 >= floor and items[s - 1].kind == "W" and items[s - 1].low in self.dets:
                    s -= 1
            if s - 1 >= floor and items[s - 1].kind == "W" and self._prep(items[s - 1]):
                if items[s - 1].low in self.agents and s - 2 >= floor and self._tagged_name(items[s - 2]):
                    j, tail = s - 2, max(e, tail)  # "Theo Korn vom Bankhaus Lindner": the name's affiliation
                    continue
                if adjacent:
                    return None
                j, tail = s - 2, 0  # inside a prepositional phrase: keep looking left
                continue
            if self.caps and items[s].low in self.genitives and s - 1 >= floor and self._nounish(items[s - 1]):
                j, tail = s - 1, max(e, tail)  # genitive attachment ("die Gefahren des Eises"): continue to its head
                continue
            return (s, max(e, tail))
        return None

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

    def _skip_right(self, items: Sequence[Item], i: int, n: int) -> int:
        """Step over adverbs, particles and prepositional phrases after a cue."""
        while i < n:
            it = items[i]
            if self._skippable(it):
                i += 1
            elif it.kind == "W" and self._prep(it) and i + 1 < n and not self._particle_name(items, i, n):
                np = self._np_right(items, i + 1, n, bare=True)
                if np is None:
                    return i
                i = np[1]
            else:
                return i
        return i

    def _speaker_right(self, items: Sequence[Item], i: int) -> Optional[Tuple[int, int]]:
        """The first noun phrase after item ``i`` in its clause, stepping over adverbs and PPs."""
        n = len(items)
        for k in range(i, n):  # the clause ends at punctuation other than hyphens
            if (
                items[k].kind == "P"
                and items[k].text not in "-–"
                or items[k].kind == "Q"
                and not self._named_quote(items[k])
            ):
                n = k
                break
        i = self._skip_right(items, i, n)
        if i >= n:
            return None
        np = self._np_right(items, i, n)
        if np is None and items[i].kind == "W" and items[i].low in self.dets:
            # "die in New York geborene Lopez": an article, a phrase, then the noun
            for k in range(i + 1, min(n, i + 9)):
                if self._nounish(items[k]) and not self._prep(items[k - 1]):
                    return (i, k + 1)
        return self._whole(items, np, n) if np is not None else None

    def _whole(self, items: Sequence[Item], np: Tuple[int, int], n: int) -> Tuple[int, int]:
        """A speaker's noun phrase with all that annotators mark with it after it: what is attached to it, then
        its apposition."""
        return self._apposition_after(items, self._attached(items, np, n))

    def _attached(self, items: Sequence[Item], np: Tuple[int, int], n: int) -> Tuple[int, int]:
        """The noun phrase with what belongs to it after it: a short bracket ("Renate Schmidt (SPD)") and, after a
        name the tagger reads, an affiliation with "von" ("Lina Marek vom Sender Radio Nord")."""
        e = np[1]
        if e < len(items) and items[e].text == "(":
            close = next((k for k in range(e + 1, min(len(items), e + 7)) if items[k].text == ")"), None)
            if close is not None and all(it.kind != "Q" for it in items[e:close]):
                return (np[0], close + 1)
        if e + 1 < n and items[e].kind == "W" and items[e].low in self.agents and self._tagged_name(items[e - 1]):
            affiliation = self._np_right(items, e + 1, n, bare=True)
            if affiliation is not None:
                return (np[0], affiliation[1])
        return np

    def _tagged_name(self, item: Item) -> bool:
        """A word the tagger reads as a name (never so untagged)."""
        return bool(item.tag) and item.tag in self.name_tags

    def _clause_floor(self, items: Sequence[Item], i: int) -> int:
        """Where the clause before item ``i`` starts: after a colon, a semicolon, a framed quote or a full stop
        glued between two words (a sentence end with its space missing: "… sagte der Bischof.Der Bruder …")."""
        k = i - 1
        while k >= 0:
            it = items[k]
            if it.text in CLAUSE_STOPS or it.kind == "Q" and not self._embedded(items, k) or self._glued_stop(items, k):
                return k + 1
            k -= 1
        return 0

    @staticmethod
    def _glued_stop(items: Sequence[Item], k: int) -> bool:
        """A full stop with a word ending in a letter right before it and a word right after it, no space between."""
        return (
            items[k].text in ".!?"
            and 0 < k < len(items) - 1
            and items[k - 1].end == items[k].start
            and items[k - 1].text[-1:].isalpha()
            and items[k + 1].start == items[k].end
            and items[k + 1].kind == "W"
        )

    @staticmethod
    def _embedded(items: Sequence[Item], k: int) -> bool:
        """A quote with words right before and after it is part of its clause ("als „…“ bezeichnet")."""
        return 0 < k < len(items) - 1 and items[k - 1].kind == "W" and items[k + 1].kind == "W"

    # -- cues ---------------------------------------------------------------------------
    def _match(self, items: Sequence[Item], i: int, words: Tuple[str, ...]) -> bool:
        """Whether ``words`` stand at item ``i``."""
        if i + len(words) > len(items):
            return False
        return all(items[i + k].kind == "W" and items[i + k].low == w for k, w in enumerate(words))

    def attributions(self, items: Sequence[Item]) -> List[Attribution]:
        """Every cue of the sentence with the speaker it points to (source markers and the other frames are
        matched on the pipeline's tokens and join these in ``rules.with_frames``)."""
        found: List[Attribution] = []
        for i, it in enumerate(items):
            if it.text in DASHES and i > 0 and items[i - 1].kind == "Q":
                np = self._dashed_source(items, i + 1)
                if np is not None:
                    found.append(Attribution([], self._span(items, np), i))
            if it.kind != "W":
                continue
            low = it.low
            if low in self.cue_first:
                for key, cues in self.p.cues.items():
                    if key[0] != low or not self._match(items, i, key):
                        continue
                    for cue in cues:
                        att = self._cue(items, i, len(key), cue.particle, cue.speaker)
                        if att is not None:
                            found.append(att)
                            break
                    else:
                        continue
                    break
        return found

    def source_after(self, items: Sequence[Item], end: int) -> Optional[Span]:
        """The source named from item ``end`` on, after a marker: directly or by an agent ("nach Ansicht von
        Senator Dodd")."""
        k = self._skip_right_plain(items, end)
        np = self._np_right(items, k, len(items))
        if np is None and k + 1 < len(items) and items[k].kind == "W" and items[k].low in self.agents:
            np = self._np_right(items, k + 1, len(items), bare=True)
        return self._span(items, self._whole(items, np, len(items))) if np is not None else None

    def source_before(self, items: Sequence[Item], i: int) -> Optional[Span]:
        """The source named before the marker at item ``i``, in its clause ("KCNA zufolge")."""
        np = self._np_left(items, i, self._clause_floor(items, i))
        return self._span(items, np) if np is not None else None

    def _dashed_source(self, items: Sequence[Item], i: int) -> Optional[Tuple[int, int]]:
        """A name alone after a quote and a dash, to the end of the sentence ("„…“ – UN-Generalsekretär António
        Guterres"): the speaker, with no cue word."""
        np = self._np_right(items, i, len(items))
        if np is None or not any(items[k].text[:1].isupper() for k in range(*np)):
            return None
        end = np[1]
        if end < len(items) and items[end].text == "(":  # "… Guterres (UN)"
            end = next((k + 1 for k in range(end, min(len(items), end + 6)) if items[k].text == ")"), end)
        return np if end >= len(items) or items[end].kind == "P" and items[end].text in ".!?;" else None

    def _skip_right_plain(self, items: Sequence[Item], i: int) -> int:
        """The first item from ``i`` on that is not an adverb or particle."""
        while i < len(items) and self._skippable(items[i]):
            i += 1
        return i

    def _cue(
        self, items: Sequence[Item], i: int, size: int, particle: Optional[str], role: str
    ) -> Optional[Attribution]:
        """The attribution of the cue at ``i`` (None if its separable particle is missing)."""
        cue_spans = [(items[i].start, items[i + size - 1].end)]
        if particle:
            for k in range(i + size, len(items)):
                if items[k].kind == "Q" and items[k].text.rstrip("“”\"»«’‘'")[-1:] in ".!?," or items[k].text in ".;:":
                    return None  # a quoted sentence ends the clause; a quoted phrase does not (als „haltlos“ zurück)
                if items[k].kind == "W" and items[k].low == particle:
                    between = items[i + size : k]
                    if len(between) < CUE_GAP and all(self._adverbial(it) for it in between):
                        cue_spans = [(items[i].start, items[k].end)]  # "teilte mit", "gab dazu bekannt": one span
                    else:
                        cue_spans.append((items[k].start, items[k].end))
                    break
            else:
                return None
        if role == "phrase":
            np = self._phrase(items, i + size, len(items)) or self._phrase(items, self._clause_floor(items, i), i)
        elif role == "clause":  # "…, he said, adding that …": never the noun phrase after the participle
            np = self._first_np(items, 0, i)
        elif role == "object":
            np = self._object_speaker(items, i + size) or self._np_left(items, i, self._clause_floor(items, i))
        else:
            np = self._subject_speaker(items, i, size)
        return Attribution(cue_spans, self._span(items, np) if np else None, i)

    def _subject_speaker(self, items: Sequence[Item], i: int, size: int) -> Optional[Tuple[int, int]]:
        """The subject of the cue at ``i``, tried in the order German and English news put it."""
        after = i + size
        prev = items[i - 1] if i > 0 else None
        speech_before = any(it.kind == "Q" and not self._named_quote(it) or it.low in self.reported for it in items[:i])
        framed = prev is not None and (
            prev.kind == "Q"
            or prev.text in ",–—"
            and (
                speech_before
                or self.caps
                and i > 1
                and items[i - 2].kind == "W"
                and items[i - 2].text[0].islower()
                and not self._relative_clause(items, i - 1)
            )
        )
        nxt = self._skip_right_plain(items, after)
        subject_after = self.caps and nxt < len(items) and items[nxt].kind == "W" and items[nxt].low in self.nominative
        apposed = (
            self._apposed_subject(items, i) if prev is not None and prev.text == "," and not subject_after else None
        )
        if apposed is not None:  # "Eva Lind, Sprecherin des Vereins, sagte": the name and its apposition
            right = self._speaker_right(items, after)
            if right is not None and self._disagrees(items, apposed, i, right):
                return right  # "Die Proteste, an denen …, beschrieb die Agentur als …": a plural object first
            return apposed
        relative = (  # German reads these as an apposition above
            self._relative_subject(items, i) if not self.caps and prev is not None and prev.text == "," else None
        )
        if relative is not None:  # "“…,” a senior official, who asked not to be named, told the AP"
            return relative
        if framed:  # "„…“, sagte Kim" / "…, sagte die Königin" / "Als er ging, sagte Kim"
            np = self._speaker_right(items, after)
            if np is not None:
                return np
        floor = self._subordinate_floor(items, self._clause_floor(items, i), i)
        if prev is not None and prev.kind == "W" and prev.low in self.conjunctions:
            np = self._first_np(items, floor, i - 1)  # "Die Firma bestätigte X nicht und nannte sie …"
            if np is not None:
                return np
        agent = self._passive_agent(items, floor, i)
        if agent is not None:  # "wird von Experten als „…“ bezeichnet"
            return agent
        if self.caps:  # "Stoiber hatte … betont" / "Bereits 2005 hatte Merkel … verkündet"
            for a in range(floor, i):
                if items[a].kind == "W" and items[a].low in self.auxiliaries:
                    np = self._np_left(items, a, floor, adjacent=True) or self._speaker_right(items, a + 1)
                    if np is not None and np[1] <= i:
                        return np
                    break
        if subject_after:
            return (nxt, nxt + 1)  # "Das Angebot lehnt er ab": only a subject can be "er"
        np = self._np_left(items, i, floor, adjacent=True)
        if np is not None and (self.caps and self._oblique(items, np[0]) or self._object_first(items, np, i)):
            right = self._speaker_right(items, after)  # "Den Plan kritisierte die Ministerin": an object first
            if right is not None:
                return right
        if np is not None:
            return np
        if (
            nxt < len(items)
            and items[nxt].kind == "W"
            and items[nxt].low in self.pronouns
            and (
                nxt + 1 >= len(items) or not self._nounish(items[nxt + 1]) and (self.caps or items[nxt + 1].kind != "W")
            )
        ):
            return (nxt, nxt + 1)  # "So bezeichnete er", "sagte sie"
        np = self._first_np(items, floor, i)
        if np is None or self.caps and self._oblique(items, np[0]) or self._object_first(items, np, i):
            np = self._speaker_right(items, after) or np  # "Den Unmut … brachte die Sprecherin zum Ausdruck"
        return np

    def _apposition_after(self, items: Sequence[Item], np: Tuple[int, int]) -> Tuple[int, int]:
        """The speaker after its cue with the apposition that follows it between commas or to the sentence end,
        as annotators mark it ("sagte Ute Kamper, die Leiterin der Beratungsstelle." / "sagte der Chef der
        Bundesagentur für Arbeit, Frank-Jürgen Weise,"); only where the tags show that no clause (a finite verb,
        a relative pronoun or a conjunction) follows instead."""
        if not self.finite_tags or not all(items[k].tag for k in range(*np)):
            return np
        comma = self._phrase_end(items, np[1])
        if comma is None or comma >= len(items) or items[comma].text != ",":
            return np
        if comma > np[1] and (comma - np[1] > ATTACHED_WORDS or self._tagged_name(items[np[1] - 1])):
            return np  # "Anna Berg vor der Presse, Paul Weber …", "die Agentur unter Berufung auf …, Lhamo"
        end = self._phrase_end(items, comma + 1)
        if end is None or end == comma + 1 or not any(items[k].tag in self.noun_tags for k in range(comma + 1, end)):
            return np
        if end < len(items) and items[end].text not in ",.;:!?":
            return np
        return (np[0], end)

    def _phrase_end(self, items: Sequence[Item], i: int) -> Optional[int]:
        """The index of the punctuation that ends the noun phrase (prepositional phrases included) starting at
        ``i``, or the end of the items; None where a word the tags put in no noun phrase (a verb, an adverb, a
        relative pronoun, a conjunction) or a quote comes first, or the phrase runs longer than a speaker's."""
        for k in range(i, min(len(items), i + APPOSITION_WORDS + 1)):
            it = items[k]
            if it.kind == "Q" or it.tag in self.clause_tags or it.tag in self.outside_phrase_tags:
                return None
            if it.kind == "P" and it.text in ",.;:!?":
                return k
        return len(items) if len(items) - i <= APPOSITION_WORDS else None

    def _subordinate_floor(self, items: Sequence[Item], floor: int, i: int) -> int:
        """Where the subordinate clause holding the cue at ``i`` starts, right after its conjunction (", weil die
        Regierung das Nachbarland als „…“ bezeichnet hat": its subject is there, not in the main clause), else
        ``floor``."""
        if not self.subordinator_tags:
            return floor
        for k in range(i - 1, floor, -1):
            if items[k].text == ",":
                nxt = items[k + 1]
                return k + 2 if nxt.kind == "W" and nxt.tag in self.subordinator_tags and k + 2 < i else floor
        return floor

    def _apposed_subject(self, items: Sequence[Item], i: int) -> Optional[Tuple[int, int]]:
        """A German clause-opening noun phrase followed by an apposition between commas, right before the cue."""
        if not self.caps:
            return None
        floor = i - 1  # the clause start; a quoted name inside the apposition does not end it
        while (
            floor > 0
            and items[floor - 1].text not in CLAUSE_STOPS
            and not self._glued_stop(items, floor - 1)
            and not (items[floor - 1].kind == "Q" and not self._named_quote(items[floor - 1]))
        ):
            floor -= 1
        comma = next((k for k in range(floor, i - 1) if items[k].text == ","), None)
        if comma is None:
            return None
        np = self._np_right(items, floor, comma)
        if np is not None and np[1] < comma and self._phrase_end(items, np[1]) == comma:
            if comma - np[1] <= ATTACHED_WORDS and not self._tagged_name(items[np[1] - 1]):
                np = (np[0], comma)  # "Der Direktor am Institut, Peter Hollmann,": a title with its phrase
        if np is None or np[1] != comma or self._oblique(items, np[0]):
            return None
        nxt = items[comma + 1]
        if nxt.kind == "W" and nxt.low in self.relatives and not (nxt.tag and nxt.tag in self.article_tags):
            return np  # "Eva Lind, die den Verein leitet, sagte": the relative clause is not the name
        if any(it.text == "," for it in items[comma + 1 : i - 1]):
            return np  # "X, Volker Beck, und Wolfgang Wieland, …": several people, not one apposition
        return (np[0], i - 1)  # the whole apposition: "der Sprecher des Ministeriums, Thomas Berger,"

    def _named(self, items: Sequence[Item], np: Tuple[int, int], owners: bool = True) -> bool:
        """Whether the tagger reads a name in the noun phrase, or a word naming a person (a nominalised
        adjective: "der Vorsitzende"): what a speaker is, where an object is most often a thing ("die Kritik").
        ``owners``: a genitive name before its noun counts ("McCains Kampagne"; not so for "Obamas Einsatz")."""
        return any(
            items[k].tag in self.name_tags
            and (
                owners
                or not (
                    items[k].low.endswith("s") and k + 1 < np[1] and items[k + 1].tag in self.noun_tags - self.name_tags
                )
            )
            for k in range(*np)
        )

    def _object_first(self, items: Sequence[Item], np: Tuple[int, int], verb: int) -> bool:
        """Whether the tags say the noun phrase before the finite verb at ``verb`` is its object and the one after
        it the subject: it names no one (no name, no pronoun) and the other names someone ("Jegliche Schuld weist Hartmann von sich"), it is
        plural and the verb singular ("Die Pläne kritisierte sie"), or the pipeline's morphology gives it a case
        other than the nominative and the other one the nominative."""
        if not self.name_tags or not any(items[k].tag for k in range(*np)):
            return False
        right = self._speaker_right(items, verb + 1)
        if right is None or self._oblique(items, right[0]):
            return False
        if any(it.kind == "P" for it in items[np[1] : verb]):
            return False  # an apposition between them ("Der Senator, Henning Scherf, warnte die CDU")
        person = self._named(items, np) or any(items[k].low in self.pronouns for k in range(*np))
        if not person and self._named(items, right, owners=False):
            return True
        if self._case(items, np) not in ("", "Nom") and self._case(items, right) == "Nom":
            return True
        return self._disagrees(items, np, verb, right)

    def _disagrees(self, items: Sequence[Item], np: Tuple[int, int], verb: int, right: Tuple[int, int]) -> bool:
        """Whether the noun phrase ``np`` is plural where the finite verb at ``verb`` and the phrase ``right``
        after it are singular: then ``np`` is the object, ``right`` the subject."""
        return (
            items[verb].tag in self.finite_tags
            and self._number(items, np) == "Plur"
            and self._verb_number(items[verb]) == "Sing"
            and self._number(items, right) != "Plur"
        )

    @staticmethod
    def _feature(item: Item, name: str) -> str:
        """One feature of the pipeline's morphology ("Case", "Number") of a word, or ""."""
        for pair in item.morph.split("|") if item.morph else ():
            key, _, value = pair.partition("=")
            if key == name:
                return value
        return ""

    def _head(self, items: Sequence[Item], np: Tuple[int, int]) -> Optional[Item]:
        """The first word tagged as a noun, or the pronoun, of a noun phrase (before any genitive attached to it)."""
        return next(
            (items[k] for k in range(*np) if items[k].tag in self.noun_tags or items[k].low in self.pronouns), None
        )

    def _case(self, items: Sequence[Item], np: Tuple[int, int]) -> str:
        """The case of a noun phrase by the pipeline's morphology (its first word that has one), or ""."""
        return next((c for c in (self._feature(items[k], "Case") for k in range(*np)) if c), "")

    def _number(self, items: Sequence[Item], np: Tuple[int, int]) -> str:
        """ "Plur", "Sing" or "" for a noun phrase: the pipeline's morphology of its head, else plural where the
        phrase opens with a plural determiner (or none) and its head noun is longer than its lemma, with a plural
        ending ("die Pläne" -> "Plan", "Vorwürfe" -> "Vorwurf")."""
        head = self._head(items, np)
        if head is None:
            return ""
        number = self._feature(head, "Number")
        if number or not head.lemma or head.low in self.pronouns:
            return number
        opener = items[np[0]]
        plural = (
            (opener.low in self.plurals or opener is head)
            and head.lemma.lower() != head.low
            and len(head.text) > len(head.lemma)
            and head.low.endswith(self.plural_endings)
        )
        return "Plur" if plural else "Sing"

    def _verb_number(self, verb: Item) -> str:
        """ "Plur" or "Sing" for a finite verb: the pipeline's morphology, else its ending ("-n": plural)."""
        return self._feature(verb, "Number") or ("Plur" if verb.low.endswith("n") else "Sing")

    def _oblique(self, items: Sequence[Item], k: int) -> bool:
        """Whether the noun phrase at ``k`` cannot be a subject: an oblique article ("dem/den …"), or the
        language's oblique adjective rule (German "der" with an adjective in -en, "Der englischen Zeitung sagte
        Kim": a nominative "der" takes "-e", "der alte Mann")."""
        if items[k].low in self.oblique_articles:
            return True
        article, suffix = self.oblique_adjective
        nxt = items[k + 1] if k + 1 < len(items) else None
        return (
            bool(article)
            and items[k].low == article
            and nxt is not None
            and nxt.kind == "W"
            and nxt.text[:1].islower()
            and nxt.low.endswith(suffix)
        )

    def _passive_agent(self, items: Sequence[Item], floor: int, i: int) -> Optional[Tuple[int, int]]:
        """The agent ("von X", "by X") of a passive cue: "wurde von X als „…“ bezeichnet"."""
        aux = next((a for a in range(floor, i) if items[a].kind == "W" and items[a].low in self.passives), None)
        if aux is None:
            return None
        for k in range(aux + 1, i + 3 if not self.caps else i):
            if k < len(items) and items[k].kind == "W" and items[k].low in self.agents:
                np = self._np_right(items, k + 1, len(items), bare=True)
                if np is not None:
                    return np
        return None

    def _relative_subject(self, items: Sequence[Item], i: int) -> Optional[Tuple[int, int]]:
        """The noun phrase right before a relative clause that ends with a comma just before the cue at ``i``
        ("a senior official, who spoke on condition of anonymity, told"): the cue's subject."""
        if not self._relative_clause(items, i - 1):
            return None
        k = i - 2
        while items[k].text != ",":
            k -= 1
        return self._np_left(items, k, self._clause_floor(items, k), adjacent=True)

    def _relative_clause(self, items: Sequence[Item], comma: int) -> bool:
        """Whether the comma-clause ending at ``comma`` is a relative clause (", der … sah,")."""
        k = comma - 1
        while k > 0 and items[k].text != ",":
            k -= 1
        return k > 0 and k + 1 < comma and items[k + 1].kind == "W" and items[k + 1].low in self.relatives

    def _first_np(self, items: Sequence[Item], i: int, end: int) -> Optional[Tuple[int, int]]:
        """The first noun phrase in ``items[i:end]`` that is not inside a prepositional phrase."""
        while i < end:
            i = self._skip_right(items, i, end)
            if i >= end:
                return None
            if items[i].kind == "W":
                np = self._np_right(items, i, end)
                if np is not None:
                    return np
            i += 1
        return None

    def _object_speaker(self, items: Sequence[Item], i: int) -> Optional[Tuple[int, int]]:
        """The person quoted by "zitiert (medium) Person": the last of up to two noun phrases."""
        n = len(items)
        for k in range(i, n):
            if items[k].kind == "P" and items[k].text not in "-–" or items[k].kind == "W" and self._prep(items[k]):
                n = k
                break
        i = self._skip_right_plain(items, i)
        if i >= n:
            return None
        first = self._np_right(items, i, n)
        if first is None:  # a medium written in lower case or quoted: "zitiert ndr.de X", "die „Welt“ X"
            j = i + 1 if items[i].kind != "W" or items[i].low not in self.dets else i + 2
            first = (i, min(j, n))
        second = self._np_right(items, self._skip_right_plain(items, first[1]), n) if first[1] < n else None
        return second or (first if items[first[1] - 1].kind == "W" and self._nounish(items[first[1] - 1]) else None)

    def _phrase(self, items: Sequence[Item], i: int, n: int) -> Optional[Tuple[int, int]]:
        """A prepositional phrase naming a source ("in einer Erklärung der Partei"), stepping over others ("am
        Montag") where the patterns list the prepositions that open a source."""
        k, n = i, min(n, i + 12)
        while k < n:
            it = items[k]
            if it.kind != "W":
                return None
            if self._prep(it):
                np = self._np_right(items, k + 1, n, bare=True)
                if np is not None and (not self.source_preps or it.low in self.source_preps):
                    return np  # the document without its preposition: "(in) einem Schreiben des Ministeriums"
                if np is not None:
                    k = np[1]
                    continue
            k += 1
        return None

    def clause_start(self, items: Sequence[Item], end: int) -> int:
        """Where the clause ending at item ``end`` (a colon before a quote) starts."""
        return self._clause_floor(items, end)

    def clause_subject(self, items: Sequence[Item], end: int) -> Optional[Span]:
        """The first noun phrase outside a prepositional phrase in the clause ending at ``end``."""
        np = self._first_np(items, self._clause_floor(items, end), end)
        while np is not None and self.caps and self._oblique(items, np[0]):  # "Den Ärger … brachte die Chefin …:"
            np = self._first_np(items, np[1], end)
        verb = self._finite_verb(items, np[1], end) if np is not None else None
        if verb is not None and self._object_first(items, np, verb):
            np = self._speaker_right(items, verb + 1)  # "Jegliche Schuld an der Affäre weist Hartmann von sich:"
        elif np is not None:
            np = self._whole(items, np, end)
        return self._span(items, np) if np else None

    def _finite_verb(self, items: Sequence[Item], i: int, end: int) -> Optional[int]:
        """The first word tagged as a finite verb in ``items[i:end]``, if no punctuation comes before it."""
        for k in range(i, end):
            if items[k].tag in self.finite_tags:
                return k
            if items[k].kind != "W":
                return None
        return None

    @staticmethod
    def _span(items: Sequence[Item], np: Tuple[int, int]) -> Span:
        """Character offsets of the items ``np``."""
        return (items[np[0]].start, items[np[1] - 1].end)
