"""Is a quoted stretch speech, or a name, title or term? An ordered list of named checks.

Each check reads one :class:`Quoted` stretch in its sentence and says ``True`` (speech), ``False`` (not speech)
or ``None`` (no verdict: the next check decides). The first verdict stands; :meth:`SpeechTest.fragment`, last,
always gives one. A check is a method named in :data:`CHECKS`, so each can be read, and tested, alone.
"""

import re
from typing import FrozenSet, NamedTuple, Optional, Sequence, Tuple

from .attribution import Attributor
from .marks import Quoted
from .patterns import Patterns
from .sentences import Item, TokenIndex

LONG_QUOTE_WORDS = 8  # quotes this long are speech even without a frame
SHORT_TERM_WORDS = 4  # a quote repeated in the article and this short, with no pronoun, is a term
END_PUNCT = re.compile(r"[.!?…]\W*$")

CHECKS = (
    "part_of_compound",
    "empty",
    "after_title",
    "name_with_title",
    "gloss_or_source",
    "nickname",
    "naming",
    "after_utterance",
    "predicative",
    "tagged_name",
    "repeated_term",
    "sentence",
    "long_fragment",
    "subject_name",
    "framed_remark",
)


class Quote(NamedTuple):
    """What the checks read of one quoted stretch: the quote, its sentence's items and its neighbours."""

    text: str
    q: Quoted
    items: Sequence[Item]
    k: int  # the quote's item index
    inner: str  # the quoted words, without the marks
    n: int  # how many words
    prev: Optional[Item]
    nxt: Optional[Item]
    context: bool  # the sentence has a cue, or reported speech
    cued: bool  # the sentence has a cue
    repeated: FrozenSet[str]  # quoted stretches that occur more than once in the text
    quoted_name: bool  # the tagger reads the quoted words as a name


