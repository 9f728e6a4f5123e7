"""`quotes extract`: one task per document, streamed, with clear errors on bad input."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from prodigy_quotes.cli import app
from prodigy_quotes.hashing import set_hashes
from prodigy_quotes.tasks import validate_task
from typer.testing import CliRunner

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
runner = CliRunner()


def run(*args):
    return runner.invoke(app, ["extract", *map(str, args)])


def read_tasks(path):
    return [json.loads(line) for line in Path(path).read_text(encoding="utf8").splitlines()]


def test_extracts_the_seed_folder_as_valid_prodigy_tasks(tmp_path):
    out = tmp_path / "tasks.jsonl"
    result = run("blank:de", SEEDS, "--output", out)
    assert result.exit_code == 0, result.output
    tasks = read_tasks(out)
    assert len(tasks) == len(list(SEEDS.glob("*.txt")))
    for task in tasks:
        assert validate_task(task) == []
        assert task["_input_hash"] == set_hashes({"text": task["text"]})["_input_hash"]
        assert task["meta"]["file"].endswith(".txt")
    kim = next(t for t in tasks if t["meta"]["file"] == "kim-soldaten.txt")
    quotes = {s["text"] for s in kim["spans"] if s["label"] == "QUOTE"}
    assert "„Hinter euch stehen Pjöngjang und Moskau“" in quotes
    speakers = {
        r["head_span"]["start"]: kim["text"][r["child_span"]["start"] : r["child_span"]["end"]]
        for r in kim["relations"]
        if r["label"] == "SPEAKER"
    }
    start = kim["text"].index("„Hinter")
    assert speakers[start] == "Kim"


def test_jsonl_meta_and_extra_keys_are_kept_and_empty_texts_give_no_task(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(
        json.dumps({"text": "„Wir kommen wieder“, sagte Lena Berg.", "meta": {"id": "a"}, "source": "x"})
        + "\n"
        + json.dumps({"text": "", "meta": {"id": "empty"}})
        + "\n",
        encoding="utf8",
    )
    out = tmp_path / "out.jsonl"
    assert run("blank:de", src, "-o", out).exit_code == 0
    tasks = read_tasks(out)
    assert [t["meta"] for t in tasks] == [{"id": "a"}] and tasks[0]["source"] == "x"


def test_bad_line_is_a_clear_error_and_leaves_no_output(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text('{"text": "Eins."}\n{"text": "Zwei."\n', encoding="utf8")
    out = tmp_path / "out.jsonl"
    result = run("blank:de", src, "-o", out)
    assert result.exit_code == 1
    assert f"{src}, line 2: not valid JSON" in result.output
    assert "Traceback" not in result.output
    assert not out.exists() and not list(tmp_path.glob("*.part"))


def test_skip_invalid_counts_skipped_lines(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text('{"text": "Eins."}\n{"meta": {}}\n{"text": "Zwei."}\n', encoding="utf8")
    out = tmp_path / "out.jsonl"
    result = run("blank:de", src, "-o", out, "--skip-invalid")
    assert result.exit_code == 0
    assert len(read_tasks(out)) == 2
    assert "Skipped 1 invalid input line;" in result.output


@pytest.mark.parametrize(
    "model,message", [("blank:xx", "Unknown language"), ("no_such_pipeline", "Can't load the pipeline")]
)
def test_unknown_model_is_a_clear_error(tmp_path, model, message):
    result = run(model, SEEDS, "-o", tmp_path / "o.jsonl")
    assert result.exit_code == 1 and message in result.output


def test_missing_source_is_a_clear_error(tmp_path):
    result = run("blank:de", tmp_path / "missing.jsonl", "-o", tmp_path / "o.jsonl")
    assert result.exit_code == 1 and "no such file or folder" in result.output


def test_stdin_to_stdout_with_two_processes(tmp_path):
    lines = "".join(json.dumps({"text": f"„Satz {i}“, sagte Kim.", "meta": {"i": i}}) + "\n" for i in range(6))
    proc = subprocess.run(
        [sys.executable, "-m", "prodigy_quotes.cli", "extract", "blank:de", "-", "--n-process", "2"],
        input=lines,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    tasks = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [t["meta"]["i"] for t in tasks] == list(range(6))
    assert all(any(s["label"] == "QUOTE" for s in t["spans"]) for t in tasks)


def test_a_text_beyond_max_length_is_invalid_input_named_by_line(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text('{"text": "Eins."}\n' + json.dumps({"text": "Wort " * 200}) + "\n", encoding="utf8")
    out = tmp_path / "out.jsonl"
    result = run("blank:de", src, "-o", out, "--max-length", "100")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"{src}, line 2: the text has 1,000 characters, more than --max-length 100" in result.output
    assert run("blank:de", src, "-o", out, "--max-length", "100", "--skip-invalid").exit_code == 0
    assert len(read_tasks(out)) == 1
