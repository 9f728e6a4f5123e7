"""Lightweight sentence splitting and word items around quotes, without a parser.

Quotes are atomic: a boundary inside a quote (a multi-sentence or multi-paragraph quote) is
ignored, so a quote always lies in one sentence together with its frame (``„…“, sagte Kim.``).
"""

import re
from typing import Dict, FrozenSet, List, NamedTuple, Optional, Sequence, Tuple

from .marks import Quoted

# End punctuation, optionally followed by closing marks, before white space and an upper-case
# letter, digit or opening mark; or a line break.
_BOUNDARY = re.compile(r"[.!?]+[\"“”»«’‘')\]]*(?=\s+[\"„“»«‚‘'(\[]?[^\W\d_a-zäöüß])|\n")
# a full stop inside a word ("ndr.de", "U.S.A") stays, one between two words with the space after it missing
# ("… der Bischof.Der Bruder …", as scraped text has it) parts them
_WORD = re.compile(r"\w(?:(?:[\w’'\-]|\.(?![A-ZÄÖÜ][a-zäöüß]))*\w)?(?:(?<=s)[’'](?=\s\w))?|[^\w\s]")
_PREV_WORD = re.compile(r"(\w+)\W*$")
_NEXT_WORD = re.compile(r"\s+[\"„“»«‚‘(\[]?(\w+)")


class Item(NamedTuple):
    """A word ("W"), punctuation ("P") or whole quote ("Q", with its index) in a sentence."""

    kind: str
    start: int
    end: int
    low: str
    text: str
    quote: int
    tag: str = ""  # the part-of-speech tag of the pipeline's token starting here (STTS in German), if tagged
    lemma: str = ""  # its lemma, if tagged
    morph: str = ""  # its morphology in UD's FEATS form ("Case=Nom|Number=Sing"), where the pipeline sets it


class Tagged(NamedTuple):
    """What the pipeline knows of the token starting at a character offset: tag, lemma, morphology."""

    tag: str
    lemma: str = ""
    morph: str = ""


def split_sentences(
    text: str, quotes: Sequence[Quoted], abbreviations: FrozenSet[str], starters: FrozenSet[str] = frozenset()
) -> List[Tuple[int, int]]:
    """Sentence (start, end) offsets covering ``text``; never split inside a quote.

    A full stop after a number ends a sentence only before one of ``starters`` (articles and
    pronouns): "am 2. Juni" goes on, "des Modells 3. Ein Sprecher …" does not.
    """
    bounds = []
    qi, nq = 0, len(quotes)
    for m in _BOUNDARY.finditer(text):
        end = m.end()
        while qi < nq and quotes[qi].end < end:
            qi += 1
        if qi < nq and quotes[qi].start < m.start() and end < quotes[qi].end:
            continue  # inside a quote
        if text[m.start()] == ".":
            prev = _PREV_WORD.search(text, max(0, m.start() - 30), m.start() + 1)
            if prev:
                word = prev.group(1)
                if word.isdigit():
                    nxt = _NEXT_WORD.match(text, end)
                    if not (nxt and nxt.group(1).lower() in starters):
                        continue
                elif word.lower() in abbreviations or (len(word) == 1 and word.isupper()):
                    continue
        bounds.append(end)
    sents, start = [], 0
    for end in bounds:
        if end > start:
            sents.append((start, end))
        start = end
    if start < len(text):
        sents.append((start, len(text)))
    return sents


NOT_TAGGED = Tagged("")


def _abbreviated(item: Item, abbreviations: FrozenSet[str]) -> bool:
    """Whether a full stop right after ``item`` belongs to it: a listed abbreviation or an initial ("W.")."""
    return item.low in abbreviations or len(item.text) == 1 and item.text.isupper()


def sentence_items(
    text: str,
    start: int,
    end: int,
    quotes: Sequence[Quoted],
    first: int,
    abbreviations: FrozenSet[str] = frozenset(),
    tags: Optional[Dict[int, Tagged]] = None,
) -> List[Item]:
    """Items of ``text[start:end]``; quotes from index ``first`` on that lie inside become "Q" items.

    An abbreviation or an initial keeps its full stop ("Sen.", "Dr.", "Jürgen R. Tamm"), so it stays inside a
    noun phrase.
    """
    items: List[Item] = []
    pos, qi = start, first
    while pos < end:
        q_start = quotes[qi].start if qi < len(quotes) and quotes[qi].start < end else end
        for m in _WORD.finditer(text, pos, q_start):
            tok = m.group()
            if tok == "." and items and items[-1].end == m.start() and _abbreviated(items[-1], abbreviations):
                prev = items.pop()
                items.append(prev._replace(end=m.end(), text=prev.text + "."))
                continue
            kind = "W" if tok[0].isalnum() or tok[0] == "_" else "P"
            known = tags.get(m.start(), NOT_TAGGED) if tags else NOT_TAGGED
            items.append(Item(kind, m.start(), m.end(), tok.lower(), tok, -1, *known))
        if q_start >= end:
            break
        q = quotes[qi]
        items.append(Item("Q", q.start, q.end, "", text[q.start : q.end], qi))
        pos, qi = q.end, qi + 1
    return items
