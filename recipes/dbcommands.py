"""CLI-only data commands, as Prodigy's own: ``db-in``, ``db-out``, ``stats`` and ``drop``.

They work on whatever ``connect()`` gives: Prodigy's database when Prodigy is installed, the
built-in SQLite store otherwise. ``db-in`` checks every task before it writes anything, and
writes all of them in one transaction, so a failed import leaves the dataset as it was.
"""

import json
import platform
import sys
from collections import Counter
from contextlib import contextmanager, nullcontext
from datetime import datetime
from pathlib import Path
from typing import IO, Any, Dict, Iterator, List, Optional, Tuple

import spacy
import typer

from . import __version__
from .compat import Arg, command, connect, set_hashes, split_string
from .config import prodigy_home
from .errors import InputError, QuotesError
from .loaders import Source
from .tasks import KNOWN_SPAN_LABELS, validate_task

ANSWERS = ("accept", "reject", "ignore")
MAX_LISTED = 20


def session_timestamp() -> str:
    """Prodigy's default session id: the current time as ``YYYY-MM-DD_HH-MM-SS``."""
    return datetime.now().strftime("%Y-%m-%d_%H-%M-%S")


@contextmanager
def atomic(db: Any) -> Iterator[None]:
    """One transaction on our store or on Prodigy's peewee database; nothing otherwise."""
    backend = getattr(db, "backend", None)
    if backend is not None and hasattr(backend, "transaction"):
        with backend.transaction():
            yield
    elif hasattr(getattr(db, "db", None), "atomic"):
        with db.db.atomic():
            yield
    else:
        with nullcontext():
            yield


def require_dataset(db: Any, name: str) -> None:
    """Stop with a helpful message if ``name`` is not in the database."""
    if name not in db:
        known = ", ".join(db.datasets) or "none yet"
        raise QuotesError(
            f"No dataset named '{name}'",
            f"Datasets in the database: {known}. Create one with `quotes db-in {name} FILE`.",
        )


def read_tasks(
    path: str, answer: str, rehash: bool, skip_invalid: bool, labels: Tuple[str, ...]
) -> Tuple[List[Dict[str, Any]], List[str]]:
    """Load, check and hash every task in ``path``; raise listing the bad lines unless skipping them."""
    source = Source(path, skip_invalid=True)  # collect unreadable lines too, then decide
    tasks: List[Dict[str, Any]] = []
    problems: List[str] = []
    for task in source:
        name, line = source.where
        found = validate_task(task, span_labels=labels)
        if task.get("answer", answer) not in ANSWERS:
            found.append(f"answer {task.get('answer')!r} is not one of {', '.join(ANSWERS)}")
        if found:
            problems.append(str(InputError(name, line, "; ".join(found))))
            continue
        task.setdefault("answer", answer)
        tasks.append(set_hashes(task, overwrite=rehash))
    problems = source.problems + problems
    if problems and not skip_invalid:
        raise _rejected(path, problems, len(tasks))
    return tasks, problems


def _advice(valid: int) -> str:
    """What to do about invalid tasks, given how many valid ones there are."""
    if valid == 0:
        return "No task in the file is valid: fix them and import again."
    one = "the valid one" if valid == 1 else f"the {valid} valid ones"
    return f"Fix them, or run again with --skip-invalid to import {one}."


def _rejected(path: str, problems: List[str], valid: int) -> QuotesError:
    listed = "\n".join(problems[:MAX_LISTED])
    more = f"\n... and {len(problems) - MAX_LISTED} more" if len(problems) > MAX_LISTED else ""
    return QuotesError(
        f"Nothing imported: {len(problems)} invalid task(s) in {path}",
        f"{listed}{more}\n" + _advice(valid),
    )


@command(
    "db-in",
    dataset=Arg(help="Dataset to import the annotations into (created if needed)"),
    in_file=Arg(help="JSONL file (or - for stdin) of tasks with text, spans and relations"),
    answer=Arg("--answer", "-a", help="Answer to set on tasks that have none (accept, reject, ignore)"),
    rehash=Arg("--rehash", "-rh", help="Recompute _input_hash/_task_hash even where the tasks have them"),
    skip_invalid=Arg("--skip-invalid", "-S", help="Skip and count invalid tasks instead of importing nothing"),
    label=Arg(
        "--label",
        "-l",
        help="Extra comma-separated span labels to accept besides QUOTE, SPEAKER, CUE, INDIRECT, REPORTED",
    ),
    dry=Arg("--dry", "-D", help="Check and count, but don't write to the database"),
)
def db_in(
    dataset: str,
    in_file: str,
    answer: str = "accept",
    rehash: bool = False,
    skip_invalid: bool = False,
    label: Optional[List[str]] = None,
    dry: bool = False,
) -> Dict[str, Any]:
    """Import annotations from a JSONL file into a dataset, checking spans, relations and labels first."""
    if answer not in ANSWERS:
        raise QuotesError(f"Invalid --answer '{answer}'", f"Use one of {', '.join(ANSWERS)}.")
    labels = tuple(KNOWN_SPAN_LABELS) + tuple(split_string(label))
    tasks, problems = read_tasks(in_file, answer, rehash, skip_invalid, labels)
    for problem in problems:
        typer.echo(f"skipped: {problem}", err=True)
    db = connect()
    session_id = session_timestamp()
    if not dry:
        with atomic(db):
            db.add_dataset(dataset)
            db.add_dataset(session_id, session=True)
            db.add_examples(tasks, datasets=[dataset, session_id])
    verb = "Would import" if dry else "Imported"
    typer.echo(
        f"✔ {verb} {len(tasks)} annotation(s) into '{dataset}' (session {session_id}) in {db.db_name}"
        + (f"; skipped {len(problems)} invalid" if problems else "")
    )
    return {"imported": 0 if dry else len(tasks), "skipped": len(problems), "session_id": session_id}


