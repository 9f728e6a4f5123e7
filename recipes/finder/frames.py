"""Frames: token patterns, read from pattern files, that say where a quote's cue and speaker stand.

A ``frame`` line is a spaCy Matcher pattern over the pipeline's own tokens (a list of token
dicts with the attributes and operators of spaCy's ``Matcher``: ``LOWER``, ``ORTH``, ``IS_TITLE``,
``TAG``, ``POS``, ``MORPH``, ``OP``, ...) in which tokens carry ``"ROLE": "cue"`` or
``"ROLE": "speaker"``. Optional ``name`` (shown in messages). For example, a speaker named in a
prepositional phrase after the quote::

    {"kind": "frame", "name": "so lautete die Antwort von X",
     "pattern": [{"LOWER": "so"}, {"LOWER": "lautete", "ROLE": "cue"}, {"LOWER": "die"},
                 {"LOWER": "antwort"}, {"LOWER": "von"},
                 {"IS_TITLE": true, "OP": "+", "ROLE": "speaker"}]}

Where a frame matches outside a quote, its cue (the tokens marked ``cue``) and its speaker (from
the first to the last token marked ``speaker``; none if no token is) are the sentence's
attribution for that stretch, in place of any cue or source marker the other patterns found
inside it; the quotes of the sentence take it as they take a cue verb's. Of overlapping matches
the longest wins. With ``"np": "after"`` the speaker is instead the noun phrase that follows the
match, read as the finder reads noun phrases (``laut KCNA``, ``nach Angaben der Polizei``), with
``"np": "before"`` the one before its cue in the same clause (``KCNA zufolge``); a match with no
such noun phrase counts for nothing. A ``source`` line is short for such a frame. A frame that reads ``TAG``, ``POS``, ``MORPH``, ``LEMMA`` or ``DEP`` needs a
pipeline that sets them: on a document without them it is not tried (with a warning).
"""

import warnings
from dataclasses import dataclass
from typing import Any, Dict, FrozenSet, List, Optional, Sequence, Tuple

import numpy
from spacy.attrs import LOWER
from spacy.matcher import Matcher
from spacy.schemas import validate_token_pattern
from spacy.tokens import Doc
from spacy.vocab import Vocab

Span = Tuple[int, int]  # character offsets, end exclusive

REACH = 40  # tokens a frame may reach before or after its cue word where its pattern has no fixed length
ROLES = ("cue", "speaker")
NP_SIDES = ("", "after", "before")
# token attributes that only some pipelines set, and the annotation doc.has_annotation() knows them by
NEEDS = {"TAG": "TAG", "POS": "POS", "MORPH": "MORPH", "LEMMA": "LEMMA", "DEP": "DEP", "ENT_TYPE": "ENT_IOB"}


@dataclass(frozen=True)
class FrameHit:
    """Where a frame matched in a document: its extent, its cue spans and its speaker, in characters."""

    start: int
    end: int
    cue: List[Span]
    speaker: Optional[Span]
    np: str = ""  # "after"/"before": the speaker is the noun phrase after the match / before its cue


def check_frame(entry: Dict[str, Any], where: str) -> None:
    """Raise ``ValueError`` naming ``where`` if ``entry`` is no usable frame."""
    pattern = entry.get("pattern")
    if not isinstance(pattern, list) or not pattern or not all(isinstance(t, dict) for t in pattern):
        raise ValueError(f'{where}: a frame needs "pattern": a list of token objects, got {pattern!r}')
    roles = [t.get("ROLE") for t in pattern if "ROLE" in t]
    bad = [r for r in roles if r not in ROLES]
    if bad:
        raise ValueError(f'{where}: "ROLE" must be "cue" or "speaker", got {bad[0]!r}')
    if entry.get("np", "") not in NP_SIDES:
        raise ValueError(f'{where}: "np" must be "after" or "before", got {entry.get("np")!r}')
    if entry.get("np") and "speaker" in roles:
        raise ValueError(f'{where}: a frame with "np" finds its speaker itself; mark no token "speaker"')
    if not roles:
        raise ValueError(f'{where}: a frame needs a token with "ROLE": "cue" or "speaker"')
    errors = validate_token_pattern(_matcher_pattern(pattern))
    if errors:
        raise ValueError(f"{where}: not a spaCy Matcher pattern: {'; '.join(errors)}")


