"""Frames are pattern lines: a construction the built-in rules get wrong is fixed by one line in a user's pattern
folder, and that line reaches `quotes manual`, `quotes extract` and a trained pipeline."""

import json
import shutil
import warnings
from pathlib import Path
from typing import Dict, List, Optional

import pytest
import spacy
from conftest import speaker_task
from prodigy_quotes.annotate import quotes_manual
from prodigy_quotes.cli import app
from prodigy_quotes.finder import PatternError, add_quote_finder, default_patterns_dir, load_patterns
from prodigy_quotes.schema import QUOTE, SPANS_KEY, SPEAKER, linked
from prodigy_quotes.training import train_pipeline
from typer.testing import CliRunner

# invented: the rules take "dem Umfeld" for the speaker; the frame's speaker is the noun phrase after "von"
UMFELD = {
    "kind": "frame",
    "name": "hieß es aus dem Umfeld von X",
    "pattern": [
        {"LOWER": "hieß", "ROLE": "cue"},
        {"LOWER": "es", "ROLE": "cue"},
        {"LOWER": "aus"},
        {"LOWER": {"IN": ["dem", "seinem", "ihrem"]}},
        {"LOWER": "umfeld"},
        {"LOWER": "von"},
    ],
    "np": "after",
}
# the rules take "die Antwort" for the speaker; this frame marks the speaker's tokens itself
ANTWORT = {
    "kind": "frame",
    "pattern": [
        {"LOWER": "so"},
        {"LOWER": "lautete", "ROLE": "cue"},
        {"LOWER": "die"},
        {"LOWER": "antwort"},
        {"LOWER": "von"},
        {"IS_TITLE": True, "OP": "+", "ROLE": "speaker"},
    ],
}
UMFELD_TEXT = "„Wir bleiben in der Stadt“, hieß es aus dem Umfeld von Kim Adler."
ANTWORT_TEXT = "„Der Bus kommt später“, so lautete die Antwort von Karl Wendt."


def _speakers(nlp: spacy.language.Language, text: str) -> List[List[str]]:
    doc = nlp(text)
    return [[s.text for s in linked(doc, q, SPEAKER)] for q in doc.spans[SPANS_KEY] if q.label_ == QUOTE]


def _folder(tmp_path: Path, *frames: Dict) -> Path:
    """A copy of the built-in German patterns with ``frames`` added as one file of the user's."""
    folder = tmp_path / "patterns"
    shutil.copytree(default_patterns_dir("de"), folder)
    lines = "".join(json.dumps(f, ensure_ascii=False) + "\n" for f in frames)
    (folder / "newsroom.jsonl").write_text(lines, encoding="utf8")
    return folder


@pytest.mark.parametrize(
    "frame,text,speaker", [(UMFELD, UMFELD_TEXT, "Kim Adler"), (ANTWORT, ANTWORT_TEXT, "Karl Wendt")]
)
def test_one_frame_line_fixes_what_the_rules_get_wrong(tmp_path: Path, frame: Dict, text: str, speaker: str):
    assert _speakers(add_quote_finder(spacy.blank("de")), text) != [[speaker]]
    nlp = add_quote_finder(spacy.blank("de"), patterns_dir=_folder(tmp_path, frame))
    assert _speakers(nlp, text) == [[speaker]]


def test_a_frame_inside_quoted_text_is_not_a_frame(tmp_path: Path):
    nlp = add_quote_finder(spacy.blank("de"), patterns_dir=_folder(tmp_path, ANTWORT))
    text = "„Und so lautete die Antwort von Karl Wendt an alle“, sagte Jana Winter."
    assert _speakers(nlp, text) == [["Jana Winter"]]


