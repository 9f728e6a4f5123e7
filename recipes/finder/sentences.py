"""Sentences and the word items of a sentence, read off the Doc's own tokens.

Quotes are atomic: a boundary inside a quote (a multi-sentence or multi-paragraph quote) is
ignored, so a quote always lies in one sentence together with its frame (``„…“, sagte Kim.``).
"""

import bisect
import re
from typing import FrozenSet, List, NamedTuple, Optional, Sequence, Tuple

from spacy.attrs import IDX
from spacy.tokens import Doc, Token

from .marks import Quoted

# End punctuation, optionally followed by closing marks, before white space and an upper-case
# letter, digit or opening mark; or a line break.
_BOUNDARY = re.compile(r"[.!?]+[\"“”»«’‘')\]]*(?=\s+[\"„“»«‚‘'(\[]?[^\W\d_a-zäöüß])|\n")
_MARKS = "\"„“”»«‚‘’' "  # what may stand between a quote's start and a boundary after it
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


def doc_sentences(
    index: "TokenIndex", quotes: Sequence[Quoted], abbreviations: FrozenSet[str], starters: FrozenSet[str] = frozenset()
) -> List[Tuple[int, int]]:
    """Sentence (start, end) offsets covering ``doc``: those of the pipeline's parser, senter or sentencizer
    when one set them, else the finder's own (:func:`split_sentences`). A boundary inside a quote is dropped, or
    moved before the quote when only its opening mark lies before it (a sentencizer leaves „ at the end of the
    sentence before)."""
    doc, text = index.doc, index.text
    if not doc.has_annotation("SENT_START"):
        return split_sentences(text, quotes, abbreviations, starters)
    bounds: List[int] = []
    qi = 0
    for sent in list(doc.sents)[1:]:
        b = sent.start_char
        while qi < len(quotes) and quotes[qi].end <= b:
            qi += 1
        q = quotes[qi] if qi < len(quotes) and quotes[qi].start < b else None
        if q is not None and not text[q.start : b].strip(_MARKS):
            b = q.start
        elif q is not None:
            continue
        if not bounds or b > bounds[-1]:
            bounds.append(b)
    edges = [0, *bounds, len(text)]
    return [(a, b) for a, b in zip(edges, edges[1:]) if b > a]


def _abbreviated(word: str, abbreviations: FrozenSet[str]) -> bool:
    """Whether a full stop right after ``word`` belongs to it: a listed abbreviation or an initial ("W.")."""
    return word.lower() in abbreviations or len(word) == 1 and word.isupper()


class TokenIndex:
    """Where a Doc's tokens start, to find the tokens of a character range (a sentence, a quote)."""

    def __init__(self, doc: Doc, text: Optional[str] = None) -> None:
        self.doc = doc
        self.text = doc.text if text is None else text  # Doc.text joins every token anew: read it once
        self.starts: List[int] = doc.to_array(IDX).tolist() if len(doc) else []
        self.morph = doc.has_annotation("MORPH")

    def first(self, char: int) -> int:
        """The index of the first token starting at or after ``char``."""
        return bisect.bisect_left(self.starts, char)

    def words(self, start: int, end: int) -> List[str]:
        """The lower-case words (not punctuation or space) of the tokens in ``text[start:end]``."""
        return [t.lower_ for t in self.doc[self.first(start) : self.first(end)] if not (t.is_punct or t.is_space)]

    def items(self, token: Token, end: int, abbreviations: FrozenSet[str]) -> List["Item"]:
        """The items of one token, cut at ``end`` (where a quote starts inside it): a word keeps a full stop
        only as an abbreviation or an initial ("Dr.", "W."), else its final full stop is punctuation of its own
        ("am 2. Juni", "die U.S.A.")."""
        start = token.idx
        text = token.text[: end - start]
        if not text:
            return []
        if not (text[0].isalnum() or text[0] == "_"):
            return [Item("P", start, start + len(text), text.lower(), text, -1)]
        tag, lemma, morph = token.tag_, token.lemma_, str(token.morph) if self.morph else ""
        if len(text) > 1 and text.endswith(".") and not _abbreviated(text[:-1], abbreviations):
            cut = start + len(text) - 1
            return [
                Item("W", start, cut, text[:-1].lower(), text[:-1], -1, tag, lemma, morph),
                Item("P", cut, cut + 1, ".", ".", -1),
            ]
        low = text[:-1].lower() if len(text) > 1 and text.endswith(".") else text.lower()
        return [Item("W", start, start + len(text), low, text, -1, tag, lemma, morph)]


def sentence_items(
    index: TokenIndex,
    start: int,
    end: int,
    quotes: Sequence[Quoted],
    first: int,
    abbreviations: FrozenSet[str] = frozenset(),
) -> List[Item]:
    """Items of the Doc's tokens in ``text[start:end]``; quotes from index ``first`` on that lie inside become
    "Q" items (a quote is one item, whatever tokens it holds).

    An abbreviation or an initial keeps its full stop ("Sen.", "Dr.", "Jürgen R. Tamm"), so it stays inside a
    noun phrase.
    """
    doc, text = index.doc, index.text
    items: List[Item] = []
    i, stop, qi = index.first(start), index.first(end), first
    while i < stop:
        q_start = quotes[qi].start if qi < len(quotes) and quotes[qi].start < end else end
        while i < stop and index.starts[i] < q_start:
            token = doc[i]
            if not token.is_space:
                items.extend(index.items(token, q_start, abbreviations))
            i += 1
        if q_start >= end:
            break
        q = quotes[qi]
        items.append(Item("Q", q.start, q.end, "", text[q.start : q.end], qi))
        i = max(i, index.first(q.end))
        qi += 1
    return _join_attached(items, abbreviations)


def _join_attached(items: List[Item], abbreviations: FrozenSet[str]) -> List[Item]:
    """Marks the tokenizer split from their words go back to them: the full stop of an abbreviation or an
    initial ("Sen" "." → "Sen."), a possessive apostrophe before the next word ("workers’ leader") and a hyphen
    between two words ("the 45-year-old", as English tokenizers split it; the last part's tag is the word's)."""
    out: List[Item] = []
    k = 0
    while k < len(items):
        it = items[k]
        prev = out[-1] if out and out[-1].kind == "W" and out[-1].end == it.start else None
        nxt = items[k + 1] if k + 1 < len(items) and items[k + 1].kind == "W" else None
        k += 1
        if prev is None or it.kind != "P":
            out.append(it)
        elif it.text == "." and not prev.text.endswith(".") and _abbreviated(prev.text, abbreviations):
            out[-1] = prev._replace(end=it.end, text=prev.text + ".")
        elif it.text in ("’", "'") and prev.low.endswith("s") and nxt is not None and nxt.start == it.end + 1:
            out[-1] = prev._replace(end=it.end, low=prev.low + it.text, text=prev.text + it.text)
        elif it.text in ("-", "‐") and nxt is not None and nxt.start == it.end:
            joined = prev.text + it.text + nxt.text
            out[-1] = nxt._replace(start=prev.start, low=joined.lower(), text=joined)
            k += 1
        else:
            out.append(it)
    return out
