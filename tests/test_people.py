"""Who a speaker is: name, role, organisation, kind and gender of each resolved speaker, and one person id across
articles, on sentences written for these tests."""

import csv
import json
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest
from prodigy_quotes.errors import InputError
from prodigy_quotes.people import PersonIndex, SpeakerRecord, article_records, read_aliases
from prodigy_quotes.report import render_report, report_figures
from prodigy_quotes.resolve import people_words, resolve_task


def task(text: str, pairs: List[Tuple[str, str]], meta: Dict[str, Any] = None) -> Dict[str, Any]:
    """A task whose quotes (by their words, in order) are linked to speakers (the next match after the quote or,
    failing that, the last before it)."""
    spans, rels, pos = [], [], 0
    for quote, speaker in pairs:
        qs = text.index(quote, pos)
        q = {"start": qs, "end": qs + len(quote), "label": "QUOTE"}
        ss = text.find(speaker, q["end"])
        ss = ss if ss >= 0 else text.rindex(speaker, 0, qs)
        s = {"start": ss, "end": ss + len(speaker), "label": "SPEAKER"}
        spans += [q, s]
        rels.append({"head_span": q, "child_span": s, "label": "SPEAKER"})
        pos = q["end"]
    return {"text": text, "spans": spans, "relations": rels, "meta": meta or {}}


def records(t: Dict[str, Any], lang: str = "de") -> List[SpeakerRecord]:
    """The record of each quote's speaker, in text order."""
    people = people_words(lang)
    found = resolve_task(t, lang, people)
    described = article_records(t, found, people)
    return [described[r.quote] for r in found if r.quote in described]


@pytest.mark.parametrize(
    "speaker,name,role,organisation",
    [
        ("Bundeskanzlerin Angela Merkel", "Angela Merkel", "Bundeskanzlerin", None),
        ("Innenminister Heribert Rech", "Heribert Rech", "Innenminister", None),
        ("Ute Kamper, die Leiterin der Beratungsstelle", "Ute Kamper", "Leiterin der Beratungsstelle", None),
        ("Renate Schmidt (SPD)", "Renate Schmidt", None, "SPD"),
        ("Theo Korn vom Bankhaus Lindner", "Theo Korn", None, "Bankhaus Lindner"),
        ("Verteidigungsministerin Ursula von der Leyen", "Ursula von der Leyen", "Verteidigungsministerin", None),
    ],
)
def test_title_and_role_are_split_from_the_name(speaker: str, name: str, role: str, organisation: str) -> None:
    (record,) = records(task(f"„Wir sind bereit“, sagte {speaker}.", [("„Wir sind bereit“", speaker)]))
    assert (record.name, record.role, record.organisation, record.kind) == (name, role, organisation, "person")


def test_english_titles_are_split_too() -> None:
    text = "“We are ready,” said Prime Minister Boris Johnson."
    (record,) = records(task(text, [("“We are ready,”", "Prime Minister Boris Johnson")]), "en")
    assert (record.name, record.role, record.kind) == ("Boris Johnson", "Prime Minister", "person")


@pytest.mark.parametrize(
    "speaker,kind",
    [
        ("das Innenministerium", "organisation"),
        ("die Grünen", "organisation"),
        ("einer Pressemitteilung", "document"),
        ("ein Sprecher", "anonymous"),
        ("Insider", "anonymous"),
        ("der Minister", "person"),
        ("demnach", "unknown"),
    ],
)
def test_each_kind_of_speaker(speaker: str, kind: str) -> None:
    (record,) = records(task(f"„Wir sind bereit“, hieß es {speaker}.", [("„Wir sind bereit“", speaker)]))
    assert record.kind == kind
    assert record.gender == "unknown" or kind == "person"


def test_a_pronoun_that_names_nobody_is_unknown() -> None:
    (record,) = records(task("„Wir sind bereit“, sagte er.", [("„Wir sind bereit“", "er")]))
    assert (record.kind, record.name, record.gender) == ("unknown", None, "unknown")


