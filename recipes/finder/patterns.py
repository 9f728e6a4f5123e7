"""Pattern files of the rule-based quote finder: format, loading and validation.

Patterns are data, so users can extend them without touching code. A language's patterns are
all ``*.jsonl`` files in one folder (the built-in ones: ``patterns/<lang>/``). Each non-blank
line is one JSON object with a ``"kind"``; ``"text"`` is one string or a list of strings
(several forms sharing the other fields). Words match case-insensitively; a ``"text"`` of
several words (``"nach Angaben"``) matches those words in a row.

=============  ===========================================================================
kind           fields and meaning
=============  ===========================================================================
quote          ``open`` (one character), ``close`` (a character or a list): a pair of
               quotation marks, e.g. ``{"kind": "quote", "open": "„", "close": ["“", "”"]}``.
frame          ``pattern``: a spaCy Matcher pattern whose tokens marked ``"ROLE": "cue"`` and
               ``"ROLE": "speaker"`` are a quote's cue and speaker (``„…“, so lautete die Antwort
               von X``); documented in ``finder/frames.py``, which reads them.
cue            ``text``: inflected forms of a speech verb or noun (``sagte``, ``said``).
               Optional ``particle``: a separable particle that must follow in the clause
               (``{"text": "fügte", "particle": "hinzu"}``); optional ``speaker``:
               ``"subject"`` (default), ``"object"`` when the speaker is the verb's object
               (``the paper quoted Kim as saying``), ``"phrase"`` when a prepositional
               phrase names the source (``heißt es in der Erklärung``) or ``"clause"``
               for a participle whose speaker is the sentence's subject (``…, he said,
               adding that …``).
source         ``text``: a source marker; ``np``: where the source's noun phrase stands,
               ``"after"`` (``laut KCNA``, ``so KCNA``, ``according to X``) or ``"before"``
               (``KCNA zufolge``); optional ``after_comma``: true if the marker only
               counts right after a comma or a quote (``„…“, so KCNA``). Short for a
               ``frame`` with that ``np``.
pronoun        ``text``: personal pronouns that are speaker mentions (``er``, ``sie``, ``he``).
title          ``text``: nouns that introduce a quoted name or title nobody says
               (``Zeitung``, ``Schiff``, ``Motto``); a quote right after one is not speech.
               Titles of four or more letters also match as the end of a capitalised
               compound (``Forschungsflugzeug``).
determiner     ``text``: articles and possessives that start a noun phrase.
preposition    ``text``: prepositions; a noun phrase right after one is not a speaker.
skip           ``text``: adverbs and particles stepped over when looking for the speaker
               (``weiter``, ``sich``, ``also``).
reported       ``text``: words that mark reported speech without a cue verb, e.g. German
               subjunctive forms (``sei``, ``habe``); a short quote in such a clause is speech.
predicative    ``text``: words before a quoted verdict in a sentence with a cue (``nannte es einen
               „Putsch“``, ``als „Fest“ bezeichnet``): such a quote is speech even when short.
utterance      ``text``: nouns naming something said or written (``Parole``, ``Aufschrift``,
               ``slogan``); a quote right after one (or after one and ``wie``/``like``) is speech.
abbreviation   ``text``: abbreviations whose full stop does not end a sentence (``Dr.``).
verb           ``text``: finite verbs that end a noun phrase where the case of the word does not
               tell (English irregular past forms: ``spoke``, ``gave``; ``-ed`` forms need none).
auxiliary      ``text``: finite auxiliaries and modals stepped over next to a cue; in a language
               with capitalised nouns they also mark the verb-second slot before a participle cue
               (``Merkel hatte … betont``).
passive        ``text``: auxiliaries of the passive (``wurde``, ``was``), whose agent is the speaker.
agent          ``text``: the preposition naming a passive's agent (``von``, ``by``).
relative       ``text``: relative pronouns opening a clause that is not the speaker's (``, der …``).
conjunction    ``text``: conjunctions before a second cue of the same subject (``… und nannte``).
coordinator    ``text``: conjunctions that join a new clause between a quote and a later cue
               (``„…“, und rief …``), so that cue is not the quote's.
oblique        ``text``: articles that never open a subject (``den``, ``dem``).
genitive       ``text``: articles of a genitive attached to a noun (``der Chef der Partei``).
nominative     ``text``: pronouns that can only be subjects (``er``, ``wir``).
impersonal     ``text``: subjects that name nobody (``heißt es``, ``man``).
naming         ``text``: words after a quoted name that say it is a name (``genannt``, ``called``).
aside          ``text``: words opening a naming aside after a quote (``„X“, wie … genannt``).
comparison     ``text``: ``wie``/``like``: a quote after an utterance noun and one of these is speech.
source_preposition ``text``: prepositions that open a source phrase after an impersonal cue
               (``heißt es in einem Schreiben``); others are stepped over (``hieß es am Montag``).
plural         ``text``: determiners that can open a plural noun phrase (``die``, ``alle``); with no
               morphology from the pipeline a phrase is read as plural only after one of them.
name_particle  ``text``: particles inside surnames (``von der Leyen``, ``de Maizière``): with a name
               after them they belong to it, not a prepositional phrase.
connector      ``text``: lower-case words inside a capitalised name or title (``Bank of England
               Governor Andrew Bailey``, ``Secretary of State``): not a preposition there.
pronoun_features ``text``: pronouns, ``features``: what they say of the person they stand for, ``"m"``,
               ``"f"``, ``"p"`` (plural) or ``"f|p"`` (German ``sie``): the speaker resolver's agreement.
feminine       ``text``: words that show a woman (``Frau``, ``Mutter``, ``Mrs``: English forms of address and
               kinship words are listed for German too, as German news uses them); ``masculine``: a man.
               German nouns in ``-in`` are feminine too, except the ``not_feminine`` ones (``Berlin``).
anaphoric      ``text``: adverbs pointing back at an earlier source (``demnach``): a speaker left unresolved.
plural_word    ``text``: words that make a mention plural (``beide``, ``zwei``, ``both``).
role           ``text``: what a speaker is, said before or beside the name (``Innenminister``, ``Sprecherin``,
               ``spokesman``); ``role_suffix``: endings of such words (``-minister``, ``-sprecherin``). The
               speaker record keeps them apart from the name ("Innenminister Heribert Rech").
organisation   ``text``: words naming a body, not a person (``Regierung``, ``Polizei``, ``CDU``, ``police``);
               ``organisation_suffix``: their endings (``-ministerium``, ``-amt``). A speaker so named, with no
               person's name, is an organisation.
document       ``text``: words naming a text that "says" something (``Pressemitteilung``, ``Bericht``,
               ``statement``): such a speaker is a document, not a person.
anonymous      ``text``: words for unnamed sources (``Insider``, ``Augenzeugen``, ``sources``); a speaker so named,
               or an unnamed role after an indefinite article ("ein Sprecher"), is anonymous.
language       no ``text``; one line of settings for the language, each optional:
               ``capitalised_nouns`` (true: nouns are found by their capital letter, as in
               German), ``number_noun`` (a regular expression for nouns written with a number,
               ``58-Jährige``), ``adverb_suffixes`` (capitalised words ending so are no nouns),
               ``oblique_adjective`` (``{"article": "der", "suffix": "en"}``: that article with a
               lower-case word in that ending opens no subject), ``verb_suffixes`` and
               ``not_verb_suffixes`` (lower-case words of five letters or more ending so are verbs
               that end a noun phrase: ``-ed`` but not ``-eed``), ``gerund_suffixes`` (lower-case
               words ending so are no nouns: ``-ing``), ``not_noun_tags`` (part-of-speech tags, as
               the language's tagger writes them, of words that are never part of a speaker:
               adverbs, pronominal adverbs, conjunctions, verbs), ``name_tags`` (tags of names, and
               of words that name people, such as nominalised adjectives: a clause whose noun
               phrase before the verb holds none and the one after it does is read object first),
               ``finite_verb_tags`` (tags of finite verbs), ``preposition_tags`` (tags of
               prepositions, so that a prepositional phrase is told from a subject where the
               preposition is not listed), ``noun_tags`` (tags of nouns: the head of a noun
               phrase, whose number is checked against the verb's), ``subordinator_tags`` (tags of
               subordinating conjunctions: a cue in a clause they open after a comma takes its subject
               there, "…, weil die Regierung X als „…“ bezeichnet hat"), ``article_tags`` (tags of
               articles: a ``skip`` word so tagged opens a noun phrase, "gab das Ministerium
               bekannt"), ``clause_tags`` (tags of words
               that open a clause, such as relative pronouns and conjunctions: what follows a
               speaker after a comma is its apposition only without them or a finite verb,
               "sagte Ute Kamper, die Leiterin der Beratungsstelle."), ``proper_tags`` (tags of proper
               names and foreign words: a quoted stretch of two or more of them and function words
               is a name or title, not speech), ``plural_endings`` (endings a
               plural noun adds to its lemma, ``Vorwürfe`` of ``Vorwurf``).
=============  ===========================================================================

A malformed line raises :class:`PatternError` naming the file and the line.
"""

