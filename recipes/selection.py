"""Settings chosen by k-fold cross-validation on the training data alone, so no evaluation data is looked at.

The speaker linker's ``margin`` (how much higher its own choice must score to overrule the rules' speaker), its
``min_prob`` (how sure it must be of a link the rules did not make) and how long to train are picked where the
pooled held-out quote→speaker F1 of ``k`` linkers, each trained on the other folds, is highest; ``quotes train``
then trains once on all the data with them.
"""

import random
from typing import Any, Dict, Iterable, List, NamedTuple, Optional, Sequence, Tuple

from spacy.language import Language
from spacy.training import Example
from thinc.api import Adam, fix_random_seed

from .model.components import RULE_LINKS, RULES_KEY, stash_rules
from .schema import LINKS_ATTR, QUOTE, SPANS_KEY
from .scoring import score_examples

MARGINS = (0.0, 1.0, 2.0, 3.0, 4.0)
MIN_PROBS = (0.0, 0.3, 0.5, 0.7)
BATCH = 8  # documents per step, as the training config's batcher
LEARN_RATE = 0.002
MIN_STEPS = 40  # the longest training tried is at least this many steps


class Selection(NamedTuple):
    """The chosen settings and the cross-validated figures they were chosen by."""

    margin: float
    min_prob: float  # least probability of a link the rules did not make
    half_epochs: int  # training length in half epochs of the full data
    f: float  # pooled held-out quote→speaker F1 of the linker with those settings
    rules_f: float  # the rules' own F1 on the same quotes
    table: List[Dict[str, Any]]  # one row per (half epoch, margin)


def rule_examples(nlp: Language, refs: Iterable[Any]) -> List[Example]:
    """Examples whose predicted docs hold what the pipeline's rules (tagger and finder) found, kept aside."""
    examples = []
    for ref in refs:
        pred = nlp(ref.text)
        stash_rules(pred)
        examples.append(Example(pred, ref))
    return examples


def rule_quotes_only(examples: Sequence[Example]) -> None:
    """Reset the predicted docs to the rules' quotes without links, as the detector leaves them for the linker."""
    for eg in examples:
        eg.predicted.spans[SPANS_KEY] = [s for s in eg.predicted.spans[RULES_KEY] if s.label_ == QUOTE]
        eg.predicted.user_data[LINKS_ATTR] = []


def _pairs(examples: Sequence[Example]) -> Tuple[int, int, int]:
    """(true, predicted, gold) quote→speaker pairs, as score.py counts them."""
    e2e = score_examples(list(examples))["attribution_e2e"]
    return e2e["tp"], e2e["pred"], e2e["gold"]


def rules_only(examples: Sequence[Example]) -> None:
    """Reset the predicted docs to what the rules found, quotes, speakers, cues and links."""
    for eg in examples:
        eg.predicted.spans[SPANS_KEY] = list(eg.predicted.spans[RULES_KEY])
        eg.predicted.user_data[LINKS_ATTR] = list(eg.predicted.user_data[RULE_LINKS])


def _rules_pairs(examples: Sequence[Example]) -> Tuple[int, int, int]:
    """The pairs of the rules' own links on the same docs."""
    rules_only(examples)
    return _pairs(examples)


