"""The ``quote_finder`` spaCy component: rule-based quotes, speakers and cues.

Writes QUOTE, SPEAKER and CUE spans to ``doc.spans[spans_key]`` (``"quotes"`` unless configured)
and links each quote to its speaker and cue with :func:`prodigy_quotes.schema.add_link`. How it read
every quoted stretch goes to ``doc.user_data`` for the trainable linker (:mod:`.context`). Its
patterns are saved with the pipeline, so a saved pipeline loads without this repository.
"""

from pathlib import Path
from typing import Any, Callable, Dict, FrozenSet, Iterable, List, Optional, Sequence, Tuple, Union

import srsly
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.training import Example

from ..schema import CONTEXT_ATTR, CUE, PLACES_ATTR, QUOTE, SPANS_KEY, SPEAKER, Link, add_link, set_links
from ..scoring import Scorer, attribution_scores
from .attribution import Grammar
from .context import QuoteContext
from .frames import FrameMatcher
from .patterns import Patterns, build_patterns, default_patterns_dir, load_patterns
from .rules import QuoteRules

PATTERNS_FILE = "patterns.jsonl"
ENTITY_SPEAKERS = frozenset({"PER", "PERSON", "ORG", "NORP", "GPE"})
SUBJECT_DEPS = frozenset({"sb", "nsubj", "nsubjpass", "nsubj:pass", "sbp"})  # TIGER (German) and UD/ClearNLP labels


