"""Who a speaker is: one record per resolved speaker, and one person id for the same person across articles.

A record (:class:`SpeakerRecord`) reads the speaker's mentions in an article, as :mod:`.resolve` grouped them:

* ``name``: the person's name without title or role ("Bundeskanzlerin Angela Merkel" → "Angela Merkel");
* ``role``: what the mention says the speaker is ("Bundeskanzlerin", "Leiterin der Beratungsstelle");
* ``organisation``: a body the mention ties the speaker to, in brackets or after "vom" ("(SPD)", "vom Sender RTVE");
* ``kind``: ``person`` (a name, or a definite role: "der Minister"), ``organisation`` ("das Innenministerium",
  "die Grünen"), ``document`` ("einer Pressemitteilung"), ``anonymous`` ("ein Sprecher", "Insider") or ``unknown``
  (nothing tells: an unresolved pronoun, "demnach");
* ``gender``: ``female``, ``male`` or ``unknown``, for a person only, with ``gender_from``: ``word`` (a feminine or
  masculine noun, title or form of address of the mention: "Ministerin", "Frau", "der Sprecher") or ``pronoun``
  (one that refers to the speaker: "sagte sie"). No first-name list is read: a bare name's gender is unknown.

The words are pattern data (``people.jsonl``: ``role``, ``role_suffix``, ``organisation``, ``organisation_suffix``,
``document``, ``anonymous``), read through :class:`~.resolve.PeopleWords`, so a user's ``--patterns`` apply.

Across articles (:class:`PersonIndex`) a person's id is keyed by the name: "Angela Merkel" in one article and
"Bundeskanzlerin Angela Merkel" in another are one person, an article's "Merkel" resolved to her is too; a bare
surname that no full name in its article explains stays a person of its own, so two people who only share a
surname are never merged. An aliases file (JSONL, ``{"name": "Angela Merkel", "aliases": ["Merkel"]}``) merges
what the text can't tell.
"""

import re
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, NamedTuple, Optional, Sequence, Tuple, Union

from .errors import InputError, QuotesError
from .loaders import jsonl_objects
from .resolve import PeopleWords, Resolution, mention_core, noun_lexicon, resolve_task

PERSON, ORGANISATION, DOCUMENT, ANONYMOUS, UNKNOWN = "person", "organisation", "document", "anonymous", "unknown"
KINDS = (PERSON, ORGANISATION, DOCUMENT, ANONYMOUS, UNKNOWN)
GENDERS = {"f": "female", "m": "male"}
INDEFINITE = frozenset({"ein", "eine", "einer", "eines", "einem", "einen", "a", "an", "one"})
_BRACKET = re.compile(r"\(([^()]{1,60})\)")
_AFFILIATION = re.compile(r"\s(?:vom|beim|bei der|from|at)\s+(.+)$")  # "von der" opens names too (von der Leyen)
_WORD = re.compile(r"[\w.'’-]+")


class SpeakerRecord(NamedTuple):
    """Who one speaker of an article is (see the module docstring for each field)."""

    name: Optional[str]
    role: Optional[str]
    organisation: Optional[str]
    kind: str
    gender: str
    gender_from: Optional[str]


class _WordClass:
    """One class of words (roles, bodies, documents): listed words, endings, and (German) compounds ending in a
    listed word of five letters or more ("Pressemitteilung", "Bundesinnenministerium"); a German genitive ending
    is read off first ("des Verfassungsschutzes")."""

    def __init__(self, words: frozenset, suffixes: Tuple[str, ...], german: bool) -> None:
        self.words = words
        self.suffixes = tuple(s for s in suffixes if s)
        self.tails = tuple(w for w in words if len(w) >= 5) if german else ()
        self.german = german
        self.seen: Dict[str, bool] = {}

    def __contains__(self, word: str) -> bool:
        if word not in self.seen:
            self.seen[word] = self._match(word)
        return self.seen[word]

    def _match(self, word: str) -> bool:
        low = word.lower().rstrip(".,;:")
        forms = [low] + ([low[: -len(e)] for e in GENITIVE_ENDINGS if low.endswith(e)] if self.german else [])
        for form in forms:
            if form in self.words:
                return True
            if (
                self.suffixes
                and form.endswith(self.suffixes)
                and any(form.endswith(s) and len(form) > len(s) + 2 for s in self.suffixes)
            ):
                return True
            if self.tails and word[:1].isupper() and form.endswith(self.tails):
                return True
        return False


GENITIVE_ENDINGS = ("es", "s")  # "des Verfassungsschutzes", "des Ministeriums"


