"""The rule-based quote finder on German news text written for these tests."""

import json
import subprocess
import sys
from pathlib import Path
from typing import List, Tuple

import pytest
import spacy
from prodigy_quotes.finder import PatternError, add_quote_finder, load_patterns
from prodigy_quotes.schema import CUE, QUOTE, SPANS_KEY, SPEAKER, linked
from prodigy_quotes.tasks import doc_to_task, task_to_doc, validate_task

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "data" / "wikinews-de"
SCORER = ROOT.parent / "shared" / "tools" / "score.py"

Row = Tuple[str, List[str], List[str]]


@pytest.fixture(scope="module")
def nlp():
    return add_quote_finder(spacy.blank("de"))


def find(nlp, text: str) -> List[Row]:
    """(quote, speakers, cues) for each quote of ``text``, in order."""
    doc = nlp(text)
    quotes = sorted((s for s in doc.spans[SPANS_KEY] if s.label_ == QUOTE), key=lambda s: s.start)
    return [(q.text, [s.text for s in linked(doc, q, SPEAKER)], [c.text for c in linked(doc, q, CUE)]) for q in quotes]


KIM = (
    "Nordkoreas Machthaber Kim Jong Un hat den Soldaten seines Landes Mut zugesprochen. "
    "„Hinter euch stehen Pjöngjang und Moskau“, sagte Kim in der Botschaft. "
    "Er lobte die „heldenhaften“ Kämpfer.\n\n"
    "Kim kündigte an, die Truppen würden bald heimkehren. Er sagte: „Da das ganze Land auf euch blickt, "
    "erfüllt ihr eure Pflicht mit Stolz.“\n\n"
    "Auch seine Schwester äußerte sich. „Wir glauben fest daran, dass unsere Soldaten siegreich heimkehren "
    "werden“, sagte sie vor Parteifunktionären."
)


def test_seed_article_quotes_and_speakers(nlp):
    rows = find(nlp, KIM)
    assert rows == [
        ("„Hinter euch stehen Pjöngjang und Moskau“", ["Kim"], ["sagte"]),
        ("„heldenhaften“", ["Er"], ["lobte"]),
        ("„Da das ganze Land auf euch blickt, erfüllt ihr eure Pflicht mit Stolz.“", ["Er"], ["sagte"]),
        ("„Wir glauben fest daran, dass unsere Soldaten siegreich heimkehren werden“", ["sie"], ["sagte"]),
    ]


def test_the_spans_and_links_make_a_valid_prodigy_task(nlp):
    task = doc_to_task(nlp(KIM), {"id": "kim"})
    assert validate_task(task) == []
    labels = {s["label"] for s in task["spans"]}
    assert labels == {QUOTE, SPEAKER, CUE}
    assert {r["label"] for r in task["relations"]} == {SPEAKER, CUE}


@pytest.mark.parametrize(
    "text,quote",
    [
        ("»Wir sind bereit«, sagte der Trainer.", "»Wir sind bereit«"),
        ("«Wir sind bereit», sagte der Trainer.", "«Wir sind bereit»"),
        ("‚Wir sind bereit‘, sagte der Trainer.", "‚Wir sind bereit‘"),
        ('"Wir sind bereit", sagte der Trainer.', '"Wir sind bereit"'),
        ("„Wir sind bereit”, sagte der Trainer.", "„Wir sind bereit”"),
    ],
)
def test_german_quotation_mark_styles(nlp, text, quote):
    assert find(nlp, text) == [(quote, ["der Trainer"], ["sagte"])]


def test_source_marker_after_the_quote(nlp):
    text = "„Die Lage an der Grenze ist vollständig unter Kontrolle“, so KCNA."
    assert find(nlp, text) == [("„Die Lage an der Grenze ist vollständig unter Kontrolle“", ["KCNA"], ["so"])]


def test_source_markers_before_the_quote(nlp):
    rows = find(
        nlp,
        "Laut KCNA sind die Truppen „bereit für jeden Einsatz“. "
        "Der Agentur zufolge war der Besuch „ein voller Erfolg für beide Seiten“.",
    )
    assert rows[0][:2] == ("„bereit für jeden Einsatz“", ["KCNA"])
    assert rows[1][:2] == ("„ein voller Erfolg für beide Seiten“", ["Der Agentur"])


