"""Trainable components: quote_detector picks direct quotes among quoted stretches; quote linkers pick speaker and cue.

Both read the rule finder's output (when a ``quote_finder`` runs before them) as features, keep a copy of it in
``doc.spans["quotes_rules"]``, and write their own QUOTE/SPEAKER/CUE spans and links to ``doc.spans["quotes"]``.
"""

from pathlib import Path
from typing import Any, Callable, Dict, FrozenSet, Iterable, List, NamedTuple, Optional, Sequence, Set, Tuple, Union

import numpy
from spacy.language import Language
from spacy.pipeline import TrainablePipe
from spacy.tokens import Doc, Span
from spacy.training import Example
from spacy.vocab import Vocab
from thinc.api import Model, Optimizer

from ..finder import finder_patterns
from ..finder.marks import MarkScanner
from ..finder.patterns import builtin_patterns
from ..schema import CONTEXT_ATTR, CUE, LINKS_ATTR, PLACES_ATTR, QUOTE, SPANS_KEY, SPEAKER, Link
from ..scoring import Scorer, cue_scores, quote_scores, speaker_scores
from .features import (
    SENT_END,
    candidate_features,
    context_features,
    hashed,
    null_context_features,
    null_features,
    quote_features,
    sentence_ends,
)
from .lexicon import Lexicon, lexicons
from .thinc_model import ARCHITECTURE

RULES_KEY = "quotes_rules"
NOT_READ = ("none", "none", "none")  # the rules' reading (shape, check, how) of a stretch they did not look at
RULE_LINKS = "quote_rules_links"
LEXICON_FILES = ("clusters.npz", "nouns.npz")  # saved beside the model, in this order


def stash_rules(doc: Doc, spans_key: str = SPANS_KEY) -> None:
    """Keep the finder's spans (from ``doc.spans[spans_key]``) and links, once, so later components can use them
    as features."""
    if RULES_KEY in doc.spans:
        return
    doc.spans[RULES_KEY] = list(doc.spans.get(spans_key, []))
    doc.user_data[RULE_LINKS] = [tuple(link) for link in doc.user_data.get(LINKS_ATTR, [])]


def rule_links(doc: Doc) -> List[Link]:
    """The finder's links kept by :func:`stash_rules`."""
    return [Link(*link) for link in doc.user_data.get(RULE_LINKS, [])]


def pipeline_profile(nlp: Optional[Language], lang: str) -> Dict[str, Any]:
    """The language knowledge the trainable components read, from the pipeline's quote finder (so a user's
    ``--patterns`` reach the model too), else from the built-in patterns: quote-mark pairs and pronouns."""
    patterns = finder_patterns(nlp) if nlp is not None else None
    if patterns is None:
        patterns = builtin_patterns(lang)
    return {
        "quote_pairs": {mark: sorted(closes) for mark, closes in sorted(patterns.pairs.items())},
        "pronouns": sorted(patterns.of("pronoun")),
    }


class _DocRules(NamedTuple):
    """What the rules found in one doc, gathered once for all its quotes' candidates."""

    speakers: Set[int]  # tokens of the rules' SPEAKER spans
    cues: Set[int]
    speaker_norms: Set[str]  # capitalised words of those speakers (names said again elsewhere)
    quotes: Set[Tuple[int, int]]
    parsed: bool  # the pipeline's parse is there to use
    sent_ends: numpy.ndarray  # sentence-final marks before each token (features.sentence_ends)
    context: List[Tuple[int, int, str, str, str]]  # how the rules read each quoted stretch (schema.CONTEXT_ATTR)
    places: List[Tuple[int, int, str, int, int]]  # phrases in a speaker's place around each (schema.PLACES_ATTR)

    @classmethod
    def of(cls, doc: Doc) -> "_DocRules":
        rules = doc.spans[RULES_KEY]
        speakers = {i for s in rules if s.label_ == SPEAKER for i in range(s.start, s.end)}
        return cls(
            speakers,
            {i for s in rules if s.label_ == CUE for i in range(s.start, s.end)},
            {doc[i].norm_ for i in speakers if doc[i].is_title},
            {(s.start, s.end) for s in rules if s.label_ == QUOTE},
            doc.has_annotation("DEP"),
            sentence_ends(doc),
            [tuple(c) for c in doc.user_data.get(CONTEXT_ATTR, [])],
            [tuple(p) for p in doc.user_data.get(PLACES_ATTR, [])],
        )

    def read(self, quote: Span) -> Tuple[str, str, str]:
        """(shape, speech check, how the speaker was taken) of the rules' reading of ``quote`` (or of the stretch
        it overlaps); "none" for what the rules did not read."""
        reading = NOT_READ
        for qs, qe, shape, check, how in _around(self.context, quote):
            reading = _reading(shape, check, how)
            if (qs, qe) == (quote.start, quote.end):
                break
        return reading

    def roles(self, quote: Span) -> Dict[int, List[str]]:
        """The tokens of the phrases in a speaker's place around ``quote``, with their roles."""
        roles: Dict[int, List[str]] = {}
        for _, _, role, ps, pe in _around(self.places, quote):
            for k in range(ps, pe):
                roles.setdefault(k, []).append(role)
        return roles


