"""Input sources and their errors: every bad input names its file and line."""

import io
import sys

import pytest
from prodigy_quotes.errors import InputError
from prodigy_quotes.loaders import Source, get_stream


def test_jsonl_keeps_meta_and_skips_blank_lines_and_empty_texts(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text(
        '{"text": "Eins.", "meta": {"id": 1}}\n\n{"text": "   "}\n{"text": "Zwei.", "x": 2}\n', encoding="utf8"
    )
    docs = list(Source(str(path)))
    assert docs == [{"text": "Eins.", "meta": {"id": 1}}, {"text": "Zwei.", "x": 2, "meta": {}}]


def test_txt_file_and_folder_are_one_document_per_file(tmp_path):
    (tmp_path / "b.txt").write_text("Zweiter Artikel.\n\nAbsatz.", encoding="utf8")
    (tmp_path / "a.txt").write_text("Erster Artikel.", encoding="utf8")
    (tmp_path / "notes.md").write_text("ignored", encoding="utf8")
    docs = list(Source(str(tmp_path)))
    assert [d["meta"]["file"] for d in docs] == ["a.txt", "b.txt"]
    assert docs[1]["text"] == "Zweiter Artikel.\n\nAbsatz."


@pytest.mark.parametrize(
    "content,line,problem",
    [
        (b'{"text": "ok"}\n{"text": "broken"\n', 2, "not valid JSON"),
        (b'{"text": "ok"}\n{"title": "no text"}\n', 2, 'no "text" string'),
        (b'{"text": "ok"}\n["a list"]\n', 2, "expected a JSON object"),
        (b'{"text": "ok", "meta": 3}\n', 1, '"meta" must be a JSON object'),
        (b'{"text": "ok"}\n{"text": "caf\xe9"}\n', 2, "not valid UTF-8"),
    ],
)
def test_bad_lines_raise_with_file_and_line(tmp_path, content, line, problem):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(content)
    with pytest.raises(InputError) as err:
        list(Source(str(path)))
    assert err.value.line == line
    assert str(path) in str(err.value) and f"line {line}" in str(err.value) and problem in str(err.value)


def test_skip_invalid_counts_instead_of_raising(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b'{"text": "eins"}\nnot json\n{"text": 5}\n{"text": "zwei"}\n')
    source = Source(str(path), skip_invalid=True)
    assert [d["text"] for d in source] == ["eins", "zwei"]
    assert source.skipped == 2 and "line 2" in source.problems[0]


def test_missing_path_and_non_utf8_text_file(tmp_path):
    with pytest.raises(InputError, match="no such file or folder"):
        Source(str(tmp_path / "nope.jsonl"))
    (tmp_path / "latin.txt").write_bytes("Erste Zeile\nGrüße".encode("latin1"))
    with pytest.raises(InputError, match=r"latin.txt, line 2: not valid UTF-8"):
        list(Source(str(tmp_path / "latin.txt")))


def test_stdin_reads_jsonl_or_plain_text(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b'{"text": "A"}\n{"text": "B"}\n')))
    assert [d["text"] for d in Source("-")] == ["A", "B"]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO("Ein Artikel.\nZweite Zeile.".encode())))
    assert [d["text"] for d in Source("-")] == ["Ein Artikel.\nZweite Zeile."]


def test_get_stream_hashes_and_dedups(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text('{"text": "My name is Freya."}\n{"text": "My name is Freya."}\n', encoding="utf8")
    tasks = list(get_stream(str(path), dedup=True))
    assert len(tasks) == 1 and tasks[0]["_input_hash"] == 896529854


def test_a_folder_source_names_what_it_skips(tmp_path, capsys):
    folder = tmp_path / "articles"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("Erster Artikel.", encoding="utf8")
    (folder / "table.csv").write_text("a,b", encoding="utf8")
    assert len(list(Source(str(folder)))) == 1
    assert "skipped sub/, table.csv" in capsys.readouterr().err


def test_a_tasks_file_with_bad_json_names_line_and_column(tmp_path):
    from prodigy_quotes.loaders import read_tasks

    path = tmp_path / "gold.jsonl"
    path.write_text('{"text": "ok"}\n{"text": "Grüße", "meta": }\n', encoding="utf8")
    with pytest.raises(InputError, match=r"gold.jsonl, line 2: not valid JSON \(Expecting value at column 27\)"):
        read_tasks(str(path))
