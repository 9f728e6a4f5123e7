"""Extraction over an archive on a Dask cluster: ``quotes extract ... --cluster tcp://HOST:PORT`` or ``local:N``.

The client reads the input documents (any number of files), sends them to the workers in batches
and writes the tasks in input order, so the output is the same file the single-process path writes
(same tasks, same hashes, same order). Each worker loads the pipeline once, the first time it gets a
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

    from .extract import extract_tasks

    nlp = _worker_pipeline(model, patterns)
    nlp.max_length = max(nlp.max_length, max_length)
    return [srsly.json_dumps(task) for task in extract_tasks(nlp, iter(batch))]


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
    docs: Iterable[Task],
    batch_size: int = 64,
    max_length: int = 1_000_000,
) -> Iterator[str]:
    """The tasks of ``docs`` as JSON lines, pre-annotated on the cluster's workers, in input order."""
    workers = max(1, len(client.scheduler_info().get("workers", {})))
    limit = workers * IN_FLIGHT_PER_WORKER
    pending: Deque[Any] = deque()
    for batch in _batches(docs, batch_size):
        pending.append(client.submit(extract_batch, model, patterns, max_length, batch, pure=False))
        while len(pending) >= limit:
            yield from _result(pending.popleft())
    while pending:
        yield from _result(pending.popleft())


def _result(future: Any) -> List[str]:
    try:
        return future.result()
    except QuotesError:
        raise
    except Exception as err:  # a worker's error, re-raised here with what went wrong
        raise QuotesError("A worker failed to pre-annotate a batch", f"{type(err).__name__}: {err}") from err
