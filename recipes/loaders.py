"""Read input documents from JSONL, text files, folders, stdin or a dataset.

Source formats:
- ``*.jsonl``: one JSON object a line with a ``"text"`` string; ``"meta"`` (an object) and any
  other keys are kept. Blank lines are skipped.
- ``*.txt``: the whole file is one document (an article; paragraphs separated by blank lines),
  with ``meta = {"file": <file name>}``.
- a folder: every ``*.txt`` and ``*.jsonl`` file in it, sorted by name (other files and subfolders
  are skipped, with a warning that names them).
- a glob pattern (``archive/2024-*.jsonl``, quoted in the shell): every matching file, sorted by name.
- ``-``: standard input, JSONL (or, when its first line is not a JSON object, one text document).
- ``dataset:NAME``: the examples stored in a dataset of the database.

Gold tasks for training and evaluation come from :func:`read_tasks`: a ``.jsonl`` file of
Prodigy tasks, or a dataset name.

Bad input raises :class:`~prodigy_quotes.errors.InputError` naming the file and line; with
``skip_invalid`` the line is skipped and counted in :attr:`Source.skipped` instead.
An empty text gives no document.
"""

import json
import sys
from pathlib import Path
from typing import IO, Any, Dict, Iterable, Iterator, List, Optional, Tuple

from .compat import connect
from .errors import InputError, QuotesError
from .hashing import set_hashes

DATASET_PREFIX = "dataset:"
Task = Dict[str, Any]


class Source:
    """An iterable of input documents, counting what it skipped."""

    def __init__(self, source: str, skip_invalid: bool = False, max_length: Optional[int] = None) -> None:
        self.source = str(source)
        self.skip_invalid = skip_invalid
        self.max_length = max_length  # longer texts are invalid input (``quotes extract --max-length``)
        self.skipped = 0
        self.problems: List[str] = []
        # (file name, line number or None) of the document last yielded, for error messages.
        self.where: Tuple[str, Optional[int]] = (self.source, None)
        self._check_exists()

    def _check_exists(self) -> None:
        if self.source == "-" or self.source.startswith(DATASET_PREFIX):
            return
        if self._is_glob():
            if not self._glob_files():
                raise InputError(self.source, None, "the pattern matches no file")
            return
        path = Path(self.source)
        if not path.exists():
            raise InputError(
                self.source,
                None,
                "no such file or folder; give a .jsonl or .txt file, a folder of them, or - for stdin",
            )
        if path.is_dir() and not self._folder_files(path):
            raise InputError(self.source, None, "the folder holds no .txt or .jsonl files")

    def _is_glob(self) -> bool:
        return any(c in self.source for c in "*?[") and not Path(self.source).exists()

    def _glob_files(self) -> List[Path]:
        """The files a glob pattern matches, sorted by path (``**`` reaches into subfolders)."""
        pattern = Path(self.source).expanduser()
        anchor = Path(pattern.anchor) if pattern.is_absolute() else Path(".")
        relative = str(pattern.relative_to(anchor)) if pattern.is_absolute() else str(pattern)
        return sorted(p for p in anchor.glob(relative) if p.is_file())

    @staticmethod
    def _folder_files(path: Path) -> List[Path]:
        return sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in (".txt", ".jsonl"))

    @staticmethod
    def ignored_in(path: Path) -> List[str]:
        """What a folder source leaves out: files of other kinds and subfolders (they are not read)."""
        return sorted(
            p.name + ("/" if p.is_dir() else "")
            for p in path.iterdir()
            if not p.name.startswith(".") and (p.is_dir() or p.suffix.lower() not in (".txt", ".jsonl"))
        )

    def _bad(self, path: str, line: Optional[int], problem: str) -> None:
        error = InputError(path, line, problem)
        if not self.skip_invalid:
            raise error
        self.skipped += 1
        self.problems.append(str(error))

    def files(self) -> Optional[List[Path]]:
        """The files this source reads, in order (None for stdin or a dataset), with the folder warning said."""
        if self.source == "-" or self.source.startswith(DATASET_PREFIX):
            return None
        if self._is_glob():
            return self._glob_files()
        path = Path(self.source)
        if not path.is_dir():
            return [path]
        ignored = self.ignored_in(path)
        if ignored:  # said once, so nobody wonders where a file went
            shown = ", ".join(ignored[:10]) + (f" and {len(ignored) - 10} more" if len(ignored) > 10 else "")
            print(f"⚠ {path}: read only .txt and .jsonl files; skipped {shown}", file=sys.stderr, flush=True)
        return self._folder_files(path)

    def read_part(self, path: Path, start: int = 0, end: Optional[int] = None, first_line: int = 1) -> Iterator[Dict]:
        """The documents of bytes ``start:end`` of a JSONL file (whole lines; ``first_line`` is the number of
        the first, for error messages), or of a whole text file: a worker's share of an archive."""
        if path.suffix.lower() not in (".jsonl", ".json"):
            yield from self._file(path)
            return
        with path.open("rb") as f:
            f.seek(start)
            data = f.read() if end is None else f.read(end - start)
        yield from self._jsonl(data.splitlines(keepends=True), str(path), first_line)

    def __iter__(self) -> Iterator[Dict[str, Any]]:
        if self.source.startswith(DATASET_PREFIX):
            yield from self._dataset(self.source[len(DATASET_PREFIX) :])
        elif self.source == "-":
            yield from self._stdin()
        else:
            for file in self.files() or []:
                yield from self._file(file)

    def _file(self, path: Path) -> Iterator[Dict[str, Any]]:
        if path.suffix.lower() == ".jsonl" or path.suffix.lower() == ".json":
            with path.open("rb") as f:
                yield from self._jsonl(f, str(path))
        else:
            yield from self._text(path.read_bytes(), str(path), {"file": path.name})

    def _stdin(self) -> Iterator[Dict[str, Any]]:
        data = sys.stdin.buffer
        first = data.readline()
        if first.lstrip().startswith(b"{") or not first.strip():
            yield from self._jsonl(_chain(first, data), "<stdin>")
        else:
            yield from self._text(first + data.read(), "<stdin>", {})

    def _text(self, raw: bytes, name: str, meta: Dict[str, Any]) -> Iterator[Dict[str, Any]]:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            line = raw[: err.start].count(b"\n") + 1
            return self._bad(name, line, f"not valid UTF-8 (byte {raw[err.start]:#x}); save the file as UTF-8")
        if text.strip() and self._fits(text, name, None):
            self.where = (name, None)
            yield {"text": text, "meta": meta}

    def _jsonl(self, lines: Any, name: str, first_line: int = 1) -> Iterator[Dict[str, Any]]:
        for number, raw in enumerate(lines, start=first_line):
            task = self._parse_line(raw, name, number)
            if task is not None and task["text"].strip() and self._fits(task["text"], name, number):
                self.where = (name, number)
                yield task

    def _fits(self, text: str, name: str, line: Optional[int]) -> bool:
        """Whether a text is within ``max_length`` (else it is reported, or skipped with ``skip_invalid``)."""
        if self.max_length is None or len(text) <= self.max_length:
            return True
        self._bad(
            name,
            line,
            f"the text has {len(text):,} characters, more than --max-length {self.max_length:,}: "
            "raise --max-length, or skip such lines with --skip-invalid",
        )
        return False

    def _parse_line(self, raw: bytes, name: str, number: int) -> Optional[Dict[str, Any]]:
        try:
            line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as err:
            return self._bad(name, number, f"not valid UTF-8 (byte {raw[err.start]:#x}); save the file as UTF-8")
        if not line.strip():
            return None
        try:
            task = json.loads(line)
        except json.JSONDecodeError as err:
            return self._bad(name, number, f"not valid JSON ({err.msg} at column {err.colno})")
        if not isinstance(task, dict):
            return self._bad(name, number, f"expected a JSON object, got {type(task).__name__}")
        if not isinstance(task.get("text"), str):
            return self._bad(name, number, 'no "text" string; each line needs {"text": "...", "meta": {...}}')
        if "meta" in task and not isinstance(task["meta"], dict):
            return self._bad(name, number, '"meta" must be a JSON object')
        task.setdefault("meta", {})
        return task

    def _dataset(self, name: str) -> Iterator[Dict[str, Any]]:
        db = connect()
        if name not in db:
            raise InputError(
                DATASET_PREFIX + name, None, f"no dataset named '{name}'; see `quotes stats` for the datasets"
            )
        yield from db.get_dataset_examples(name)


