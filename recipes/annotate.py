"""``quotes.manual`` and ``quotes.correct``: pre-annotated quotes, speakers and cues to correct.

Both stream one task per document in Prodigy's ``relations`` interface (tokens, spans and relations between spans):
spans QUOTE/SPEAKER/CUE and relations SPEAKER/CUE from each quote to its speaker and cue.
``manual`` pre-annotates with the rule-based quote finder, ``correct`` with a trained pipeline;
documents that already carry a ``spans`` list (e.g. ``dataset:NAME``) keep it instead. Documents longer
than ``--max-tokens`` are split at paragraph boundaries (``meta.part``/``parts``/``offset``).
Inputs already answered in the dataset or in ``--exclude`` datasets are skipped, so a
restarted session continues where it stopped.
"""

import re
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Set, Tuple

from spacy.language import Language

from .compat import Arg, connect, recipe, set_hashes, split_string
from .config import get_config
from .errors import InputError, QuotesError
from .finder import add_quote_finder, finder_patterns
from .loaders import DATASET_PREFIX, Source
from .loaders import get_stream as read_stream
from .page_hooks import event_hooks
from .pipeline import load_nlp
from .schema import (
    COREF,
    CUE,
    LINK_COLOURS,
    LINK_LABELS,
    RELATION_LABELS,
    SPAN_COLOURS,
    SPAN_LABELS,
    SPEAKER,
    quote_spans_key,
)
from .tasks import KNOWN_SPAN_LABELS, doc_to_task, task_to_doc, validate_task

DEFAULT_MAX_TOKENS = 600
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
_LINE_BREAK = re.compile(r"\n\s*")

Task = Dict[str, Any]
# Keys a pre-annotated task gets anew; the input's other keys (an "id", "url" ...) are kept.
_REBUILT = frozenset({"text", "tokens", "spans", "relations", "meta", "answer"})


# -- splitting long documents ----------------------------------------------------------------


def _paragraphs(text: str) -> List[Tuple[int, int]]:
    """Character ranges of the paragraphs (blank-line separated, else line separated)."""
    pattern = _PARAGRAPH_BREAK if _PARAGRAPH_BREAK.search(text) else _LINE_BREAK
    ranges, start = [], 0
    for match in pattern.finditer(text):
        if text[start : match.start()].strip():
            ranges.append((start, match.start()))
        start = match.end()
    if text[start:].strip():
        ranges.append((start, len(text.rstrip())))
    return ranges


def split_ranges(
    text: str, count_tokens: Callable[[str], int], max_tokens: int, keep_together: Sequence[Tuple[int, int]] = ()
) -> List[Tuple[int, int]]:
    """Group paragraphs into parts of at most ``max_tokens`` tokens (a longer paragraph stays whole).

    No part boundary falls inside a range of ``keep_together`` (existing spans).
    """
    if max_tokens <= 0 or count_tokens(text) <= max_tokens:
        return [(0, len(text))]
    paragraphs = _paragraphs(text)
    parts: List[Tuple[int, int]] = []
    start, end, size = None, None, 0
    for p_start, p_end in paragraphs:
        p_size = count_tokens(text[p_start:p_end])
        crosses = any(s < p_start < e for s, e in keep_together)
        if start is not None and size + p_size > max_tokens and not crosses:
            parts.append((start, end))
            start, size = None, 0
        if start is None:
            start = p_start
        end, size = p_end, size + p_size
    if start is not None:
        parts.append((start, end))
    return parts or [(0, len(text))]


def _shift_span(span: Dict[str, Any], offset: int) -> Dict[str, Any]:
    shifted = {k: v for k, v in span.items() if k not in ("token_start", "token_end")}
    shifted["start"], shifted["end"] = span["start"] - offset, span["end"] - offset
    return shifted


def part_task(task: Task, start: int, end: int, index: int, total: int) -> Task:
    """The sub-task for ``task["text"][start:end]``, with its spans and relations moved along."""
    if total == 1:
        return task
    inside = lambda s: start <= s["start"] and s["end"] <= end  # noqa: E731
    part: Task = {
        "text": task["text"][start:end],
        "meta": {**(task.get("meta") or {}), "part": index + 1, "parts": total, "offset": start},
    }
    if "spans" not in task:  # raw text: the pipeline annotates it
        return part
    part["spans"] = [_shift_span(s, start) for s in task.get("spans") or [] if inside(s)]
    part["relations"] = [
        {**r, "head_span": _shift_span(r["head_span"], start), "child_span": _shift_span(r["child_span"], start)}
        for r in task.get("relations") or []
        if inside(r.get("head_span", {"start": -1, "end": -1}))
        and inside(r.get("child_span", {"start": -1, "end": -1}))
    ]
    for key in ("head", "child"):
        for r in part["relations"]:
            r.pop(key, None)
    return part


# -- the stream ------------------------------------------------------------------------------