import functools
import json
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Dict, FrozenSet, Iterable, List, Optional, Tuple, Union

from ..errors import QuotesError
from .frames import check_frame, frame_words, source_frame

WORD_KINDS = (
    "pronoun",
    "title",
    "determiner",
    "preposition",
    "skip",
    "reported",
    "predicative",
    "utterance",
    "abbreviation",
    "verb",
    "auxiliary",
    "passive",
    "agent",
    "relative",
    "conjunction",
    "coordinator",
    "oblique",
    "genitive",
    "nominative",
    "impersonal",
    "naming",
    "aside",
    "connector",
    "source_preposition",
    "plural",
    "name_particle",
    "comparison",
    "feminine",
    "masculine",
    "not_feminine",
    "anaphoric",
    "plural_word",
    "role",
    "role_suffix",
    "organisation",
    "organisation_suffix",
    "document",
    "anonymous",
)
KINDS = ("quote", "cue", "source", "frame", "language", "pronoun_features") + WORD_KINDS
PRONOUN_FEATURES = ("m", "f", "p", "f|p")
LANGUAGE_SETTINGS = {
    "capitalised_nouns": bool,
    "not_noun_tags": list,
    "name_tags": list,
    "finite_verb_tags": list,
    "preposition_tags": list,
    "noun_tags": list,
    "subordinator_tags": list,
    "article_tags": list,
    "clause_tags": list,
    "proper_tags": list,
    "plural_endings": list,
    "number_noun": str,
    "adverb_suffixes": list,
    "oblique_adjective": dict,
    "verb_suffixes": list,
    "not_verb_suffixes": list,
    "gerund_suffixes": list,
}


