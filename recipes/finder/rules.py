"""The quote finder on plain text: quotes, which of them are speech, and who said them.

Works on character offsets so it is independent of tokenization and linear in the text:
regular expressions find marks, sentence ends and cue words; only sentences holding a quote
or a cue word are looked at word by word.
"""

import bisect
import re
from typing import Dict, FrozenSet, List, NamedTuple, Optional, Sequence, Tuple

from .attribution import Attribution, Attributor, Span
from .frames import FrameHit
from .marks import MarkScanner, Quoted
from .patterns import Patterns
from .sentences import Item, Tagged, sentence_items, split_sentences

LONG_QUOTE_WORDS = 8  # quotes this long are speech even without a frame
SHORT_TERM_WORDS = 4  # a quote repeated in the article and this short, with no pronoun, is a term
CARRY_SENTENCES = 2  # how far back a quote without a cue may take its speaker from
REPORTED_RUN = 4  # how many sentences of reported speech a speaker is carried across, at most
_END_PUNCT = re.compile(r"[.!?…]\W*$")
_WORDS = re.compile(r"\w+")


class Found(NamedTuple):
    """A direct quote with its speaker and cue spans (character offsets)."""

    quote: Span
    speaker: Optional[Span]
    cue: List[Span]


class _SentenceWords:
    """The lower-case words of each sentence, read the first time a sentence's words are asked for (most
    sentences of a long article never are)."""

    def __init__(self, text: str, sents: Sequence[Span]) -> None:
        self.text = text
        self.sents = sents
        self.read: Dict[int, List[str]] = {}

    def __getitem__(self, si: int) -> List[str]:
        if si not in self.read:
            s, e = self.sents[si]
            self.read[si] = _WORDS.findall(self.text[s:e].lower())
        return self.read[si]