def _around(rows: Iterable[Sequence[Any]], quote: Span) -> List[Sequence[Any]]:
    """The rows of the rules' reading (schema.CONTEXT_ATTR, PLACES_ATTR: quote start and end first) whose quote
    overlaps ``quote``."""
    return [row for row in rows if row[0] < quote.end and quote.start < row[1]]


def _reading(shape: str, check: str, how: str) -> Tuple[str, str, str]:
    """A reading as the features take it: a stretch the rules took for no speech has "none" for how."""
    return shape, check, how or "none"


class _Ranked(NamedTuple):
    """One quote's candidates (token indices, -1 for 'no speaker'), their scores and the rules' chosen tokens."""

    quote: Span
    idx: List[int]
    scores: numpy.ndarray
    rule_tokens: Set[int]


class _Scored(TrainablePipe):
    """Shared training for components that score candidates with one network."""

    def __init__(self, vocab: Vocab, model: Model, name: str, scorer: Scorer, spans_key: str = SPANS_KEY) -> None:
        self.vocab = vocab
        self.model = model
        self.name = name
        self.scorer = scorer
        self.spans_key = spans_key  # the doc.spans group it reads the rules' spans from and writes its own to
        self.cfg: Dict[str, Any] = {}
        # what the language profile gives, read from it on first use
        self._scan: Optional[MarkScanner] = None
        self._pronouns: Optional[FrozenSet[str]] = None

    def _gradient(
        self, examples: Iterable[Example]
    ) -> Tuple[List[numpy.ndarray], Callable[[numpy.ndarray], numpy.ndarray]]:
        raise NotImplementedError

    def score(self, examples: Iterable[Example], **kwargs: Any) -> Dict[str, Any]:
        """The figures of the configured scorer (by default: quote exact and overlap F1 for the detector,
        end-to-end quote→speaker F1 for the speaker linker, cue accuracy on found quotes for the cue linker)."""
        return self.scorer(examples, **{"spans_key": self.spans_key, **kwargs})

    def update(
        self,
        examples: Iterable[Example],
        *,
        drop: float = 0.0,
        sgd: Optional[Optimizer] = None,
        losses: Optional[Dict[str, float]] = None,
    ) -> Dict[str, float]:
        """Learn from a batch of examples."""
        losses = {} if losses is None else losses
        losses.setdefault(self.name, 0.0)
        feats, grad_fn = self._gradient(list(examples))
        if feats:
            scores, backprop = self.model.begin_update(feats)
            loss, d_scores = grad_fn(scores)
            backprop(d_scores)
            if sgd is not None:
                self.finish_update(sgd)
            losses[self.name] += loss
        return losses

    def get_loss(self, examples: Iterable[Example], scores: Any) -> Tuple[float, Any]:
        """Loss and gradient of the candidate scores."""
        _, grad_fn = self._gradient(list(examples))
        return grad_fn(scores)

    def profile(self) -> Dict[str, Any]:
        """Quote-mark pairs and pronouns: those taken from the pipeline at initialisation (saved in the
        component's cfg), else the built-in ones of the language."""
        if "quote_pairs" not in self.cfg:
            self.cfg.update(pipeline_profile(None, self.vocab.lang))
        return self.cfg

    def initialize(self, get_examples: Callable[[], Iterable[Example]], *, nlp: Optional[Language] = None) -> None:
        """Take the pipeline's language profile, then set up the network from a sample of candidates."""
        self.cfg.update(pipeline_profile(nlp, self.vocab.lang))
        self._scan, self._pronouns = None, None  # read again from the new profile
        sample = []
        for eg in get_examples():
            feats, _ = self._gradient([eg])
            sample.extend(feats)
            if len(sample) > 50:
                break
        self.model.initialize(X=sample or [hashed(["bias"])])

    def _scores(self, feats: List[numpy.ndarray]) -> numpy.ndarray:
        if not feats:
            return numpy.zeros((0,), dtype="f")
        return self.model.ops.to_numpy(self.model.predict(feats)).reshape(-1)


