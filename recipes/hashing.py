"""Prodigy's task hashes, reproduced exactly (the formula and test vectors Prodigy publishes).

``_input_hash = mmh3("text=" + json.dumps(text))``; the task hash prefixes the input hash to
the task keys present, or to the whole task minus ignored keys when none is present.
``json.dumps`` keeps Python's defaults (ASCII escaping), as Prodigy does.
"""

import json
from typing import Any, Dict, Iterable, Optional

import murmurhash

INPUT_HASH_ATTR = "_input_hash"
TASK_HASH_ATTR = "_task_hash"
INPUT_HASH_KEYS = ("text", "image", "html", "input")
TASK_HASH_KEYS = ("spans", "label", "options", "arcs")
IGNORE_HASH_KEYS = (
    "score",
    "rank",
    "model",
    "source",
    "pattern",
    "priority",
    "path",
    "_view_id",
    "_session_id",
    "_annotator_id",
    "answer",
)
# What our review and export treat as "the same answer": relations count (as in Prodigy's review).
REVIEW_TASK_KEYS = ("spans", "label", "accept", "audio_spans", "relations")


def _hash_str(text: str) -> int:
    """MurmurHash3_x86_32 of the UTF-8 bytes as a signed int, the hash Prodigy uses (spaCy installs the library)."""
    return murmurhash.hash(text)


def _keyed(task: Dict[str, Any], keys: Iterable[str]) -> str:
    return "".join(f"{key}={json.dumps(task[key])}" for key in keys if key in task)


def _whole_task(task: Dict[str, Any], ignore: Iterable[str]) -> str:
    skip = set(ignore) | {TASK_HASH_ATTR}
    rest = {k: v for k, v in task.items() if k not in skip}
    return json.dumps(rest, sort_keys=True, separators=(",", ":"))


def get_input_hash(
    task: Dict[str, Any], keys: Iterable[str] = INPUT_HASH_KEYS, ignore: Iterable[str] = IGNORE_HASH_KEYS
) -> int:
    """Hash of what is annotated (the text), shared by all answers to the same input."""
    keyed = _keyed(task, keys)
    return _hash_str(keyed if keyed else _whole_task(task, ignore))


def get_task_hash(
    task: Dict[str, Any],
    input_hash: int,
    keys: Iterable[str] = TASK_HASH_KEYS,
    ignore: Iterable[str] = IGNORE_HASH_KEYS,
) -> int:
    """Hash of the question asked about the input (its spans, label, ...)."""
    keyed = _keyed(task, keys)
    return _hash_str(str(input_hash) + (keyed if keyed else _whole_task(task, ignore)))


def set_hashes(
    task: Dict[str, Any],
    input_keys: Iterable[str] = INPUT_HASH_KEYS,
    task_keys: Iterable[str] = TASK_HASH_KEYS,
    ignore: Iterable[str] = IGNORE_HASH_KEYS,
    overwrite: bool = False,
) -> Dict[str, Any]:
    """Set ``_input_hash`` and ``_task_hash`` like ``prodigy.set_hashes``; keep existing ones unless overwrite."""
    if overwrite or INPUT_HASH_ATTR not in task:
        task[INPUT_HASH_ATTR] = get_input_hash(task, input_keys, ignore)
    if overwrite or TASK_HASH_ATTR not in task:
        task[TASK_HASH_ATTR] = get_task_hash(task, task[INPUT_HASH_ATTR], task_keys, ignore)
    return task


def review_hash(task: Dict[str, Any]) -> int:
    """A hash of the whole answer, relations included, to tell annotators' versions apart."""
    input_hash: Optional[int] = task.get(INPUT_HASH_ATTR)
    if input_hash is None:
        input_hash = get_input_hash(task)
    return get_task_hash(task, input_hash, REVIEW_TASK_KEYS)
