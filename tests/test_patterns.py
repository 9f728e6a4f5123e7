"""Pattern files are all a language needs: word lists and language settings are data, not code."""

import shutil

import pytest
import spacy
from prodigy_quotes.finder import PatternError, add_quote_finder, default_patterns_dir, load_patterns
from prodigy_quotes.model.thinc_model import ARCHITECTURE
from prodigy_quotes.schema import QUOTE, SPANS_KEY, SPEAKER, linked


def _quotes(nlp, text):
    doc = nlp(text)
    return [(q.text, [s.text for s in linked(doc, q, SPEAKER)]) for q in doc.spans[SPANS_KEY] if q.label_ == QUOTE]


def test_a_new_language_needs_only_pattern_files(tmp_path):
    """Luxembourgish (no built-in patterns) works from a copy of the German files with one cue added."""
    folder = tmp_path / "lb"
    shutil.copytree(default_patterns_dir("de"), folder)
    with (folder / "cues.jsonl").open("a", encoding="utf8") as f:
        f.write('{"kind": "cue", "text": ["sot", "soten"]}\n')
    nlp = add_quote_finder(spacy.blank("lb"), patterns_dir=folder)
    assert _quotes(nlp, "„Mir sinn houfreg op eis Equipe“, sot den Trainer Luc Holtz.") == [
        ("„Mir sinn houfreg op eis Equipe“", ["den Trainer Luc Holtz"])
    ]


def test_the_capitalisation_switch_is_a_language_setting(tmp_path):
    """Without capitalised_nouns the German rules take a lower-case noun after 'die' as the speaker."""
    folder = tmp_path / "de"
    shutil.copytree(default_patterns_dir("de"), folder)
    grammar = folder / "grammar.jsonl"
    lines = grammar.read_text(encoding="utf8").splitlines()
    grammar.write_text(
        "\n".join(l.replace('"capitalised_nouns": true', '"capitalised_nouns": false') for l in lines) + "\n",
        encoding="utf8",
    )
    text = "„Das ist falsch“, sagte die sprecherin."
    assert _quotes(add_quote_finder(spacy.blank("de")), text)[0][1] == []
    assert _quotes(add_quote_finder(spacy.blank("de"), patterns_dir=folder), text)[0][1] == ["die sprecherin"]


@pytest.mark.parametrize(
    "line,problem",
    [
        ('{"kind": "language", "capitalized": true}', "unknown language setting 'capitalized'"),
        ('{"kind": "language", "capitalised_nouns": "yes"}', "'capitalised_nouns' must be a bool"),
        ('{"kind": "language", "number_noun": "(["}', '"number_noun" is not a regular expression'),
    ],
)
def test_bad_language_settings_name_file_and_line(tmp_path, line, problem):
    path = tmp_path / "grammar.jsonl"
    path.write_text('{"kind": "quote", "open": "„", "close": "“"}\n' + line + "\n", encoding="utf8")
    with pytest.raises(PatternError) as err:
        load_patterns(path)
    assert f"{path}, line 2" in str(err.value) and problem in str(err.value)


def test_saved_finder_keeps_its_patterns_but_no_folder_of_this_machine(tmp_path):
    folder = tmp_path / "mine"
    shutil.copytree(default_patterns_dir("de"), folder)
    with (folder / "cues.jsonl").open("a", encoding="utf8") as f:
        f.write('{"kind": "cue", "text": "tönte"}\n')
    nlp = add_quote_finder(spacy.blank("de"), patterns_dir=folder)
    nlp.to_disk(tmp_path / "pipeline")
    assert str(folder) not in (tmp_path / "pipeline" / "config.cfg").read_text(encoding="utf8")
    shutil.rmtree(folder)
    loaded = spacy.load(tmp_path / "pipeline")
    assert _quotes(loaded, "„Wir gewinnen“, tönte Kim.") == [("„Wir gewinnen“", ["Kim"])]


def test_trainable_components_name_their_network_in_the_config():
    nlp = spacy.blank("de")
    for name in ("quote_detector", "quote_speaker_linker", "quote_cue_linker"):
        nlp.add_pipe(name)
        assert nlp.config["components"][name]["model"]["@architectures"] == ARCHITECTURE
        assert "doc.spans" in nlp.get_pipe_meta(name).assigns


def test_the_resolvers_word_lists_are_pattern_data(tmp_path):
    """What a pronoun or a noun says of gender and number is read from pattern lines, checked like the others."""
    patterns = load_patterns(default_patterns_dir("de"))
    assert patterns.pronoun_features["er"] == "m" and patterns.pronoun_features["sie"] == "f|p"
    assert "mutter" in patterns.of("feminine") and "demnach" in patterns.of("anaphoric")
    path = tmp_path / "people.jsonl"
    path.write_text(
        '{"kind": "quote", "open": "„", "close": "“"}\n{"kind": "pronoun_features", "text": "es", "features": "n"}\n',
        encoding="utf8",
    )
    with pytest.raises(PatternError) as err:
        load_patterns(path)
    assert f"{path}, line 2" in str(err.value) and '"features" must be one of' in str(err.value)