def _matcher_pattern(pattern: Sequence[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The pattern as spaCy's Matcher takes it: without our ``ROLE`` keys."""
    return [{k: v for k, v in token.items() if k != "ROLE"} for token in pattern]


def frame_words(entry: Dict[str, Any]) -> FrozenSet[str]:
    """The lower-cased words a frame's first cue token matches literally (``LOWER``, ``ORTH`` or ``TEXT``, a
    string or an ``IN`` list): the finder looks at a sentence holding one as at one holding a cue verb."""
    token = next((t for t in entry["pattern"] if t.get("ROLE") == "cue"), {})
    words = set()
    for key in ("LOWER", "ORTH", "TEXT"):
        value = token.get(key)
        values = value.get("IN", []) if isinstance(value, dict) else [value]
        words.update(v.lower() for v in values if isinstance(v, str))
    return frozenset(words)


def source_frame(words: Sequence[str], np: str, after_comma: bool, closes: Sequence[str]) -> Dict[str, Any]:
    """The frame a ``source`` line stands for: its words as the cue, the noun phrase on the side ``np`` as the
    speaker; ``after_comma``: only right after a comma or a closing quotation mark (one of ``closes``)."""
    pattern: List[Dict[str, Any]] = [{"LOWER": w, "ROLE": "cue"} for w in words]
    if after_comma:
        pattern.insert(0, {"ORTH": {"IN": sorted({",", *closes})}})
    return {"kind": "frame", "name": " ".join(words), "pattern": pattern, "np": np}


def _reach(pattern: Sequence[Dict[str, Any]]) -> Tuple[int, int]:
    """How many tokens a pattern may take before and after its first cue token (``REACH`` where unbounded)."""
    cue = next((k for k, t in enumerate(pattern) if t.get("ROLE") == "cue"), 0)

    def span(tokens: Sequence[Dict[str, Any]]) -> int:
        if any(t.get("OP") in ("+", "*") or str(t.get("OP", "")).startswith("{") for t in tokens):
            return REACH
        return len(tokens)

    return span(pattern[:cue]), span(pattern[cue:])


def _needs(pattern: Sequence[Dict[str, Any]]) -> FrozenSet[str]:
    """The annotations a pattern reads that a blank pipeline does not set."""
    return frozenset(NEEDS[key] for token in pattern for key in token if key in NEEDS)


class FrameMatcher:
    """Runs one language's frames over a document and reads each match's cue and speaker."""

    def __init__(self, vocab: Vocab, frames: Sequence[Dict[str, Any]]) -> None:
        self.roles: Dict[str, List[Optional[str]]] = {}
        self.names: Dict[str, str] = {}
        self.np: Dict[str, str] = {}
        self.matchers: Dict[FrozenSet[str], Matcher] = {}
        self._warned: set = set()
        # where every frame's cue is a literal word, the matchers run only on windows around those words
        words = [frame_words(entry) for entry in frames]
        self.anchors = (
            numpy.array(sorted({vocab.strings.add(w) for ws in words for w in ws}), dtype="uint64")
            if all(words)
            else None
        )
        reaches = [_reach(entry["pattern"]) for entry in frames]
        self.before = max((r[0] for r in reaches), default=0)
        self.after = max((r[1] for r in reaches), default=0)
        for n, entry in enumerate(frames):
            key = f"frame{n}"
            pattern = entry["pattern"]
            self.roles[key] = [token.get("ROLE") for token in pattern]
            self.np[key] = entry.get("np", "")
            self.names[key] = str(entry.get("name") or pattern)
            needs = _needs(pattern)
            if needs not in self.matchers:
                self.matchers[needs] = Matcher(vocab)
            self.matchers[needs].add(key, [_matcher_pattern(pattern)], greedy="LONGEST")

    def __bool__(self) -> bool:
        return bool(self.roles)

    def __call__(self, doc: Doc) -> List[FrameHit]:
        """The frames' hits in ``doc``, longest first where they overlap, in text order."""
        matches: List[Tuple[int, int, str, List[int]]] = []
        windows = self._windows(doc)
        for needs, matcher in self.matchers.items():
            missing = sorted(n for n in needs if not doc.has_annotation(n))
            if missing:
                self._warn(matcher, missing)
                continue
            for a, b in windows:
                for match_id, start, end, alignment in matcher(doc[a:b], with_alignments=True):
                    matches.append((a + start, a + end, doc.vocab.strings[match_id], alignment))
        matches.sort(key=lambda m: (m[0] - m[1], m[0]))
        taken = bytearray(len(doc))
        hits: List[FrameHit] = []
        for start, end, key, alignment in matches:
            if any(taken[start:end]):
                continue
            taken[start:end] = b"\x01" * (end - start)
            hits.append(self._hit(doc, start, end, [self.roles[key][a] for a in alignment], self.np[key]))
        return sorted(hits, key=lambda h: h.start)

    def _windows(self, doc: Doc) -> List[Tuple[int, int]]:
        """The stretches of ``doc`` a frame can match in: around each cue word, merged; all of it where a frame's
        cue is no literal word."""
        if self.anchors is None:
            return [(0, len(doc))]
        windows: List[Tuple[int, int]] = []
        for i in numpy.flatnonzero(numpy.isin(doc.to_array(LOWER), self.anchors)).tolist():
            a, b = max(0, i - self.before), min(len(doc), i + self.after)
            if windows and a <= windows[-1][1]:
                windows[-1] = (windows[-1][0], b)
            else:
                windows.append((a, b))
        return windows

    @staticmethod
    def _hit(doc: Doc, start: int, end: int, roles: Sequence[Optional[str]], np: str) -> FrameHit:
        """A match read as a cue (runs of cue tokens) and a speaker (first to last speaker token)."""
        cue: List[Span] = []
        speaker: List[int] = []
        for i, role in zip(range(start, end), roles):
            token = doc[i]
            if role == "cue":
                if cue and i > start and roles[i - start - 1] == "cue":
                    cue[-1] = (cue[-1][0], token.idx + len(token))
                else:
                    cue.append((token.idx, token.idx + len(token)))
            elif role == "speaker":
                speaker.append(i)
        span = (doc[speaker[0]].idx, doc[speaker[-1]].idx + len(doc[speaker[-1]])) if speaker else None
        return FrameHit(doc[start].idx, doc[end - 1].idx + len(doc[end - 1]), cue, span, np)

    def _warn(self, matcher: Matcher, missing: List[str]) -> None:
        key = (id(matcher), tuple(missing))
        if key in self._warned:
            return
        self._warned.add(key)
        names = [self.names[k] for k in self.roles if k in matcher]
        warnings.warn(
            f"The quote finder's frames {names} read {', '.join(missing)}, which this pipeline does not set: "
            "they are not tried. Add a component that sets them (a tagger, a parser) or write them without.",
            stacklevel=3,
        )