def test_source_lines_are_frames(tmp_path: Path):
    """``laut``, ``zufolge`` and ``„…“, so X`` come from source lines, matched as frames on spaCy's tokens."""
    patterns = load_patterns(default_patterns_dir("de"))
    names = {f.get("name") for f in patterns.frames}
    assert {"laut", "zufolge", "so", "nach angaben"} <= names
    nlp = add_quote_finder(spacy.blank("de"))
    assert _speakers(nlp, "„Die Lage ist ernst“, so der Bürgermeister Olaf Reuter.") == [
        ["der Bürgermeister Olaf Reuter"]
    ]
    assert _speakers(nlp, "Der Polizei zufolge war es „ein tragischer Unfall ohne jede Vorwarnung“.") == [
        ["Der Polizei"]
    ]
    # "so" opens no source except after a comma or a quote
    assert _speakers(nlp, "Er sagte, es sei so Olaf Reuter „eine gute Idee, die wir lange vermisst haben“.") != [
        ["Olaf Reuter"]
    ]


def test_a_frame_reading_tags_is_skipped_with_a_warning_where_nothing_tags(tmp_path: Path):
    frame = {"kind": "frame", "pattern": [{"TAG": "VVFIN", "ROLE": "cue"}, {"ROLE": "speaker", "IS_TITLE": True}]}
    nlp = spacy.blank("de")
    nlp.add_pipe("quote_finder")
    nlp.config["initialize"]["components"]["quote_finder"] = {"patterns": str(_folder(tmp_path, frame))}
    nlp.initialize()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        nlp(UMFELD_TEXT)
    assert any("TAG" in str(w.message) and "not tried" in str(w.message) for w in caught)


@pytest.mark.parametrize(
    "frame,problem",
    [
        ({"pattern": []}, 'a frame needs "pattern"'),
        ({"pattern": [{"LOWER": "so"}]}, 'a frame needs a token with "ROLE"'),
        ({"pattern": [{"LOWER": "so", "ROLE": "quote"}]}, '"ROLE" must be "cue" or "speaker"'),
        ({"pattern": [{"LOWR": "so", "ROLE": "cue"}]}, "not a spaCy Matcher pattern"),
        ({"pattern": [{"LOWER": "so", "ROLE": "cue"}], "np": "left"}, '"np" must be "after" or "before"'),
        ({"pattern": [{"LOWER": "so", "ROLE": "speaker"}], "np": "after"}, 'mark no token "speaker"'),
    ],
)
def test_a_bad_frame_names_file_and_line(tmp_path: Path, frame: Dict, problem: str):
    path = tmp_path / "frames.jsonl"
    path.write_text('{"kind": "quote", "open": "„", "close": "“"}\n' + json.dumps({"kind": "frame", **frame}) + "\n")
    with pytest.raises(PatternError) as err:
        load_patterns(path)
    assert f"{path}, line 2" in str(err.value) and problem in str(err.value)


def _linked_speaker(task: Dict, quote_start: int) -> Optional[str]:
    for rel in task["relations"]:
        if rel["label"] == SPEAKER and rel["head_span"]["start"] == quote_start:
            return task["text"][rel["child_span"]["start"] : rel["child_span"]["end"]]
    return None


def test_a_users_frame_reaches_manual_extract_and_a_trained_pipeline(tmp_path: Path):
    folder = _folder(tmp_path, UMFELD)
    source = tmp_path / "docs.jsonl"
    source.write_text(json.dumps({"text": UMFELD_TEXT}, ensure_ascii=False) + "\n", encoding="utf8")
    # quotes manual --patterns
    task = next(quotes_manual("ds", "blank:de", str(source), patterns=str(folder))["stream"])
    assert _linked_speaker(task, 0) == "Kim Adler"
    # quotes extract --patterns
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(
        app, ["extract", "blank:de", str(source), "--output", str(out), "--patterns", str(folder)]
    )
    assert result.exit_code == 0, result.output
    assert _linked_speaker(json.loads(out.read_text(encoding="utf8")), 0) == "Kim Adler"
    # quotes train --patterns: the frame travels with the trained pipeline
    tasks = [
        speaker_task(UMFELD_TEXT.replace("Kim Adler", name), "„Wir bleiben in der Stadt“", name)
        for name in ("Ida Kramer", "Emil Sander")
    ]
    train_pipeline(tmp_path / "model", tasks, tasks[:1], max_steps=2, eval_frequency=2, patterns=str(folder))
    trained = spacy.load(tmp_path / "model" / "model-best")
    assert UMFELD in trained.get_pipe("quote_finder").rules.patterns.frames
    assert _speakers(trained, UMFELD_TEXT) == [["Kim Adler"]]