class _Reader:
    """The word classes a record needs, from one language's people words (one reader a word list, see
    :func:`_reader`, so what it has read of a word is kept)."""

    def __init__(self, people: PeopleWords) -> None:
        self.people = people
        self.german = people.german
        self.roles = _WordClass(people.roles, people.role_suffixes, self.german)
        self.bodies = _WordClass(people.organisations, people.organisation_suffixes, self.german)
        self.documents = _WordClass(people.documents, (), self.german)

    def is_role(self, word: str) -> bool:
        return word in self.roles

    def is_organisation(self, word: str) -> bool:
        acronym = len(word) >= 2 and word.isupper() and word.isalpha()
        return acronym or word in self.bodies

    def is_document(self, word: str) -> bool:
        return word in self.documents

    def is_anonymous(self, word: str) -> bool:
        return word.lower() in self.people.anonymous_words

    def is_lead(self, word: str) -> bool:
        """A word before the noun of a phrase: an article, a preposition or (German) a lower-case adjective."""
        low = word.lower()
        return low in self.people.function_words or low in INDEFINITE or (self.german and word[:1].islower())

    def name_word(self, word: str) -> bool:
        """A word that can be part of a person's name: capitalised and no role, body, document or source word; in
        German (where every noun is capitalised) no common noun that HanTa knows either."""
        if not word[:1].isupper() or self.is_role(word) or self.is_organisation(word) or self.is_document(word):
            return False
        if (
            self.is_anonymous(word)
            or word.lower() in self.people.pronouns
            or word.lower() in self.people.function_words
        ):
            return False
        return not (self.german and _common_noun(word))


NOUN_ENDINGS = ("ung", "heit", "keit", "schaft", "tion", "sion", "ismus", "logie", "tät", "ität", "nis")


_READERS: "weakref.WeakKeyDictionary[PeopleWords, _Reader]" = weakref.WeakKeyDictionary()


def _reader(people: PeopleWords) -> _Reader:
    """The reader of a word list, made once (it keeps what it has read of each word)."""
    if people not in _READERS:
        _READERS[people] = _Reader(people)
    return _READERS[people]


def _common_noun(word: str) -> bool:
    """Whether a German word is a common noun: HanTa's lexicon has it so ("Bericht", not "Merkel"), or it ends
    as only nouns do ("Stadtsoziologie", "Regierungserklärung")."""
    if word.lower().endswith(NOUN_ENDINGS):
        return True
    lexicon = noun_lexicon()
    if lexicon is None:
        return False
    cache, noun = lexicon
    return cache.get(word.lower(), ((None,),))[0][0] == noun


def _split_name(words: List[str], reader: _Reader) -> Tuple[List[str], List[str]]:
    """(the words before the name, the name's words): the name is the trailing run of name words (particles such
    as "von der" inside it)."""
    k = len(words)
    genitive = k > 1 and words[-2].endswith(("s", "’", "'"))  # "McCains Kampagne": the noun is the head
    if (
        k > 1
        and words[-1][:1].isupper()
        and not reader.name_word(words[-1])
        and reader.name_word(words[-2])
        and not genitive
    ):
        if not (reader.is_role(words[-1]) or reader.is_organisation(words[-1]) or reader.is_document(words[-1])):
            k -= 1  # a surname that is also a noun, after a first name ("Theo Korn")
    while k > 0 and (reader.name_word(words[k - 1]) or (k < len(words) and words[k - 1].lower() in PARTICLES)):
        k -= 1
    while 0 < k < len(words) and words[k].lower() in PARTICLES:
        k += 1  # "Gouverneur von Kalifornien": a particle after a role opens no name ("Von der Leyen" stays whole)
    if 0 < k and words[k - 1].lower() in PLACE_PREPOSITIONS and len(words) - k >= 3:
        k += 1  # "Gouverneur von Massachusetts Mitt Romney": the word after the preposition is the role's place
    return words[:k], words[k:]


PLACE_PREPOSITIONS = frozenset({"von", "of", "aus", "from"})
PARTICLES = frozenset({"von", "van", "de", "der", "den", "zu", "di", "da", "del", "al", "bin", "ibn", "le", "la"})


def _organisation(raw: Iterable[str]) -> Optional[str]:
    """A body the mentions tie the speaker to: in brackets ("(SPD)") or after "vom" ("vom Sender RTVE")."""
    for text in raw:
        bracket = _BRACKET.search(text)
        if bracket:
            return bracket.group(1).strip()
        affiliation = _AFFILIATION.search(_BRACKET.sub("", text).split(",")[0])
        if affiliation:
            return affiliation.group(1).strip()
    return None


