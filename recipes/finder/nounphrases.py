"""Noun phrases of a sentence's words, as the quote finder reads them: where a speaker's phrase starts and ends.

No parser: in a language whose nouns are capitalised (German) noun phrases are found by capitalisation,
elsewhere (English) by stopping at function words; a tagger's tags, where the pipeline has one, keep adverbs,
verbs and conjunctions out. Every word list and language setting comes from the pattern files.
"""

from typing import Optional, Sequence, Tuple, Type

from spacy.util import registry

from .sentences import Item
from .words import Words

APPOSITION_WORDS = 12  # the longest apposition after a speaker that is taken into its span
ATTACHED_WORDS = 4  # the longest phrase between a title and the name in apposition to it ("im Bundestag")


class NounPhrases(Words):
    """Reads noun phrases (item index ranges) left and right of a position, for one language's patterns."""

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

    def _skip_right_plain(self, items: Sequence[Item], i: int) -> int:
        """The first item from ``i`` on that is not an adverb or particle."""
        while i < len(items) and self._skippable(items[i]):
            i += 1
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

    def first_np(self, items: Sequence[Item], i: int, end: int) -> Optional[Tuple[int, int]]:
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


@registry.misc("prodigy_quotes.noun_phrases.v1")
def make_noun_phrases() -> Type[NounPhrases]:
    """The finder's noun-phrase reader, named in the ``quote_finder`` config (``[components.quote_finder.grammar.
    noun_phrases]``) as spaCy names a language's noun-chunk iterator; it reads each language's settings from its
    pattern files. Register a subclass of :class:`NounPhrases` that reads phrases otherwise (``_np_left``,
    ``_np_right``, ``first_np``, …) under a name of your own and give that name there instead."""
    return NounPhrases