def test_feminine_and_masculine_nouns_and_pronouns_give_the_gender() -> None:
    text = (
        "„Ja“, sagte Ministerin Anna Berger. „Nein“, sagte der Sprecher Paul Weber. "
        "Kim Lind kam spät. „Vielleicht“, meinte sie. „Gut“, sagte Jo Tamm. „Niemals“, sagte Frau Eva Sommer."
    )
    t = task(
        text,
        [
            ("„Ja“", "Ministerin Anna Berger"),
            ("„Nein“", "der Sprecher Paul Weber"),
            ("„Vielleicht“", "sie"),
            ("„Gut“", "Jo Tamm"),
            ("„Niemals“", "Frau Eva Sommer"),
        ],
    )
    got = [(r.name, r.gender, r.gender_from) for r in records(t)]
    assert got[0] == ("Anna Berger", "female", "word")
    assert got[1] == ("Paul Weber", "male", "word")
    assert got[2][1:] == ("female", "word")  # "sie" resolves to the minister, whose title says it
    assert got[3] == ("Jo Tamm", "unknown", None)  # a first name alone tells nothing
    assert got[4] == ("Eva Sommer", "female", "word")


def test_a_pronoun_tells_the_gender_the_words_do_not() -> None:
    text = "„Ja“, sagte Kim Lind. Später ergänzte sie: „Sofort.“"
    t = task(text, [("„Ja“", "Kim Lind"), ("„Sofort.“", "sie")])
    got = [(r.name, r.gender, r.gender_from) for r in records(t)]
    assert got == [("Kim Lind", "female", "pronoun")] * 2


def _person_ids(tasks: List[Dict[str, Any]], aliases: Dict[str, str] = None) -> List[List[int]]:
    persons = PersonIndex(aliases)
    return [[persons.person_id(r) for r in records(t)] for t in tasks]


MERKEL_ARTICLES = [
    task("„Ja“, sagte Angela Merkel.", [("„Ja“", "Angela Merkel")]),
    task("„Nein“, sagte Horst Merkel.", [("„Nein“", "Horst Merkel")]),
    task("„Vielleicht“, sagte Merkel.", [("„Vielleicht“", "Merkel")]),
    task("„Gut“, sagte Bundeskanzlerin Angela Merkel.", [("„Gut“", "Bundeskanzlerin Angela Merkel")]),
    task(
        "„Heute“, sagte Angela Merkel. „Morgen“, fügte Merkel hinzu.",
        [("„Heute“", "Angela Merkel"), ("„Morgen“", "Merkel")],
    ),
]


def test_one_person_across_articles_and_two_people_with_one_surname_apart() -> None:
    ids = _person_ids(MERKEL_ARTICLES)
    angela, horst, bare = ids[0][0], ids[1][0], ids[2][0]
    assert len({angela, horst, bare}) == 3  # a surname alone links nobody
    assert ids[3] == [angela]  # the title is no part of the name
    assert ids[4] == [angela, angela]  # "Merkel" resolved to her in its article


def test_an_alias_merges_what_the_text_cannot_tell(tmp_path: Path) -> None:
    path = tmp_path / "aliases.jsonl"
    path.write_text('{"name": "Angela Merkel", "aliases": ["Merkel", "Kanzlerin Merkel"]}\n', encoding="utf8")
    ids = _person_ids(MERKEL_ARTICLES, read_aliases(path))
    assert ids[2] == ids[0] and ids[1] != ids[0]
    path.write_text('{"name": "Angela Merkel", "aliases": []}\n{"aliases": ["x"]}\n', encoding="utf8")
    with pytest.raises(InputError, match=r"aliases.jsonl, line 2"):
        read_aliases(path)