def _role_of(lead: List[str], raw: Iterable[str], name: Optional[str], reader: _Reader) -> Optional[str]:
    """The role: the words before the name (articles and leading prepositions dropped), else an apposition of a
    mention that holds a role word ("Ute Kamper, die Leiterin der Beratungsstelle")."""
    lead = _strip_leading(lead, reader)
    if any(reader.is_role(w) for w in lead):
        return " ".join(lead)
    for text in raw:
        for part in _BRACKET.sub("", text).split(","):
            words = _WORD.findall(part)
            if name and name in part or not any(reader.is_role(w) for w in words):
                continue
            return " ".join(_strip_leading(words, reader)) or None
    return None


def _strip_leading(words: List[str], reader: _Reader) -> List[str]:
    """The words after the leading articles, prepositions and indefinite articles."""
    k = 0
    while k < len(words) and (words[k].lower() in reader.people.function_words or words[k].lower() in INDEFINITE):
        k += 1
    return words[k:]


def _head(words: List[str], reader: _Reader) -> Optional[str]:
    """The noun a phrase without a name is about: its first word that is a source, document, body or role word
    ("Seiten des Ministeriums", "Deutschen Wetterdienst"), else its first word after articles and adjectives."""
    rest = [w for w in words if not reader.is_lead(w)]
    for word in rest:
        if (
            reader.is_anonymous(word)
            or reader.is_document(word)
            or reader.is_organisation(word)
            or reader.is_role(word)
        ):
            return word
    return rest[0] if rest else None


def speaker_record(
    written: str,
    resolution: Resolution,
    raw: Iterable[str],
    people: PeopleWords,
    entities: Sequence[Tuple[str, str]] = (),
) -> SpeakerRecord:
    """The record of one quote's speaker: ``written`` is its mention as annotated, ``resolution`` what the
    resolver made of it, ``raw`` every mention of the same speaker in the article, as written; ``entities``: the
    (text, label) of the named entities a pipeline's NER found in those mentions, which decide person and body
    over the words (see :func:`_by_entities`)."""
    reader = _reader(people)
    raw = [written, *[r for r in raw if r != written]]
    if not resolution.resolved and written.lower() in people.pronouns | people.anaphoric:
        return SpeakerRecord(None, None, None, UNKNOWN, "unknown", None)  # a pronoun that names nobody
    shown = re.sub(r"\s+", " ", mention_core(resolution.name or written)).strip()
    words = _WORD.findall(_AFFILIATION.sub("", shown).strip())
    lead, name_words = _split_name(words, reader)
    if _no_name(lead, name_words, reader):
        lead, name_words = words, []
    name = " ".join(name_words) or None
    kind = _kind(words, lead, name, reader)
    if entities:
        kind, name = _by_entities(kind, name, lead, entities, reader)
    organisation = _organisation(raw)
    role = _role_of(lead, raw, name, reader) if kind in (PERSON, ANONYMOUS) else None
    if kind == ORGANISATION:
        body = next((text for text, label in entities if label in BODY_LABELS), None)
        organisation = organisation or body or " ".join(_strip_leading(words, reader)) or None  # "das Ministerium"
        name = None
    texts = [shown, *raw, *resolution.mentions]
    gender, source = _gender(texts, resolution, reader) if kind == PERSON else ("unknown", None)
    return SpeakerRecord(name, role, organisation, kind, gender, source)


PERSON_LABELS = frozenset({"PER", "PERSON"})  # spaCy's German (WikiNER) and English (OntoNotes) labels
BODY_LABELS = frozenset({"ORG", "NORP", "GPE"})  # bodies, groups, and states (a state speaks by its government)


def _by_entities(
    kind: str, name: Optional[str], lead: List[str], entities: Sequence[Tuple[str, str]], reader: _Reader
) -> Tuple[str, Optional[str]]:
    """The kind and name, where the NER tells them: a person entity is a person, named by it when the words found
    no name or one that holds it ("Gouverneur von Massachusetts Mitt Romney" → "Mitt Romney"); a body's entity and
    no role is an organisation ("Deutsche Welle"); anything else as the words said."""
    persons = [text for text, label in entities if label in PERSON_LABELS]
    if persons:
        best = max(persons, key=len)
        if name is None or best in name:
            name = best
        return PERSON, name
    bodies = [text for text, label in entities if label in BODY_LABELS]
    if bodies and kind in (PERSON, UNKNOWN) and not any(reader.is_role(w) for w in lead):
        return ORGANISATION, None
    return kind, name