class QuoteFinder:
    """Finds direct quotes with their speakers and cues by rules read from pattern files."""

    def __init__(
        self,
        nlp: Language,
        name: str = "quote_finder",
        use_entities: bool = True,
        use_parser: bool = True,
        scorer: Scorer = attribution_scores,
        spans_key: str = SPANS_KEY,
        grammar: Optional[Grammar] = None,
    ) -> None:
        self.name = name
        self.spans_key = spans_key
        self.grammar = grammar
        self.scorer = scorer
        self.lang = nlp.lang
        self.vocab = nlp.vocab
        self.use_entities = use_entities
        self.use_parser = use_parser
        self._rules: Optional[QuoteRules] = None
        self._frames: Optional[FrameMatcher] = None
        # the patterns come from initialize(), a saved pipeline's from_disk or set_patterns; else the built-in ones

    def set_patterns(self, patterns: Patterns) -> None:
        """Use ``patterns`` from now on."""
        self._rules = QuoteRules(patterns, self.lang, self.grammar)
        self._frames = FrameMatcher(self.vocab, patterns.frames)

    @property
    def rules(self) -> QuoteRules:
        """The rules, loading the built-in patterns of the language on first use."""
        if self._rules is None:
            self.set_patterns(load_patterns(default_patterns_dir(self.lang)))
        assert self._rules is not None
        return self._rules

    def __call__(self, doc: Doc) -> Doc:
        """Add the quotes, speakers and cues of ``doc``."""
        ents = (
            [e for e in doc.ents if e.label_ in ENTITY_SPEAKERS]
            if self.use_entities and doc.has_annotation("ENT_IOB")
            else []
        )
        parsed = self.use_parser and doc.has_annotation("DEP")
        spans: Dict[Tuple[int, int, str], Span] = {}
        links: List[Tuple[Span, Span, str]] = []
        rules = self.rules
        frames = self._frames(doc) if self._frames else []
        framed = {hit.cue[0] for hit in frames if hit.cue}  # a frame's speaker stands, whatever the parse says
        found_quotes, contexts = rules.find(doc, frames)
        for found in found_quotes:
            quote = self._span(doc, found.quote, QUOTE, spans)
            if quote is None:
                continue
            speaker_chars = (
                _parsed_subject(doc, found.cue, rules.patterns.of("impersonal"))
                if parsed and not (found.cue and found.cue[0] in framed)
                else None
            )
            if speaker_chars is None and found.speaker is not None:
                speaker_chars = _snap(found.speaker, ents)
            if speaker_chars is not None:
                speaker = self._span(doc, speaker_chars, SPEAKER, spans)
                if speaker is not None:
                    links.append((quote, speaker, SPEAKER))
            for cue_chars in found.cue:
                cue = self._span(doc, cue_chars, CUE, spans)
                if cue is not None:
                    links.append((quote, cue, CUE))
        doc.spans[self.spans_key] = list(spans.values())
        _keep_context(doc, contexts)
        if len(links) < 8:
            for head, child, label in links:
                add_link(doc, head, child, label)
        else:  # one assignment instead of one list copy per link
            unique = dict.fromkeys(Link(h.start, h.end, c.start, c.end, label) for h, c, label in links)
            set_links(doc, list(unique))
        return doc

    @staticmethod
    def _span(doc: Doc, chars: Tuple[int, int], label: str, spans: Dict[Tuple[int, int, str], Span]) -> Optional[Span]:
        span = doc.char_span(chars[0], chars[1], label=label, alignment_mode="expand")
        if span is None or not len(span):
            return None
        return spans.setdefault((span.start, span.end, label), span)

    def score(self, examples: Iterable[Example], **kwargs: Any) -> Dict[str, Any]:
        """The figures of the configured scorer: by default quote exact and overlap F1, end-to-end quote→speaker
        F1 and speaker and cue accuracy, as score.py counts them."""
        return self.scorer(examples, **{"spans_key": self.spans_key, **kwargs})

    def pipe(self, stream: Iterable[Doc], batch_size: int = 128) -> Iterable[Doc]:
        """Process a stream of docs."""
        for doc in stream:
            yield self(doc)

    def initialize(
        self,
        get_examples: Optional[Callable[[], Iterable[Any]]] = None,
        *,
        nlp: Optional[Language] = None,
        patterns: Optional[str] = None,
    ) -> None:
        """Load the patterns: from ``patterns`` (a folder, given in ``[initialize.components.quote_finder]``, so no
        path of this machine is kept in the pipeline's own config), else the language's built-in ones. They are
        saved with the pipeline."""
        if patterns:
            self.set_patterns(load_patterns(patterns))
        else:
            self.rules  # noqa: B018  (loads the default patterns now, reporting a bad file here)

    # -- serialization: the pattern entries travel with the pipeline ------------------------
    def to_bytes(self, *, exclude: Iterable[str] = tuple()) -> bytes:
        """The pattern entries as bytes."""
        return srsly.msgpack_dumps({"lang": self.lang, "entries": self.rules.patterns.entries})

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = tuple()) -> "QuoteFinder":
        """Load pattern entries saved by :meth:`to_bytes`."""
        self.set_patterns(build_patterns(srsly.msgpack_loads(data)["entries"]))
        return self

    def to_disk(self, path: Union[str, Path], *, exclude: Iterable[str] = tuple()) -> None:
        """Save the pattern entries to ``path/patterns.jsonl``."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        srsly.write_jsonl(path / PATTERNS_FILE, self.rules.patterns.entries)

    def from_disk(self, path: Union[str, Path], *, exclude: Iterable[str] = tuple()) -> "QuoteFinder":
        """Load the pattern entries saved by :meth:`to_disk`."""
        self.set_patterns(load_patterns(Path(path) / PATTERNS_FILE))
        return self


def _keep_context(doc: Doc, contexts: Sequence[QuoteContext]) -> None:
    """Write how the rules read each quoted stretch to ``doc.user_data`` in token offsets (see ``schema``)."""
    read, places = [], []
    for c in contexts:
        quote = doc.char_span(*c.quote, alignment_mode="expand")
        if quote is None or not len(quote):
            continue
        read.append((quote.start, quote.end, c.shape, c.check, c.how))
        for role, chars in c.phrases.items():
            phrase = doc.char_span(*chars, alignment_mode="expand")
            if phrase is not None and len(phrase):
                places.append((quote.start, quote.end, role, phrase.start, phrase.end))
    doc.user_data[CONTEXT_ATTR] = read
    doc.user_data[PLACES_ATTR] = places


def _parsed_subject(doc: Doc, cues: List[Tuple[int, int]], impersonal: FrozenSet[str]) -> Optional[Tuple[int, int]]:
    """The subject of the cue verb from the pipeline's parser (its noun phrase, at most 8 tokens); an
    impersonal subject ("heißt es") is no speaker."""
    if not cues:
        return None
    cue = doc.char_span(cues[0][0], cues[0][1], alignment_mode="expand")
    if cue is None or not len(cue):
        return None
    for child in cue.root.children:
        if child.dep_.lower() in SUBJECT_DEPS and child.lower_ not in impersonal:
            start = child.left_edge.i if child.i - child.left_edge.i < 8 else child.i
            end = child.right_edge.i + 1 if child.right_edge.i - child.i < 8 else child.i + 1
            return (doc[start].idx, doc[end - 1].idx + len(doc[end - 1]))
    return None


def _snap(chars: Tuple[int, int], ents: List[Span]) -> Tuple[int, int]:
    """A speaker span narrowed to the named entity inside it, when the pipeline has one."""
    for ent in ents:
        if ent.start_char >= chars[0] and ent.end_char <= chars[1]:
            return (ent.start_char, ent.end_char)
    return chars


@Language.factory(
    "quote_finder",
    default_config={
        "use_entities": True,
        "use_parser": True,
        "spans_key": SPANS_KEY,
        "grammar": {"@misc": "prodigy_quotes.grammar.v1", "noun_phrases": {"@misc": "prodigy_quotes.noun_phrases.v1"}},
        "scorer": {"@scorers": "prodigy_quotes.attribution_scorer.v1"},
    },
)
def make_quote_finder(
    nlp: Language,
    name: str,
    use_entities: bool,
    use_parser: bool,
    spans_key: str,
    grammar: Grammar,
    scorer: Scorer,
) -> QuoteFinder:
    """Create the rule-based quote finder. Its patterns are no setting: they come from ``initialize`` (a folder
    given as ``patterns`` in ``[initialize.components.quote_finder]``), from a saved pipeline, or else are the
    built-in ones for ``nlp.lang``.

    ``use_entities``/``use_parser``: when earlier components set entities or dependencies, a
    speaker is narrowed to the named entity inside it, or taken from the cue verb's subject.
    ``spans_key``: the ``doc.spans`` group it writes (the model components after it read and write the same).
    ``grammar``: the registered phrase and cue reader (``prodigy_quotes.grammar.v1``, see :func:`make_grammar`).
    """
    return QuoteFinder(
        nlp,
        name,
        use_entities=use_entities,
        use_parser=use_parser,
        scorer=scorer,
        spans_key=spans_key,
        grammar=grammar,
    )