class QuoteDetector(_Scored):
    """Decides which quoted stretches (mark pairs, plus the rules' quotes) are direct quotes."""

    def __init__(
        self,
        vocab: Vocab,
        model: Model,
        name: str,
        lang: str,
        threshold: float,
        rule_prior: float,
        margin: float = 0.0,
        scorer: Scorer = quote_scores,
        spans_key: str = SPANS_KEY,
    ) -> None:
        super().__init__(vocab, model, name, scorer, spans_key)
        self.lang = lang
        self.threshold = threshold
        self.rule_prior = rule_prior
        self.margin = margin

    def candidates(self, doc: Doc) -> Tuple[List[Span], List[numpy.ndarray], numpy.ndarray]:
        """Quoted stretches of ``doc``, their features and the rules' prior for each (+/- ``rule_prior``)."""
        stash_rules(doc, self.spans_key)
        if self._scan is None:
            pairs = self.profile()["quote_pairs"]
            self._scan = MarkScanner({mark: frozenset(closes) for mark, closes in pairs.items()})
        rules = [s for s in doc.spans[RULES_KEY] if s.label_ == QUOTE]
        rule_quotes = {(s.start, s.end) for s in rules}
        rule_tokens = {i for s in rules for i in range(s.start, s.end)}
        spans: Dict[Tuple[int, int], Span] = {}
        for q in self._scan.scan(doc.text):
            span = doc.char_span(q.start, q.end, alignment_mode="expand")
            if span is not None and len(span):
                spans.setdefault((span.start, span.end), span)
        for s in rules:
            spans.setdefault((s.start, s.end), doc[s.start : s.end])
        cands = sorted(spans.values(), key=lambda s: (s.start, s.end))
        counts: Dict[str, int] = {}
        for s in cands:
            counts[s.text] = counts.get(s.text, 0) + 1
        prior = numpy.asarray(
            [self.rule_prior if (c.start, c.end) in rule_quotes else -self.rule_prior for c in cands], dtype="f"
        )
        read = {(qs, qe): _reading(*reading) for qs, qe, *reading in doc.user_data.get(CONTEXT_ATTR, [])}
        feats = [
            hashed(quote_features(doc, s, rule_quotes, rule_tokens, counts, read.get((s.start, s.end), NOT_READ)))
            for s in cands
        ]
        return cands, feats, prior

    def _gradient(self, examples: List[Example]) -> Tuple[List[numpy.ndarray], Callable]:
        feats, truth, priors = [], [], []
        for eg in examples:
            gold = {(s.start, s.end) for s in eg.reference.spans.get(self.spans_key, []) if s.label_ == QUOTE}
            cands, f, prior_of_doc = self.candidates(eg.predicted)
            feats.extend(f)
            priors.extend(prior_of_doc.tolist())
            truth.extend(1.0 if (c.start, c.end) in gold else 0.0 for c in cands)
        y = numpy.asarray(truth, dtype="f").reshape(-1, 1)
        prior = numpy.asarray(priors, dtype="f").reshape(-1, 1)

        def grad(scores: numpy.ndarray) -> Tuple[float, numpy.ndarray]:
            p = 1.0 / (1.0 + numpy.exp(-(self.model.ops.to_numpy(scores) + prior)))
            loss = float(-(y * numpy.log(p + 1e-9) + (1 - y) * numpy.log(1 - p + 1e-9)).sum())
            return loss, self.model.ops.asarray(p - y)

        return feats, grad

    def predict(self, docs: Iterable[Doc]) -> List[List[Span]]:
        """The accepted quotes of each doc."""
        out = []
        for doc in docs:
            cands, feats, prior = self.candidates(doc)
            scores = self._scores(feats) + prior
            # against the rules' decision only when sure: by more than ``margin`` beyond the threshold
            bar = self.threshold + numpy.where(prior > 0, -self.margin, self.margin)
            out.append([c for c, s, b in zip(cands, scores, bar) if s > b])
        return out

    def set_annotations(self, docs: Iterable[Doc], quotes: List[List[Span]]) -> None:
        """Replace the spans in doc.spans["quotes"] with the accepted quotes (links are set by the linkers)."""
        for doc, spans in zip(docs, quotes):
            doc.spans[self.spans_key] = [Span(doc, s.start, s.end, label=QUOTE) for s in spans]
            doc.user_data[LINKS_ATTR] = []


