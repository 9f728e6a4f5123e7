"""The quote finder on a Doc: quotes, which of them are speech, and who said them.

Quotation marks are paired by a scanner of their own on the text; everything else reads the Doc's tokens, with
the tags, lemmas and morphology the pipeline set. Spans are character offsets. Only sentences holding a quote or
a cue word are looked at word by word, so the work stays linear in the text.
"""

import bisect
from typing import Dict, FrozenSet, List, NamedTuple, Optional, Sequence, Tuple

from spacy.tokens import Doc

from .attribution import Attribution, Attributor, Grammar, Span
from .context import QuoteContext, quote_shape, speaker_places
from .frames import FrameHit
from .marks import MarkScanner, Quoted
from .patterns import Patterns
from .sentences import Item, TokenIndex, doc_sentences, sentence_items
from .speech import SpeechTest

CARRY_SENTENCES = 2  # how far back a quote without a cue may take its speaker from
REPORTED_RUN = 4  # how many sentences of reported speech a speaker is carried across, at most


class Found(NamedTuple):
    """A direct quote with its speaker and cue spans (character offsets)."""

    quote: Span
    speaker: Optional[Span]
    cue: List[Span]
    how: str = "cue_before"  # how the rules took the speaker (see :class:`.context.QuoteContext`)


class _SentenceItems:
    """The items of each sentence, read the first time they are asked for (the linker's context reads a quote's
    neighbour sentences too)."""

    def __init__(
        self, index: TokenIndex, sents: Sequence[Span], quotes: Sequence[Quoted], abbreviations: FrozenSet[str]
    ) -> None:
        self.index = index
        self.sents = sents
        self.quotes = quotes
        self.starts = [q.start for q in quotes]
        self.abbreviations = abbreviations
        self.read: Dict[int, List[Item]] = {}

    def __call__(self, si: int) -> List[Item]:
        if si not in self.read:
            s, e = self.sents[si]
            first = bisect.bisect_left(self.starts, s)
            self.read[si] = sentence_items(self.index, s, e, self.quotes, first, self.abbreviations)
        return self.read[si]


class _SentenceWords:
    """The lower-case words of each sentence, read the first time a sentence's words are asked for (most
    sentences of a long article never are)."""

    def __init__(self, index: TokenIndex, sents: Sequence[Span]) -> None:
        self.index = index
        self.sents = sents
        self.read: Dict[int, List[str]] = {}

    def __getitem__(self, si: int) -> List[str]:
        if si not in self.read:
            self.read[si] = self.index.words(*self.sents[si])
        return self.read[si]