def steps_per_half_epoch(n_docs: int) -> int:
    """Training steps in half an epoch of ``n_docs`` documents (at least one)."""
    return max(1, n_docs // (2 * BATCH))


def _fold_curve(
    nlp: Language,
    train: List[Example],
    held: List[Example],
    half_epochs: int,
    per_half: int,
    margins: Sequence[float],
    min_probs: Sequence[float],
    seed: int,
    linker_config: Optional[Dict[str, Any]] = None,
) -> Dict[Tuple[int, float, float], Tuple[int, int, int]]:
    """Train a speaker linker on ``train``; its pairs on ``held`` every ``per_half`` steps, for each margin and
    least probability of a link the rules did not make."""
    fix_random_seed(seed)
    name = "quote_speaker_linker_fold"
    linker = nlp.add_pipe("quote_speaker_linker", name=name, config=linker_config or {})
    try:
        linker.initialize(lambda: train[:20], nlp=nlp)
        optimizer = Adam(LEARN_RATE, use_averages=True)
        order, step, out = list(train), 0, {}
        rng = random.Random(seed)
        while step < half_epochs * per_half:
            rng.shuffle(order)
            for b in range(0, len(order), BATCH):
                linker.update(order[b : b + BATCH], sgd=optimizer)
                step += 1
                if step % per_half == 0:
                    rule_quotes_only(held)
                    with linker.model.use_params(optimizer.averages):
                        ranked = linker.score_quotes([eg.predicted for eg in held])
                    for margin in margins:
                        for min_prob in min_probs:
                            rule_quotes_only(held)
                            chosen = [linker.decide(doc, r, margin, min_prob) for doc, r in ranked]
                            linker.set_annotations([doc for doc, _ in ranked], chosen)
                            out[(step // per_half, margin, min_prob)] = _pairs(held)
                if step >= half_epochs * per_half:
                    break
    finally:
        nlp.remove_pipe(name)
    return out


def _f1(tp: int, pred: int, gold: int) -> float:
    p, r = (tp / pred if pred else 0.0), (tp / gold if gold else 0.0)
    return 2 * p * r / (p + r) if p + r else 0.0


def select_linker_settings(
    nlp: Language,
    examples: List[Example],
    folds: int = 5,
    half_epochs: int = 6,
    margins: Sequence[float] = MARGINS,
    min_probs: Sequence[float] = MIN_PROBS,
    seed: int = 0,
    linker_config: Optional[Dict[str, Any]] = None,
) -> Selection:
    """Cross-validate the speaker linker (``linker_config``: its component settings) over ``folds`` parts of
    ``examples`` (from :func:`rule_examples`)."""
    per_half = steps_per_half_epoch(len(examples))  # in the units of the final training, on all the examples
    half_epochs = max(half_epochs, MIN_STEPS // per_half)  # a small dataset gets enough steps to learn from
    order = list(examples)
    random.Random(seed).shuffle(order)
    parts = [order[i::folds] for i in range(folds)]
    totals: Dict[Tuple[int, float, float], List[int]] = {}
    rules = [0, 0, 0]
    for i, held in enumerate(parts):
        rest = [eg for j, part in enumerate(parts) if j != i for eg in part]
        if not rest or not held:
            continue
        rules = [a + b for a, b in zip(rules, _rules_pairs(held))]
        for key, pairs in _fold_curve(
            nlp, rest, held, half_epochs, per_half, margins, min_probs, seed + i, linker_config
        ).items():
            totals[key] = [a + b for a, b in zip(totals.get(key, [0, 0, 0]), pairs)]
    table = [
        {"half_epochs": h, "margin": m, "min_prob": q, "f": round(_f1(*pairs), 4), "tp": pairs[0], "pred": pairs[1]}
        for (h, m, q), pairs in sorted(totals.items())
    ]
    if not table:
        return Selection(MARGINS[2], MIN_PROBS[0], 2, 0.0, 0.0, [])
    # the best F1; on a tie the larger margin and least probability (closer to the rules), the shorter training
    best = max(table, key=lambda r: (r["f"], r["margin"], r["min_prob"], -r["half_epochs"]))
    return Selection(best["margin"], best["min_prob"], best["half_epochs"], best["f"], round(_f1(*rules), 4), table)


def selection_pipeline(nlp: Language, patterns: Optional[str] = None) -> Language:
    """The rules' pipeline the linker is selected on: ``nlp`` with the language's tagger and the quote finder (on
    ``patterns``, if given), as training will run them."""
    from .finder import add_quote_finder

    if patterns is None and "quote_finder" in nlp.pipe_names:
        return nlp
    return add_quote_finder(nlp, patterns_dir=patterns)