class PatternError(QuotesError, ValueError):
    """A pattern file that cannot be used, with the file and line to fix."""

    def __init__(self, title: str, detail: str = "") -> None:
        super().__init__(title, detail)


@dataclass(frozen=True)
class Cue:
    """A speech verb form: optional separable particle and who the speaker is."""

    words: Tuple[str, ...]
    particle: Optional[str] = None
    speaker: str = "subject"


@dataclass
class Patterns:
    """Everything the finder reads from one language's pattern files."""

    entries: List[Dict[str, Any]] = field(default_factory=list)
    pairs: Dict[str, FrozenSet[str]] = field(default_factory=dict)
    cues: Dict[Tuple[str, ...], List[Cue]] = field(default_factory=dict)
    words: Dict[str, FrozenSet[str]] = field(default_factory=dict)
    language: Dict[str, Any] = field(default_factory=dict)  # the ``language`` line's settings
    frames: List[Dict[str, Any]] = field(default_factory=list)  # the ``frame`` lines, in file order
    pronoun_features: Dict[str, str] = field(default_factory=dict)  # pronoun -> "m", "f", "p" or "f|p"

    def cue_words(self) -> FrozenSet[str]:
        """The first words of the cues and the words of the frames' cues (where attribution starts)."""
        return frozenset(key[0] for key in self.cues) | frozenset().union(*map(frame_words, self.frames))

    def quote_marks(self) -> FrozenSet[str]:
        """Every opening and closing quotation mark of the pairs."""
        return frozenset(self.pairs) | frozenset().union(*self.pairs.values())

    def source_words(self) -> FrozenSet[str]:
        """The cue words of the frames whose speaker is a noun phrase beside them (``laut``, ``zufolge``)."""
        return frozenset().union(*(frame_words(f) for f in self.frames if f.get("np")))

    def of(self, kind: str) -> FrozenSet[str]:
        """The lower-cased single words of a word kind (``pronoun``, ``title``, ...)."""
        return self.words.get(kind, frozenset())