class QuoteRules:
    """Rule-based finder for one language's patterns; call :meth:`find` on each text."""

    def __init__(self, patterns: Patterns, lang: str, grammar: Optional[Grammar] = None) -> None:
        self.patterns = patterns
        self.lang = lang
        self.scanner = MarkScanner(patterns.pairs)
        self.attributor = (grammar or Attributor)(patterns, lang)
        self.abbreviations = patterns.of("abbreviation")
        self.starters = patterns.of("determiner") | patterns.of("pronoun")
        self.reported = patterns.of("reported")
        self.coordinators = patterns.of("coordinator")
        self.speech = SpeechTest(patterns, self.attributor)
        self.cue_words = patterns.cue_words()

    def _separated(self, items: Sequence[Item], cue: int, quote: int) -> bool:
        """Whether a coordinated clause ("…, und rief …") lies between a cue after the quote and the quote."""
        if cue < quote:
            return False
        return any(it.kind == "W" and it.low in self.coordinators for it in items[quote + 1 : cue])

    # -- the whole text ---------------------------------------------------------------------
    def find(self, doc: Doc, frames: Sequence[FrameHit] = ()) -> Tuple[List[Found], List[QuoteContext]]:
        """Direct quotes of ``doc`` with speakers and cues. Where the pipeline tagged a token, the rules never take
        a word whose tag says it is no noun, such as an adverb, as a speaker, and prefer the subject.
        ``frames``: where the pattern files' frames matched (in text order); each replaces what the other
        patterns found inside it. Also returns how the rules read every quoted stretch, for the linker."""
        text = doc.text
        quotes = self.scanner.scan(text)
        if not quotes:
            return [], []
        index = TokenIndex(doc, text)
        sents = doc_sentences(index, quotes, self.abbreviations, self.starters)
        repeated = _repeated(text, quotes)
        found: List[Found] = []
        read: Dict[Span, Tuple[int, int, str]] = {}  # each quote's sentence, item and deciding speech check
        last: Optional[Tuple[int, Attribution]] = None  # (sentence index, attribution with a speaker)
        pending: List[Tuple[int, Span]] = []  # quotes waiting for a speaker in the next sentence
        words = _SentenceWords(index, sents)
        items_of = _SentenceItems(index, sents, quotes, self.abbreviations)
        wanted = self._wanted(sents, quotes, words)
        qi = 0
        frame_starts = [h.start for h in frames]
        for si, (s, e) in enumerate(sents):
            framed = _within(frames, frame_starts, s, e)
            if not wanted[si]:
                continue
            while qi < len(quotes) and quotes[qi].end <= s:
                qi += 1
            has_quote = qi < len(quotes) and quotes[qi].start < e
            if not has_quote and not framed and self.cue_words.isdisjoint(words[si]):
                if pending:
                    found.extend(self._carry(pending, last, si))
                    pending = []
                if last is not None and si - last[0] <= CARRY_SENTENCES and not self.reported.isdisjoint(words[si]):
                    last = (si, last[1])  # reported speech goes on ("Das Risiko sei hoch."): so does its speaker
                continue
            items = items_of(si)
            atts = self.attributor.attributions(items)
            if framed:
                atts = with_frames(self.attributor, items, atts, framed)
            spoken = [a for a in atts if a.speaker is not None]
            if pending:
                found.extend(self._resolve_pending(pending, spoken, last, si))
                pending = []
            in_speech = bool(atts) or any(it.kind == "W" and it.low in self.reported for it in items)
            qs = [k for k, it in enumerate(items) if it.kind == "Q"]
            alone = len([it for it in items if it.kind != "P"]) == len(qs)
            for k in qs:
                q = quotes[items[k].quote]
                named = self.speech.quoted_name(index, q)
                check, speech = self.speech.decide(
                    self.speech.read(text, q, items, k, in_speech, bool(atts), repeated, named)
                )
                span = (q.start, q.end)
                read[span] = (si, k, check)
                if not speech:
                    continue
                own = self._own_attribution(items, k, span, spoken)
                if own is not None:
                    found.append(own)
                elif alone:
                    pending.append((si, span))
                else:
                    found.extend(self._carry([(si, span)], last, si))
            if spoken:
                last = (si, spoken[-1])
            while qi < len(quotes) and quotes[qi].start < e:
                qi += 1
        if pending:
            found.extend(self._carry(pending, last, len(sents)))
        return found, self._contexts(found, read, items_of, len(sents))

    def _own_attribution(self, items: Sequence[Item], k: int, span: Span, spoken: List[Attribution]) -> Optional[Found]:
        """The quote at item ``k`` attributed within its sentence: to the cue nearest it (one beyond a coordinated
        clause counts as farther), or to the subject of the clause before its colon; None if neither."""
        att = (
            min(spoken, key=lambda a: (self._separated(items, a.anchor, k), abs(a.anchor - k), a.anchor > k))
            if spoken
            else None
        )
        framing = k > 0 and items[k - 1].text == ":"
        if att is not None and not (framing and att.anchor < self.attributor.clause_start(items, k - 1)):
            return Found(span, att.speaker, att.cue, "cue_after" if att.anchor > k else "cue_before")
        if framing and (subject := self.attributor.clause_subject(items, k - 1)):
            return Found(span, subject, [], "colon_subject")
        if att is not None:
            return Found(span, att.speaker, att.cue, "cue_far")
        return None

    def _contexts(
        self, found: Sequence[Found], read: Dict[Span, Tuple[int, int, str]], items_of: _SentenceItems, n_sents: int
    ) -> List[QuoteContext]:
        """How the rules read each quoted stretch they looked at (:class:`.context.QuoteContext`)."""
        how = {f.quote: f.how for f in found}
        return [
            QuoteContext(
                span,
                quote_shape(items_of(si), k),
                check,
                how.get(span, ""),
                speaker_places(self.attributor, items_of, si, k, n_sents),
            )
            for span, (si, k, check) in read.items()
        ]

    def _wanted(self, sents: Sequence[Span], quotes: Sequence[Quoted], words: "_SentenceWords") -> bytearray:
        """Which sentences matter: a quote's own, the next one (a speaker named after a stand-alone quote) and the
        ones a speaker may carry over from: ``CARRY_SENTENCES`` before it, counted from where the reported speech
        (subjunctive, no cue) that leads up to the quote begins."""
        wanted = bytearray(len(sents) + 1)
        qi = 0
        for si, (s, e) in enumerate(sents):
            if qi < len(quotes) and quotes[qi].start < e:
                first = si
                while first > 0 and si - first < REPORTED_RUN and not self.reported.isdisjoint(words[first - 1]):
                    first -= 1
                lo = max(0, first - CARRY_SENTENCES)
                wanted[lo : si + 2] = b"\x01" * (si + 2 - lo)
                while qi < len(quotes) and quotes[qi].start < e:
                    qi += 1
        return wanted

    def _resolve_pending(
        self,
        pending: List[Tuple[int, Span]],
        spoken: List[Attribution],
        last: Optional[Tuple[int, Attribution]],
        si: int,
    ) -> List[Found]:
        """Stand-alone quotes of the sentence before: the speaker named at the start of this one („…“ Das sagte
        Kim.), else the previous speaker goes on."""
        out: List[Found] = []
        for qsi, span in pending:
            if spoken and spoken[0].anchor <= 4 and (last is None or qsi - last[0] > 1):
                out.append(Found(span, spoken[0].speaker, spoken[0].cue, "next_sentence"))
            else:
                out.extend(self._carry([(qsi, span)], last, si))
        return out

    @staticmethod
    def _carry(pending: List[Tuple[int, Span]], last: Optional[Tuple[int, Attribution]], si: int) -> List[Found]:
        """Quotes without a cue of their own take the speaker of a recent sentence."""
        out = []
        for qsi, span in pending:
            if last is not None and qsi - last[0] <= CARRY_SENTENCES:
                out.append(Found(span, last[1].speaker, last[1].cue, f"carried{qsi - last[0]}"))
            else:
                out.append(Found(span, None, [], "none"))
        return out


