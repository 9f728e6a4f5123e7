"""Speaker and cue of a sentence from its words: which noun phrase a cue verb's frame makes its speaker.

No parser: a speaker is the noun phrase (or pronoun) next to a cue verb that is not inside a
prepositional phrase, looked for on the subject side first. The layers under it, each a module:
``words`` (what a word can be), ``nounphrases`` (where a phrase starts and ends), ``clauses`` (clause
limits, subjects, agreement). Every word list and language setting comes from the pattern files.
"""

from typing import Callable, List, NamedTuple, Optional, Sequence, Tuple, Type

from spacy.util import registry

from .clauses import CLAUSE_STOPS, Clauses
from .nounphrases import ATTACHED_WORDS, NounPhrases
from .patterns import Patterns
from .sentences import Item
from .words import Span

CUE_GAP = 2  # a separable particle this close to its verb (words between) is marked with it as one cue span
DASHES = frozenset("–—-")


class Attribution(NamedTuple):
    """A cue (or source marker) in a sentence and the speaker found for it (or None)."""

    cue: List[Span]
    speaker: Optional[Span]
    anchor: int  # item index of the cue, to pick the cue nearest to a quote


class Attributor(Clauses):
    """Finds cues and speakers in the items of one sentence, for one language's patterns."""

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
            np = self.first_np(items, 0, i)
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
            np = self.first_np(items, floor, i - 1)  # "Die Firma bestätigte X nicht und nannte sie …"
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
        np = self.first_np(items, floor, i)
        if np is None or self.caps and self._oblique(items, np[0]) or self._object_first(items, np, i):
            np = self._speaker_right(items, after) or np  # "Den Unmut … brachte die Sprecherin zum Ausdruck"
        return np

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


Grammar = Callable[[Patterns, str], Attributor]  # builds the phrase and cue reader of one language's patterns


@registry.misc("prodigy_quotes.grammar.v1")
def make_grammar(noun_phrases: Optional[Type[NounPhrases]] = None) -> Grammar:
    """The finder's phrase and cue reader (noun phrases, clauses, which phrase a cue makes the speaker), named in
    the ``quote_finder`` config as spaCy names a language's syntax iterators. ``noun_phrases``: the registered
    noun-phrase reader it builds on (``prodigy_quotes.noun_phrases.v1``, the built-in one, by default). To change
    more than noun phrases, register a subclass of :class:`Attributor` under a name of your own and give that name
    to the config's ``grammar``."""
    if noun_phrases is None or noun_phrases is NounPhrases:
        return Attributor
    if not (isinstance(noun_phrases, type) and issubclass(noun_phrases, NounPhrases)):
        raise TypeError(
            f"The quote finder's noun_phrases must be a subclass of NounPhrases, not {noun_phrases!r}: register a "
            "function that returns one (see prodigy_quotes.noun_phrases.v1)."
        )
    return type(f"Attributor_{noun_phrases.__name__}", (Attributor, noun_phrases), {})