def _no_name(lead: List[str], name_words: List[str], reader: _Reader) -> bool:
    """Whether the run taken for a name is none: an acronym ("CDU"), or (German) one word after an article or
    preposition ("der Passus", "aus der Stadtsoziologie": names take no article)."""
    if len(name_words) != 1:
        return False
    word = name_words[0]
    if word.isupper() and len(word) <= 6:
        return True
    return reader.german and bool(lead) and reader.is_lead(lead[-1]) and not reader.is_role(lead[-1])


def _kind(words: List[str], lead: List[str], name: Optional[str], reader: _Reader) -> str:
    """Person, organisation, document, anonymous or unknown, by the name and the phrase's head word."""
    head = _head(lead, reader)
    if name is not None:  # a name: a person's, unless the phrase is about a body ("Nachrichtenagentur RIA Novosti")
        body = head is not None and not reader.is_role(head) and reader.is_organisation(head)
        return ORGANISATION if body and not any(reader.is_role(w) for w in lead) else PERSON
    first = words[0].lower() if words else ""
    if head is None:
        return UNKNOWN
    if reader.is_anonymous(head) or first in INDEFINITE and reader.is_role(head):
        return ANONYMOUS
    if reader.is_document(head):
        return DOCUMENT
    if reader.is_organisation(head):
        return ORGANISATION
    return PERSON if reader.is_role(head) else UNKNOWN  # "der Minister": a person, unnamed


ADJECTIVAL_ROLES = ("vorsitzende", "abgeordnete", "beauftragte", "angestellte", "bedienstete", "gesandte")


def _gender(texts: List[str], resolution: Resolution, reader: _Reader) -> Tuple[str, Optional[str]]:
    """A person's gender and where it came from: a feminine or masculine word of one of its mentions ("Frau",
    "Sir"), the form of a role noun before its name ("Ministerin", "der Sprecher", "die Vorsitzende"), else a
    pronoun that refers to it; a first name alone tells nothing."""
    people = reader.people
    for text in texts:
        bare = _BRACKET.sub("", text)
        lows = [w.lower().rstrip(".") for w in _WORD.findall(bare)]
        if not people.feminine.isdisjoint(lows):
            return "female", "word"
        if not people.masculine.isdisjoint(lows):
            return "male", "word"
        for part in bare.split(","):
            lead, _ = _split_name(_WORD.findall(part), reader)
            article = next((w.lower() for w in lead if w.lower() in ARTICLES), "")
            for word in lead:
                gender = _role_gender(word, article, reader) if reader.is_role(word) else None
                if gender:
                    return gender, "word"
    if resolution.features_from == "pronoun" and resolution.features in GENDERS:
        return GENDERS[resolution.features], "pronoun"
    return "unknown", None


ARTICLES = ("der", "die", "des", "dem", "den", "ein", "eine")


def _role_gender(word: str, article: str, reader: _Reader) -> Optional[str]:
    """What the form of a German role noun says: "-in" feminine, an adjectival role by its article ("die
    Vorsitzende"), any other masculine ("Minister", "Experte"); nothing in a language that doesn't inflect so."""
    if not reader.german:
        return None
    low = word.lower().rstrip(".")
    for ending in GENITIVE_ENDINGS:
        if low.endswith(ending) and len(low) > 6 and reader.is_role(word[: -len(ending)]):
            low = low[: -len(ending)]
            break
    if low.endswith("innen") or low in ("herr", "frau", "dr", "prof"):
        return None  # plural, or said by the feminine and masculine lists
    if low.endswith("in") and len(low) > 5 and low not in reader.people.not_feminine:
        return "female"
    if article == "die":
        return None  # "die Richter": a masculine role noun after "die" is plural
    if low.endswith(tuple(r + "n" for r in ADJECTIVAL_ROLES)):
        return None  # "der Vorsitzenden": a woman's genitive or a man's dative
    if low.endswith(ADJECTIVAL_ROLES):
        return "female" if article in ("die", "eine") else "male" if article in ("der", "ein") else None
    return "male"


def article_records(
    task: Dict,
    resolutions: List[Resolution],
    people: PeopleWords,
    entities: Sequence[Tuple[int, int, str]] = (),
) -> Dict[Tuple[int, int], SpeakerRecord]:
    """The record of each quote's speaker in one task (by quote offsets); a speaker's mentions in all its quotes
    are read together, so "(SPD)" after one of them gives the organisation of all. ``entities``: (start, end,
    label) character offsets of a pipeline's named entities in the task's text (:func:`entities_in`)."""
    text = task.get("text") or ""
    raw: Dict[Optional[int], List[Tuple[int, int]]] = {}
    for r in resolutions:
        if r.mention is not None and r.speaker_id is not None:
            raw.setdefault(r.speaker_id, []).append(r.mention)
    out = {}
    for r in resolutions:
        if r.mention is None:
            continue
        spans = raw.get(r.speaker_id, [r.mention])
        found = [(text[a:b], label) for a, b, label in entities if any(a < e and s < b for s, e in spans)]
        written = text[r.mention[0] : r.mention[1]]
        out[r.quote] = speaker_record(written, r, [text[s:e] for s, e in spans], people, found)
    return out


