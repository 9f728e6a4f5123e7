"""Who is quoted: speaker mentions resolved to the fullest mention of the same speaker in the article."""

from typing import Any, Dict, List, Tuple

import pytest
from prodigy_quotes.resolve import resolve_task


def task(text: str, pairs: List[Tuple[str, str]], coref: List[Tuple[str, str]] = ()) -> Dict[str, Any]:
    """A task whose quotes (by their words, in order) are linked to speakers (the next match after the quote or,
    failing that, before it)."""
    spans, rels, pos = [], [], 0

    def span(words: str, label: str, after: int) -> Dict[str, Any]:
        start = text.find(words, after)
        if start < 0:
            start = text.rfind(words, 0, after)
        return {"start": start, "end": start + len(words), "label": label}

    for quote, speaker in pairs:
        q = span(quote, "QUOTE", pos)
        pos = q["end"]
        s = span(speaker, "SPEAKER", q["end"])
        spans += [q, s]
        rels.append({"head_span": q, "child_span": s, "label": "SPEAKER"})
    for mention, antecedent in coref:
        m, a = span(mention, "SPEAKER", 0), span(antecedent, "SPEAKER", 0)
        rels.append({"head_span": m, "child_span": a, "label": "COREF"})
    return {"text": text, "spans": spans, "relations": rels}


def names(t: Dict[str, Any], lang: str) -> List[Tuple[str, bool]]:
    return [(r.name, r.resolved) for r in resolve_task(t, lang)]


def test_german_pronoun_and_surname_resolve_to_the_full_name() -> None:
    text = (
        "Die Ministerin Anna Berger sagte: „Wir handeln.“ Später ergänzte sie: „Sofort.“ „Ohne Zögern“, betonte Berger."
    )
    t = task(
        text, [("„Wir handeln.“", "Die Ministerin Anna Berger"), ("„Sofort.“", "sie"), ("„Ohne Zögern“", "Berger")]
    )
    assert names(t, "de") == [("Die Ministerin Anna Berger", True)] * 3
    assert len({r.speaker_id for r in resolve_task(t, "de")}) == 1


def test_two_speakers_of_different_gender() -> None:
    text = (
        "„Ja“, sagte der Minister Paul Weber. „Nein“, sagte die Sprecherin Eva Lind. "
        "„Vielleicht“, meinte er. „Niemals“, meinte sie."
    )
    t = task(
        text,
        [
            ("„Ja“", "der Minister Paul Weber"),
            ("„Nein“", "die Sprecherin Eva Lind"),
            ("„Vielleicht“", "er"),
            ("„Niemals“", "sie"),
        ],
    )
    got = names(t, "de")
    assert got[2] == ("der Minister Paul Weber", True) and got[3] == ("die Sprecherin Eva Lind", True)


def test_plural_pronouns_take_a_plural_antecedent() -> None:
    text = "Die beiden Kriegsgefangenen schrieben: „Wir wollen nach Hause.“ „Bald“, hofften sie."
    t = task(text, [("„Wir wollen nach Hause.“", "Die beiden Kriegsgefangenen"), ("„Bald“", "sie")])
    assert names(t, "de")[1] == ("Die beiden Kriegsgefangenen", True)
    text = '"We are tired," the two soldiers said. "We want peace," they wrote.'
    t = task(text, [('"We are tired,"', "the two soldiers"), ('"We want peace,"', "they")])
    assert names(t, "en")[1] == ("the two soldiers", True)


def test_english_pronouns_and_surnames() -> None:
    text = (
        '"We will win," said Prime Minister Mary Collins. "Soon," she added. '
        '"Not so fast," Mr. Tom Hale said. "Never," Collins replied. "Maybe," he said.'
    )
    t = task(
        text,
        [
            ('"We will win,"', "Prime Minister Mary Collins"),
            ('"Soon,"', "she"),
            ('"Not so fast,"', "Mr. Tom Hale"),
            ('"Never,"', "Collins"),
            ('"Maybe,"', "he"),
        ],
    )
    got = names(t, "en")
    assert got[1] == ("Prime Minister Mary Collins", True) and got[3] == ("Prime Minister Mary Collins", True)
    assert got[4] == ("Mr. Tom Hale", True)


