"""Prodigy's hash formula against its published test vectors."""

import json

import murmurhash
import pytest
from prodigy_quotes.hashing import review_hash, set_hashes


@pytest.mark.parametrize(
    "text,expected",
    [
        ("My name is Freya.", 896529854),
        ("My favorite city is London.", -91551573),
        ("I live in Berlin.", -2101464790),
        ("hi my name is 0", -784135307),
        (
            "The up-regulation of IL-1beta message could be mediated by the latent membrane protein-1, "
            "EBV nuclear proteins 2, 3, 4, and 6 genes.",
            -400334998,
        ),
    ],
)
def test_input_hash_vectors(text, expected):
    assert set_hashes({"text": text})["_input_hash"] == expected


def test_task_hash_with_label_vector():
    task = set_hashes({"text": "hi my name is 0", "label": "foo"})
    assert task["_task_hash"] == -1606845795


def test_task_hash_without_task_keys_hashes_the_whole_task():
    assert set_hashes({"text": "My name is Freya."})["_task_hash"] == -1486695581


def test_non_ascii_text_is_hashed_with_ascii_escapes():
    text = "„Wir glauben fest daran“, sagte sie."
    expected = murmurhash.hash_bytes(("text=" + json.dumps(text)).encode())
    assert set_hashes({"text": text})["_input_hash"] == expected
    assert expected != murmurhash.hash_bytes(("text=" + json.dumps(text, ensure_ascii=False)).encode())
    assert "\\u201e" in json.dumps(text)


def test_existing_hashes_are_kept_unless_overwrite():
    task = {"text": "abc", "_input_hash": 1, "_task_hash": 2}
    assert set_hashes(dict(task))["_input_hash"] == 1
    assert set_hashes(dict(task), overwrite=True)["_input_hash"] != 1


def test_review_hash_sees_relations_but_task_hash_does_not():
    a = {"text": "x y", "spans": [], "relations": []}
    b = dict(a, relations=[{"head": 0, "child": 1, "label": "SPEAKER"}])
    assert set_hashes(dict(a))["_task_hash"] == set_hashes(dict(b))["_task_hash"]
    assert review_hash(a) != review_hash(b)