def _texts(entry: Dict[str, Any], where: str) -> List[str]:
    text = entry.get("text")
    texts = [text] if isinstance(text, str) else text
    if not isinstance(texts, list) or not texts or not all(isinstance(t, str) and t.strip() for t in texts):
        raise PatternError(f'{where}: "text" must be a non-empty string or a list of them, got {text!r}')
    return [t.strip() for t in texts]


def _check_entry(entry: Any, where: str) -> Dict[str, Any]:
    if not isinstance(entry, dict):
        raise PatternError(f"{where}: expected a JSON object, got {type(entry).__name__}")
    kind = entry.get("kind")
    if kind not in KINDS:
        raise PatternError(f'{where}: unknown "kind" {kind!r}; use one of {", ".join(KINDS)}')
    if kind == "quote":
        close = entry.get("close")
        closes = [close] if isinstance(close, str) else close
        if not isinstance(entry.get("open"), str) or len(entry["open"]) != 1:
            raise PatternError(f'{where}: a quote pair needs "open": one character, got {entry.get("open")!r}')
        if not isinstance(closes, list) or not closes or not all(isinstance(c, str) and len(c) == 1 for c in closes):
            raise PatternError(f'{where}: a quote pair needs "close": a character or a list of them, got {close!r}')
        return entry
    if kind == "language":
        for key, value in entry.items():
            if key != "kind" and not isinstance(value, LANGUAGE_SETTINGS.get(key, type(None))):
                expected = LANGUAGE_SETTINGS.get(key)
                raise PatternError(
                    f"{where}: unknown language setting {key!r}; use one of {', '.join(LANGUAGE_SETTINGS)}"
                    if expected is None
                    else f"{where}: {key!r} must be a {expected.__name__}, got {value!r}"
                )
        if "number_noun" in entry:
            try:
                re.compile(entry["number_noun"])
            except re.error as err:
                raise PatternError(f'{where}: "number_noun" is not a regular expression ({err})') from None
        return entry
    if kind == "frame":
        try:
            check_frame(entry, where)
        except ValueError as err:
            raise PatternError(str(err)) from None
        return entry
    _texts(entry, where)
    if kind == "cue" and entry.get("speaker", "subject") not in ("subject", "object", "phrase", "clause"):
        raise PatternError(
            f'{where}: "speaker" must be "subject", "object", "phrase" or "clause", got {entry.get("speaker")!r}'
        )
    if kind == "cue" and "particle" in entry and not (isinstance(entry["particle"], str) and entry["particle"].strip()):
        raise PatternError(f'{where}: "particle" must be a word, got {entry["particle"]!r}')
    if kind == "pronoun_features" and entry.get("features") not in PRONOUN_FEATURES:
        raise PatternError(
            f'{where}: "features" must be one of {", ".join(PRONOUN_FEATURES)}, got {entry.get("features")!r}'
        )
    if kind == "source" and entry.get("np", "after") not in ("after", "before"):
        raise PatternError(f'{where}: "np" must be "after" or "before", got {entry.get("np")!r}')
    return entry


