"""Convert between spaCy docs and Prodigy tasks, and check tasks against the contract.

A task, in Prodigy's format, is ``{"text", "tokens", "spans", "relations", "meta",
"_input_hash", "_task_hash"}``. Tokens carry ``text/start/end/id/ws``; spans carry character
offsets (end exclusive) and *inclusive* ``token_start``/``token_end``; a relation's
``head``/``child`` is the ``token_end`` of its head/child span, with full copies of both spans in
``head_span``/``child_span``.
"""

from typing import Any, Dict, Iterable, List, Optional, Union

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.vocab import Vocab

from .hashing import set_hashes
from .schema import EXTRA_QUOTE_LABELS, LINK_LABELS, RELATION_LABELS, SPAN_LABELS, SPANS_KEY, Link, add_link, get_links

Task = Dict[str, Any]
KNOWN_SPAN_LABELS = SPAN_LABELS + EXTRA_QUOTE_LABELS


def tokens_of(doc: Doc) -> List[Dict[str, Any]]:
    """Prodigy token dicts for every token of ``doc``."""
    return [
        {"text": t.text, "start": t.idx, "end": t.idx + len(t.text), "id": t.i, "ws": bool(t.whitespace_)} for t in doc
    ]


def span_dict(span: Span, label: Optional[str] = None) -> Dict[str, Any]:
    """A Prodigy span dict (inclusive ``token_end``) for a spaCy span."""
    return {
        "start": span.start_char,
        "end": span.end_char,
        "token_start": span.start,
        "token_end": span.end - 1,
        "label": label or span.label_,
    }


def _sorted_spans(doc: Doc, spans_key: str = SPANS_KEY) -> List[Span]:
    spans = doc.spans[spans_key] if spans_key in doc.spans else []
    unique = {(s.start, s.end, s.label_): s for s in spans}
    return sorted(unique.values(), key=lambda s: (s.start, -s.end, s.label_))


def relations_of(doc: Doc, spans_key: str = SPANS_KEY) -> List[Dict[str, Any]]:
    """Prodigy relation dicts for ``doc._.quote_links``; both ends must be spans of the doc.

    One stretch of tokens may carry two labels (a QUOTE that is also INDIRECT, a word that is
    SPEAKER and CUE): the child takes the label matching the link, and every quote-type label
    of the head gets its own relation.
    """
    labels: Dict[tuple, List[str]] = {}
    for s in _sorted_spans(doc, spans_key):
        labels.setdefault((s.start, s.end), []).append(s.label_)
    relations = []
    for link in get_links(doc):
        head, child = doc[link.head_start : link.head_end], doc[link.child_start : link.child_end]
        at_head = labels.get((head.start, head.end), [])
        head_labels = [lb for lb in at_head if lb not in RELATION_LABELS] or at_head[:1] or ["QUOTE"]
        at_child = labels.get((child.start, child.end), [])
        child_label = link.label if link.label in at_child or not at_child else at_child[0]
        child_span = span_dict(child, child_label)
        for head_label in head_labels:
            head_span = span_dict(head, head_label)
            relations.append(
                {
                    "head": head_span["token_end"],
                    "child": child_span["token_end"],
                    "head_span": head_span,
                    "child_span": dict(child_span),
                    "label": link.label,
                }
            )
    return relations


def doc_to_task(
    doc: Doc, meta: Optional[Dict[str, Any]] = None, hashes: bool = True, spans_key: str = SPANS_KEY
) -> Task:
    """The Prodigy task for a doc whose quotes, speakers and cues are set (in ``doc.spans[spans_key]``: the
    pipeline's key, see :func:`~.schema.quote_spans_key`)."""
    task: Task = {"text": doc.text, "meta": dict(meta or {}), "tokens": tokens_of(doc)}
    task["spans"] = [dict(span_dict(s), text=s.text) for s in _sorted_spans(doc, spans_key)]
    task["relations"] = relations_of(doc, spans_key)
    return set_hashes(task) if hashes else task