def check_source(source: Any) -> None:
    """Fail before serving when the source can't be read (the stream itself is lazy)."""
    if not isinstance(source, (str, Path)):
        return
    text = str(source)
    if text == "-":
        return
    if text.startswith(DATASET_PREFIX):
        name = text[len(DATASET_PREFIX) :]
        if name not in connect():
            raise InputError(text, None, f"no dataset named '{name}'; see `quotes stats -l` for the datasets")
    elif not Path(text).exists():
        raise InputError(
            text, None, "no such file or folder; give a .jsonl or .txt file, a folder of them, - or dataset:NAME"
        )


def _count_tokens(nlp: Language, text: str) -> int:
    """Tokens of a text; for one beyond the pipeline's ``max_length`` (which it cannot tokenize) a figure above
    any ``--max-tokens``, so it gets split into paragraphs."""
    return len(nlp.make_doc(text)) if len(text) <= nlp.max_length else len(text)


def _docs_to_tasks(nlp: Language, tasks: Iterable[Task], max_tokens: int) -> Iterator[Task]:
    count = lambda text: _count_tokens(nlp, text)  # noqa: E731
    key = quote_spans_key(nlp)
    for task in tasks:
        keep = [(s["start"], s["end"]) for s in task.get("spans") or []]
        for rel in task.get("relations") or []:  # a quote and its speaker stay in one part
            ends = [rel.get("head_span") or {}, rel.get("child_span") or {}]
            if all(isinstance(e.get("start"), int) and isinstance(e.get("end"), int) for e in ends):
                keep.append((min(e["start"] for e in ends), max(e["end"] for e in ends)))
        ranges = split_ranges(task["text"], count, max_tokens, keep)
        for i, (start, end) in enumerate(ranges):
            if end - start > nlp.max_length:
                raise QuotesError(
                    f"A paragraph of {end - start:,} characters is longer than the pipeline can read "
                    f"({nlp.max_length:,})",
                    "Split the text into paragraphs (blank lines between them) or shorten it.",
                )
            part = part_task(task, start, end, i, len(ranges))
            if "spans" in part:
                doc = task_to_doc(nlp, part, key)  # already annotated (even if it found no quotes): keep it
            else:
                doc = nlp(part["text"])
            out = doc_to_task(doc, meta=part.get("meta"), hashes=False, spans_key=key)
            out.update({k: v for k, v in task.items() if k not in out and k not in _REBUILT and not k.startswith("_")})
            yield set_hashes(out)


def annotation_stream(
    nlp: Language, source: Any, dataset: str, exclude: Sequence[str] = (), max_tokens: int = DEFAULT_MAX_TOKENS
) -> Iterator[Task]:
    """Lazily pre-annotated tasks, skipping inputs answered in ``dataset`` or ``exclude``.

    With ``feed_overlap`` every annotator sees every input, so answers in ``dataset`` only
    exclude per session, which the server does; the stream then skips ``exclude`` alone.
    """
    db = connect()
    overlap = bool(get_config().get("feed_overlap"))
    names = [name for name in [None if overlap else dataset, *exclude] if name]
    seen: Set[int] = set(db.get_input_hashes(*names)) if names else set()
    docs = Source(str(source)) if isinstance(source, (str, Path)) else source
    tasks = _docs_to_tasks(nlp, read_stream(docs, rehash=True, dedup=True, input_key="text"), max_tokens)
    try:
        for task in tasks:
            if task["_input_hash"] in seen:
                continue
            seen.add(task["_input_hash"])
            yield task
    except QuotesError as err:
        if isinstance(docs, Source) and not isinstance(err, InputError):  # name the file and line it came from
            raise InputError(docs.where[0], docs.where[1], f"{err.title}. {err.detail}") from None
        raise


# -- answers ---------------------------------------------------------------------------------


def answer_problems(eg: Task, span_labels: Sequence[str]) -> List[str]:
    """What is wrong with an accepted answer: bad spans, relations to missing or wrong spans."""
    problems = validate_task(eg, span_labels=span_labels, relation_labels=LINK_LABELS)
    labels = {(s.get("start"), s.get("end")): s.get("label") for s in eg.get("spans") or []}
    for i, rel in enumerate(eg.get("relations") or []):
        head, child = rel.get("head_span") or {}, rel.get("child_span") or {}
        head_label, child_label = (
            labels.get((head.get("start"), head.get("end"))),
            labels.get((child.get("start"), child.get("end"))),
        )
        if rel.get("label") == COREF:
            if head_label is not None and head_label not in (SPEAKER, CUE) or child_label == CUE:
                problems.append(f"relation {i} is a COREF link: draw it from a speaker mention to the one it means")
            continue
        if head_label in (SPEAKER, CUE):
            problems.append(
                f"relation {i} starts at a {head_label} span; draw {rel.get('label')} relations from the quote"
            )
        if child_label is not None and rel.get("label") in RELATION_LABELS and child_label != rel.get("label"):
            problems.append(f"relation {i} is labelled {rel.get('label')} but points at a {child_label} span")
    return problems


def make_validate_answer(span_labels: Sequence[str]) -> Callable[[Task], None]:
    """Prodigy's ``validate_answer`` callback: raise with a message the annotator sees."""

    allowed = list(dict.fromkeys([*span_labels, *KNOWN_SPAN_LABELS]))  # pre-annotated INDIRECT etc. stay valid

    def validate_answer(eg: Task) -> None:
        if eg.get("answer", "accept") != "accept":
            return
        problems = answer_problems(eg, allowed)
        if problems:
            raise ValueError("Please fix: " + "; ".join(problems))

    return validate_answer