def entities_in(nlp: Any, text: str) -> List[Tuple[int, int, str]]:
    """The named entities (character offsets and label) a pipeline finds in ``text``; none for a pipeline that sets
    no entities."""
    return [(e.start_char, e.end_char, e.label_) for e in nlp(text).ents]


def load_ner(model: Optional[str]) -> Any:
    """A pipeline whose NER the records read (``--ner``), or None; a pipeline without one is refused."""
    if not model:
        return None
    import spacy

    try:
        nlp = spacy.load(model)
    except OSError as err:
        raise QuotesError(
            f"Can't load the pipeline '{model}' for --ner", "Give an installed package or a folder."
        ) from err
    if not any("doc.ents" in nlp.get_pipe_meta(n).assigns for n in nlp.pipe_names):
        raise QuotesError(
            f"The pipeline '{model}' sets no named entities", "Give one with an NER (or an entity ruler)."
        )
    return nlp  # run whole: an NER may listen to a tok2vec or transformer before it


def read_aliases(path: Union[str, Path]) -> Dict[str, str]:
    """Alias → name from a JSONL file of ``{"name": ..., "aliases": [...]}`` lines; a bad line is an error that
    names the file and line."""
    path = Path(path)
    if not path.is_file():
        raise InputError(str(path), None, 'no such file: give a JSONL file of {"name": ..., "aliases": [...]} lines')
    found: Dict[str, str] = {}
    for n, entry in jsonl_objects(path, "a name and its aliases"):
        name, aliases = entry.get("name"), entry.get("aliases")
        if not (isinstance(name, str) and name.strip() and isinstance(aliases, list)):
            raise InputError(str(path), n, 'expected {"name": "…", "aliases": ["…", …]}')
        if not all(isinstance(a, str) and a.strip() for a in aliases):
            raise InputError(str(path), n, '"aliases" must be a list of names')
        for alias in aliases:
            found[_key(alias)] = name.strip()
        found[_key(name)] = name.strip()
    return found


def _key(name: str) -> str:
    return re.sub(r"\s+", " ", name).strip().casefold()


class PersonIndex:
    """One id per person across articles, keyed by the name (after the aliases), numbered in order of first
    appearance; the fullest way the name was written is its label."""

    def __init__(self, aliases: Optional[Dict[str, str]] = None) -> None:
        self.aliases = aliases or {}
        self.ids: Dict[str, int] = {}
        self.labels: Dict[int, str] = {}

    def person_id(self, record: SpeakerRecord) -> Optional[int]:
        """The id of a record's person, or None for one without a name (or no person)."""
        if record.kind != PERSON or not record.name:
            return None
        name = self.aliases.get(_key(record.name), record.name)
        key = _key(name)
        if key not in self.ids:
            self.ids[key] = len(self.ids) + 1
            self.labels[self.ids[key]] = name
        return self.ids[key]


@dataclass
class Describing:
    """How an export or a report describes the speakers: the resolver's words, one person index for all its tasks
    (so one person keeps one ``person_id``), and a pipeline whose NER tells people from bodies, if given."""

    people: PeopleWords
    persons: PersonIndex = field(default_factory=PersonIndex)
    ner: Any = None

    @classmethod
    def from_options(
        cls, lang: str, patterns: Optional[str] = None, aliases: Optional[str] = None, ner: Optional[str] = None
    ) -> "Describing":
        """From the command line's ``--lang``, ``--patterns``, ``--aliases`` and ``--ner`` (each checked here)."""
        from .resolve import people_words

        return cls(people_words(lang, patterns), PersonIndex(read_aliases(aliases) if aliases else None), load_ner(ner))

    def describe(self, task: Dict, lang: str) -> Tuple[List[Resolution], Dict[Tuple[int, int], SpeakerRecord]]:
        """A task's speakers resolved (in text order) and the record of each quote's speaker, by quote offsets."""
        found = resolve_task(task, lang, self.people)
        entities = entities_in(self.ner, task.get("text") or "") if self.ner is not None and found else ()
        return found, article_records(task, found, self.people, entities)