def test_speaker_before_the_verb_with_a_title(nlp):
    rows = find(nlp, "Die Ministerin Anna Berger erklärte am Dienstag: „Wir werden die Schulen sanieren.“")
    assert rows == [("„Wir werden die Schulen sanieren.“", ["Die Ministerin Anna Berger"], ["erklärte"])]


def test_speaker_after_the_verb_when_a_phrase_comes_first(nlp):
    rows = find(
        nlp,
        "In einer Pressemitteilung kritisierte der Verband die Pläne: „Das ist ein Rückschritt für alle Beschäftigten.“",
    )
    assert rows[0][1] == ["der Verband"]


def test_interrupted_quote_is_two_spans_with_one_speaker(nlp):
    rows = find(nlp, "„Wir bleiben hier“, sagte der Sprecher der Streikenden, „bis unsere Forderungen erfüllt sind.“")
    assert [r[0] for r in rows] == ["„Wir bleiben hier“", "„bis unsere Forderungen erfüllt sind.“"]
    assert rows[0][1] == rows[1][1] == ["der Sprecher der Streikenden"]
    assert rows[0][2] == rows[1][2] == ["sagte"]


def test_separable_cue_verb(nlp):
    rows = find(nlp, "„Das ist erst der Anfang“, fügte die Gewerkschafterin hinzu.")
    assert rows == [("„Das ist erst der Anfang“", ["die Gewerkschafterin"], ["fügte", "hinzu"])]


def test_multi_sentence_quote_is_one_span(nlp):
    rows = find(nlp, "„Der Hafen steht still. Kein Schiff wird entladen. Wir streiken weiter“, sagte Petra Lorenz.")
    assert rows == [
        ("„Der Hafen steht still. Kein Schiff wird entladen. Wir streiken weiter“", ["Petra Lorenz"], ["sagte"])
    ]


def test_quote_continues_into_the_next_paragraph(nlp):
    text = (
        "Der Bürgermeister sagte: „Die Brücke bleibt bis zum Sommer gesperrt.\n\n"
        "Wir prüfen jeden Tag, ob eine Öffnung möglich ist.“\n\nDie Anwohner reagierten verärgert."
    )
    rows = find(nlp, text)
    assert len(rows) == 1
    assert rows[0][0].startswith("„Die Brücke") and rows[0][0].endswith("möglich ist.“")
    assert rows[0][1] == ["Der Bürgermeister"]


def test_reopened_quote_in_the_next_paragraph_continues(nlp):
    text = "Sie sagte: „Wir haben lange gewartet.\n\n„Jetzt handeln wir, und zwar sofort.“\n\nDanach ging sie."
    rows = find(nlp, text)
    assert len(rows) == 1 and rows[0][0].endswith("sofort.“") and rows[0][1] == ["Sie"]


def test_unclosed_quote_ends_with_its_paragraph(nlp):
    text = (
        "Der Trainer sagte: „Wir haben alles gegeben und trotzdem verloren.\n\n"
        "Die Mannschaft fährt am Sonntag nach Hause. Der Kapitän sagte: „Wir kommen wieder.“"
    )
    rows = find(nlp, text)
    assert rows[0][0] == "„Wir haben alles gegeben und trotzdem verloren."
    assert rows[1] == ("„Wir kommen wieder.“", ["Der Kapitän"], ["sagte"])


def test_speaker_in_the_previous_sentence(nlp):
    rows = find(nlp, "Die Bürgermeisterin äußerte sich am Abend zu dem Unglück. „Wir werden allen Betroffenen helfen.“")
    assert rows == [("„Wir werden allen Betroffenen helfen.“", ["Die Bürgermeisterin"], ["äußerte sich"])]


def test_speaker_in_the_next_sentence(nlp):
    rows = find(nlp, "„Wir werden allen Betroffenen helfen.“ Das sagte die Bürgermeisterin am Abend.")
    assert rows == [("„Wir werden allen Betroffenen helfen.“", ["die Bürgermeisterin"], ["sagte"])]


def test_partial_quote_in_reported_speech(nlp):
    rows = find(nlp, "Der Minister sagte, die Verhandlungen seien „auf einem guten Weg“.")
    assert rows == [("„auf einem guten Weg“", ["Der Minister"], ["sagte"])]