def _no_phrases_left(base: type) -> type:
    """A reader (of the ``base`` layer) that takes no noun phrase left of a word."""

    class NoPhrasesLeft(base):
        def _np_left(self, *args, **kwargs):
            return None

        def first_np(self, *args, **kwargs):
            return None

    return NoPhrasesLeft


@pytest.mark.parametrize("level", ["grammar", "noun_phrases"])
def test_the_phrase_reader_is_a_registered_function_the_config_names(tmp_path, level: str) -> None:
    """How the rules read noun phrases is chosen in the config, as spaCy chooses a language's syntax iterators: a
    reader registered under a name of one's own replaces the built-in one, the whole grammar (an ``Attributor``)
    or only its noun phrases (a ``NounPhrases``), and a saved pipeline keeps the choice."""
    from prodigy_quotes.finder.attribution import Attributor
    from prodigy_quotes.finder.nounphrases import NounPhrases
    from spacy.util import registry

    name = f"test_no_phrases_left_{level}.v1"
    reader = _no_phrases_left(Attributor if level == "grammar" else NounPhrases)
    registry.misc(name)(lambda: reader)
    grammar = {"@misc": name}
    if level == "noun_phrases":
        grammar = {"@misc": "prodigy_quotes.grammar.v1", "noun_phrases": {"@misc": name}}
    text = "Die Ministerin Anna Berger sagte: „Wir kommen wieder.“"
    default = spacy.blank("de")
    default.add_pipe("quote_finder")
    assert _linked_speakers(default, text) == ["Die Ministerin Anna Berger"]
    custom = spacy.blank("de")
    custom.add_pipe("quote_finder", config={"grammar": grammar})
    assert _linked_speakers(custom, text) == []
    assert _linked_speakers(custom, "„Wir kommen wieder“, sagte die Ministerin Anna Berger.") == [
        "die Ministerin Anna Berger"
    ]  # phrases right of the cue are still read
    custom.to_disk(tmp_path / "p")
    assert _linked_speakers(spacy.load(tmp_path / "p"), text) == []


def test_a_noun_phrase_reader_that_is_none_is_refused_with_a_message() -> None:
    from prodigy_quotes.finder.attribution import make_grammar

    with pytest.raises(TypeError, match="subclass of NounPhrases"):
        make_grammar(str)


def _linked_speakers(nlp, text):
    doc = nlp(text)
    return [s.text for q in doc.spans[SPANS_KEY] if q.label_ == QUOTE for s in linked(doc, q, SPEAKER)]


def test_the_patterns_folder_is_no_setting_and_old_pipelines_naming_one_still_load(tmp_path: Path):
    from prodigy_quotes.pipeline import load_nlp

    nlp = add_quote_finder(spacy.blank("de"), patterns_dir=_folder(tmp_path / "p", ANTWORT))
    assert "patterns_dir" not in nlp.config["components"]["quote_finder"]
    nlp.to_disk(tmp_path / "saved")
    config = (tmp_path / "saved" / "config.cfg").read_text(encoding="utf8")
    old = config.replace("[components.quote_finder]\n", "[components.quote_finder]\npatterns_dir = null\n")
    assert old != config
    (tmp_path / "saved" / "config.cfg").write_text(old, encoding="utf8")
    loaded = load_nlp(tmp_path / "saved")
    assert _speakers(loaded, ANTWORT_TEXT) == _speakers(nlp, ANTWORT_TEXT) == [["Karl Wendt"]]
