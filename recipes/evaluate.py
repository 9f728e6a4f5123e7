"""quotes.evaluate: score a pipeline (or the rules alone) against gold tasks, as score.py does.

The metric itself is in :mod:`.scoring`; gold tasks are read by :func:`.loaders.read_tasks`.
"""

import json
from typing import Any, Dict, List, Sequence

from .compat import Arg, recipe
from .errors import QuotesError
from .loaders import accepted, read_tasks
from .pipeline import load_quote_pipeline
from .schema import quote_spans_key
from .scoring import Task, label_scores, score_tasks
from .tasks import doc_to_task


def predict_tasks(model: str, gold: Sequence[Task], batch_size: int = 32) -> List[Task]:
    """Run ``model`` (a pipeline or patterns:xx) over the gold texts and return tasks."""
    nlp = load_quote_pipeline(model)
    texts = [t["text"] for t in gold]
    out, key = [], quote_spans_key(nlp)
    for doc, g in zip(nlp.pipe(texts, batch_size=batch_size), gold):
        out.append(doc_to_task(doc, meta=g.get("meta"), hashes=False, spans_key=key))
    return out


def format_table(result: Dict[str, Any]) -> str:
    """A plain text table of the figures."""
    rows = [("metric", "P", "R", "F1", "tp", "pred", "gold")]
    for key, name in (
        ("quote_exact", "QUOTE exact"),
        ("quote_overlap", "QUOTE overlap"),
        ("attribution_e2e", "QUOTE→SPEAKER e2e"),
    ):
        v = result[key]
        rows.append(
            (name, f"{v['p']:.4f}", f"{v['r']:.4f}", f"{v['f']:.4f}", str(v["tp"]), str(v["pred"]), str(v["gold"]))
        )
    for label, by_kind in result.get("labels", {}).items():
        for kind, v in by_kind.items():
            rows.append(
                (
                    f"{label} spans {kind}",
                    f"{v['p']:.4f}",
                    f"{v['r']:.4f}",
                    f"{v['f']:.4f}",
                    str(v["tp"]),
                    str(v["pred"]),
                    str(v["gold"]),
                )
            )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
    lines.append(f"SPEAKER accuracy on found quotes: {result['speaker_acc_on_found']:.4f}")
    lines.append(f"documents: {result['docs']}")
    return "\n".join(lines)


@recipe(
    "quotes.evaluate",
    model=Arg(help="A trained pipeline (folder or package), or patterns:de / patterns:en for the rules alone"),
    source=Arg(help="Dataset name or .jsonl file of gold tasks (QUOTE spans + SPEAKER relations)"),
    json_output=Arg("--json", "-J", help="Print the figures as JSON instead of a table"),
    neutral=Arg(
        "--neutral",
        help="Comma-separated gold span labels (e.g. INDIRECT) whose quotes a predicted quote may overlap without "
        "counting, as score.py's --neutral",
    ),
)
def quotes_evaluate(model: str, source: str, json_output: bool = False, neutral: str = "") -> None:
    """Score a pipeline's direct quotes and quote→speaker links against gold tasks, as score.py does."""
    result = evaluate(model, source, [label.strip() for label in neutral.split(",") if label.strip()])
    print(json.dumps(result) if json_output else format_table(result))


def evaluate(model: str, source: str, neutral: Sequence[str] = ()) -> Dict[str, Any]:
    """The figures for ``model`` on the accepted gold tasks in ``source``; ``neutral``: gold span labels whose
    overlapping predicted quotes are left out (see :func:`.scoring.add_counts`)."""
    gold = accepted(read_tasks(source))
    if not gold:
        raise QuotesError(f"No accepted examples in '{source}'", "Annotate and accept some examples first.")
    pred = predict_tasks(model, gold)
    return {**score_tasks(gold, pred, neutral), "labels": label_scores(gold, pred)}