def test_quoted_titles_and_names_are_not_quotes(nlp):
    text = (
        "Das Schiff „Eagle“ verließ am Morgen den Hafen. Die Zeitung „La Gazzetta dello Sport“ berichtete "
        "über das Spiel. Der Verein „Freunde des Stadtparks“ pflanzte neue Bäume. "
        "Der Film „Das Boot“ läuft wieder im Kino."
    )
    assert find(nlp, text) == []


def test_quoted_newspaper_can_be_a_speaker(nlp):
    rows = find(nlp, "„Der Hafen wird bis zum Herbst ausgebaut“, meldet der „Küstenbote“.")
    assert rows[0][0] == "„Der Hafen wird bis zum Herbst ausgebaut“"
    assert rows[0][1] == ["der „Küstenbote“"]


def test_bad_pattern_line_names_file_and_line(tmp_path):
    path = tmp_path / "cues.jsonl"
    path.write_text('{"kind": "cue", "text": "sagte"}\n{"kind": "cue", "text": }\n', encoding="utf8")
    with pytest.raises(PatternError, match=r"cues\.jsonl, line 2: not valid JSON"):
        load_patterns(tmp_path)
    path.write_text('{"kind": "verbum", "text": "sagte"}\n', encoding="utf8")
    with pytest.raises(PatternError, match=r"cues\.jsonl, line 1: unknown \"kind\" 'verbum'"):
        load_patterns(tmp_path)
    path.write_text('{"kind": "quote", "open": "„"}\n', encoding="utf8")
    with pytest.raises(PatternError, match=r"line 1: a quote pair needs \"close\""):
        load_patterns(tmp_path)


def test_custom_patterns_extend_the_rules(tmp_path):
    builtin = ROOT / "patterns" / "de"
    for file in builtin.glob("*.jsonl"):
        (tmp_path / file.name).write_text(file.read_text(encoding="utf8"), encoding="utf8")
    text = "„Das Geld reicht nicht für die Sanierung der Halle“, grummelte der Kassenwart."
    assert find(add_quote_finder(spacy.blank("de")), text)[0][1] == []
    with (tmp_path / "cues.jsonl").open("a", encoding="utf8") as f:
        f.write('{"kind": "cue", "text": ["grummelte"]}\n')
    assert find(add_quote_finder(spacy.blank("de"), patterns_dir=tmp_path), text)[0][1:] == (
        ["der Kassenwart"],
        ["grummelte"],
    )


def test_saved_pipeline_keeps_its_patterns(tmp_path):
    patterns = tmp_path / "patterns"
    patterns.mkdir()
    (patterns / "marks.jsonl").write_text(
        '{"kind": "quote", "open": "»", "close": "«"}\n{"kind": "cue", "text": "meinte"}\n', encoding="utf8"
    )
    nlp = add_quote_finder(spacy.blank("de"), patterns_dir=patterns)
    nlp.to_disk(tmp_path / "pipeline")
    for file in patterns.glob("*"):
        file.unlink()
    patterns.rmdir()
    loaded = spacy.load(tmp_path / "pipeline")
    assert find(loaded, "»Gut so«, meinte Kim. „Nicht gefunden“, sagte Kim.") == [("»Gut so«", ["Kim"], ["meinte"])]


def test_replacing_the_finder_keeps_one_component(tmp_path):
    nlp = add_quote_finder(spacy.blank("de"))
    add_quote_finder(nlp, patterns_dir=ROOT / "patterns" / "de")
    assert nlp.pipe_names == ["quote_tagger_de", "quote_finder"]  # the German tagger added once, the finder replaced


@pytest.mark.slow
def test_scores_on_the_german_wikinews_dev_set():
    if not (CORPUS / "dev.jsonl").exists() or not SCORER.exists():
        pytest.skip("German WikiNews corpus or reference scorer not available")
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "score_finder.py"), "--split", "dev"],
        capture_output=True,
        text=True,
        check=True,
    )
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    assert figures["quote_exact"]["f"] >= 0.85
    assert figures["attribution_e2e"]["f"] >= 0.65


def test_quote_inside_a_quote_with_the_same_marks(nlp):
    rows = find(
        nlp, "„Wir haben viele Anfragen für „kleine Läden“ bekommen, die Nachfrage ist groß“, sagte die Sprecherin."
    )
    assert rows == [
        (
            "„Wir haben viele Anfragen für „kleine Läden“ bekommen, die Nachfrage ist groß“",
            ["die Sprecherin"],
            ["sagte"],
        )
    ]


