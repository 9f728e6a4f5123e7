"""The rule-based quote finder on English news text written for these tests."""

from typing import List, Tuple

import pytest
import spacy
from prodigy_quotes.finder import add_quote_finder
from prodigy_quotes.schema import CUE, QUOTE, SPANS_KEY, SPEAKER, linked
from prodigy_quotes.tasks import doc_to_task, validate_task

Row = Tuple[str, List[str], List[str]]


@pytest.fixture(scope="module")
def nlp():
    return add_quote_finder(spacy.blank("en"))


def find(nlp, text: str) -> List[Row]:
    """(quote, speakers, cues) for each quote of ``text``, in order."""
    doc = nlp(text)
    quotes = sorted((s for s in doc.spans[SPANS_KEY] if s.label_ == QUOTE), key=lambda s: s.start)
    return [(q.text, [s.text for s in linked(doc, q, SPEAKER)], [c.text for c in linked(doc, q, CUE)]) for q in quotes]


def test_name_before_the_verb_after_the_quote(nlp):
    assert find(nlp, "“We will rebuild the bridge by spring,” Mayor Ellen Park said on Monday.") == [
        ("“We will rebuild the bridge by spring,”", ["Mayor Ellen Park"], ["said"])
    ]


def test_verb_before_the_name_after_the_quote(nlp):
    assert find(nlp, '"The talks were constructive," said Daniel Okafor, a spokesman for the union.') == [
        ('"The talks were constructive,"', ["Daniel Okafor"], ["said"])
    ]


def test_speaker_and_colon_before_the_quote(nlp):
    assert find(nlp, "The health minister told reporters: “Hospitals are ready for the winter.”") == [
        ("“Hospitals are ready for the winter.”", ["The health minister"], ["told"])
    ]


def test_according_to(nlp):
    rows = find(nlp, "According to the fire department, the blaze was “completely under control” by midnight.")
    assert rows == [("“completely under control”", ["the fire department"], ["According to"])]


@pytest.mark.parametrize("pronoun", ["he", "she", "they"])
def test_pronoun_speakers(nlp, pronoun):
    rows = find(nlp, f"“We did everything we could to save the plant,” {pronoun} said.")
    assert rows == [("“We did everything we could to save the plant,”", [pronoun], ["said"])]


def test_interrupted_quote_is_two_spans_with_one_speaker(nlp):
    rows = find(nlp, "“We are not leaving,” the striking workers’ leader said, “until the company listens to us.”")
    assert [r[0] for r in rows] == ["“We are not leaving,”", "“until the company listens to us.”"]
    assert rows[0][1] == rows[1][1] == ["the striking workers’ leader"]


def test_apostrophes_do_not_end_or_start_quotes(nlp):
    rows = find(
        nlp, "“We don’t think Kim’s plan will work,” the senator’s aide said. ‘It wasn’t the drivers’ fault,’ she said."
    )
    assert rows[0][0] == "“We don’t think Kim’s plan will work,”"
    assert rows[1] == ("‘It wasn’t the drivers’ fault,’", ["she"], ["said"])


def test_single_quoted_headline_style_quote(nlp):
    rows = find(nlp, "‘We have lost everything,’ said Maria Lopez, whose farm was flooded.")
    assert rows == [("‘We have lost everything,’", ["Maria Lopez"], ["said"])]


def test_multi_paragraph_quote_reopened_in_each_paragraph(nlp):
    text = (
        "The coach said: “We prepared for months.\n\n“Nobody expected the storm, and we had to adapt.”\n\n"
        "The team flies home on Sunday."
    )
    rows = find(nlp, text)
    assert len(rows) == 1
    assert rows[0][0].startswith("“We prepared") and rows[0][0].endswith("adapt.”")
    assert rows[0][1] == ["The coach"]


def test_unclosed_quote_does_not_swallow_the_next_paragraph(nlp):
    text = (
        "The chairman said: “Our profits fell sharply this year.\n\n"
        "Shares dropped by ten percent. “This is a temporary setback,” the chief executive said."
    )
    rows = find(nlp, text)
    assert rows[0][0] == "“Our profits fell sharply this year."
    assert rows[1] == ("“This is a temporary setback,”", ["the chief executive"], ["said"])


def test_stand_alone_quote_takes_the_previous_speaker(nlp):
    rows = find(nlp, "Governor Ruth Adams said the state would send help. “No family will be left alone.”")
    assert rows == [("“No family will be left alone.”", ["Governor Ruth Adams"], ["said"])]


def test_partial_quote_takes_the_sentence_speaker(nlp):
    rows = find(nlp, "The minister called the plan “a disgrace” and promised to fight it.")
    assert rows == [("“a disgrace”", ["The minister"], ["called"])]


def test_titles_and_names_are_not_quotes(nlp):
    text = (
        "The film “Oppenheimer” won seven awards. The newspaper “The Daily Planet” printed a correction. "
        "The ship “Ever Given” blocked the canal."
    )
    assert find(nlp, text) == []


def test_task_is_valid(nlp):
    task = doc_to_task(nlp("“It works,” she said."), {"id": "en"})
    assert validate_task(task) == []
    assert {s["label"] for s in task["spans"]} == {QUOTE, SPEAKER, CUE}


def test_pronoun_after_said_is_not_the_speaker(nlp):
    rows = find(nlp, "Kim said she would resign, calling the vote “a farce”.")
    assert rows == [("“a farce”", ["Kim"], ["said"])]


def test_noun_uses_of_cue_words_are_not_cues(nlp):
    rows = find(
        nlp,
        "The minister said on Thursday the government would not raise taxes, dismissing opposition claims "
        "as “scaremongering”.",
    )
    assert rows == [("“scaremongering”", ["The minister"], ["said"])]


