"""The model learns from corrections: constructions the rules get wrong, repeated in a small training set, are
right after ``quotes train`` (settings chosen by cross-validation) and wrong before, on sentences it never saw."""

from pathlib import Path
from typing import List, Optional, Tuple

import prodigy_quotes.model  # noqa: F401  (registers the factories before spacy.load)
import pytest
import spacy
from conftest import speaker_task
from prodigy_quotes.pipeline import load_quote_pipeline
from prodigy_quotes.schema import LINKS_ATTR, QUOTE, SPANS_KEY, SPEAKER, Link
from prodigy_quotes.training import train_pipeline

NAMES = [
    "Jana Winter",
    "Tim Berger",
    "Lara Stein",
    "Olaf Reuter",
    "Nina Hartwig",
    "Emil Sander",
    "Greta Lorenz",
    "Bruno Falk",
    "Ida Kramer",
    "Moritz Haas",
]
QUOTES = [
    "Wir bauen die Brücke neu",
    "Die Bahn fährt wieder",
    "Das Dorf braucht Strom",
    "Niemand muss gehen",
    "Der Park bleibt offen",
    "Wir zahlen die Löhne",
    "Die Schule wird saniert",
    "Das Wasser ist sauber",
    "Wir warten auf den Bericht",
    "Der Markt zieht um",
]
# the rules find no speaker in the first frame and take "die Antwort" for the speaker in the second
FRAMES = ["„{q}“ – mit diesen Worten reagierte {n} auf die Kritik.", "„{q}“, so lautete die Antwort von {n}."]
UNSEEN = [
    ("„Die Halle schließt im Juli“ – mit diesen Worten reagierte Paula Brenner auf die Kritik.", "Paula Brenner"),
    ("„Der Bus kommt später“, so lautete die Antwort von Karl Wendt.", "Karl Wendt"),
]


def _training_tasks() -> List[dict]:
    tasks = []
    for k, frame in enumerate(FRAMES):
        for i, name in enumerate(NAMES):
            quote = QUOTES[(i + 3 * k) % len(QUOTES)]
            tasks.append(speaker_task(frame.format(q=quote, n=name), f"„{quote}“", name))
    return tasks


def _speaker(nlp: spacy.language.Language, text: str) -> Optional[str]:
    """The text of the speaker linked to the sentence's quote, if any."""
    doc = nlp(text)
    links = [Link(*link) for link in doc.user_data.get(LINKS_ATTR, []) if Link(*link).label == SPEAKER]
    return doc[links[0].child_start : links[0].child_end].text if links else None


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Tuple[Path, dict]:
    out = tmp_path_factory.mktemp("learn")
    tasks = _training_tasks()
    scores = train_pipeline(out, tasks, tasks[:4], folds=4)
    return out, scores


@pytest.mark.parametrize("text,speaker", UNSEEN)
def test_the_rules_get_these_constructions_wrong(text: str, speaker: str):
    nlp = load_quote_pipeline("patterns:de")
    doc = nlp(text)
    assert [s.text for s in doc.spans[SPANS_KEY] if s.label_ == QUOTE]
    assert _speaker(nlp, text) != speaker


@pytest.mark.parametrize("text,speaker", UNSEEN)
def test_the_trained_model_gets_them_right(trained: Tuple[Path, dict], text: str, speaker: str):
    nlp = spacy.load(trained[0] / "model-best")
    assert speaker in (_speaker(nlp, text) or "")


def test_settings_are_chosen_by_cross_validation_on_the_training_data(trained: Tuple[Path, dict]):
    selection = trained[1]["selection"]
    assert selection["f"] > selection["rules_f"]  # held-out folds: the linker beats the rules on these
    assert {row["margin"] for row in selection["table"]} >= {0.0, 2.0}
    assert (trained[0] / "model-best" / "quote_speaker_linker" / "clusters.npz").exists()


def test_a_users_pattern_line_reaches_a_trained_pipeline(tmp_path: Path):
    """A cue the built-in rules lack ("frohlockte"), added as one line in a user's pattern folder, is used by the
    rules the model trains on and travels with the trained pipeline."""
    import shutil

    from prodigy_quotes.finder import default_patterns_dir

    text = "„Das Konzert war großartig“, frohlockte Kim Adler."
    assert _speaker(load_quote_pipeline("patterns:de"), text) is None
    patterns = tmp_path / "patterns"
    shutil.copytree(default_patterns_dir("de"), patterns)
    (patterns / "newsroom.jsonl").write_text('{"kind": "cue", "text": ["frohlockte"]}\n', encoding="utf8")
    assert _speaker(load_quote_pipeline("patterns:de", patterns_dir=patterns), text) == "Kim Adler"
    tasks = _training_tasks()[:6]
    train_pipeline(tmp_path / "out", tasks, tasks[:2], max_steps=4, eval_frequency=4, patterns=str(patterns))
    assert (
        "patterns"
        not in (tmp_path / "out" / "model-best" / "config.cfg").read_text(encoding="utf8").split("[initialize")[0]
    )
    trained = spacy.load(tmp_path / "out" / "model-best")
    entries = trained.get_pipe("quote_finder").rules.patterns.entries
    assert {"kind": "cue", "text": ["frohlockte"]} in entries