def read_pattern_file(path: Path) -> List[Dict[str, Any]]:
    """The checked entries of one JSONL pattern file."""
    entries = []
    with Path(path).open(encoding="utf8") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            where = f"{path}, line {number}"
            try:
                entry = json.loads(line)
            except json.JSONDecodeError as err:
                raise PatternError(f"{where}: not valid JSON ({err.msg} at column {err.colno})") from None
            entries.append(_check_entry(entry, where))
    return entries


def build_patterns(entries: Iterable[Dict[str, Any]]) -> Patterns:
    """Index checked pattern entries for fast lookup."""
    pats = Patterns(entries=list(entries))
    pairs: Dict[str, set] = {}
    words: Dict[str, set] = {kind: set() for kind in WORD_KINDS}
    sources: List[Tuple[Tuple[str, ...], str, bool]] = []
    for entry in pats.entries:
        kind = entry["kind"]
        if kind == "quote":
            close = entry["close"]
            pairs.setdefault(entry["open"], set()).update([close] if isinstance(close, str) else close)
            continue
        if kind == "language":
            pats.language.update({k: v for k, v in entry.items() if k != "kind"})
            continue
        if kind == "frame":
            pats.frames.append(entry)
            continue
        for text in _texts(entry, "pattern"):
            key = tuple(text.lower().split())
            if kind == "cue":
                particle = entry.get("particle")
                pats.cues.setdefault(key, []).append(
                    Cue(key, particle.lower().strip() if particle else None, entry.get("speaker", "subject"))
                )
            elif kind == "pronoun_features":
                pats.pronoun_features[text.lower()] = entry["features"]
            elif kind == "source":
                sources.append((key, entry.get("np", "after"), bool(entry.get("after_comma", False))))
            else:
                words[kind].add(text.lower())
    pats.pairs = {k: frozenset(v) for k, v in pairs.items()}
    closes = sorted(set().union(*pats.pairs.values())) if pats.pairs else []
    pats.frames = [source_frame(key, np, after, closes) for key, np, after in sources] + pats.frames
    pats.words = {k: frozenset(v) for k, v in words.items()}
    return pats


def load_patterns(path: Union[str, Path]) -> Patterns:
    """All ``*.jsonl`` pattern files of a folder (or one file), checked and indexed."""
    path = Path(path)
    if path.is_file():
        files = [path]
    elif path.is_dir():
        files = sorted(path.glob("*.jsonl"))
        if not files:
            raise PatternError(f"{path}: no *.jsonl pattern files in this folder")
    else:
        raise PatternError(f"{path}: pattern folder not found; give a folder of *.jsonl pattern files")
    entries: List[Dict[str, Any]] = []
    for file in files:
        entries.extend(read_pattern_file(file))
    pats = build_patterns(entries)
    if not pats.pairs:
        raise PatternError(
            f'{path}: no quotation marks defined; add lines like {{"kind": "quote", "open": "„", "close": "“"}}'
        )
    return pats


def default_patterns_dir(lang: str) -> Path:
    """The built-in patterns of ``lang``: ``patterns/<lang>`` in a checkout, else the installed copy."""
    checkout = Path(__file__).resolve().parents[2] / "patterns" / lang
    if checkout.is_dir():
        return checkout
    installed = Path(str(resources.files("prodigy_quotes") / "_patterns" / lang))
    if installed.is_dir():
        return installed
    raise PatternError(
        f"Unknown language '{lang}' for the quote finder",
        f"There are no built-in quote patterns for it (looked in {checkout} and {installed}); "
        "use blank:de or blank:en, or pass a folder of pattern files with --patterns.",
    )


@functools.lru_cache(maxsize=None)
def builtin_patterns(lang: str) -> Patterns:
    """The language's built-in patterns, read once per process (for the components and the resolver)."""
    return load_patterns(default_patterns_dir(lang))