def test_abbreviated_titles_stay_in_the_speaker(nlp):
    rows = find(
        nlp,
        '"It\'s a giveaway," said Sen. Mary Collins of Maine. "We\'ll repeal it." '
        'Dr. Ann Lee told reporters: "Not now."',
    )
    assert rows == [
        ('"It\'s a giveaway,"', ["Sen. Mary Collins of Maine"], ["said"]),
        ('"We\'ll repeal it."', ["Sen. Mary Collins of Maine"], ["said"]),
        ('"Not now."', ["Dr. Ann Lee"], ["told"]),
    ]


def test_more_news_frames(nlp):
    text = (
        'Actor Dwayne "The Rock" Johnson attended the event. "We will not stop," said the spokesman, adding: '
        '"The investigation continues." "It was a mistake," the official, who spoke on condition of anonymity, said. '
        '"The company regrets the error," the statement read.'
    )
    rows = find(nlp, text)
    assert [r[0] for r in rows] == [
        '"We will not stop,"',
        '"The investigation continues."',
        '"It was a mistake,"',
        '"The company regrets the error,"',
    ]
    assert [r[1] for r in rows] == [["the spokesman"], ["the spokesman"], ["the official"], ["the statement"]]


def test_agent_of_a_passive_cue_is_the_speaker(nlp):
    rows = find(nlp, "The plan was described by the mayor as “a disaster waiting to happen”.")
    assert rows == [("“a disaster waiting to happen”", ["the mayor"], ["described"])]


def test_straight_single_quotes_with_apostrophes_around(nlp):
    text = (
        "Rock 'n' roll fans in the '90s didn't mind. 'It was the drivers' fault,' she added. "
        "The players' union said the deal was 'unacceptable' and vowed to fight it."
    )
    rows = find(nlp, text)
    assert rows == [
        ("'It was the drivers' fault,'", ["she"], ["added"]),
        ("'unacceptable'", ["The players' union"], ["said"]),
    ]


def test_random_mark_soup_never_breaks_the_task(nlp):
    import random

    pieces = ["'", '"', "“", "”", "‘", "’", "\n\n", " ", ". ", ", ", "said", "Kim", "he", "the", "s", "n't", "90s", "("]
    rng = random.Random(3)
    for _ in range(300):
        text = "".join(rng.choice(pieces) + rng.choice(["", " "]) for _ in range(rng.randint(0, 30)))
        assert validate_task(doc_to_task(nlp(text))) == []


def test_one_word_questions_and_exclamations(nlp):
    assert find(nlp, '"Why?" he asked. "Never!" she shouted.') == [
        ('"Why?"', ["he"], ["asked"]),
        ('"Never!"', ["she"], ["shouted"]),
    ]


def test_participle_cue_takes_the_sentence_subject(nlp):
    rows = find(nlp, '"Prices are easing," the governor said, adding that cuts would come "step by step."')
    assert [(q, s) for q, s, _ in rows] == [
        ('"Prices are easing,"', ["the governor"]),
        ('"step by step."', ["the governor"]),
    ]
    rows = find(nlp, 'The airline released a statement on Sunday, saying it was "deeply sorry."')
    assert [(q, s) for q, s, _ in rows] == [('"deeply sorry."', ["The airline"])]


def test_one_word_said_after_the_cue_colon(nlp):
    rows = find(nlp, "Asked whether he would resign, Miller replied: “No.”")
    assert rows[0][0] == "“No.”" and rows[0][1] == ["Miller"]


def test_number_noun_as_speaker(nlp):
    rows = find(nlp, '"We are ready," the 45-year-old added.')
    assert rows[0][1] == ["the 45-year-old"]


def test_participles_take_the_clause_subject(nlp):
    assert find(nlp, 'Lee rejected the plan as "unworkable," saying it would fail.')[0][1] == ["Lee"]
    assert find(nlp, 'Lee spoke on Monday, saying: "We will win."')[0][1] == ["Lee"]
    assert find(nlp, 'The ministry dismissed the claims as "baseless."')[0][1] == ["The ministry"]


def test_a_title_before_the_name_is_part_of_the_speaker(nlp):
    rows = find(nlp, 'LONDON (AP) — "Inflation will fall this year," Bank of England Governor Andrew Bailey said.')
    assert rows == [('"Inflation will fall this year,"', ["Bank of England Governor Andrew Bailey"], ["said"])]
    rows = find(nlp, '"Inflation will fall," said Bank of England Governor Andrew Bailey.')
    assert rows[0][1] == ["Bank of England Governor Andrew Bailey"]
    assert find(nlp, 'The Secretary of State said: "We are ready."')[0][1] == ["The Secretary of State"]


def test_a_name_after_a_dash_is_the_speaker(nlp):
    rows = find(nlp, 'The summit ended. "We will not give up." — UN Secretary-General António Guterres')
    assert rows == [('"We will not give up."', ["UN Secretary-General António Guterres"], [])]


def test_a_nickname_is_part_of_the_name_and_hides_no_quote(nlp):
    rows = find(nlp, '"I am running for president," said Dwayne "The Rock" Johnson.')
    assert rows == [('"I am running for president,"', ['Dwayne "The Rock" Johnson'], ["said"])]
    rows = find(nlp, 'Dwayne "The Rock" Johnson told reporters: "I am running for president."')
    assert rows == [('"I am running for president."', ['Dwayne "The Rock" Johnson'], ["told"])]


def test_subject_before_a_relative_clause_is_the_speaker_not_the_addressee(nlp):
    text = "“We need more time,” a senior official, who spoke on condition of anonymity, told The Daily Post."
    assert find(nlp, text)[0][1] == ["a senior official"]
