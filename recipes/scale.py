"""Extraction over an archive on a Dask cluster: ``quotes extract ... --cluster tcp://HOST:PORT`` or ``local:N``.

The client splits the input files into parts of whole lines (by their byte offsets: it parses
nothing), the workers read and pre-annotate their parts, and the client writes the tasks in input
order, so the output is the same file the single-process path writes (same tasks, same hashes,
same order). Workers on other machines need the files at the same path (a shared disk); input
from standard input or a dataset is read by the client and sent in batches instead. Each worker loads the pipeline once, the first time it gets a
batch, and keeps it; at most ``2 x workers`` batches are in flight, so memory on the client and on
each worker stays flat however large the archive. Needs ``pip install "prodigy-quotes[dask]"``.
"""

import functools
from collections import deque
from typing import Any, Callable, Deque, Dict, Iterable, Iterator, List, Optional, Tuple

from .errors import QuotesError

Task = Dict[str, Any]
LOCAL_PREFIX = "local:"
IN_FLIGHT_PER_WORKER = 2


def _require_dask() -> Any:
    """``dask.distributed``, or a clear message naming the extra to install."""
    try:
        import distributed
    except ImportError as err:
        raise QuotesError(
            "Extraction on a cluster needs Dask distributed",
            'Install it with: pip install "prodigy-quotes[dask]"',
        ) from err
    return distributed


@functools.lru_cache(maxsize=4)
def _worker_pipeline(model: str, patterns: Optional[str]) -> Any:
    """The pipeline, loaded once per worker process (the cache lives as long as the worker)."""
    from .pipeline import load_quote_pipeline

    return load_quote_pipeline(model, patterns_dir=patterns)


def extract_batch(model: str, patterns: Optional[str], max_length: int, batch: List[Task]) -> List[str]:
    """Pre-annotate one batch of input documents on a worker: the tasks as JSON lines, in the batch's order (a
    string travels back far cheaper than the nested task, and the client only writes it)."""
    import srsly

    from .extraction import extract_tasks

    nlp = _worker_pipeline(model, patterns)
    nlp.max_length = max(nlp.max_length, max_length)
    return [srsly.json_dumps(task) for task in extract_tasks(nlp, iter(batch))]


def extract_part(
    model: str, patterns: Optional[str], max_length: int, skip_invalid: bool, part: Tuple[str, int, Optional[int], int]
) -> Tuple[List[str], List[str]]:
    """Read and pre-annotate one part of an input file on a worker: its tasks as JSON lines, and the problems of
    the lines it skipped (``skip_invalid``; else an invalid line raises, naming its file and line)."""
    from pathlib import Path

    from .loaders import Source

    path, start, end, first_line = part
    source = Source(path, skip_invalid=skip_invalid, max_length=max_length)
    lines = extract_batch(model, patterns, max_length, list(source.read_part(Path(path), start, end, first_line)))
    return lines, source.problems


def file_parts(files: Iterable[Any], lines_per_part: int) -> Iterator[Tuple[str, int, Optional[int], int]]:
    """``(path, start byte, end byte, number of the first line)`` of parts of ``lines_per_part`` lines of each
    JSONL file (a text file is one part), found by scanning for line breaks."""
    for path in files:
        if path.suffix.lower() not in (".jsonl", ".json"):
            yield (str(path), 0, None, 1)
            continue
        with path.open("rb") as f:
            data = f.read()
        start, line, count, pos = 0, 1, 0, 0
        while True:
            found = data.find(b"\n", pos)
            if found < 0:
                break
            pos, count = found + 1, count + 1
            if count == lines_per_part:
                yield (str(path), start, pos, line)
                start, line, count = pos, line + count, 0
        if start < len(data):
            yield (str(path), start, len(data), line)


def _batches(docs: Iterable[Task], size: int) -> Iterator[List[Task]]:
    batch: List[Task] = []
    for doc in docs:
        batch.append(doc)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def connect_cluster(address: str) -> Tuple[Any, Callable[[], None]]:
    """A Dask client for ``tcp://HOST:PORT`` (a running scheduler) or ``local:N`` (a local cluster of N worker
    processes, started here), and the function that shuts down what was started."""
    distributed = _require_dask()
    if address.startswith(LOCAL_PREFIX):
        try:
            n = int(address[len(LOCAL_PREFIX) :])
        except ValueError:
            n = 0
        if n < 1:
            raise QuotesError(f"Bad cluster address '{address}'", "Use local:N with N workers, e.g. local:2.")
        cluster = distributed.LocalCluster(
            n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40
        )
        client = distributed.Client(cluster)

        def close_local() -> None:
            client.close()
            cluster.close()

        return client, close_local
    try:
        client = distributed.Client(address, timeout="10s")
    except (OSError, TimeoutError) as err:
        raise QuotesError(
            f"Can't reach the Dask scheduler at {address}",
            f"{err}. Start one with `dask scheduler` and workers with `dask worker {address}`.",
        ) from err
    return client, client.close


def extract_on_cluster(
    client: Any,
    model: str,
    patterns: Optional[str],
    docs: Any,
    batch_size: int = 64,
    max_length: int = 1_000_000,
) -> Iterator[str]:
    """The tasks of ``docs`` (a :class:`~prodigy_quotes.loaders.Source`) as JSON lines, pre-annotated on the
    cluster's workers, in input order; files are read by the workers, other input by the client."""
    workers = max(1, len(client.scheduler_info().get("workers", {})))
    limit = workers * IN_FLIGHT_PER_WORKER
    pending: Deque[Any] = deque()
    files = docs.files() if hasattr(docs, "files") else None
    if files is not None:
        jobs = (
            client.submit(extract_part, model, patterns, max_length, docs.skip_invalid, part, pure=False)
            for part in file_parts(files, batch_size)
        )
    else:
        jobs = (
            client.submit(extract_batch, model, patterns, max_length, batch, pure=False)
            for batch in _batches(docs, batch_size)
        )
    for job in jobs:
        pending.append(job)
        while len(pending) >= limit:
            yield from _result(pending.popleft(), docs)
    while pending:
        yield from _result(pending.popleft(), docs)


def _result(future: Any, docs: Any) -> List[str]:
    """A batch's lines; a part's skipped lines are counted in the client's source, for the report."""
    try:
        result = future.result()
    except QuotesError:
        raise
    except Exception as err:  # a worker's error, re-raised here with what went wrong
        raise QuotesError("A worker failed to pre-annotate a batch", f"{type(err).__name__}: {err}") from err
    if isinstance(result, tuple):
        lines, problems = result
        docs.skipped += len(problems)
        docs.problems.extend(problems)
        return lines
    return result