class SpeechTest:
    """The checks of one language's patterns; call it on a quote in its sentence."""

    def __init__(self, patterns: Patterns, attributor: Attributor) -> None:
        a = self.a = attributor
        self.caps_nouns = attributor.caps
        self.predicative_words = patterns.of("predicative")
        self.utterance = patterns.of("utterance")
        self.naming_words = patterns.of("naming")
        self.asides = patterns.of("aside")
        self.comparisons = patterns.of("comparison")
        self.coordinators = patterns.of("coordinator")
        titles = sorted(patterns.of("title"), key=len, reverse=True)
        long_titles = [re.escape(t) for t in titles if len(t) >= 4 and " " not in t]
        self.title_suffix = re.compile("(?:" + "|".join(long_titles) + ")$") if long_titles else None
        self.titles = frozenset(titles)
        self.proper_tags = frozenset(patterns.language.get("proper_tags", ()))
        self.function_words = a.dets | a.preps | self.coordinators | a.connectors

    def __call__(
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
        the tagger reads its words as a name (see :meth:`quoted_name`)."""
        return self.decide(self.read(text, q, items, k, context, cued, repeated, quoted_name))[1]

    @staticmethod
    def read(
        text: str,
        q: Quoted,
        items: Sequence[Item],
        k: int,
        context: bool,
        cued: bool = False,
        repeated: FrozenSet[str] = frozenset(),
        quoted_name: bool = False,
    ) -> Quote:
        """What the checks read of the quote at item ``k``."""
        inner = text[q.start + 1 : q.end - 1 if q.closed else q.end].strip()
        prev = items[k - 1] if k > 0 else None
        nxt = items[k + 1] if k + 1 < len(items) else None
        return Quote(text, q, items, k, inner, len(inner.split()), prev, nxt, context, cued, repeated, quoted_name)

    def decide(self, quote: Quote) -> Tuple[str, bool]:
        """The first check with a verdict, and the verdict (``fragment`` when none of the others has one)."""
        for name in CHECKS:
            verdict = getattr(self, name)(quote)
            if verdict is not None:
                return name, verdict
        return "fragment", self.fragment(quote)

    # -- the checks, in order ---------------------------------------------------------------
    def part_of_compound(self, c: Quote) -> Optional[bool]:
        """A hyphen right after the closing mark: part of a compound („Roude Léiw“-Befürworter)."""
        return False if c.q.end < len(c.text) and c.text[c.q.end] in "-‐" and c.q.closed else None

    def empty(self, c: Quote) -> Optional[bool]:
        """Nothing, or a letter (rock 'n' roll)."""
        return False if c.n == 0 or len(c.inner) < 2 else None

    def after_title(self, c: Quote) -> Optional[bool]:
        """Right after a title noun (die Zeitung „…“, das Schiff „…“): a name."""
        if c.prev is not None and self._is_title(c.prev) and (self.caps_nouns or not c.inner[0].islower()):
            return False
        return None

    def name_with_title(self, c: Quote) -> Optional[bool]:
        """The name of a law, prize or campaign: ein „Gesetz zur Änderung des Mietrechts“."""
        return False if self._titled(c.inner, c.prev) else None

    def gloss_or_source(self, c: Quote) -> Optional[bool]:
        """A gloss in brackets, or the source itself: laut „tagesschau.de“."""
        prev = c.prev
        if prev is not None and (
            prev.text == "(" and c.n < LONG_QUOTE_WORDS or prev.kind == "W" and prev.low in self.a.source_first
        ):
            return False
        return None

    def nickname(self, c: Quote) -> Optional[bool]:
        """A nickname inside a name, where nouns are not capitalised: Dwayne “The Rock” Johnson."""
        prev, nxt, items = c.prev, c.nxt, c.items
        if (
            not self.caps_nouns
            and c.n <= 3
            and prev is not None
            and nxt is not None
            and prev.kind == nxt.kind == "W"
            and prev.text[0].isupper()
            and nxt.text[0].isupper()
            and c.k > 1
            and items[c.k - 2].kind == "W"
        ):
            return False
        return None

    def naming(self, c: Quote) -> Optional[bool]:
        """A name: „X“ genannt, sich „X“ (AIE) nennt, als „X“ bekannt."""
        return False if self._named(c.items, c.k) else None

    def after_utterance(self, c: Quote) -> Optional[bool]:
        """After a noun naming something said: mit der Parole „…“, Sprüche wie „…“."""
        prev = c.prev
        if (
            prev is not None
            and prev.kind == "W"
            and (
                prev.low in self.utterance
                or prev.low in self.comparisons
                and c.k > 1
                and c.items[c.k - 2].low in self.utterance
            )
        ):
            return True
        return None

    def predicative(self, c: Quote) -> Optional[bool]:
        """A quoted verdict in a sentence with a cue: nannte es einen „Putsch“ / als „Fest“ bezeichnet."""
        if c.cued and c.prev is not None and c.prev.kind == "W" and c.prev.low in self.predicative_words:
            return True
        return None

    def tagged_name(self, c: Quote) -> Optional[bool]:
        """The tagger reads it as a name: „Deep Sky Survey Institute“, „De Avondkrant“."""
        return False if c.quoted_name and not END_PUNCT.search(c.inner) else None

    def repeated_term(self, c: Quote) -> Optional[bool]:
        """Quoted again and again and read as a name or term („Cupola“): not a remark."""
        if c.q.closed and c.n < LONG_QUOTE_WORDS and c.inner in c.repeated and self._name_like(c.inner):
            return False
        return None

    def sentence(self, c: Quote) -> Optional[bool]:
        """A sentence, or one word said after the cue's colon: Er sagte: „Nein.“"""
        sentence_like = bool(END_PUNCT.search(c.inner)) and c.n >= 2
        if sentence_like or c.cued and c.prev is not None and c.prev.text == ":" and c.inner[-1] in ".!?":
            return True
        return None

    def long_fragment(self, c: Quote) -> Optional[bool]:
        """Long enough to be speech, unless it is a capitalised fragment after an article with no cue near: usually
        a name (des „Gesetzes über …“)."""
        if c.n < LONG_QUOTE_WORDS:
            return None
        prev = c.prev
        return c.context or not (
            c.inner[0].isupper()
            and prev is not None
            and prev.kind == "W"
            and (prev.low in self.a.dets or prev.low in self.a.preps)
        )

    def subject_name(self, c: Quote) -> Optional[bool]:
        """The quoted name is the subject of a cue: Wie „heise online“ berichtet."""
        prev, nxt = c.prev, c.nxt
        if (
            c.n <= 4
            and nxt is not None
            and nxt.kind == "W"
            and nxt.low in self.a.cue_first
            and prev is not None
            and prev.kind == "W"
            and (prev.low in self.a.dets or prev.low in self.comparisons)
        ):
            return False
        return None

    def framed_remark(self, c: Quote) -> Optional[bool]:
        """A short remark with its frame: "Yes," he said. / „Ja“, sagte er."""
        return True if c.context and (c.inner[-1] in ",?!" or self._framed_after(c.items, c.k)) else None

    def fragment(self, c: Quote) -> bool:
        """The rest: names, titles and terms are capitalised fragments; speech fragments need a frame."""
        initial = c.prev is None or c.prev.text == ":"
        if c.inner[0].isupper() or not c.inner[0].isalpha():
            return c.n >= 4 and (c.context or initial) or c.n >= 3 and initial and c.context
        return c.context or c.n >= 3

    # -- what the checks read ----------------------------------------------------------------
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
        if prev is None or prev.kind != "W" or not (prev.low in self.a.dets or prev.low in self.a.preps):
            return False
        if not inner[:1].isupper() or END_PUNCT.search(inner):
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
        if j < len(items) and items[j].kind == "W" and items[j].low in self.naming_words:
            return True
        if k + 2 < len(items) and items[k + 1].text in ",–-(" and items[k + 2].low in self.asides:
            for it in items[k + 3 : k + 14]:
                if it.kind == "Q" or it.text in ".;:":
                    return False
                if it.kind == "W" and it.low in self.naming_words:
                    return True
        return False

    def _name_like(self, inner: str) -> bool:
        """Whether quoted words read as a name, title or term rather than a remark: no sentence punctuation,
        and either capitalised words only (lower-case ones only articles, prepositions and conjunctions:
        "Roude Léiw") or a short phrase with no personal pronoun ("neue Beine"; "Wir schaffen das" is said)."""
        if END_PUNCT.search(inner):
            return False
        words = [w.strip(",;:()").lower() for w in inner.split()]
        function = self.function_words
        if inner[:1].isupper() and all(w[:1].isupper() or not w[:1].isalpha() or w in function for w in inner.split()):
            return True
        return len(words) <= SHORT_TERM_WORDS and not any(w in self.a.pronouns for w in words)

    def _framed_after(self, items: Sequence[Item], k: int) -> bool:
        """A cue or source marker right after the quote (and an optional comma)."""
        j = k + 2
        if j > len(items) or items[j - 1].text not in ",–":
            return False
        return (
            j < len(items)
            and items[j].kind == "W"
            and (items[j].low in self.a.cue_first or items[j].low in self.a.source_first)
        )

    def quoted_name(self, index: TokenIndex, q: Quoted) -> bool:
        """Whether the tagger reads the quoted words as a name or title: two or more proper names or foreign words
        (``proper_tags``) and nothing but function words besides („Deep Sky Survey Institute“,
        „De Avondkrant“)."""
        if not self.proper_tags:
            return False
        proper = 0
        for token in index.doc[index.first(q.start) : index.first(q.end)]:
            if token.is_punct or token.is_space:
                continue
            if not token.tag_:
                return False
            if token.tag_ in self.proper_tags:
                proper += 1
            elif token.lower_ not in self.function_words:
                return False
        return proper >= 2
