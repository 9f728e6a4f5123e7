"""The extraction core: input documents -> pre-annotated Prodigy tasks, shared by ``quotes extract`` and the
cluster's workers (:mod:`.scale`), so both write the same tasks."""

from typing import Any, Dict, Iterable, Iterator, Tuple

from .compat import set_hashes
from .schema import quote_spans_key
from .tasks import doc_to_task


def _as_tuples(source: Iterable[Dict[str, Any]]) -> Iterator[Tuple[str, Dict[str, Any]]]:
    for eg in source:
        yield eg["text"], eg


def _extra_keys(eg: Dict[str, Any]) -> Dict[str, Any]:
    """Keys of the input other than the ones the task is rebuilt from."""
    return {
        k: v
        for k, v in eg.items()
        if k not in ("text", "meta", "tokens", "spans", "relations", "_input_hash", "_task_hash")
    }


def extract_tasks(
    nlp: Any, source: Iterable[Dict[str, Any]], n_process: int = 1, batch_size: int = 32
) -> Iterator[Dict[str, Any]]:
    """One pre-annotated task per input document, streamed."""
    key = quote_spans_key(nlp)
    for doc, eg in nlp.pipe(_as_tuples(source), as_tuples=True, n_process=n_process, batch_size=batch_size):
        task = doc_to_task(doc, eg.get("meta"), hashes=False, spans_key=key)
        task.update(_extra_keys(eg))
        yield set_hashes(task, overwrite=True)
