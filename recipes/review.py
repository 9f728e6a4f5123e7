"""``quotes.review``: merge several annotators' answers to the same input into one gold version.

Answers from the input datasets are grouped by ``_input_hash``; answers that agree on spans,
relations and answer form one *version* listing its sessions (relations count, as in
Prodigy's ``review`` recipe). Each review task pre-fills the most common
version, carries all versions in ``versions`` (Prodigy's review interface shows them) and
names what the versions disagree on in ``diff`` and ``meta``. The reviewer's answer is stored
once per input; inputs already reviewed are skipped.
"""

import copy
from collections import OrderedDict
from typing import Any, Dict, Iterable, Iterator, List, Sequence, Tuple

from .annotate import make_validate_answer
from .compat import Arg, connect, recipe, split_string
from .dbcommands import require_dataset
from .errors import QuotesError
from .hashing import REVIEW_TASK_KEYS, set_hashes
from .page_hooks import event_hooks
from .schema import EXTRA_QUOTE_LABELS, LINK_COLOURS, RELATION_LABELS, SPAN_COLOURS, SPAN_LABELS
from .tasks import with_tokens

Task = Dict[str, Any]
VERSION_DROP = ("versions", "diff", "_review")


def _session(eg: Task, dataset: str) -> str:
    return eg.get("_session_id") or eg.get("_annotator_id") or dataset


def _span_key(span: Dict[str, Any]) -> Tuple[Any, Any, Any]:
    return (span.get("start"), span.get("end"), span.get("label"))


def _rel_key(rel: Dict[str, Any]) -> Tuple[Any, ...]:
    return (_span_key(rel.get("head_span") or {}), _span_key(rel.get("child_span") or {}), rel.get("label"))


def answer_key(eg: Task) -> Tuple[Any, ...]:
    """What makes two answers the same: their spans, their relations and the answer itself."""
    spans = frozenset(_span_key(s) for s in eg.get("spans") or [])
    relations = frozenset(_rel_key(r) for r in eg.get("relations") or [])
    return (spans, relations, eg.get("answer"))


def group_answers(datasets: Sequence[str], db: Any) -> "OrderedDict[int, List[Tuple[str, Task]]]":
    """Every non-ignored answer of the datasets, grouped by input hash in order of appearance."""
    groups: "OrderedDict[int, List[Tuple[str, Task]]]" = OrderedDict()
    seen = set()
    for name in datasets:
        for eg in db.get_dataset_examples(name) if hasattr(db, "get_dataset_examples") else db.get_dataset(name):
            if eg.get("answer") == "ignore":
                continue
            key = (_session(eg, name), eg.get("_input_hash"), answer_key(eg))
            if key in seen:  # the same answer linked to several input datasets
                continue
            seen.add(key)
            groups.setdefault(eg["_input_hash"], []).append((_session(eg, name), eg))
    return groups


def versions_of(answers: Iterable[Tuple[str, Task]]) -> List[Task]:
    """Distinct versions (spans + relations + answer) with the sessions that gave each, commonest first."""
    versions: "OrderedDict[Tuple[Any, ...], Task]" = OrderedDict()
    for session, eg in answers:
        key = answer_key(eg)
        if key not in versions:
            version = {k: copy.deepcopy(v) for k, v in eg.items() if k not in VERSION_DROP}
            version["sessions"] = []
            versions[key] = version
        if session not in versions[key]["sessions"]:
            versions[key]["sessions"].append(session)
    ordered = sorted(versions.values(), key=lambda v: -len(v["sessions"]))  # stable: ties keep first seen
    for i, version in enumerate(ordered):
        version["default"] = i == 0
    return ordered


def differences(versions: Sequence[Task]) -> Dict[str, List[Dict[str, Any]]]:
    """Spans and relations not shared by every version, with the sessions that have them."""
    diff: Dict[str, List[Dict[str, Any]]] = {"spans": [], "relations": [], "answers": []}
    if len(versions) < 2:
        return diff
    for field, key in (("spans", _span_key), ("relations", _rel_key)):
        holders: "OrderedDict[Any, Tuple[Dict[str, Any], List[str]]]" = OrderedDict()
        for version in versions:
            for item in version.get(field) or []:
                entry = holders.setdefault(key(item), (item, []))
                entry[1].extend(s for s in version["sessions"] if s not in entry[1])
        everyone = {s for v in versions for s in v["sessions"]}
        for item, sessions in holders.values():
            if set(sessions) != everyone:
                diff[field].append({"item": item, "sessions": sessions})
    answers = {v.get("answer") for v in versions}
    if len(answers) > 1:
        diff["answers"] = [{"answer": v.get("answer"), "sessions": v["sessions"]} for v in versions]
    return diff


def _describe(diff: Dict[str, List[Dict[str, Any]]]) -> str:
    parts = []
    for entry in diff["spans"]:
        span = entry["item"]
        parts.append(f"{span.get('label')} {span.get('start')}-{span.get('end')} only {','.join(entry['sessions'])}")
    for entry in diff["relations"]:
        rel = entry["item"]
        parts.append(
            f"{rel.get('label')} link {rel['head_span'].get('start')}->{rel['child_span'].get('start')} only {','.join(entry['sessions'])}"
        )
    if diff["answers"]:
        parts.append("answers differ")
    return "; ".join(parts)