def components(
    dataset: str,
    nlp: Language,
    stream: Iterator[Task],
    exclude: Sequence[str],
    wrap: bool,
    span_labels: Sequence[str],
    hide_arrow_heads: bool = False,
) -> Dict[str, Any]:
    """The Prodigy components dict shared by quotes.manual and quotes.correct."""
    return {
        "dataset": dataset,
        "view_id": "relations",
        "stream": stream,
        "exclude": list(exclude) or None,
        "validate_answer": make_validate_answer(span_labels),
        "event_hooks": event_hooks(finder_patterns(nlp)),
        "config": {
            "lang": nlp.lang,
            "labels": list(RELATION_LABELS),
            "relations_span_labels": list(span_labels),
            "exclude_by": "input",
            "wrap_relations": wrap,
            "hide_relation_arrow": hide_arrow_heads,
            "auto_count_stream": True,
            "custom_theme": {
                "cardMaxWidth": "90%",
                "labels": {k: v for k, v in SPAN_COLOURS.items() if k in span_labels},
            },
            "link_colours": dict(LINK_COLOURS),
        },
    }


def _with_finder(nlp: Language, patterns: Optional[str]) -> Language:
    if "quote_finder" in nlp.pipe_names:
        return nlp
    return add_quote_finder(nlp, patterns_dir=patterns)


def _check_trained(nlp: Language, name: Any) -> None:
    """A pipeline for quotes.correct must predict quotes: refuse blank or finder-less ones."""
    probe = nlp("„Das ist gut“, sagte sie.")
    if not nlp.pipe_names or quote_spans_key(nlp) not in probe.spans:
        raise QuotesError(
            f"The pipeline '{name}' doesn't predict quotes",
            "quotes.correct needs a pipeline trained with `quotes train`; for rule-based suggestions use quotes.manual.",
        )


_SHARED_ARGS = dict(
    dataset=Arg(help="Dataset to save annotations to"),
    source=Arg(help="Documents: JSONL or .txt file, folder of them, - (stdin) or dataset:NAME"),
    exclude=Arg("--exclude", "-e", help="Comma-separated datasets whose inputs to skip", converter=split_string),
    wrap=Arg("--wrap", "-W", help="Wrap the text over several lines instead of one long row"),
    max_tokens=Arg("--max-tokens", "-mt", help="Split longer documents at paragraph boundaries (0: never split)"),
    span_label=Arg(
        "--span-label", "-sl", help="Comma-separated span labels (default QUOTE,SPEAKER,CUE)", converter=split_string
    ),
    hide_arrow_heads=Arg("--hide-arrow-heads", "-HA", help="Draw relations without arrow heads"),
)


@recipe(
    "quotes.manual",
    spacy_model=Arg(
        help="spaCy pipeline for tokens (blank:de, blank:en, a package or folder); its parser/NER help when present"
    ),
    patterns=Arg(
        "--patterns", "-pt", help="Folder of quote-finder pattern files (default: the built-in ones for the language)"
    ),
    **_SHARED_ARGS,
)
def quotes_manual(
    dataset: str,
    spacy_model: str,
    source: str,
    patterns: Optional[str] = None,
    exclude: Optional[List[str]] = None,
    wrap: bool = False,
    max_tokens: int = DEFAULT_MAX_TOKENS,
    span_label: Optional[List[str]] = None,
    hide_arrow_heads: bool = False,
) -> Dict[str, Any]:
    """Correct rule-based quotes, speakers and cues in the relations interface, one task per document."""
    check_source(source)
    nlp = _with_finder(load_nlp(spacy_model), patterns)
    exclude_list = split_string(exclude)
    span_labels = split_string(span_label) or list(SPAN_LABELS)
    stream = annotation_stream(nlp, source, dataset, exclude_list, max_tokens)
    return components(dataset, nlp, stream, exclude_list, wrap, span_labels, hide_arrow_heads)


@recipe(
    "quotes.correct",
    model=Arg(help="Trained pipeline (folder or package) that predicts quotes, speakers and cues"),
    **_SHARED_ARGS,
)
def quotes_correct(
    dataset: str,
    model: str,
    source: str,
    exclude: Optional[List[str]] = None,
    wrap: bool = False,
    max_tokens: int = DEFAULT_MAX_TOKENS,
    span_label: Optional[List[str]] = None,
    hide_arrow_heads: bool = False,
) -> Dict[str, Any]:
    """Correct a trained pipeline's quotes, speakers and cues in the relations interface."""
    check_source(source)
    nlp = load_nlp(model)
    _check_trained(nlp, model)
    exclude_list = split_string(exclude)
    span_labels = split_string(span_label) or list(SPAN_LABELS)
    stream = annotation_stream(nlp, source, dataset, exclude_list, max_tokens)
    return components(dataset, nlp, stream, exclude_list, wrap, span_labels, hide_arrow_heads)