def test_a_name_quoted_again_and_again_is_not_a_quote(nlp):
    text = (
        "Die Astronauten bringen das Modul „Harmony“ zur Station. „Harmony“ soll im März angedockt werden, "
        "sagte die Leiterin der Mission. Danach wird „Harmony“ getestet."
    )
    assert find(nlp, text) == []


def test_subject_before_the_auxiliary_of_a_participle_cue(nlp):
    rows = find(
        nlp, "Schon im Frühjahr hatte die Landrätin auf einer Versammlung betont: „Die Fähre bleibt in Betrieb.“"
    )
    assert rows[0][1] == ["die Landrätin"]


def test_object_first_sentence_takes_the_pronoun_subject(nlp):
    rows = find(nlp, "Die Einladung des Vereins lehnte er trotzdem ab: „Dafür fehlt mir die Zeit.“")
    assert rows[0][1] == ["er"]


def test_random_mark_soup_never_breaks_the_task(nlp):
    import random

    pieces = [
        "„",
        "“",
        "”",
        '"',
        "’",
        "‚",
        "‘",
        "»",
        "«",
        "\n\n",
        " ",
        ". ",
        ", ",
        ": ",
        "sagte",
        "Kim",
        "er",
        "der",
        "(",
        ")",
        "laut",
    ]
    rng = random.Random(7)
    for _ in range(300):
        text = "".join(rng.choice(pieces) + rng.choice(["", " "]) for _ in range(rng.randint(0, 30)))
        assert validate_task(doc_to_task(nlp(text))) == []


def test_named_entities_of_the_pipeline_narrow_the_speaker():
    nlp = spacy.blank("de")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": "PER", "pattern": "Anna Berger"}])
    add_quote_finder(nlp)
    rows = find(nlp, "Die Ministerin Anna Berger erklärte am Dienstag: „Wir werden die Schulen sanieren.“")
    assert rows[0][1] == ["Anna Berger"]


def test_a_parse_from_the_pipeline_gives_the_subject_of_the_cue():
    from spacy.tokens import Doc

    nlp = add_quote_finder(spacy.blank("de"))
    words = [
        "Die",
        "Pläne",
        "kritisierte",
        "die",
        "Ministerin",
        ":",
        "„",
        "Wir",
        "bleiben",
        "hier",
        "bis",
        "Montag",
        "“",
    ]
    spaces = [True, True, True, True, False, True, False, True, True, True, True, False, False]
    text = "".join(w + (" " if sp else "") for w, sp in zip(words, spaces))
    words_only = spacy.blank("de")
    words_only.add_pipe("quote_finder")
    assert find(words_only, text)[0][1] == ["Die Pläne"]  # the word lists alone take the object in first position
    heads = [1, 2, 2, 4, 2, 2, 8, 8, 2, 8, 11, 8, 8]
    deps = ["nk", "oa", "ROOT", "nk", "sb", "punct", "punct", "sb", "oc", "mo", "mo", "nk", "punct"]
    doc = Doc(nlp.vocab, words=words, spaces=spaces, heads=heads, deps=deps)
    doc = nlp.get_pipe("quote_finder")(doc)
    quote = next(s for s in doc.spans[SPANS_KEY] if s.label_ == QUOTE)
    assert quote.text == "„Wir bleiben hier bis Montag“"
    assert [s.text for s in linked(doc, quote, SPEAKER)] == ["die Ministerin"]


def test_cue_of_a_later_coordinated_clause_is_not_taken(nlp):
    rows = find(
        nlp,
        "Die Trainerin nannte das Turnier eine Prüfung für die „junge Mannschaft“ und rief die Fans auf, "
        "zahlreich zu kommen.",
    )
    assert rows == [("„junge Mannschaft“", ["Die Trainerin"], ["nannte"])]


def test_sentence_ends_after_a_number_before_an_article(nlp):
    rows = find(nlp, "Der Umbau dauert bis Kapitel 7. Eine Sprecherin teilte mit: „Die Bibliothek öffnet im Mai.“")
    assert rows[0][1] == ["Eine Sprecherin"]


def test_agent_of_a_passive_cue_is_the_speaker(nlp):
    rows = find(nlp, "Die neuen Radwege werden von Anwohnern als „gefährliche Engstellen“ bezeichnet.")
    assert rows == [("„gefährliche Engstellen“", ["Anwohnern"], ["bezeichnet"])]


