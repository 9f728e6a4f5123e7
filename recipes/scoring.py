"""The metric: direct quotes and quote→speaker links scored as ../shared/tools/score.py scores them.

Direct quotes only, white space trimmed, gold parts separated only by white space merged,
one-to-one greedy matching; a speaker is right when a predicted SPEAKER relation of the quote
overlaps a gold speaker. Gold and predictions are Prodigy tasks: QUOTE spans plus SPEAKER
relations from quote to speaker. Kept apart from the ``quotes.evaluate`` recipe (as spaCy keeps
``scorer.py`` apart from its CLI) so the trainable components can score without the recipes.
"""

from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

from spacy.training import Example
from spacy.util import registry

from .errors import QuotesError
from .schema import CUE, LINKS_ATTR, SPAN_LABELS, SPANS_KEY, Link
from .tasks import doc_to_task

Task = Dict[str, Any]
Offsets = Tuple[int, int]


def trim(text: str, start: int, end: int) -> Offsets:
    """Offsets without leading and trailing white space."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def overlap(a: Offsets, b: Offsets) -> int:
    """Number of characters two spans share."""
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def match(gold: Sequence[Offsets], pred: Sequence[Offsets], exact: bool) -> Dict[int, int]:
    """One-to-one matching, greedily by overlap size (as score.py): gold index -> pred index."""
    pairs = []
    for i, g in enumerate(gold):
        for j, p in enumerate(pred):
            if exact:
                if g == p:
                    pairs.append((1, i, j))
            else:
                o = overlap(g, p)
                if o > 0:
                    pairs.append((o, i, j))
    pairs.sort(reverse=True)
    used_g, used_p, result = set(), set(), {}
    for _, i, j in pairs:
        if i in used_g or j in used_p:
            continue
        used_g.add(i)
        used_p.add(j)
        result[i] = j
    return result


def prf(tp: int, n_pred: int, n_gold: int) -> Dict[str, Any]:
    """Precision, recall and F1 rounded as score.py rounds them."""
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"p": round(p, 4), "r": round(r, 4), "f": round(f, 4), "tp": tp, "pred": n_pred, "gold": n_gold}


def _quote_speakers(task: Task, label: str) -> Dict[Offsets, List[Offsets]]:
    """Trimmed spans labelled ``label`` mapped to the trimmed speakers their SPEAKER relations point to."""
    text = task["text"]
    result: Dict[Offsets, List[Offsets]] = {}
    for span in task.get("spans", []):
        if span.get("label") == label:
            result.setdefault(trim(text, span["start"], span["end"]), [])
    for rel in task.get("relations", []):
        if rel.get("label") != "SPEAKER":
            continue
        head, child = rel.get("head_span") or {}, rel.get("child_span") or {}
        if head.get("label") == label and child.get("label") == "SPEAKER":
            key = trim(text, head["start"], head["end"])
            result.setdefault(key, []).append(trim(text, child["start"], child["end"]))
    return result


def gold_parts(task: Task) -> Tuple[List[Offsets], List[List[Offsets]]]:
    """Gold direct-quote parts and their speakers.

    Tasks do not say which parts form one quote, so neighbours with only spaces (no line break)
    between them are merged, which reproduces score.py on the WikiNews gold.
    """
    text = task["text"]
    quotes = sorted(_quote_speakers(task, "QUOTE").items())
    merged: List[List[Any]] = []  # [start, end, speakers]
    for (start, end), speakers in quotes:
        gap = text[merged[-1][1] : start] if merged else ""
        if merged and start >= merged[-1][1] and not gap.strip() and "\n" not in gap:
            merged[-1][1] = max(merged[-1][1], end)
            merged[-1][2].extend(speakers)
        else:
            merged.append([start, end, list(speakers)])
    parts: Dict[Offsets, List[Offsets]] = {}
    for start, end, speakers in merged:
        parts.setdefault(trim(text, start, end), []).extend(speakers)
    return list(parts), list(parts.values())


def new_totals() -> Dict[str, int]:
    """Zeroed counters, as score.py keeps them."""
    return dict(
        q_tp_exact=0,
        q_tp_overlap=0,
        q_pred=0,
        q_gold=0,
        spk_gold=0,
        spk_ok=0,
        pair_tp=0,
        pair_pred=0,
        pair_gold=0,
        missing_docs=0,
    )


def add_counts(tot: Dict[str, int], gold: Task, pred: Optional[Task], neutral: Sequence[str] = ()) -> None:
    """Add one document's counts (pred None = the document was not predicted). ``neutral``: gold span labels
    (as score.py's --neutral quote types) whose quotes a predicted quote may overlap without counting, right or
    wrong, where it overlaps no scored gold part."""
    if pred is None:
        tot["missing_docs"] += 1
        pred = {"text": gold["text"], "spans": [], "relations": []}
    if pred.get("text", gold["text"]) != gold["text"]:
        raise QuotesError("Prediction text differs from gold", f"document {(gold.get('meta') or {}).get('id')}")
    gparts, gspk = gold_parts(gold)
    pspk = _quote_speakers(pred, "QUOTE")
    pquotes = sorted(pspk)
    if neutral:
        spans = [(s["start"], s["end"]) for s in gold.get("spans", []) if s.get("label") in neutral]
        pquotes = [
            p for p in pquotes if any(overlap(p, g) > 0 for g in gparts) or not any(overlap(p, n) > 0 for n in spans)
        ]
    tot["q_gold"] += len(gparts)
    tot["q_pred"] += len(pquotes)
    tot["q_tp_exact"] += len(match(gparts, pquotes, True))
    m = match(gparts, pquotes, False)
    tot["q_tp_overlap"] += len(m)
    tot["pair_gold"] += sum(1 for s in gspk if s)
    tot["pair_pred"] += sum(1 for q in pquotes if pspk.get(q))
    for gi, pj in m.items():
        if gspk[gi]:
            tot["spk_gold"] += 1
            if any(overlap(ps, gs) > 0 for ps in pspk.get(pquotes[pj], []) for gs in gspk[gi]):
                tot["spk_ok"] += 1
                tot["pair_tp"] += 1


def figures(tot: Dict[str, int], docs: int) -> Dict[str, Any]:
    """The JSON object score.py prints."""
    return {
        "docs": docs,
        "missing_docs": tot["missing_docs"],
        "quote_exact": prf(tot["q_tp_exact"], tot["q_pred"], tot["q_gold"]),
        "quote_overlap": prf(tot["q_tp_overlap"], tot["q_pred"], tot["q_gold"]),
        "speaker_acc_on_found": round(tot["spk_ok"] / tot["spk_gold"], 4) if tot["spk_gold"] else 0.0,
        "attribution_e2e": prf(tot["pair_tp"], tot["pair_pred"], tot["pair_gold"]),
    }


def paired(gold: Iterable[Task], pred: Iterable[Task]) -> Iterable[Tuple[Task, Optional[Task]]]:
    """Each gold task with its prediction, matched by meta.id, else by identical text (None if missing)."""
    by_id: Dict[str, Task] = {}
    by_text: Dict[str, Task] = {}
    for t in pred:
        pid = (t.get("meta") or {}).get("id")
        if pid is not None:
            by_id[str(pid)] = t
        by_text[t.get("text")] = t
    for g in gold:
        gid = (g.get("meta") or {}).get("id")
        yield g, (by_id.get(str(gid)) if gid is not None else None) or by_text.get(g["text"])


def score_tasks(gold: Iterable[Task], pred: Iterable[Task], neutral: Sequence[str] = ()) -> Dict[str, Any]:
    """Score predicted tasks against gold tasks, matched by meta.id, else by identical text; ``neutral``: see
    :func:`add_counts`."""
    tot, n = new_totals(), 0
    for g, p in paired(gold, pred):
        n += 1
        add_counts(tot, g, p, neutral)
    return figures(tot, n)


def _label_spans(task: Task, label: str, text: str) -> List[Offsets]:
    """Trimmed offsets of the task's spans labelled ``label`` (SPEAKER and CUE: only those of a QUOTE)."""
    if label == "QUOTE":
        spans = [s for s in task.get("spans", []) if s.get("label") == label]
    else:
        spans = [
            r["child_span"]
            for r in task.get("relations", [])
            if (r.get("head_span") or {}).get("label") == "QUOTE" and (r.get("child_span") or {}).get("label") == label
        ]
    return sorted({trim(text, s["start"], s["end"]) for s in spans})


def label_scores(gold: Iterable[Task], pred: Iterable[Task]) -> Dict[str, Dict[str, Any]]:
    """Span P/R/F1 per label (QUOTE, SPEAKER, CUE), exact and overlapping.

    Every span of the label counts on its own: unlike the direct-quote figures above, quote parts
    are not merged, so QUOTE here can differ slightly from ``quote_exact``. SPEAKER and CUE spans
    count when a relation links them to a QUOTE (gold data may also hold speakers of indirect speech).
    """
    counts = {label: dict(exact=0, overlap=0, pred=0, gold=0) for label in SPAN_LABELS}
    for g, p in paired(gold, pred):
        for label, c in counts.items():
            gs, ps = _label_spans(g, label, g["text"]), _label_spans(p or {}, label, g["text"])
            c["gold"] += len(gs)
            c["pred"] += len(ps)
            c["exact"] += len(match(gs, ps, True))
            c["overlap"] += len(match(gs, ps, False))
    return {
        label: {"exact": prf(c["exact"], c["pred"], c["gold"]), "overlap": prf(c["overlap"], c["pred"], c["gold"])}
        for label, c in counts.items()
    }


def score_examples(examples: Iterable[Example], spans_key: str = SPANS_KEY) -> Dict[str, Any]:
    """score.py's figures over predicted vs reference docs, their spans in ``doc.spans[spans_key]``."""
    gold, pred = [], []
    for n, eg in enumerate(examples):
        gold.append(doc_to_task(eg.reference, meta={"id": n}, hashes=False, spans_key=spans_key))
        pred.append(doc_to_task(eg.predicted, meta={"id": n}, hashes=False, spans_key=spans_key))
    return score_tasks(gold, pred)


def cue_accuracy(examples: Iterable[Example]) -> float:
    """Share of gold quotes found exactly whose predicted cue overlaps a gold cue."""
    ok = total = 0
    for eg in examples:
        gold = [Link(*l) for l in eg.reference.user_data.get(LINKS_ATTR, []) if l[4] == CUE]
        pred = [Link(*l) for l in eg.predicted.user_data.get(LINKS_ATTR, []) if l[4] == CUE]
        heads = {(l.head_start, l.head_end) for l in gold}
        for h in heads:
            total += 1
            g = [l for l in gold if (l.head_start, l.head_end) == h]
            p = [l for l in pred if (l.head_start, l.head_end) == h]
            if any(a.child_start < b.child_end and b.child_start < a.child_end for a in g for b in p):
                ok += 1
    return round(ok / total, 4) if total else 0.0


Scorer = Callable[..., Dict[str, float]]


def quote_scores(examples: Iterable[Example], spans_key: str = SPANS_KEY, **kwargs: Any) -> Dict[str, float]:
    """Direct-quote exact and overlap F1, as score.py counts them (the detector's figures)."""
    result = score_examples(examples, spans_key)
    return {"quote_exact_f": result["quote_exact"]["f"], "quote_overlap_f": result["quote_overlap"]["f"]}


def speaker_scores(examples: Iterable[Example], spans_key: str = SPANS_KEY, **kwargs: Any) -> Dict[str, float]:
    """End-to-end quote→speaker F1 and speaker accuracy on found quotes (the speaker linker's figures)."""
    result = score_examples(examples, spans_key)
    return {"quote_speaker_f": result["attribution_e2e"]["f"], "speaker_acc": result["speaker_acc_on_found"]}


def cue_scores(examples: Iterable[Example], **kwargs: Any) -> Dict[str, float]:
    """Cue accuracy on found quotes (the cue linker's figures)."""
    return {"quote_cue_acc": cue_accuracy(examples)}


def attribution_scores(examples: Iterable[Example], spans_key: str = SPANS_KEY, **kwargs: Any) -> Dict[str, float]:
    """All of the above in one pass (the rule-based finder's figures, for ``nlp.evaluate`` on the rules)."""
    examples = list(examples)
    result = score_examples(examples, spans_key)
    return {
        "quote_exact_f": result["quote_exact"]["f"],
        "quote_overlap_f": result["quote_overlap"]["f"],
        "quote_speaker_f": result["attribution_e2e"]["f"],
        "speaker_acc": result["speaker_acc_on_found"],
        "quote_cue_acc": cue_accuracy(examples),
    }


# registered as spaCy registers its components' scorers, so a config can name (or replace) them
@registry.scorers("prodigy_quotes.quote_scorer.v1")
def make_quote_scorer() -> Scorer:
    return quote_scores


@registry.scorers("prodigy_quotes.speaker_scorer.v1")
def make_speaker_scorer() -> Scorer:
    return speaker_scores


@registry.scorers("prodigy_quotes.cue_scorer.v1")
def make_cue_scorer() -> Scorer:
    return cue_scores


@registry.scorers("prodigy_quotes.attribution_scorer.v1")
def make_attribution_scorer() -> Scorer:
    return attribution_scores