def test_the_report_ranks_people_organisations_and_roles_apart_and_counts_women_and_men() -> None:
    tasks = [
        task(
            "„Ja“, sagte Ministerin Anna Berger. „Nein“, teilte das Innenministerium mit. "
            "„Vielleicht“, hieß es in einer Pressemitteilung. „Gut“, sagte der Sprecher Paul Weber.",
            [
                ("„Ja“", "Ministerin Anna Berger"),
                ("„Nein“", "das Innenministerium"),
                ("„Vielleicht“", "einer Pressemitteilung"),
                ("„Gut“", "der Sprecher Paul Weber"),
            ],
            {"source": "Kurier"},
        ),
        task("„Sofort“, sagte Anna Berger.", [("„Sofort“", "Anna Berger")], {"source": "Bote"}),
    ]
    figures = report_figures(tasks)
    assert figures["speakers"][0] == ("Anna Berger", 2, 2)
    assert ("Innenministerium", 1, 1) in figures["organisations"]
    assert {row[0] for row in figures["roles"]} == {"Ministerin", "Sprecher"}
    assert figures["gender"] == {"female": 2, "male": 1, "unknown": 0}  # her title in one article tells both
    assert ("Bote", 1, 0, 0) in figures["gender_by"] and ("Kurier", 1, 1, 0) in figures["gender_by"]
    assert ("document", 1, "einer Pressemitteilung (1)") in figures["left_out"]
    page = render_report(figures, "test")
    assert "Women and men quoted" in page and "Organisations quoted most" in page and "Left out" in page


def test_the_export_carries_the_speaker_record(tmp_path: Path) -> None:
    from prodigy_quotes.export import export_csv, export_quotes

    tasks = [dict(t, answer="accept") for t in MERKEL_ARTICLES[3:]]
    out = tmp_path / "quotes.jsonl"
    export_quotes(tasks, out)
    rows = [json.loads(line) for line in out.read_text(encoding="utf8").splitlines()]
    assert [(r["speaker_name"], r["speaker_role"], r["speaker_kind"], r["speaker_gender"]) for r in rows][0] == (
        "Bundeskanzlerin Angela Merkel",
        "Bundeskanzlerin",
        "person",
        "female",
    )
    assert len({r["person_id"] for r in rows}) == 1  # one person in both articles
    export_csv(tasks, tmp_path / "quotes.csv")
    with (tmp_path / "quotes.csv").open(encoding="utf-8-sig") as f:
        table = list(csv.DictReader(f))
    assert table[0]["speaker_kind"] == "person" and table[0]["speaker_gender_from"] == "word"
    assert table[0]["person_id"] == table[-1]["person_id"] == "1"


def test_a_pipelines_ner_tells_people_from_bodies(tmp_path: Path) -> None:
    """With ``--ner`` the entities of a pipeline decide where the words can't: a person's name inside a role's
    place ("Gouverneur von Massachusetts Mitt Romney"), a body whose name has no body word ("Radio Bremen")."""
    import spacy
    from prodigy_quotes.people import load_ner

    nlp = spacy.blank("de")
    nlp.add_pipe("entity_ruler").add_patterns(
        [{"label": "PER", "pattern": "Mitt Romney"}, {"label": "ORG", "pattern": "Radio Bremen"}]
    )
    nlp.to_disk(tmp_path / "ner")
    text = "„Ja“, sagte der Gouverneur von Massachusetts Mitt Romney. „Nein“, meldete Radio Bremen."
    t = task(text, [("„Ja“", "der Gouverneur von Massachusetts Mitt Romney"), ("„Nein“", "Radio Bremen")])
    plain = report_figures([t])
    ner = report_figures([t], ner=load_ner(str(tmp_path / "ner")))
    assert ner["speakers"] == [("Mitt Romney", 1, 1)] and ner["organisations"] == [("Radio Bremen", 1, 1)]
    assert plain["organisations"] == []  # without the NER the words take the broadcaster for a person
    with pytest.raises(Exception, match="sets no named entities"):
        spacy.blank("de").to_disk(tmp_path / "blank")
        load_ner(str(tmp_path / "blank"))