def test_object_with_an_oblique_article_first(nlp):
    rows = find(nlp, "Den Vorschlag kritisierte die Ministerin scharf: „Das ist nicht durchdacht.“")
    assert rows[0][1] == ["die Ministerin"]


def test_der_with_an_adjective_in_en_is_no_subject(nlp):
    rows = find(nlp, "Der örtlichen Presse sagte Jana Wolf: „Wir machen weiter.“")
    assert rows[0][1] == ["Jana Wolf"]
    rows = find(nlp, "Der neue Trainer sagte: „Wir machen weiter.“")  # nominative "der" takes -e
    assert rows[0][1] == ["Der neue Trainer"]


def test_subject_before_an_apposition(nlp):
    rows = find(nlp, "Eva Lind, Sprecherin des Vereins, kommentierte den Plan so: „Das reicht nicht.“")
    assert rows[0][1] == ["Eva Lind, Sprecherin des Vereins"]  # the name with its apposition
    rows = find(nlp, "Der Sprecher des Ministeriums, Thomas Berger, sagte: „Wir prüfen den Fall.“")
    assert rows[0][1] == ["Der Sprecher des Ministeriums, Thomas Berger"]  # not the title alone
    rows = find(nlp, "Eva Lind, die den Verein leitet, sagte: „Das reicht nicht.“")
    assert rows[0][1] == ["Eva Lind"]  # a relative clause is no part of the name
    rows = find(nlp, "Den Vorschlag, die Mieten zu senken, lehnt sie jedoch ab: „Das reicht nicht.“")
    assert rows[0][1] == ["sie"]  # an object with its clause first; "sie" after the verb is the subject


def test_quoted_name_in_an_apposition_does_not_frame_the_cue(nlp):
    rows = find(
        nlp, "Eva Lind, Sprecherin des Vereins „Grüne Stadt“, kommentierte den Plan mit den Worten: „Das reicht nicht.“"
    )
    assert rows[0][1] == ["Eva Lind, Sprecherin des Vereins „Grüne Stadt“"]


def test_oblique_first_phrase_far_from_the_cue(nlp):
    rows = find(
        nlp,
        "Den Ärger der Anwohner über den Lärm brachte die Bürgermeisterin Ute Sommer zum Ausdruck: "
        "„So geht es nicht weiter.“",
    )
    assert rows[0][1] == ["die Bürgermeisterin Ute Sommer"]


def test_number_noun_as_speaker(nlp):
    assert find(nlp, "Der 58-Jährige sagte: „Ich gehe jetzt.“")[0][1] == ["Der 58-Jährige"]
    assert find(nlp, "„Ich gehe jetzt“, sagte der 100-Meter-Läufer.")[0][1] == ["der 100-Meter-Läufer"]


def test_participle_cue_in_reported_speech(nlp):
    rows = find(nlp, "Der Täter habe darin geschrieben, er müsse seine Kinder „aus diesem Leben“ befreien.")
    assert rows[0][1] == ["Der Täter"]
    assert rows[0][2] == ["geschrieben"]


def test_one_word_said_after_the_cue_colon(nlp):
    assert find(nlp, "Auf die Frage, ob er zurücktrete, antwortete Müller: „Nein.“")[0][:2] == ("„Nein.“", ["Müller"])
    assert find(nlp, "Er nannte den Plan einen „Unsinn“.")[0][0] == "„Unsinn“"  # a verdict, as before
    assert find(nlp, "Das Buch heißt „Heimat“.") == []  # a one-word title stays out


def test_separable_cue_particle_after_a_quoted_phrase(nlp):
    rows = find(nlp, "Der Geschäftsführer wies alle Vorwürfe als „haltlos“ zurück.")
    assert rows[0][:2] == ("„haltlos“", ["Der Geschäftsführer"])
    assert rows[0][2] == ["wies", "zurück"]


def test_a_quote_repeated_in_the_article_is_dropped_only_when_it_reads_as_a_name(nlp):
    rows = find(nlp, "Merkel im Interview: „Wir schaffen das“. Merkel sagte am Montag erneut: „Wir schaffen das“.")
    assert ("„Wir schaffen das“", ["Merkel"], ["sagte"]) in rows  # a remark said twice is still said
    rows = find(nlp, "Die „Cupola“ ist fertig. Die „Cupola“ werde am Montag montiert, sagte er.")
    assert rows == []  # a name quoted twice