def review_task(answers: Sequence[Tuple[str, Task]]) -> Task:
    """One task to review: the commonest version pre-filled, all versions attached, differences named."""
    versions = versions_of(answers)
    task = {k: copy.deepcopy(v) for k, v in versions[0].items() if k not in ("sessions", "default", "answer")}
    for key in ("_session_id", "_annotator_id", "_timestamp", "_view_id"):
        task.pop(key, None)
    diff = differences(versions)
    task["view_id"] = "relations"
    task["versions"] = versions
    task["diff"] = diff
    sessions = [s for v in versions for s in v["sessions"]]
    task["meta"] = {**(task.get("meta") or {}), "versions": len(versions), "sessions": ", ".join(sessions)}
    described = _describe(diff)
    if described:
        task["meta"]["differs"] = described
    task.pop("_task_hash", None)
    return set_hashes(task, task_keys=REVIEW_TASK_KEYS)


def review_stream(
    db: Any, dataset: str, in_datasets: Sequence[str], auto_accept: bool, accept_single: bool, nlp: Any = None
) -> Iterator[Task]:
    """Review tasks for inputs not yet reviewed; agreed ones are stored directly with --auto-accept. Answers
    without tokens (gold imported with db-in) get ``nlp``'s tokens, so the page can show their spans."""
    done = set(db.get_input_hashes(dataset))
    for input_hash, answers in group_answers(in_datasets, db).items():
        if input_hash in done:
            continue
        if nlp is not None:
            answers = [(session, with_tokens(nlp, eg)) for session, eg in answers]
        task = review_task(answers)
        versions = task["versions"]
        agreed = len(versions) == 1 and (accept_single or len(versions[0]["sessions"]) > 1)
        if auto_accept and agreed and versions[0].get("answer") == "accept":
            db.add_examples([before_db_one({**task, "answer": "accept", "_view_id": "review"})], datasets=[dataset])
            continue
        yield task


def before_db_one(eg: Task) -> Task:
    """Keep a short record of the versions instead of their full copies."""
    eg = dict(eg)
    versions = eg.pop("versions", None) or []
    eg.pop("diff", None)
    eg["_review"] = {
        "versions": len(versions),
        "sessions": [s for v in versions for s in v.get("sessions", [])],
        "agreed": len(versions) == 1,
    }
    return eg


def _tokenizer(lang: str) -> Any:
    """A blank pipeline of ``lang`` (its tokenizer), or a clear error for an unknown language code."""
    import spacy

    try:
        return spacy.blank(lang or "de")
    except ImportError as err:
        raise QuotesError(
            f"Unknown language '{lang}'", "Give a spaCy language code with --lang, e.g. de or en."
        ) from err


@recipe(
    "quotes.review",
    dataset=Arg(help="Dataset to save the reviewed answers to"),
    in_datasets=Arg(help="Comma-separated datasets with the annotators' answers", converter=split_string),
    auto_accept=Arg("--auto-accept", "-A", help="Store inputs all annotators agree on without asking"),
    accept_single=Arg(
        "--accept-single", "-S", help="With --auto-accept, also store inputs only one annotator answered"
    ),
    wrap=Arg("--wrap", "-W", help="Wrap the text over several lines instead of one long row"),
    lang=Arg("--lang", "-l", help="Language whose tokenizer splits answers that come without tokens (default: de)"),
)
def quotes_review(
    dataset: str,
    in_datasets: List[str],
    auto_accept: bool = False,
    accept_single: bool = False,
    wrap: bool = False,
    lang: str = "de",
) -> Dict[str, Any]:
    """Review and merge several annotators' quotes, speakers and cues into one version per input."""
    names = split_string(in_datasets)
    if not names:
        raise QuotesError("No input datasets given", "Name the annotators' datasets, e.g. quotes_alex,quotes_bea.")
    if dataset in names:
        raise QuotesError(f"'{dataset}' is both the output and an input", "Save the reviewed answers to a new dataset.")
    db = connect()
    for name in names:
        require_dataset(db, name)
    span_labels = list(SPAN_LABELS) + list(EXTRA_QUOTE_LABELS)
    return {
        "dataset": dataset,
        "view_id": "review",
        "stream": review_stream(db, dataset, names, auto_accept, accept_single, _tokenizer(lang)),
        "before_db": lambda examples: [before_db_one(eg) for eg in examples],
        "validate_answer": make_validate_answer(span_labels),
        "event_hooks": event_hooks(),
        "config": {
            "labels": list(RELATION_LABELS),
            "relations_span_labels": span_labels,
            "exclude_by": "input",
            "wrap_relations": wrap,
            "custom_theme": {"cardMaxWidth": "90%", "labels": dict(SPAN_COLOURS)},
            "link_colours": dict(LINK_COLOURS),
        },
    }