def _doc_from_tokens(vocab: Vocab, task: Task) -> Optional[Doc]:
    tokens = task.get("tokens")
    if not tokens:
        return None
    text = task["text"]
    words, spaces, pos = [], [], 0
    for tok in tokens:
        if tok["start"] != pos:
            return None  # untokenised gap: let the tokenizer redo it
        words.append(text[tok["start"] : tok["end"]])
        ws = tok.get("ws", tok["end"] < len(text) and text[tok["end"]] == " ")
        spaces.append(bool(ws))
        pos = tok["end"] + (1 if ws else 0)
    doc = Doc(vocab, words=words, spaces=spaces)
    return doc if doc.text == text else None


def _make_span(doc: Doc, start: int, end: int, label: str) -> Optional[Span]:
    span = doc.char_span(start, end, label=label, alignment_mode="expand")
    return span if span is not None and len(span) else None


def task_to_doc(nlp: Union[Language, Vocab], task: Task, spans_key: str = SPANS_KEY) -> Doc:
    """A doc with the task's spans in ``doc.spans[spans_key]`` and its relations as links.

    Uses the task's own tokens when they reproduce the text, else tokenizes with ``nlp``.
    """
    vocab = nlp if isinstance(nlp, Vocab) else nlp.vocab
    doc = _doc_from_tokens(vocab, task)
    if doc is None:
        if isinstance(nlp, Vocab):
            raise ValueError("task has no usable tokens; pass a Language to tokenize it")
        doc = nlp.make_doc(task["text"])
    spans: Dict[tuple, Span] = {}  # keyed by offsets and label: one stretch may carry two labels
    for s in task.get("spans", []):
        span = _make_span(doc, s["start"], s["end"], s.get("label") or "")
        if span is not None:
            spans.setdefault((s["start"], s["end"], s.get("label") or ""), span)
    doc.spans[spans_key] = list(spans.values())
    by_offsets: Dict[tuple, Span] = {}
    for (start, end, _), span in spans.items():
        by_offsets.setdefault((start, end), span)

    def find(ref: Dict[str, Any]) -> Optional[Span]:
        return spans.get((ref["start"], ref["end"], ref.get("label") or "")) or by_offsets.get(
            (ref["start"], ref["end"])
        )

    for rel in task.get("relations", []):
        head, child = find(rel["head_span"]), find(rel["child_span"])
        if head is not None and child is not None:
            add_link(doc, head, child, rel.get("label") or child.label_)
    return doc


def with_tokens(nlp: Language, task: Task) -> Task:
    """The task with ``tokens`` made by ``nlp``'s tokenizer where it has none (gold from another tool), its spans
    and relations snapped to them. A span that does not fall on token boundaries is widened to them, one outside
    the text is dropped, and ``meta["snapped"]`` says which, so the annotator sees it."""
    if task.get("tokens"):
        return task
    text = task.get("text") or ""
    doc = nlp.make_doc(text)
    task = dict(task, tokens=tokens_of(doc))
    notes: List[str] = []
    snapped: Dict[tuple, Dict[str, Any]] = {}

    def snap(span: Dict[str, Any]) -> Optional[Dict[str, Any]]:
        key = (span.get("start"), span.get("end"), span.get("label"))
        if key in snapped:
            return snapped[key]
        start, end, label = span.get("start"), span.get("end"), span.get("label") or ""
        found = (
            doc.char_span(start, end, alignment_mode="expand")
            if isinstance(start, int) and isinstance(end, int)
            else None
        )
        while found is not None and len(found) and found[0].is_space:
            found = found[1:]
        while found is not None and len(found) and found[-1].is_space:
            found = found[:-1]
        if found is None or not len(found):
            notes.append(f"{label} {start}-{end} lies outside the text or on no word: dropped")
            snapped[key] = None  # type: ignore[assignment]
            return None
        if (found.start_char, found.end_char) != (start, end):
            notes.append(f"{label} {start}-{end} widened to the words {found.start_char}-{found.end_char}")
        out = dict(span, **span_dict(found, label), text=found.text)
        snapped[key] = out
        return out

    task["spans"] = [s for s in (snap(span) for span in task.get("spans") or []) if s is not None]
    relations = []
    for rel in task.get("relations") or []:
        head, child = snap(rel.get("head_span") or {}), snap(rel.get("child_span") or {})
        if head is not None and child is not None:
            relations.append(
                dict(rel, head=head["token_end"], child=child["token_end"], head_span=head, child_span=child)
            )
    task["relations"] = relations
    if notes:
        task["meta"] = dict(task.get("meta") or {}, snapped="; ".join(dict.fromkeys(notes)))
    return task


