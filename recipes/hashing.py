"""Prodigy's task hashes, reproduced exactly (contract §2.4).

``_input_hash = mmh3("text=" + json.dumps(text))``; the task hash prefixes the input hash to
the task keys present, or to the whole task minus ignored keys when none is present.
``json.dumps`` keeps Python's defaults (ASCII escaping), as Prodigy does.
"""
import json
from typing import Any, Dict, Iterable, Optional

INPUT_HASH_ATTR = "_input_hash"
TASK_HASH_ATTR = "_task_hash"
INPUT_HASH_KEYS = ("text", "image", "html", "input")
TASK_HASH_KEYS = ("spans", "label", "options", "arcs")
IGNORE_HASH_KEYS = (
    "score", "rank", "model", "source", "pattern", "priority", "path",
    "_view_id", "_session_id", "_annotator_id", "answer",
)
# What our review and export treat as "the same answer": relations count (as in Prodigy's review).
REVIEW_TASK_KEYS = ("spans", "label", "accept", "audio_spans", "relations")

_MASK = 0xFFFFFFFF


def murmurhash3_32(data: bytes, seed: int = 0) -> int:
    """MurmurHash3_x86_32 as a signed int, identical to ``murmurhash.hash``."""
    c1, c2, h, n = 0xCC9E2D51, 0x1B873593, seed & _MASK, len(data)
    for i in range(n // 4):
        k = int.from_bytes(data[4 * i : 4 * i + 4], "little")
        k = (k * c1) & _MASK
        k = ((k << 15) | (k >> 17)) & _MASK
        k = (k * c2) & _MASK
        h ^= k
        h = ((h << 13) | (h >> 19)) & _MASK
        h = (h * 5 + 0xE6546B64) & _MASK
    tail, k = data[n - n % 4 :], 0
    if len(tail) >= 3:
        k ^= tail[2] << 16
    if len(tail) >= 2:
        k ^= tail[1] << 8
    if len(tail) >= 1:
        k ^= tail[0]
        k = (k * c1) & _MASK
        k = ((k << 15) | (k >> 17)) & _MASK
        k = (k * c2) & _MASK
        h ^= k
    h ^= n
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & _MASK
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & _MASK
    h ^= h >> 16
    return h - (1 << 32) if h & 0x80000000 else h


def _hash_str(text: str) -> int:
    return murmurhash3_32(text.encode("utf8"))


def _keyed(task: Dict[str, Any], keys: Iterable[str]) -> str:
    return "".join(f"{key}={json.dumps(task[key])}" for key in keys if key in task)


def _whole_task(task: Dict[str, Any], ignore: Iterable[str]) -> str:
    skip = set(ignore) | {TASK_HASH_ATTR}
    rest = {k: v for k, v in task.items() if k not in skip}
    return json.dumps(rest, sort_keys=True, separators=(",", ":"))


def get_input_hash(task: Dict[str, Any], keys: Iterable[str] = INPUT_HASH_KEYS,
                   ignore: Iterable[str] = IGNORE_HASH_KEYS) -> int:
    """Hash of what is annotated (the text), shared by all answers to the same input."""
    keyed = _keyed(task, keys)
    return _hash_str(keyed if keyed else _whole_task(task, ignore))


def get_task_hash(task: Dict[str, Any], input_hash: int, keys: Iterable[str] = TASK_HASH_KEYS,
                  ignore: Iterable[str] = IGNORE_HASH_KEYS) -> int:
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