def _output(out: Optional[str], dataset: str) -> Tuple[IO[str], Optional[Path]]:
    if not out or out == "-":
        return sys.stdout, None
    path = Path(out)
    if path.is_dir() or (not path.suffix and not path.exists()):
        path.mkdir(parents=True, exist_ok=True)
        path = path / f"{dataset}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.open("w", encoding="utf8"), path


@command(
    "db-out",
    dataset=Arg(help="Dataset to export"),
    out=Arg(help="JSONL file or folder (writes DATASET.jsonl there); stdout if not given"),
)
def db_out(dataset: str, out: Optional[str] = None) -> int:
    """Export a dataset's annotations as JSONL, one task per line, exactly as stored."""
    db = connect()
    require_dataset(db, dataset)
    stream, path = _output(out, dataset)
    count = 0
    try:
        examples = (
            db.iter_dataset_examples(dataset) if hasattr(db, "iter_dataset_examples") else db.get_dataset(dataset)
        )
        for eg in examples:
            stream.write(json.dumps(eg, ensure_ascii=False) + "\n")
            count += 1
    finally:
        if path is not None:
            stream.close()
    if path is not None:
        typer.echo(f"✔ Exported {count} annotation(s) from '{dataset}' to {path}")
    return count


def dataset_stats(db: Any, name: str) -> Dict[str, Any]:
    """Counts for one dataset: answers, documents, sessions, span and relation labels."""
    answers: Counter = Counter()
    spans: Counter = Counter()
    relations: Counter = Counter()
    inputs = set()
    total = 0
    examples = db.iter_dataset_examples(name) if hasattr(db, "iter_dataset_examples") else db.get_dataset(name)
    for eg in examples:
        total += 1
        answers[eg.get("answer", "none")] += 1
        inputs.add(eg.get("_input_hash"))
        spans.update(s.get("label") for s in eg.get("spans") or [])
        relations.update(r.get("label") for r in eg.get("relations") or [])
    meta = (db.get_meta(name) if hasattr(db, "get_meta") else None) or {}
    sessions = db.get_dataset_session_ids(name) if hasattr(db, "get_dataset_session_ids") else []
    created = meta.get("created")
    return {
        "dataset": name,
        "created": datetime.fromtimestamp(created).strftime("%Y-%m-%d %H:%M:%S")
        if isinstance(created, (int, float))
        else None,
        "annotations": total,
        "documents": len(inputs),
        "answers": dict(answers),
        "spans": dict(spans),
        "relations": dict(relations),
        "sessions": sessions,
    }


def _table(rows: List[Tuple[str, Any]]) -> str:
    width = max(len(key) for key, _ in rows)
    return "\n".join(f"{key:<{width}}  {value}" for key, value in rows)


def _counts(counts: Dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))) or "-"


@command(
    "stats",
    dataset=Arg(help="Dataset to describe (optional)"),
    list_datasets=Arg("--list-datasets", "-l", help="List the names of all datasets"),
    list_sessions=Arg("--list-sessions", "-ls", help="List the names of all session datasets"),
)
def stats(dataset: Optional[str] = None, list_datasets: bool = False, list_sessions: bool = False) -> Dict[str, Any]:
    """Show the database and its datasets, or the answers, labels and sessions of one dataset."""
    db = connect()
    target = getattr(db, "target", None)
    # a file path for SQLite; a PostgreSQL connection string may hold a password, so its display name stands in
    location = getattr(target, "location", None) if getattr(target, "db_id", None) == "sqlite" else None
    info: Dict[str, Any] = {
        "version": __version__,
        "prodigy_home": str(prodigy_home()),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "spacy": spacy.__version__,
        "database": db.db_name,
        "database_id": db.db_id,
        "location": location,
        "datasets": len(db.datasets),
        "sessions": len(db.sessions),
    }
    rows = [
        ("Version", info["version"]),
        ("Prodigy Home", info["prodigy_home"]),
        ("Platform", info["platform"]),
        ("Python Version", info["python"]),
        ("spaCy Version", info["spacy"]),
        ("Database Name", info["database"]),
        ("Database Id", info["database_id"]),
    ]
    if location:
        rows.append(("Database File", location))
    rows += [("Total Datasets", info["datasets"]), ("Total Sessions", info["sessions"])]
    typer.echo(_table(rows))
    if list_datasets:
        typer.echo("\nDatasets: " + (", ".join(db.datasets) or "-"))
    if list_sessions:
        typer.echo("\nSessions: " + (", ".join(db.sessions) or "-"))
    if dataset:
        require_dataset(db, dataset)
        ds = info["dataset"] = dataset_stats(db, dataset)
        typer.echo(
            "\n"
            + _table(
                [
                    ("Dataset", ds["dataset"]),
                    ("Created", ds["created"] or "-"),
                    ("Annotations", ds["annotations"]),
                    ("Documents", ds["documents"]),
                    ("Answers", _counts(ds["answers"])),
                    ("Spans", _counts(ds["spans"])),
                    ("Relations", _counts(ds["relations"])),
                    ("Sessions", ", ".join(ds["sessions"]) or "-"),
                ]
            )
        )
    return info


@command("drop", dataset=Arg(help="Dataset or session dataset to delete"))
def drop(dataset: str) -> int:
    """Delete a dataset (or one annotator's session dataset) and the examples only it held."""
    db = connect()
    require_dataset(db, dataset)
    count = db.count_dataset(dataset) if hasattr(db, "count_dataset") else len(db.get_dataset(dataset))
    db.drop_dataset(dataset)
    typer.echo(f"✔ Removed '{dataset}' ({count} annotation(s)) from {db.db_name}")
    return count