class QuoteLinker(_Scored):
    """Links each quote to its speaker (or cue): ranks the tokens around it, the sentences before and after included."""

    def __init__(
        self,
        vocab: Vocab,
        model: Model,
        name: str,
        lang: str,
        label: str,
        window: int,
        min_prob: float = 0.0,
        abstain_with_rules: bool = False,
        null: bool = False,
        margin: float = 0.0,
        lexicon: bool = False,
        scorer: Optional[Scorer] = None,
        spans_key: str = SPANS_KEY,
    ) -> None:
        super().__init__(vocab, model, name, scorer or (speaker_scores if label == SPEAKER else cue_scores), spans_key)
        self.margin = margin
        self.use_lexicon = lexicon
        self.lexicons: Optional[Tuple[Lexicon, Lexicon]] = None
        self.lang = lang
        self.label = label
        self.window = window
        self.min_prob = min_prob
        self.abstain_with_rules = abstain_with_rules
        self.null = null

    def _candidates(
        self, doc: Doc, quote: Span, quoted: numpy.ndarray, links: List[Link], ctx: "_DocRules"
    ) -> Tuple[List[int], List[numpy.ndarray]]:
        lo, hi = max(0, quote.start - self.window), min(len(doc), quote.end + self.window // 2)
        linked_here: Set[int] = set()
        cue_here: Set[int] = set()
        for link in links:
            if link.head_start < quote.end and quote.start < link.head_end:
                target = linked_here if link.label == SPEAKER else cue_here
                target.update(range(link.child_start, link.child_end))
        before = [l for l in links if l.label == SPEAKER and l.head_end <= quote.start]
        prev_spk: Set[int] = set()
        if before:
            last = max(before, key=lambda l: l.head_end)
            prev_spk = set(range(last.child_start, last.child_end))
        reading = ctx.read(quote)
        roles = ctx.roles(quote)
        idx, feats = [], []
        for i in range(lo, hi):
            if quote.start <= i < quote.end:
                continue
            tok = doc[i]
            if tok.is_punct or tok.is_space:
                continue
            marks = {
                "rule_spk_here": i in linked_here,
                "rule_cue_here": i in cue_here,
                "rule_spk": i in ctx.speakers,
                "rule_cue": i in ctx.cues,
                "in_quote": bool(quoted[i]),
                "rule_prev_spk": i in prev_spk,
                "named_spk": tok.norm_ in ctx.speaker_norms and i not in ctx.speakers,
                "clause_subj": "clause" in roles.get(i, ()),
            }
            idx.append(i)
            f = candidate_features(
                doc, quote, i, marks, quoted, self.pronouns, ctx.parsed, self.lexicons, ctx.sent_ends
            )
            f += context_features(reading, roles.get(i, ()), i < quote.start, bool(linked_here), i in linked_here)
            feats.append(hashed(f))
        if self.null:
            rule_quote = (quote.start, quote.end) in ctx.quotes
            idx.append(-1)
            f = null_features(doc, quote, bool(linked_here), bool(cue_here), rule_quote)
            feats.append(hashed(f + null_context_features(reading, bool(linked_here))))
        return idx, feats

    def initialize(self, get_examples: Callable[[], Iterable[Example]], *, nlp: Optional[Language] = None) -> None:
        """Read the Brown clusters and noun forms (when configured so), then set up the network."""
        if self.use_lexicon:
            self.lexicons = lexicons(self.lang)
        super().initialize(get_examples, nlp=nlp)

    def to_disk(self, path: Union[str, Path], *, exclude: Iterable[str] = tuple()) -> None:
        """Save the component with the lexicons it was trained with, so the pipeline needs no lookup packages."""
        super().to_disk(path, exclude=exclude)
        if self.lexicons is not None:
            for name, lexicon in zip(LEXICON_FILES, self.lexicons):
                lexicon.to_disk(Path(path) / name)

    def from_disk(self, path: Union[str, Path], *, exclude: Iterable[str] = tuple()) -> "QuoteLinker":
        super().from_disk(path, exclude=exclude)
        files = [Path(path) / name for name in LEXICON_FILES]
        if self.use_lexicon and all(f.exists() for f in files):
            self.lexicons = (Lexicon.from_disk(files[0]), Lexicon.from_disk(files[1]))
        return self

    def _gold(self, links: Iterable[Sequence[Any]]) -> Dict[Tuple[int, int], Set[int]]:
        """The child tokens of this linker's label, per quote (head) offsets."""
        gold: Dict[Tuple[int, int], Set[int]] = {}
        for link in map(Link._make, links):
            if link.label == self.label:
                gold.setdefault((link.head_start, link.head_end), set()).update(range(link.child_start, link.child_end))
        return gold

    @property
    def pronouns(self) -> FrozenSet[str]:
        """The language's pronouns, from the pipeline's profile (read on first use)."""
        if self._pronouns is None:
            self._pronouns = frozenset(self.profile()["pronouns"])
        return self._pronouns

    def _doc_candidates(
        self, doc: Doc, quotes: Sequence[Tuple[int, int]]
    ) -> List[Tuple[List[int], List[numpy.ndarray]]]:
        stash_rules(doc, self.spans_key)
        ctx = _DocRules.of(doc)
        links = rule_links(doc)
        quoted = numpy.zeros((len(doc) + 1,), dtype="i")
        for s, e in quotes:
            quoted[s:e] = 1
        return [self._candidates(doc, doc[s:e], quoted, links, ctx) for s, e in quotes]

    def _gradient(self, examples: List[Example]) -> Tuple[List[numpy.ndarray], Callable]:
        """Candidates of the reference's quotes (and of the rules' false ones) and the softmax loss over each
        quote's candidates against its gold speaker or cue tokens."""
        feats: List[numpy.ndarray] = []
        groups: List[Tuple[int, int, numpy.ndarray]] = []
        for eg in examples:
            ref = eg.reference
            quotes = sorted({(s.start, s.end) for s in ref.spans.get(self.spans_key, []) if s.label_ == QUOTE})
            gold = self._gold(ref.user_data.get(LINKS_ATTR, []))
            if self.null:  # the rules' false quotes teach the linker to leave a quote unlinked
                stash_rules(eg.predicted, self.spans_key)
                quotes += sorted(
                    {
                        (q.start, q.end)
                        for q in eg.predicted.spans[RULES_KEY]
                        if q.label_ == QUOTE and not any(a < q.end and q.start < b for a, b in quotes)
                    }
                )
            for head, (idx, f) in zip(quotes, self._doc_candidates(eg.predicted, quotes)):
                target = numpy.asarray([1.0 if i in gold.get(head, ()) else 0.0 for i in idx], dtype="f")
                # 'no speaker' is the answer when the gold has none, not when its speaker is out of the window
                if self.null and target.sum() == 0 and head not in gold:
                    target[-1] = 1.0
                if not idx or target.sum() == 0:
                    continue
                groups.append((len(feats), len(feats) + len(idx), target / target.sum()))
                feats.extend(f)

        def grad(scores: numpy.ndarray) -> Tuple[float, numpy.ndarray]:
            x = self.model.ops.to_numpy(scores).reshape(-1)
            d = numpy.zeros_like(x)
            loss = 0.0
            for a, b, target in groups:
                z = x[a:b] - x[a:b].max()
                p = numpy.exp(z) / numpy.exp(z).sum()
                loss += float(-numpy.log((p * (target > 0)).sum() + 1e-9))
                d[a:b] = p - target
            return loss, self.model.ops.asarray(d.reshape(-1, 1))

        return feats, grad

    def predict(self, docs: Iterable[Doc]) -> List[List[Tuple[Span, Span]]]:
        """For each doc, (quote, chosen child span) pairs."""
        return [self.decide(doc, scored, self.margin, self.min_prob) for doc, scored in self.score_quotes(docs)]

    def score_quotes(self, docs: Iterable[Doc]) -> List[Tuple[Doc, List["_Ranked"]]]:
        """Each doc's quotes with their candidates' scores and the rules' choice (what :meth:`decide` reads)."""
        out = []
        for doc in docs:
            quotes = [s for s in doc.spans.get(self.spans_key, []) if s.label_ == QUOTE]
            cands = self._doc_candidates(doc, [(q.start, q.end) for q in quotes])
            scores = self._scores([f for _, feats in cands for f in feats])
            ruled = [l for l in rule_links(doc) if l.label == self.label]
            ranked, k = [], 0
            for q, (idx, _) in zip(quotes, cands):
                own = {
                    i
                    for l in ruled
                    if l.head_start < q.end and q.start < l.head_end
                    for i in range(l.child_start, l.child_end)
                }
                ranked.append(_Ranked(q, idx, scores[k : k + len(idx)], own))
                k += len(idx)
            out.append((doc, ranked))
        return out

    def decide(self, doc: Doc, ranked: List["_Ranked"], margin: float, min_prob: float) -> List[Tuple[Span, Span]]:
        """The linked (quote, child) pairs: the best-scored candidate, but the rules' choice unless it scores
        ``margin`` higher, and a link the rules did not make only with a probability of at least ``min_prob``."""
        pairs = []
        for q, idx, x, own in ranked:
            if not idx or not (own or not self.abstain_with_rules):
                continue
            p = numpy.exp(x - x.max())
            p /= p.sum()
            top = int(numpy.argmax(x))
            at_rule = [j for j, i in enumerate(idx) if i in own]
            if at_rule and idx[top] not in own:  # against the rules only when sure, by ``margin``
                kept = max(at_rule, key=lambda j: x[j])
                if x[top] - x[kept] < margin:
                    top = kept
            best = idx[top]
            if best >= 0 and (best in own or p[top] >= min_prob):  # unsure or 'no speaker': no link
                pairs.append((q, self._expand(doc, best, q)))
        return pairs

    def _expand(self, doc: Doc, i: int, quote: Optional[Span] = None) -> Span:
        """The rules' span holding token ``i``, else (for a speaker) the shortest noun phrase the rules put in a
        speaker's place around ``quote`` that holds it, else a run of capitalised words around it (names), else the
        token."""
        for s in doc.spans[RULES_KEY]:
            if s.label_ == self.label and s.start <= i < s.end:
                return Span(doc, s.start, s.end, label=self.label)
        if self.label == SPEAKER and quote is not None:
            places = [
                (ps, pe) for _, _, _, ps, pe in _around(doc.user_data.get(PLACES_ATTR, []), quote) if ps <= i < pe
            ]
            if places:
                ps, pe = min(places, key=lambda p: p[1] - p[0])
                return Span(doc, ps, pe, label=self.label)
        start, end = i, i + 1
        if self.label == SPEAKER and doc[i].is_title:
            while start > 0 and doc[start - 1].is_title and doc[start - 1].text not in SENT_END and start > i - 3:
                start -= 1
            while end < len(doc) and doc[end].is_title and end < i + 3:
                end += 1
        return Span(doc, start, end, label=self.label)

    def set_annotations(self, docs: Iterable[Doc], pairs: List[List[Tuple[Span, Span]]]) -> None:
        """Add the chosen spans and their links from each quote."""
        for doc, found in zip(docs, pairs):
            spans = {(s.start, s.end, s.label_): s for s in doc.spans.get(self.spans_key, [])}
            links = [Link(*link) for link in doc.user_data.get(LINKS_ATTR, [])]
            for quote, child in found:
                spans.setdefault((child.start, child.end, child.label_), child)
                links.append(Link(quote.start, quote.end, child.start, child.end, self.label))
            doc.spans[self.spans_key] = list(spans.values())
            doc.user_data[LINKS_ATTR] = [tuple(link) for link in dict.fromkeys(links)]


def _model_config(width: int, n_hash: int, seed: int) -> Dict[str, Any]:
    """The ``model`` block of a factory's default config: the registered candidate scorer."""
    return {"@architectures": ARCHITECTURE, "width": width, "n_hash": n_hash, "seed": seed}


ASSIGNS = ["doc.spans", f"doc._.{LINKS_ATTR}"]


@Language.factory(
    "quote_detector",
    assigns=ASSIGNS,
    default_config={
        "model": _model_config(64, 262144, 11),
        "threshold": 0.0,
        "rule_prior": 3.0,
        "margin": 4.0,
        "spans_key": SPANS_KEY,
        "scorer": {"@scorers": "prodigy_quotes.quote_scorer.v1"},
    },
    default_score_weights={"quote_exact_f": 0.3, "quote_overlap_f": 0.0},
)
def make_quote_detector(
    nlp: Language,
    name: str,
    model: Model,
    threshold: float,
    rule_prior: float,
    margin: float,
    spans_key: str,
    scorer: Scorer,
) -> QuoteDetector:
    """Trainable detector of direct quotes: learns corrections to the rules' decision (added to the logit as
    +/- ``rule_prior``, so a few hundred articles cannot talk it out of what the rules get right); it overrules
    the rules only by more than ``margin``."""
    return QuoteDetector(nlp.vocab, model, name, nlp.lang, threshold, rule_prior, margin, scorer, spans_key)


@Language.factory(
    "quote_speaker_linker",
    assigns=ASSIGNS,
    default_config={
        "model": _model_config(64, 262144, 13),
        "window": 80,
        "min_prob": 0.0,
        "abstain_with_rules": False,
        "null_choice": True,
        "margin": 2.0,
        "lexicon": True,
        "spans_key": SPANS_KEY,
        "scorer": {"@scorers": "prodigy_quotes.speaker_scorer.v1"},
    },
    default_score_weights={"quote_speaker_f": 0.7, "speaker_acc": 0.0},
)
def make_quote_speaker_linker(
    nlp: Language,
    name: str,
    model: Model,
    window: int,
    min_prob: float,
    abstain_with_rules: bool,
    null_choice: bool,
    margin: float,
    lexicon: bool,
    spans_key: str,
    scorer: Scorer,
) -> QuoteLinker:
    """Trainable linker from each quote to its speaker (tokens up to ``window`` before, half after; no link below
    ``min_prob``). With ``null_choice`` it also learns when to leave a quote unlinked, from quotes without a speaker
    and the rules' false quotes. It goes against the rules' speaker only when its own choice scores ``margin``
    higher. With ``lexicon`` it reads Brown clusters and noun forms (see :mod:`.lexicon`), kept with the model."""
    return QuoteLinker(
        nlp.vocab,
        model,
        name,
        nlp.lang,
        SPEAKER,
        window,
        min_prob,
        abstain_with_rules,
        null_choice,
        margin,
        lexicon,
        scorer,
        spans_key,
    )


@Language.factory(
    "quote_cue_linker",
    assigns=ASSIGNS,
    default_config={
        "model": _model_config(32, 131072, 17),
        "window": 60,
        "spans_key": SPANS_KEY,
        "scorer": {"@scorers": "prodigy_quotes.cue_scorer.v1"},
    },
    default_score_weights={"quote_cue_acc": 0.0},
)
def make_quote_cue_linker(
    nlp: Language, name: str, model: Model, window: int, spans_key: str, scorer: Scorer
) -> QuoteLinker:
    """Trainable linker from each quote to its cue word."""
    return QuoteLinker(nlp.vocab, model, name, nlp.lang, CUE, window, scorer=scorer, spans_key=spans_key)
