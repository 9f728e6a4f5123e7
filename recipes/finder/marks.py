"""Find quoted stretches of text from quotation marks, in one linear pass.

Handles language-specific pairs (from the pattern files), symmetric marks (``"``), apostrophes
that look like closing marks (``don’t``, ``Kim’s``), quotes running over several paragraphs
(a paragraph that opens a quote and does not close it continues in the next one, with or
without a new opening mark), and unclosed quotes, which end with their paragraph instead of
swallowing the rest of the document.
"""

import re
from typing import Dict, FrozenSet, List, NamedTuple, Pattern

# Marks that also serve as apostrophes: as closers they must not be followed by a letter.
APOSTROPHES = frozenset("’'")
_SPACE = re.compile(r"\s*")
OPEN_CONTEXT = frozenset("([{–—-/\u00a0")


class Quoted(NamedTuple):
    """A quoted stretch: character offsets including the marks; ``closed`` if a closing mark was found."""

    start: int
    end: int
    open: str
    closed: bool


class MarkScanner:
    """Pairs quotation marks for one set of quote pairs; reuse it for many texts."""

    def __init__(self, pairs: Dict[str, FrozenSet[str]], max_paragraphs: int = 8) -> None:
        self.pairs = pairs
        self.openers = frozenset(pairs)
        self.closers = frozenset(c for closes in pairs.values() for c in closes)
        self.marks = self.openers | self.closers
        self.max_paragraphs = max_paragraphs
        self.regex: Pattern[str] = re.compile("[" + re.escape("".join(sorted(self.marks))) + "\n]")

    def _opener_like(self, text: str, i: int) -> bool:
        before = text[i - 1] if i else " "
        after = text[i + 1] if i + 1 < len(text) else " "
        if text[i] in APOSTROPHES or text[i] == "‘":
            if not after.isalpha():  # ’90s, '70er: an elided number, not a quote
                return False
        return (before.isspace() or before in OPEN_CONTEXT or before in self.marks) and not after.isspace()

    def _closer_like(self, text: str, i: int, c: str) -> bool:
        before = text[i - 1] if i else " "
        after = text[i + 1] if i + 1 < len(text) else " "
        if c in APOSTROPHES and after.isalnum():
            return False
        if c in self.openers or c in APOSTROPHES:
            return not before.isspace()
        return True

    @staticmethod
    def _plural_possessive(text: str, i: int, c: str) -> bool:
        """``the dogs’ bowls``: an apostrophe after s before a lower-case word, with a later closer."""
        if c not in APOSTROPHES or i < 1 or text[i - 1] not in "sS" or not text[i + 1 : i + 3].startswith(" "):
            return False
        if not text[i + 2 : i + 3].islower():
            return False
        nl = text.find("\n", i)
        return text.find(c, i + 1, nl if nl >= 0 else len(text)) >= 0

    def _nested(self, text: str, i: int, opener: str) -> bool:
        """A repeated opening mark starts a quote inside the quote if its paragraph closes both."""
        end = text.find("\n", i)
        end = len(text) if end < 0 else end
        closes = self.pairs[opener]
        count = 0
        for k in range(i + 1, end):
            ch = text[k]
            if ch in closes and self._closer_like(text, k, ch):
                count += 1
                if count == 2:
                    return True
            elif ch == opener and self._opener_like(text, k):
                return False
        return False

    def _continues(self, text: str, nl: int, opener: str) -> int:
        """After a paragraph break at ``nl`` inside an open quote: -1 = the quote ends here,
        else the position of a repeated opening mark to absorb (or 0 if there is none)."""
        n = len(text)
        j = nl
        while j < n and text[j].isspace():
            j += 1
        if j >= n:
            return -1
        if text[j] == opener:
            return j
        end = text.find("\n", j)
        para = text[j:] if end < 0 else text[j:end]
        closes = self.pairs[opener]
        for k, ch in enumerate(para):
            if ch in closes and self._closer_like(para, k, ch):
                return 0
            if ch == opener and self._opener_like(para, k):
                return -1
        return -1

    def scan(self, text: str) -> List[Quoted]:
        """All quoted stretches of ``text``, in order, not overlapping."""
        found: List[Quoted] = []
        opener, start, paragraphs, absorb, skip_to, depth = "", -1, 0, -1, -1, 0
        for m in self.regex.finditer(text):
            i = m.start()
            c = text[i]
            if c == "\n":
                if not opener or i < skip_to:
                    continue
                paragraphs += 1
                nxt = self._continues(text, i, opener) if paragraphs <= self.max_paragraphs else -1
                if nxt < 0:
                    found.append(Quoted(start, _trim_end(text, i), opener, False))
                    opener, start, depth = "", -1, 0
                else:
                    skip_to = _SPACE.match(text, i).end()
                    absorb = nxt if nxt > 0 else -1
                continue
            if i == absorb:
                absorb = -1
                continue
            if opener:
                if (
                    c in self.pairs[opener]
                    and self._closer_like(text, i, c)
                    and not self._plural_possessive(text, i, c)
                ):
                    if depth:
                        depth -= 1  # the end of a quote inside the quote
                        continue
                    found.append(Quoted(start, i + 1, opener, True))
                    opener, start = "", -1
                elif c == opener and self._opener_like(text, i):
                    if self._nested(text, i, opener):
                        depth += 1
                        continue
                    found.append(Quoted(start, _trim_end(text, i), opener, False))
                    start, paragraphs = i, 0
            elif c in self.openers and (c not in self.closers or self._opener_like(text, i)):
                if i + 1 < len(text) and not text[i + 1].isspace():
                    opener, start, paragraphs = c, i, 0
        if opener:
            found.append(Quoted(start, _trim_end(text, len(text)), opener, False))
        return [q for q in found if q.end - q.start > 1]


def _trim_end(text: str, end: int) -> int:
    while end > 0 and text[end - 1].isspace():
        end -= 1
    return end
