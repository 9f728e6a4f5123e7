"""Clauses of a sentence's words: where the clause of a position starts, its subject, and the agreement checks
(case, number) that tell a subject from an object.
"""

from typing import Optional, Sequence, Tuple

from .nounphrases import NounPhrases
from .sentences import Item
from .words import Span

CLAUSE_STOPS = frozenset(":;")


class Clauses(NounPhrases):
    """Clause limits and agreement on top of the noun phrases."""

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

    def _relative_clause(self, items: Sequence[Item], comma: int) -> bool:
        """Whether the comma-clause ending at ``comma`` is a relative clause (", der … sah,")."""
        k = comma - 1
        while k > 0 and items[k].text != ",":
            k -= 1
        return k > 0 and k + 1 < comma and items[k + 1].kind == "W" and items[k + 1].low in self.relatives

    def clause_start(self, items: Sequence[Item], end: int) -> int:
        """Where the clause ending at item ``end`` (a colon before a quote) starts."""
        return self._clause_floor(items, end)

    def clause_subject(self, items: Sequence[Item], end: int) -> Optional[Span]:
        """The first noun phrase outside a prepositional phrase in the clause ending at ``end``."""
        np = self.first_np(items, self._clause_floor(items, end), end)
        while np is not None and self.caps and self._oblique(items, np[0]):  # "Den Ärger … brachte die Chefin …:"
            np = self.first_np(items, np[1], end)
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

    def _disagrees(self, items: Sequence[Item], np: Tuple[int, int], verb: int, right: Tuple[int, int]) -> bool:
        """Whether the noun phrase ``np`` is plural where the finite verb at ``verb`` and the phrase ``right``
        after it are singular: then ``np`` is the object, ``right`` the subject."""
        return (
            items[verb].tag in self.finite_tags
            and self._number(items, np) == "Plur"
            and self._verb_number(items[verb]) == "Sing"
            and self._number(items, right) != "Plur"
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