def test_a_name_after_a_dash_is_the_speaker(nlp):
    rows = find(nlp, "Der Gipfel ist vorbei. „Wir geben nicht auf.“ – UN-Generalsekretär António Guterres")
    assert rows == [("„Wir geben nicht auf.“", ["UN-Generalsekretär António Guterres"], [])]
    rows = find(nlp, "„Wir bleiben.“ – Der Satz fiel am Montag.")
    assert all(speakers != ["Der Satz"] for _, speakers, _ in rows)  # a clause after the dash names no speaker


def test_a_document_is_the_source_of_heisst_es(nlp):
    rows = find(nlp, "„Wir lehnen den Plan ab“, hieß es am Montag in einem Schreiben des Ministeriums an die Länder.")
    assert rows == [("„Wir lehnen den Plan ab“", ["einem Schreiben des Ministeriums"], ["hieß es"])]  # as annotated
    rows = find(nlp, "Nach Ansicht von Senator Dodd hat die Notenbank „auf ganzer Linie versagt“.")
    assert rows[0][1] == ["Senator Dodd"]


def test_name_particles_belong_to_the_name(nlp):
    assert find(nlp, "Von der Leyen betonte: „Wir handeln.“")[0][1] == ["Von der Leyen"]
    assert find(nlp, "Ursula von der Leyen betonte: „Wir handeln.“")[0][1] == ["Ursula von der Leyen"]
    assert find(nlp, "„Wir handeln“, sagte von der Leyen am Montag.")[0][1] == ["von der Leyen"]
    assert find(nlp, "„Wir handeln“, sagte Ministerin von der Leyen.")[0][1] == ["Ministerin von der Leyen"]
    assert find(nlp, "„Wir handeln“, sagte de Maizière.")[0][1] == ["de Maizière"]
    assert find(nlp, "„Wir handeln“, sagte er zu Merkel.")[0][1] == ["er"]  # one preposition: a phrase


def test_two_people_before_the_cue_are_not_one_apposition(nlp):
    text = "Der Chef der Grünen, Volker Beck, und Wolfgang Wieland, Sprecher der Partei, sagten: „Das reicht nicht.“"
    assert find(nlp, text)[0][1] == ["Der Chef der Grünen"]


def test_reported_speech_carries_the_speaker_to_a_later_quote(nlp):
    text = (
        "Die Virologin Anna Berg warnte am Montag vor der Grippe. Das Risiko sei hoch. Noch gebe es keinen "
        "Impfstoff, die Labore arbeiteten aber daran. „Wir müssen jetzt handeln, bevor es zu spät ist.“"
    )
    assert find(nlp, text)[-1][1] == ["Die Virologin Anna Berg"]
    text = (  # plain narration in between: the quote is no longer hers
        "Die Virologin Anna Berg warnte am Montag vor der Grippe. Die Labore arbeiten daran. Der Winter kommt "
        "früh. „Wir müssen jetzt handeln, bevor es zu spät ist.“"
    )
    assert find(nlp, text)[-1][1] == []


def test_a_cue_in_a_subordinate_clause_takes_its_subject_there(nlp):
    text = "Der Bericht ist heikel, weil die Regierung das Nachbarland zuvor als „stabilen Partner“ bezeichnet hat."
    assert find(nlp, text)[0][1] == ["die Regierung"]


def test_a_plural_object_with_a_relative_clause_before_the_cue(nlp):
    text = "Die Proteste, an denen sich viele Studenten beteiligt hatten, beschrieb die Agentur als „unfriedlich“."
    assert find(nlp, text)[0][1] == ["die Agentur"]
    text = "Die Studenten, die sich an den Protesten beteiligt hatten, nannten die Polizei „unfriedlich“."
    assert find(nlp, text)[0][1] == ["Die Studenten"]  # plural verb: the subject first, as usual


def test_a_quoted_name_the_tagger_reads_as_names_is_no_quote(nlp):
    text = "Die Kamera ist ausgefallen, das teilte das „Deep Sky Survey Institute“ am Montag mit."
    assert find(nlp, text) == []
    text = "Der Chef teilte auf der Website mit: „However, we hope that the next launch comes soon.“"
    assert [q for q, _, _ in find(nlp, text)] == ["„However, we hope that the next launch comes soon.“"]