def _repeated(text: str, quotes: Sequence[Quoted]) -> FrozenSet[str]:
    """The quoted words that stand in quotation marks more than once in the text (a term, not speech)."""
    seen: Dict[str, int] = {}
    for q in quotes:
        key = text[q.start + 1 : q.end - 1].strip()
        seen[key] = seen.get(key, 0) + 1
    return frozenset(k for k, v in seen.items() if v > 1)


def with_frames(
    attributor: Attributor, items: Sequence[Item], atts: List[Attribution], hits: Sequence[FrameHit]
) -> List[Attribution]:
    """A sentence's attributions with its frames' hits in place of the ones they cover; a hit whose cue or
    speaker lies inside a quote is quoted text, not a frame."""
    quoted = [(it.start, it.end) for it in items if it.kind == "Q"]
    for hit in hits:
        if any(_inside(span, quoted) for span in hit.cue + ([hit.speaker] if hit.speaker else [])):
            continue
        first = hit.cue[0][0] if hit.cue else hit.start
        anchor = next((k for k, it in enumerate(items) if it.end > first), len(items) - 1)
        speaker = hit.speaker
        if hit.np == "after":
            speaker = attributor.source_after(
                items, next((k for k, it in enumerate(items) if it.start >= hit.end), len(items))
            )
        elif hit.np == "before":
            speaker = attributor.source_before(items, anchor)
        if hit.np and speaker is None:
            continue
        atts = [a for a in atts if not any(_overlaps(c, (hit.start, hit.end)) for c in a.cue or [a.speaker])]
        atts.append(Attribution(hit.cue, speaker, anchor))
    return sorted(atts, key=lambda a: a.anchor)


def _within(hits: Sequence[FrameHit], starts: Sequence[int], start: int, end: int) -> List[FrameHit]:
    """The hits (in text order, starting at ``starts``) that lie between ``start`` and ``end``."""
    lo = bisect.bisect_left(starts, start)
    out = []
    for hit in hits[lo:]:
        if hit.start >= end:
            break
        if hit.end <= end:
            out.append(hit)
    return out


def _overlaps(a: Optional[Span], b: Span) -> bool:
    return a is not None and a[0] < b[1] and b[0] < a[1]


def _inside(span: Span, quoted: Sequence[Span]) -> bool:
    return any(q[0] <= span[0] and span[1] <= q[1] for q in quoted)