class QuoteRules:
    """Rule-based finder for one language's patterns; call :meth:`find` on each text."""

    def __init__(self, patterns: Patterns, lang: str) -> None:
        self.patterns = patterns
        self.lang = lang
        self.scanner = MarkScanner(patterns.pairs)
        self.attributor = Attributor(patterns, lang)
        self.caps_nouns = self.attributor.caps
        self.abbreviations = patterns.of("abbreviation")
        self.starters = patterns.of("determiner") | patterns.of("pronoun")
        self.reported = patterns.of("reported")
        self.predicative = patterns.of("predicative")
        self.utterance = patterns.of("utterance")
        self.naming = patterns.of("naming")
        self.asides = patterns.of("aside")
        self.comparisons = patterns.of("comparison")
        self.coordinators = patterns.of("coordinator")
        titles = sorted(patterns.of("title"), key=len, reverse=True)
        long_titles = [re.escape(t) for t in titles if len(t) >= 4 and " " not in t]
        self.title_suffix = re.compile("(?:" + "|".join(long_titles) + ")$") if long_titles else None
        self.titles = frozenset(titles)
        self.cue_words = patterns.cue_words()
        self.proper_tags = frozenset(patterns.language.get("proper_tags", ()))
        a = self.attributor
        self.function_words = a.dets | a.preps | self.coordinators | a.connectors

    # -- is a quoted stretch speech? ------------------------------------------------------
    def _is_title(self, word: Item) -> bool:
        if word.kind != "W":
            return False
        if word.low in self.titles:
            return True
        return bool(self.title_suffix and word.text[0].isupper() and self.title_suffix.search(word.low))

    def _titled(self, inner: str, prev: Optional[Item]) -> bool:
        """Whether quoted words after an article or preposition open with a title noun (itself, in its genitive or
        as the last part of a hyphenated compound; not any compound: „Beispiel“ is no „Spiel“) and end without
        sentence punctuation: a name („Gesetz zur Änderung …“, des „Nansen-Preises für …“)."""
        if (
            prev is None
            or prev.kind != "W"
            or not (prev.low in self.attributor.dets or prev.low in self.attributor.preps)
        ):
            return False
        if not inner[:1].isupper() or _END_PUNCT.search(inner):
            return False
        head = inner.split()[0].strip(",;:").rsplit("-", 1)[-1].lower()  # "Nansen-Preises" -> "preises"
        stems = [head] + [head[: -len(e)] for e in ("es", "s") if head.endswith(e) and len(head) > len(e) + 2]
        return any(stem in self.titles for stem in stems)

    def _named(self, items: Sequence[Item], k: int) -> bool:
        """A naming word right after the quote (possibly after a bracketed abbreviation), or a naming
        aside: „X“ – so werden … genannt / „X“, wie sich … nennt."""
        j = k + 1
        if j < len(items) and items[j].text == "(":
            while j < len(items) and j < k + 6 and items[j].text != ")":
                j += 1
            j += 1
        if j < len(items) and items[j].kind == "W" and items[j].low in self.naming:
            return True
        if k + 2 < len(items) and items[k + 1].text in ",–-(" and items[k + 2].low in self.asides:
            for it in items[k + 3 : k + 14]:
                if it.kind == "Q" or it.text in ".;:":
                    return False
                if it.kind == "W" and it.low in self.naming:
                    return True
        return False

    def _name_like(self, inner: str) -> bool:
        """Whether quoted words read as a name, title or term rather than a remark: no sentence punctuation,
        and either capitalised words only (lower-case ones only articles, prepositions and conjunctions:
        "Roude Léiw") or a short phrase with no personal pronoun ("neue Beine"; "Wir schaffen das" is said)."""
        if _END_PUNCT.search(inner):
            return False
        words = [w.strip(",;:()").lower() for w in inner.split()]
        function = self.attributor.dets | self.attributor.preps | self.coordinators | self.attributor.connectors
        if inner[:1].isupper() and all(w[:1].isupper() or not w[:1].isalpha() or w in function for w in inner.split()):
            return True
        return len(words) <= SHORT_TERM_WORDS and not any(w in self.attributor.pronouns for w in words)

    def _framed_after(self, items: Sequence[Item], k: int) -> bool:
        """A cue or source marker right after the quote (and an optional comma)."""
        j = k + 2
        if j > len(items) or items[j - 1].text not in ",–":
            return False
        return (
            j < len(items)
            and items[j].kind == "W"
            and (items[j].low in self.attributor.cue_first or items[j].low in self.attributor.source_first)
        )

    def is_speech(
        self,
        text: str,
        q: Quoted,
        items: Sequence[Item],
        k: int,
        context: bool,
        cued: bool = False,
        repeated: FrozenSet[str] = frozenset(),
        quoted_name: bool = False,
    ) -> bool:
        """Whether the quote at item ``k`` is a direct quote rather than a title, name or term; ``quoted_name``:
        the tagger reads its words as a name (see :meth:`_quoted_name`)."""
        if q.end < len(text) and text[q.end] in "-‐" and q.closed:
            return False  # part of a compound: „Roude Léiw“-Befürworter
        prev = items[k - 1] if k > 0 else None
        inner = text[q.start + 1 : q.end - 1 if q.closed else q.end].strip()
        n = len(inner.split())
        if n == 0 or len(inner) < 2:
            return False  # nothing, or a letter: rock 'n' roll
        if prev is not None and self._is_title(prev) and (self.caps_nouns or not inner[0].islower()):
            return False
        if self._titled(inner, prev):
            return False  # the name of a law, prize or campaign: ein „Gesetz zur Änderung des Mietrechts“
        nxt = items[k + 1] if k + 1 < len(items) else None
        if prev is not None and (
            prev.text == "(" and n < LONG_QUOTE_WORDS or prev.kind == "W" and prev.low in self.attributor.source_first
        ):
            return False  # a gloss in brackets, or the source itself: laut „tagesschau.de“
        if (
            not self.caps_nouns
            and n <= 3
            and prev is not None
            and nxt is not None
            and prev.kind == nxt.kind == "W"
            and prev.text[0].isupper()
            and nxt.text[0].isupper()
            and k > 1
            and items[k - 2].kind == "W"
        ):
            return False  # a nickname inside a name: Dwayne “The Rock” Johnson
        if self._named(items, k):
            return False  # a name: „X“ genannt, sich „X“ (AIE) nennt, als „X“ bekannt
        if (
            prev is not None
            and prev.kind == "W"
            and (
                prev.low in self.utterance
                or prev.low in self.comparisons
                and k > 1
                and items[k - 2].low in self.utterance
            )
        ):
            return True  # mit der Parole „…“, Sprüche wie „…“
        if cued and prev is not None and prev.kind == "W" and prev.low in self.predicative:
            return True  # nannte es einen „Putsch“ / als „Fest“ bezeichnet
        if quoted_name and not _END_PUNCT.search(inner):
            return False  # „Deep Sky Survey Institute“, „De Avondkrant“
        if q.closed and n < LONG_QUOTE_WORDS and inner in repeated and self._name_like(inner):
            return False  # quoted again and again and read as a name or term („Cupola“): not a remark
        sentence_like = bool(_END_PUNCT.search(inner)) and n >= 2
        if sentence_like or cued and prev is not None and prev.text == ":" and inner[-1] in ".!?":
            return True  # a sentence, or one word said after the cue's colon: Er sagte: „Nein.“
        if n >= LONG_QUOTE_WORDS:
            # a long capitalised fragment after an article is usually a name: des „Gesetzes über …“
            return context or not (
                inner[0].isupper()
                and prev is not None
                and prev.kind == "W"
                and (prev.low in self.attributor.dets or prev.low in self.attributor.preps)
            )
        initial = prev is None or prev.text == ":"
        if (
            n <= 4
            and nxt is not None
            and nxt.kind == "W"
            and nxt.low in self.attributor.cue_first
            and prev is not None
            and prev.kind == "W"
            and (prev.low in self.attributor.dets or prev.low in self.comparisons)
        ):
            return False  # the quoted name is the subject: Wie „heise online“ berichtet
        if context and (inner[-1] in ",?!" or self._framed_after(items, k)):
            return True  # "Yes," he said. / „Ja“, sagte er.
        if inner[0].isupper() or not inner[0].isalpha():
            # names, titles and terms are capitalised fragments; speech fragments need a frame
            return n >= 4 and (context or initial) or n >= 3 and initial and context
        return context or n >= 3

    def _quoted_name(self, text: str, q: Quoted, tags: Optional[Dict[int, Tagged]]) -> bool:
        """Whether the tagger reads the quoted words as a name or title: two or more proper names or foreign words
        (``proper_tags``) and nothing but function words besides („Deep Sky Survey Institute“,
        „De Avondkrant“)."""
        if not tags or not self.proper_tags:
            return False
        proper = 0
        for m in _WORDS.finditer(text, q.start, q.end):
            tagged = tags.get(m.start())
            if tagged is None or not tagged.tag:
                return False
            if tagged.tag in self.proper_tags:
                proper += 1
            elif m.group().lower() not in self.function_words:
                return False
        return proper >= 2

    def _separated(self, items: Sequence[Item], cue: int, quote: int) -> bool:
        """Whether a coordinated clause ("…, und rief …") lies between a cue after the quote and the quote."""
        if cue < quote:
            return False
        return any(it.kind == "W" and it.low in self.coordinators for it in items[quote + 1 : cue])

    # -- the whole text ---------------------------------------------------------------------
    def find(self, text: str, tags: Optional[Dict[int, Tagged]] = None, frames: Sequence[FrameHit] = ()) -> List[Found]:
        """Direct quotes of ``text`` with speakers and cues; ``tags``: what the pipeline knows of each token
        (tag, lemma, morphology) by the character offset where it starts, where it tagged: the rules then never
        take a word whose tag says it is no noun, such as an adverb, as a speaker, and prefer the subject.
        ``frames``: where the pattern files' frames matched (in text order); each replaces what the other
        patterns found inside it."""
        quotes = self.scanner.scan(text)
        if not quotes:
            return []
        sents = split_sentences(text, quotes, self.abbreviations, self.starters)
        seen: Dict[str, int] = {}
        for q in quotes:
            key = text[q.start + 1 : q.end - 1].strip()
            seen[key] = seen.get(key, 0) + 1
        repeated = frozenset(k for k, v in seen.items() if v > 1)
        found: List[Found] = []
        last: Optional[Tuple[int, Attribution]] = None  # (sentence index, attribution with a speaker)
        pending: List[Tuple[int, Span]] = []  # quotes waiting for a speaker in the next sentence
        words = _SentenceWords(text, sents)
        wanted = self._wanted(sents, quotes, words)
        qi = 0
        for si, (s, e) in enumerate(sents):
            framed = _within(frames, s, e)
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
            items = sentence_items(text, s, e, quotes, qi, self.abbreviations, tags)
            atts = self.attributor.attributions(items)
            if framed:
                atts = with_frames(self.attributor, items, atts, framed)
            spoken = [a for a in atts if a.speaker is not None]
            if pending:
                for qsi, span in pending:
                    if spoken and spoken[0].anchor <= 4 and (last is None or qsi - last[0] > 1):
                        found.append(Found(span, spoken[0].speaker, spoken[0].cue))  # „…“ Das sagte Kim.
                    else:
                        found.extend(self._carry([(qsi, span)], last, si))  # the previous speaker goes on
                pending = []
            context = bool(atts) or any(it.kind == "W" and it.low in self.reported for it in items)
            qs = [k for k, it in enumerate(items) if it.kind == "Q"]
            alone = len([it for it in items if it.kind != "P"]) == len(qs)
            for k in qs:
                q = quotes[items[k].quote]
                named = self._quoted_name(text, q, tags)
                if not self.is_speech(text, q, items, k, context, bool(atts), repeated, named):
                    continue
                span = (q.start, q.end)
                att = (
                    min(spoken, key=lambda a: (self._separated(items, a.anchor, k), abs(a.anchor - k), a.anchor > k))
                    if spoken
                    else None
                )
                framing = k > 0 and items[k - 1].text == ":"
                if att is not None and not (framing and att.anchor < self.attributor.clause_start(items, k - 1)):
                    found.append(Found(span, att.speaker, att.cue))
                elif framing and (subject := self.attributor.clause_subject(items, k - 1)):
                    found.append(Found(span, subject, []))
                elif att is not None:
                    found.append(Found(span, att.speaker, att.cue))
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
        return found

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

    @staticmethod
    def _carry(pending: List[Tuple[int, Span]], last: Optional[Tuple[int, Attribution]], si: int) -> List[Found]:
        """Quotes without a cue of their own take the speaker of a recent sentence."""
        out = []
        for qsi, span in pending:
            if last is not None and qsi - last[0] <= CARRY_SENTENCES:
                out.append(Found(span, last[1].speaker, last[1].cue))
            else:
                out.append(Found(span, None, []))
        return out


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


def _within(hits: Sequence[FrameHit], start: int, end: int) -> List[FrameHit]:
    """The hits (in text order) that lie between ``start`` and ``end``."""
    lo = bisect.bisect_left([h.start for h in hits], start) if hits else 0
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