def _chain(first: bytes, rest: IO[bytes]) -> Iterator[bytes]:
    yield first
    yield from rest


def get_stream(
    source: Any,
    loader: Optional[str] = None,
    rehash: bool = False,
    dedup: bool = False,
    input_key: str = "text",
    skip_invalid: bool = False,
    **_: Any,
) -> Iterator[Dict[str, Any]]:
    """Prodigy-style stream of hashed tasks from a source (see the module docstring)."""
    if not isinstance(source, (str, Path)):
        tasks = iter(source)
    else:
        tasks = iter(Source(str(source), skip_invalid=skip_invalid))
    seen = set()
    for task in tasks:
        task = set_hashes(task, overwrite=rehash)
        if dedup:
            if task["_task_hash"] in seen:
                continue
            seen.add(task["_task_hash"])
        yield task


def accepted(tasks: Iterable[Task]) -> List[Task]:
    """Tasks a person accepted (tasks without an answer count as gold files)."""
    return [t for t in tasks if t.get("answer", "accept") == "accept"]


def jsonl_objects(path: Path, what: str = "a task") -> Iterator[Tuple[int, Dict[str, Any]]]:
    """(line number, object) of a JSONL file, one JSON object a line (blank lines skipped); an InputError names
    the line, and the column of bad JSON. ``what``: what a line should hold, for the message."""
    with path.open("rb") as f:
        for number, raw in enumerate(f, start=1):
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as err:
                raise InputError(str(path), number, f"not valid UTF-8 (byte {raw[err.start]:#x})") from None
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except json.JSONDecodeError as err:
                raise InputError(str(path), number, f"not valid JSON ({err.msg} at column {err.colno})") from None
            if not isinstance(entry, dict):
                raise InputError(str(path), number, f"expected a JSON object ({what}), got {type(entry).__name__}")
            yield number, entry


def _task_lines(path: Path) -> Iterator[Task]:
    """The JSON objects of a tasks file, one a line; an InputError names the line and column of bad JSON."""
    for _, task in jsonl_objects(path):
        yield task


def read_tasks(source: str) -> List[Task]:
    """Tasks from a .jsonl file, or from a dataset in the database (Prodigy's, when installed)."""
    path = Path(source)
    if path.suffix == ".jsonl" or path.exists():
        if not path.exists():
            raise QuotesError(f"Can't find {source}", "Give an existing .jsonl file of tasks or a dataset name.")
        return list(_task_lines(path))
    db = connect()
    if source not in db:
        raise QuotesError(
            f"Can't find the dataset '{source}'", "Check the name with `quotes db-list` or pass a .jsonl file."
        )
    return db.get_dataset_examples(source)
