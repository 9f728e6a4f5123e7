"""Extraction on a real local Dask cluster of two worker processes: the same output as one process."""

import json
import os
from pathlib import Path

import pytest
from prodigy_quotes.errors import QuotesError
from prodigy_quotes.extract import quotes_extract

IN_CI = bool(os.environ.get("CI"))
if not IN_CI:
    pytest.importorskip("distributed", reason='needs Dask: pip install -e ".[dask]" (.ci/run installs it)')

ARTICLES = [
    "„Wir bleiben hart“, sagte die Gewerkschaftssprecherin Maya Schwarz am Montag.",
    "Der Minister erklärte: „Das Gesetz kommt.“ Kritiker nannten es „verfehlt“.",
    '"We will win," Kim said on Tuesday. "Nobody doubts it."',
]


def write_archive(folder: Path, files: int = 3, lines: int = 40) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    for f in range(files):
        with (folder / f"2024-{f:02d}.jsonl").open("w", encoding="utf8") as out:
            for i in range(lines):
                text = f"{ARTICLES[(f + i) % len(ARTICLES)]} Artikel {f}-{i}."
                out.write(json.dumps({"text": text, "meta": {"file": f, "line": i}}, ensure_ascii=False) + "\n")
    return str(folder / "2024-*.jsonl")


def test_a_local_cluster_writes_what_one_process_writes(tmp_path: Path) -> None:
    pattern = write_archive(tmp_path / "archive")
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    quotes_extract("blank:de", pattern, output=str(one))
    quotes_extract("blank:de", pattern, output=str(two), cluster="local:2", batch_size=8)
    assert one.read_bytes() == two.read_bytes()  # same tasks, hashes and order
    tasks = [json.loads(line) for line in one.read_text(encoding="utf8").splitlines()]
    assert len(tasks) == 120 and [t["meta"]["file"] for t in tasks] == sorted(t["meta"]["file"] for t in tasks)
    assert sum(1 for t in tasks for s in t["spans"] if s["label"] == "QUOTE") >= 120


def test_bad_cluster_addresses_are_clear_errors(tmp_path: Path) -> None:
    pattern = write_archive(tmp_path / "archive", files=1, lines=2)
    with pytest.raises(QuotesError, match="Use local:N"):
        quotes_extract("blank:de", pattern, output=str(tmp_path / "o.jsonl"), cluster="local:zero")
    with pytest.raises(QuotesError, match="Can't reach the Dask scheduler"):
        quotes_extract("blank:de", pattern, output=str(tmp_path / "o.jsonl"), cluster="tcp://127.0.0.1:9")
    assert not (tmp_path / "o.jsonl").exists()


def test_a_glob_that_matches_nothing_names_the_pattern(tmp_path: Path) -> None:
    with pytest.raises(QuotesError, match="matches no file"):
        quotes_extract("blank:de", str(tmp_path / "none-*.jsonl"), output=str(tmp_path / "o.jsonl"))


def test_a_bad_line_read_by_a_worker_is_named_by_its_file_and_line(tmp_path: Path) -> None:
    pattern = write_archive(tmp_path / "archive", files=2, lines=30)
    bad = tmp_path / "archive" / "2024-01.jsonl"
    lines = bad.read_text(encoding="utf8").splitlines()
    lines[24] = '{"text": "kaputt"'
    bad.write_text("\n".join(lines) + "\n", encoding="utf8")
    with pytest.raises(QuotesError, match=r"2024-01.jsonl, line 25: not valid JSON"):
        quotes_extract("blank:de", pattern, output=str(tmp_path / "o.jsonl"), cluster="local:2", batch_size=8)
    quotes_extract(
        "blank:de", pattern, output=str(tmp_path / "o.jsonl"), cluster="local:2", batch_size=8, skip_invalid=True
    )
    assert len((tmp_path / "o.jsonl").read_text(encoding="utf8").splitlines()) == 59