def _check_span(task: Task, span: Dict[str, Any], labels: Iterable[str], what: str) -> List[str]:
    text, problems = task["text"], []
    start, end = span.get("start"), span.get("end")
    if not isinstance(start, int) or not isinstance(end, int) or not 0 <= start < end <= len(text):
        return [f"{what} has offsets {start}..{end} outside the text (length {len(text)})"]
    if labels and span.get("label") not in labels:
        problems.append(f"{what} has unknown label {span.get('label')!r} (expected one of {', '.join(labels)})")
    if "text" in span and span["text"] != text[start:end]:
        problems.append(f"{what} text {span['text']!r} does not match the task text {text[start:end]!r}")
    tokens = task.get("tokens")
    if tokens and "token_start" in span:
        ts, te = span.get("token_start"), span.get("token_end")
        if not (isinstance(ts, int) and isinstance(te, int) and 0 <= ts <= te < len(tokens)):
            problems.append(f"{what} has token indices {ts}..{te} outside the {len(tokens)} tokens")
        elif tokens[ts]["start"] != start or tokens[te]["end"] != end:
            problems.append(f"{what} offsets {start}..{end} do not match tokens {ts}..{te}")
    return problems


def validate_task(
    task: Any, span_labels: Iterable[str] = KNOWN_SPAN_LABELS, relation_labels: Iterable[str] = LINK_LABELS
) -> List[str]:
    """Everything wrong with a task, as sentences; an empty list means it is valid."""
    if not isinstance(task, dict):
        return [f"expected a JSON object, got {type(task).__name__}"]
    text = task.get("text")
    if not isinstance(text, str):
        return ['missing "text" (a string)']
    problems = []
    for i, tok in enumerate(task.get("tokens") or []):
        if text[tok.get("start", 0) : tok.get("end", 0)] != tok.get("text"):
            problems.append(
                f"token {i} {tok.get('text')!r} does not match the text at {tok.get('start')}..{tok.get('end')}"
            )
            break
    span_labels, relation_labels = tuple(span_labels), tuple(relation_labels)
    known = set()
    for i, span in enumerate(task.get("spans") or []):
        problems += _check_span(task, span, span_labels, f"span {i}")
        known.add((span.get("start"), span.get("end")))
    for i, rel in enumerate(task.get("relations") or []):
        if relation_labels and rel.get("label") not in relation_labels:
            problems.append(f"relation {i} has unknown label {rel.get('label')!r}")
        for end in ("head", "child"):
            span = rel.get(f"{end}_span")
            if not isinstance(span, dict):
                problems.append(f"relation {i} has no {end}_span")
            elif (span.get("start"), span.get("end")) not in known:
                problems.append(
                    f"relation {i} {end} points at {span.get('start')}..{span.get('end')}, which is not a span of the task"
                )
            elif task.get("tokens") and rel.get(end) != span.get("token_end"):
                problems.append(
                    f"relation {i} {end}={rel.get(end)} is not the last token ({span.get('token_end')}) of its span"
                )
    return problems


def links_of(doc: Doc) -> List[Link]:
    """The doc's quote links (re-exported for callers that only import tasks)."""
    return get_links(doc)
