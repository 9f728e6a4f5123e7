"""What the rules read around each quoted stretch, kept for the trainable linker: where the quote stands in its
sentence, how the rules took its speaker, which speech check decided it, and the noun phrases that stand in a
speaker's place by the clause analysis (the subject of the clause the quote ends, the first phrase and the subject
of its sentence, of the sentence before, the first phrase of the sentence after).

The linker learns from corrections when to believe these over the rules' own choice: a quote whose speaker the
rules carried over two sentences is wrong more often than one with a cue verb beside it, and a partial quote inside
a clause is most often its subject's words.
"""

from typing import Callable, Dict, NamedTuple, Optional, Sequence

from .clauses import Clauses
from .sentences import Item
from .words import Span

ItemsOf = Callable[[int], Sequence[Item]]  # a sentence's items by its index


class QuoteContext(NamedTuple):
    """One quoted stretch as the rules read it (character offsets)."""

    quote: Span
    shape: str  # alone, colon, embedded, opens, closes or inside (see :func:`quote_shape`)
    check: str  # the speech check that decided it (``finder.speech``)
    how: str  # how the rules took its speaker (cue_before, cue_after, colon_subject, carried1, …), "" if no speech
    phrases: Dict[str, Span]  # role -> the noun phrase in that place


def quote_shape(items: Sequence[Item], k: int) -> str:
    """Where the quote at item ``k`` stands in its sentence: alone, after a colon, embedded between two words,
    opening or closing it, or elsewhere inside it."""
    before = any(it.kind == "W" for it in items[:k])
    after = any(it.kind == "W" for it in items[k + 1 :])
    if not before and not after:
        return "alone"
    if k > 0 and items[k - 1].text == ":":
        return "colon"
    if 0 < k < len(items) - 1 and items[k - 1].kind == "W" and items[k + 1].kind == "W":
        return "embedded"
    if not before:
        return "opens"
    return "inside" if after else "closes"


def speaker_places(grammar: Clauses, items_of: ItemsOf, si: int, k: int, n_sents: int) -> Dict[str, Span]:
    """The noun phrases in a speaker's place around the quote at item ``k`` of sentence ``si``, by role."""
    items = items_of(si)
    places: Dict[str, Optional[Span]] = {
        "clause": grammar.clause_subject(items, k) if k > 0 else None,
        "sentence": grammar.clause_subject(items, len(items)),
        "first": first_phrase(grammar, items),
    }
    if si > 0:
        before = items_of(si - 1)
        places["prev_first"] = first_phrase(grammar, before)
        places["prev_subject"] = grammar.clause_subject(before, len(before))
    if si + 1 < n_sents:
        places["next_first"] = first_phrase(grammar, items_of(si + 1))
    return {role: span for role, span in places.items() if span is not None}


def first_phrase(grammar: Clauses, items: Sequence[Item]) -> Optional[Span]:
    """The first noun phrase of a sentence outside a prepositional phrase, as character offsets."""
    np = grammar.first_np(items, 0, len(items))
    return (items[np[0]].start, items[np[1] - 1].end) if np else None
