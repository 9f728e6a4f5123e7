"""``quotes extract``: pre-annotate documents in bulk and write Prodigy tasks as JSONL."""

import os
import sys
from pathlib import Path
from typing import IO, Any, Dict, Iterator, Optional

import srsly

from .compat import Arg, recipe
from .errors import QuotesError
from .extraction import extract_tasks
from .loaders import Source
from .pipeline import load_quote_pipeline
from .progress import progress

DEFAULT_MAX_LENGTH = 500_000  # characters: far above any news article (a long feature is ~50,000), below spaCy's limit


def _write(tasks: Iterator[Any], out: IO[str], show: bool) -> int:
    count = 0
    with progress("Extracting quotes", unit="docs", enabled=show) as advance:
        for task in tasks:  # a task, or one already written as JSON (from a cluster's workers)
            out.write((task if isinstance(task, str) else srsly.json_dumps(task)) + "\n")
            count += 1
            advance(1)
    return count


@recipe(
    "quotes.extract",
    model=Arg(help="blank:de, blank:en, patterns:de, an installed pipeline or a trained pipeline's folder"),
    source=Arg(help="JSONL file of {text, meta}, a .txt file, a folder of .txt files, or - for stdin"),
    output=Arg("--output", "-o", help="JSONL file to write the tasks to (- for stdout)"),
    patterns=Arg("--patterns", "-p", help="Folder of pattern files to use instead of the built-in ones"),
    n_process=Arg("--n-process", "-n", help="Number of processes"),
    batch_size=Arg("--batch-size", "-b", help="Documents per batch"),
    skip_invalid=Arg(
        "--skip-invalid", "-S", help="Skip invalid input lines (counted in a warning) instead of stopping"
    ),
    max_length=Arg("--max-length", "-L", help="Longest text in characters (longer ones are invalid input)"),
    cluster=Arg(
        "--cluster",
        "-c",
        help="Run on a Dask cluster: tcp://HOST:PORT of a running scheduler, or local:N for N local workers",
    ),
)
def quotes_extract(
    model: str,
    source: str,
    output: str = "-",
    patterns: Optional[str] = None,
    n_process: int = 1,
    batch_size: int = 32,
    skip_invalid: bool = False,
    max_length: int = DEFAULT_MAX_LENGTH,
    cluster: Optional[str] = None,
) -> None:
    """Find quotes, speakers and cues in documents and write one Prodigy task per document.

    Rules alone (blank:xx, patterns:xx or any pipeline without a quote model) or a trained
    pipeline. Streams: memory stays flat however large the input. SOURCE may be a glob of many
    files; with --cluster the work runs on Dask workers, with the same output.
    """
    docs = Source(source, skip_invalid=skip_invalid, max_length=max_length)
    close = None
    if cluster:
        from .scale import connect_cluster, extract_on_cluster  # Dask loads only for a cluster run

        client, close = connect_cluster(cluster)
        tasks = extract_on_cluster(client, model, patterns, docs, batch_size=batch_size, max_length=max_length)
    else:
        nlp = load_quote_pipeline(model, patterns_dir=patterns)
        nlp.max_length = max(nlp.max_length, max_length)
        tasks = extract_tasks(nlp, docs, n_process=max(1, n_process), batch_size=batch_size)
    try:
        if output == "-":
            count = _write(tasks, sys.stdout, show=False)
        else:
            count = _write_file(tasks, Path(output))
    finally:
        if close is not None:
            close()
    _report(count, docs, output)


def _write_file(tasks: Iterator[Dict[str, Any]], path: Path) -> int:
    """Write to a temporary file first so a failed run never leaves half a file behind."""
    if path.parent and not path.parent.exists():
        raise QuotesError(f"Can't write {path}", f"The folder {path.parent} does not exist.")
    tmp = path.with_name(path.name + ".part")
    try:
        with tmp.open("w", encoding="utf8") as out:
            count = _write(tasks, out, show=sys.stderr.isatty())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return count


def _report(count: int, source: Source, output: str) -> None:
    where = "" if output == "-" else f" to {output}"
    print(f"✔ Wrote {count} task{'' if count == 1 else 's'}{where}", file=sys.stderr)
    if source.skipped:
        lines = "line" if source.skipped == 1 else "lines"
        print(f"⚠ Skipped {source.skipped} invalid input {lines}; first: {source.problems[0]}", file=sys.stderr)