def test_an_unresolvable_pronoun_stays_as_written() -> None:
    text = "„Wir bleiben“, sagte er."
    assert names(task(text, [("„Wir bleiben“", "er")]), "de") == [("er", False)]


def test_an_annotators_coref_link_decides() -> None:
    text = "Der Trainer Max Roth sagte: „Gut.“ Die Kapitänin Lea Roth nickte. „Sehr gut“, sagte er."
    t = task(text, [("„Gut.“", "Der Trainer Max Roth"), ("„Sehr gut“", "er")], coref=[("er", "Der Trainer Max Roth")])
    assert names(t, "de")[1] == ("Der Trainer Max Roth", True)


@pytest.mark.parametrize("lang", ["de", "en"])
def test_quotes_without_a_speaker_are_reported_unresolved(lang: str) -> None:
    t = {"text": "„Ja.“", "spans": [{"start": 0, "end": 5, "label": "QUOTE"}], "relations": []}
    (r,) = resolve_task(t, lang)
    assert r.name is None and not r.resolved and r.speaker_id is None


def test_the_seed_articles_speakers_are_kim_jong_un_and_his_sister() -> None:
    from pathlib import Path

    from prodigy_quotes.annotate import quotes_manual

    seed = Path(__file__).resolve().parents[1] / "seeds" / "kim-soldaten.txt"
    (task,) = list(quotes_manual("kim", "blank:de", str(seed))["stream"])
    text = task["text"]
    got = [(text[r.mention[0] : r.mention[1]], r.name) for r in resolve_task(task, "de") if r.mention]
    assert got == [
        ("Kim", "Nordkoreas Machthaber Kim Jong Un"),
        ("Er", "Nordkoreas Machthaber Kim Jong Un"),
        ("Er", "Nordkoreas Machthaber Kim Jong Un"),
        ("sie", "Kims Schwester Kim Yo Jong"),
    ]


def test_a_name_is_told_from_its_apposition_bracket_and_affiliation() -> None:
    text = (
        "„Wir warten ab“, sagte Ute Kamper, die Leiterin der Beratungsstelle. „Es wird besser“, betonte Kamper. "
        "Der Sprecher der Klinik, Klaus Brenner, sagte: „Wir sind bereit.“ „Das reicht“, sagte Greta Lohmann (SPD). "
        "„Wir prüfen das“, sagte Theo Korn vom Bankhaus Lindner."
    )
    pairs = [
        ("„Wir warten ab“", "Ute Kamper, die Leiterin der Beratungsstelle"),
        ("„Es wird besser“", "Kamper"),
        ("„Wir sind bereit.“", "Der Sprecher der Klinik, Klaus Brenner"),
        ("„Das reicht“", "Greta Lohmann (SPD)"),
        ("„Wir prüfen das“", "Theo Korn vom Bankhaus Lindner"),
    ]
    found = resolve_task(task(text, pairs), "de")
    assert [r.name for r in found] == ["Ute Kamper"] * 2 + ["Klaus Brenner", "Greta Lohmann", "Theo Korn"]
    assert found[0].speaker_id == found[1].speaker_id


def test_er_never_resolves_to_a_feminine_noun() -> None:
    pytest.importorskip("german_nouns", reason="german-nouns gives the noun's gender (in the test extra)")
    text = "Tim Vogel kam später. Die Agentur meldete: „Der Hafen ist zu.“ „Wir warten“, sagte er."
    t = task(text, [("„Der Hafen ist zu.“", "Die Agentur"), ("„Wir warten“", "er")])
    assert names(t, "de") == [("Die Agentur", True), ("Tim Vogel", True)]