def test_a_quote_after_a_colon_takes_the_subject_of_its_own_clause(nlp):
    text = (
        "Viele gratulierten, so Bürgermeister Paul Weber („Das ist ein großer Tag.“), und Ministerpräsident "
        "Jens Holm: „Die Ehrung ist verdient.“"
    )
    assert find(nlp, text)[-1][1] == ["Ministerpräsident Jens Holm"]  # not the source of an earlier clause


def test_a_quoted_name_that_opens_with_a_title_noun_is_no_quote(nlp):
    text = "Die Ministerin sagte, ein „Gesetz zur Änderung des Mietrechts“ werde bald beschlossen."
    assert find(nlp, text) == []
    text = "Die Ministerin bezeichnete das Vorgehen als ein „Beispiel für schlechten Stil“."
    assert [q for q, _, _ in find(nlp, text)] == ["„Beispiel für schlechten Stil“"]  # no title: „Beispiel“


def test_speaker_spans_as_annotators_mark_them(nlp):
    def speaker(text: str) -> List[str]:
        return find(nlp, text)[0][1]

    assert speaker("Der Hauptgeschäftsführer des Verbandes sagte: „Wir warten ab.“") == [
        "Der Hauptgeschäftsführer des Verbandes"
    ]  # the genitive is part of the phrase
    assert speaker("„Wir warten ab“, sagte Ministerin Greta Lohmann (SPD).") == ["Ministerin Greta Lohmann (SPD)"]
    assert speaker("„Wir warten ab“, sagte Lina Marek vom Sender Radio Nord.") == ["Lina Marek vom Sender Radio Nord"]
    assert speaker("„Wir warten ab“, sagte Ute Kamper, die Leiterin der Beratungsstelle für Verbraucher.") == [
        "Ute Kamper, die Leiterin der Beratungsstelle für Verbraucher"
    ]
    assert speaker("„Wir warten ab“, sagte Ute Kamper, die das Amt seit Mai leitet.") == ["Ute Kamper"]


def test_a_full_stop_glued_to_the_next_word_parts_them(nlp):
    rows = find(nlp, "„Das ist gut“, sagte der Bischof.Der Bruder des Bischofs, Georg Adler, sagte: „Er ist müde.“")
    assert [speakers for _, speakers, _ in rows] == [["der Bischof"], ["Der Bruder des Bischofs, Georg Adler"]]


def test_speaker_spans_keep_their_article_genitives_and_apposition(nlp):
    def speaker(text: str) -> List[str]:
        return find(nlp, text)[0][1]

    assert speaker("Dazu gab das schwedische Umweltministerium weiter bekannt: „Wir ermitteln.“") == [
        "das schwedische Umweltministerium"
    ]  # "das" tagged as an article opens the phrase; as a pronoun it is stepped over ("Das sagte er")
    assert speaker("Der Leiter des Labors der Klinik, Klaus Brenner, sagte: „Man muss sich vorbereiten.“") == [
        "Der Leiter des Labors der Klinik, Klaus Brenner"
    ]
    text = "Den Unmut brachte die Sprecherin der Fraktion im Landtag, Annette Weber, zum Ausdruck: „Es reicht.“"
    assert speaker(text) == ["die Sprecherin der Fraktion im Landtag, Annette Weber"]


def test_a_particle_next_to_its_cue_verb_is_one_cue_span(nlp):
    assert find(nlp, "Das Ministerium teilte mit: „Wir prüfen den Fall.“")[0][2] == ["teilte mit"]
    assert find(nlp, "Die Ministerin äußerte sich am Abend: „Wir prüfen den Fall.“")[0][2] == ["äußerte sich"]
    rows = find(nlp, "„Wir prüfen den Fall“, teilte das Ministerium am Montag in Berlin mit.")
    assert sorted(rows[0][2]) == ["mit", "teilte"]  # far apart: two spans
    rows = find(nlp, "„Wir prüfen den Fall“, fügte sie hinzu.")
    assert (rows[0][1], sorted(rows[0][2])) == (["sie"], ["fügte", "hinzu"])  # the speaker is no part of the cue
    assert find(nlp, "Das Ministerium gab dazu bekannt: „Wir prüfen den Fall.“")[0][2] == ["gab dazu bekannt"]


def test_a_source_marker_and_a_colon_keep_the_apposition_of_the_speaker(nlp):
    rows = find(nlp, "„Das ist vorübergehend“, so Ute Kamper, die Leiterin der Beratungsstelle für Verbraucher.")
    assert rows[0][1] == ["Ute Kamper, die Leiterin der Beratungsstelle für Verbraucher"]
    rows = find(nlp, "So sagte Olli Ranta, EU-Handelskommissar: „Man kann das nicht so machen.“")
    assert rows[0][1] == ["Olli Ranta, EU-Handelskommissar"]


def test_a_name_and_its_apposition_before_the_cue(nlp):
    text = "Erik Weber, der verbraucherpolitische Sprecher der Fraktion, sagte: „Wir sehen das kritisch.“"
    assert find(nlp, text)[0][1] == ["Erik Weber, der verbraucherpolitische Sprecher der Fraktion"]  # "der": article
    text = "Der Direktor am Institut, Peter Hollmann, erklärte: „Ich bin enttäuscht.“"
    assert find(nlp, text)[0][1] == ["Der Direktor am Institut, Peter Hollmann"]


def test_an_initial_stays_inside_the_name(nlp):
    assert find(nlp, "„Wir investieren“, sagte BDI-Präsident Jürgen R. Tamm.")[0][1] == ["BDI-Präsident Jürgen R. Tamm"]


def test_the_finder_reads_the_pipelines_sentences_and_joins_those_a_quote_spans():
    """With a sentencizer in the pipeline the finder takes its sentences, but a boundary inside a quote never
    parts the quote from its frame."""
    from prodigy_quotes.finder.sentences import TokenIndex, doc_sentences

    nlp = spacy.blank("de")
    nlp.add_pipe("sentencizer")
    text = "Der Rat tagte lange. „Wir sind bereit. Wir warten nicht“, sagte Ute Kamper. Dann ging sie."
    doc = nlp(text)
    assert len(list(doc.sents)) == 4  # the sentencizer splits inside the quote
    finder = add_quote_finder(nlp).get_pipe("quote_finder")
    quotes = finder.rules.scanner.scan(text)
    sents = [text[s:e].strip() for s, e in doc_sentences(TokenIndex(doc), quotes, frozenset())]
    assert sents == ["Der Rat tagte lange.", "„Wir sind bereit. Wir warten nicht“, sagte Ute Kamper.", "Dann ging sie."]
    assert find(nlp, text) == [("„Wir sind bereit. Wir warten nicht“", ["Ute Kamper"], ["sagte"])]


def test_the_rules_read_the_tags_a_pipelines_own_tagger_set():
    """A tag set by any component of the pipeline reaches the rules on the token itself: here a tagger that
    takes one name for an adverb keeps it from being the speaker."""
    from spacy.language import Language

    @Language.component("test_mark_adverb", assigns=["token.tag"])
    def mark_adverb(doc):
        for token in doc:
            token.tag_ = "ADV" if token.text == "Mayer" else "NN"
        return doc

    text = "„Wir sind bereit“, sagte Mayer."
    plain = add_quote_finder(spacy.blank("de"))
    assert find(plain, text)[0][1] == ["Mayer"]
    tagged = spacy.blank("de")
    tagged.add_pipe("test_mark_adverb")
    add_quote_finder(tagged)
    assert find(tagged, text)[0][1] == []


def test_the_finder_writes_to_its_configured_spans_key_and_the_recipes_read_it_there():
    """``spans_key`` is a setting, as in spaCy's span categorizer: the spans go to that group, and extraction and
    ``nlp.evaluate`` read them from there."""
    from prodigy_quotes.extraction import extract_tasks
    from prodigy_quotes.schema import quote_spans_key
    from spacy.training import Example

    text = "„Wir sind bereit“, sagte Ute Kamper."
    nlp = spacy.blank("de")
    nlp.add_pipe("quote_finder", config={"spans_key": "rules_quotes"})
    doc = nlp(text)
    assert quote_spans_key(nlp) == "rules_quotes"
    assert SPANS_KEY not in doc.spans and {s.label_ for s in doc.spans["rules_quotes"]} == {QUOTE, SPEAKER, CUE}
    task = next(extract_tasks(nlp, [{"text": text}]))
    assert [s["text"] for s in task["spans"] if s["label"] == SPEAKER] == ["Ute Kamper"]
    assert len(task["relations"]) == 2
    reference = task_to_doc(nlp, task, "rules_quotes")  # a gold equal to what the rules found
    scores = nlp.evaluate([Example(nlp.make_doc(text), reference)])
    assert scores["quote_exact_f"] == 1.0 and scores["quote_speaker_f"] == 1.0