def test_a_first_name_in_in_is_no_womans_noun_but_a_compound_in_in_is() -> None:
    pytest.importorskip("german_nouns", reason="german-nouns tells a noun in -in from a first name")
    from prodigy_quotes.resolve import feminine_noun, people_words

    people = people_words("de")
    assert not any(feminine_noun(w, people) for w in ("Martin", "Benjamin", "Wendelin", "Magazin", "Termin"))
    assert all(feminine_noun(w, people) for w in ("Ministerin", "Grünen-Politikerin", "Landesjustizministerin"))
    text = "Der Minister Martin Weber kam. „Wir bleiben“, sagte er."
    t = task(text, [("„Wir bleiben“", "er")])
    assert names(t, "de") == [("Minister Martin Weber", True)]


def test_plural_sie_resolves_to_a_plural_subject_and_singular_sie_to_a_woman() -> None:
    pytest.importorskip("german_nouns", reason="german-nouns gives the noun's number (in the test extra)")
    text = "Die Behörden teilten mit: „Die Straße bleibt gesperrt.“ Die Ministerin Anna Berger widersprach. „Wir prüfen das“, {}."
    pairs = [("„Die Straße bleibt gesperrt.“", "Die Behörden"), ("„Wir prüfen das“", "sie")]
    assert names(task(text.format("sagten sie"), pairs), "de")[1] == ("Die Behörden", True)
    assert names(task(text.format("sagte sie"), pairs), "de")[1] == ("Ministerin Anna Berger", True)


def test_a_users_people_words_reach_the_resolver_the_report_and_the_page(tmp_path) -> None:
    """A word added to a copy of the pattern folder's people.jsonl tells a speaker's gender to the resolver, in
    ``quotes report --patterns`` and in the annotation page's hook, as it does to the rules."""
    import shutil

    from prodigy_quotes.finder import default_patterns_dir, load_patterns
    from prodigy_quotes.page_hooks import event_hooks
    from prodigy_quotes.report import report_figures
    from prodigy_quotes.resolve import people_words

    text = "“Yes,” said Granny Lind. “No,” said Sheriff Weber. “Fine,” she said."
    t = task(text, [("“Yes,”", "Granny Lind"), ("“No,”", "Sheriff Weber"), ("“Fine,”", "she")])
    assert names(t, "en")[2] == ("Sheriff Weber", True)  # nothing says the sheriff is a man
    folder = tmp_path / "en"
    shutil.copytree(default_patterns_dir("en"), folder)
    with (folder / "people.jsonl").open("a", encoding="utf8") as f:
        f.write('{"kind": "masculine", "text": ["sheriff"]}\n')
    people = people_words("en", folder)
    assert [r.name for r in resolve_task(t, "en", people)][2] == "Granny Lind"
    assert ("Granny Lind", 2, 1) in report_figures([t], "en", people)["speakers"]

    class Controller:
        config = {"lang": "en"}

    hook = event_hooks(load_patterns(folder))["resolve-speakers"]
    assert hook(Controller(), task=t)["speakers"][2]["name"] == "Granny Lind"
    assert event_hooks()["resolve-speakers"](Controller(), task=t)["speakers"][2]["name"] == "Sheriff Weber"


def test_the_noun_lexicon_is_read_once_then_from_its_cache_in_prodigy_home(monkeypatch) -> None:
    """german-nouns' 100,000 rows are parsed once; later runs (a report) read the saved lexicon, the same values,
    and a damaged cache file is read again from the package."""
    import os
    from pathlib import Path

    pytest.importorskip("german_nouns", reason="german-nouns gives the noun forms (in the test extra)")
    from prodigy_quotes.model.lexicon import german_nouns

    read = german_nouns.__wrapped__  # past the process's own memo, as a new process reads it
    first = read()
    (cached,) = (Path(os.environ["PRODIGY_HOME"]) / "cache").glob("german-nouns-*.npz")
    import prodigy_quotes.model.lexicon as lexicon

    with monkeypatch.context() as patch:
        patch.setattr(lexicon.csv, "reader", lambda *a, **k: pytest.fail("the package's rows were parsed again"))
        again = read()
    assert (again.keys == first.keys).all() and (again.values == first.values).all()
    assert again.get("Agentur") == first.get("Agentur") != 0
    cached.write_bytes(b"not a lexicon")
    assert read().get("Agentur") == first.get("Agentur")
