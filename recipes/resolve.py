"""Who is quoted: each quote's speaker mention resolved to the fullest mention of that speaker in the article.

Works on a task (``text``, ``spans``, ``relations``, as the page and the store hold it), German and
English, by rules:

* a ``COREF`` relation from a mention to another span (an annotator's correction, as Prodigy's
  ``coref.manual`` draws it) decides;
* a pronoun (the language's ``pronoun`` words in the patterns) takes the most recent earlier
  speaker (the previous quote's first) whose gender and number agree, where the words tell them
  (German "er"/"sie", English "he"/"she"/"they"; "die Ministerin", "Frau", "-in" are feminine,
  "der Minister", "Herr" masculine, "-innen" and plural pronouns plural);
* a short name (a surname, "Kim") takes the fullest earlier name that holds it as a word;
* a mention that is already a name or a noun phrase stands for itself.

What can't be told stays as written, with ``resolved`` False. A speaker's id is the same for every
mention resolved to it within the article, numbered in order of first appearance.
"""

import functools
import re
from typing import Any, Dict, List, NamedTuple, Optional, Tuple

from .finder.patterns import Patterns, default_patterns_dir, load_patterns

Task = Dict[str, Any]
COREF = "COREF"
_WORD = re.compile(r"[\w-]+", re.UNICODE)

# what the words of a mention say about gender and number, per language (the pronouns' own, and cues in nouns)
PRONOUN_FEATURES = {
    "de": {"er": "m", "ihm": "m", "ihn": "m", "dieser": "m", "sie": "f|p", "ihr": "f", "diese": "f|p", "wir": "p"},
    "en": {"he": "m", "him": "m", "she": "f", "her": "f", "they": "p", "them": "p"},
}
FEMININE_WORDS = {
    "frau",
    "die",
    "ms",
    "mrs",
    "miss",
    "madam",
    "schwester",
    "mutter",
    "tochter",
    "witwe",
    "königin",
    "ehefrau",
    "sister",
    "mother",
    "daughter",
    "wife",
    "queen",
    "woman",
}
MASCULINE_WORDS = {
    "herr",
    "der",
    "mr",
    "sir",
    "bruder",
    "vater",
    "sohn",
    "witwer",
    "könig",
    "ehemann",
    "mann",
    "brother",
    "father",
    "son",
    "husband",
    "king",
    "man",
}
PLURAL_WORDS = {"beide", "zwei", "drei", "both", "two", "three"}


class Resolution(NamedTuple):
    """The speaker of one quote: its mention as written, the name it resolves to, and the article's id for it."""

    quote: Tuple[int, int]
    mention: Optional[Tuple[int, int]]
    name: Optional[str]
    resolved: bool
    speaker_id: Optional[int]


def _features(text: str, lang: str) -> str:
    """ "m", "f", "p" (plural), "f|p" or "" for a mention, from its words."""
    words = [w.lower() for w in _WORD.findall(text)]
    if len(words) == 1 and words[0] in PRONOUN_FEATURES.get(lang, {}):
        return PRONOUN_FEATURES[lang][words[0]]
    if any(w in PLURAL_WORDS or w.endswith("innen") for w in words):
        return "p"
    if (
        any(w in FEMININE_WORDS for w in words)
        or lang == "de"
        and any(w.endswith("in") and len(w) > 5 and w[:1].isalpha() for w in words[1:2] or words[:1])
    ):
        return "f"
    if any(w in MASCULINE_WORDS for w in words):
        return "m"
    return ""


def _agree(pronoun: str, candidate: str) -> bool:
    """Whether a pronoun's features admit a candidate's (unknown features admit anything)."""
    if not pronoun or not candidate:
        return True
    return bool(set(pronoun.split("|")) & set(candidate.split("|")))


def _is_name(text: str) -> bool:
    """A mention written as a name: capitalised words, at least one, no article first."""
    words = text.split()
    return (
        bool(words)
        and all(w[:1].isupper() for w in words if w[:1].isalpha())
        and words[0].lower() not in ("der", "die", "das", "the", "a", "an", "ein", "eine")
    )


def _name_part(text: str) -> str:
    """The trailing run of capitalised words of a mention ("der nordkoreanische Führer Kim Jong Un" ->
    "Führer Kim Jong Un" minus a leading common noun is not told apart; the whole run is kept)."""
    words = text.split()
    k = len(words)
    while k > 0 and words[k - 1][:1].isupper():
        k -= 1
    return " ".join(words[k:])


class _Speaker:
    def __init__(self, sid: int, mention: str, features: str) -> None:
        self.id = sid
        self.mentions = [mention]
        self.features = features

    @property
    def name(self) -> str:
        """The fullest mention: the longest that holds a name, else the longest."""
        named = [m for m in self.mentions if _name_part(m).count(" ") >= 1 or _is_name(m)]
        return max(named or self.mentions, key=len)

    def words(self) -> set:
        return {w for m in self.mentions for w in _WORD.findall(_name_part(m) or m)}


@functools.lru_cache(maxsize=None)
def _pronouns(lang: str) -> frozenset:
    try:
        patterns: Patterns = load_patterns(default_patterns_dir(lang))
    except Exception:  # a language without patterns: no pronouns known
        return frozenset()
    return frozenset(patterns.of("pronoun")) | frozenset(PRONOUN_FEATURES.get(lang, {}))


def resolve_task(task: Task, lang: str = "de") -> List[Resolution]:
    """The resolved speaker of every quote of a task that has a SPEAKER relation, in text order."""
    text = task.get("text") or ""
    pronouns = _pronouns(lang)
    rels = task.get("relations") or []
    speaker_of: Dict[Tuple[int, int], Tuple[int, int]] = {}
    for rel in sorted(rels, key=lambda r: (r["child_span"]["start"], r["child_span"]["end"])):
        if rel.get("label") == "SPEAKER":
            head = (rel["head_span"]["start"], rel["head_span"]["end"])
            speaker_of.setdefault(head, (rel["child_span"]["start"], rel["child_span"]["end"]))
    coref = {
        (r["head_span"]["start"], r["head_span"]["end"]): (r["child_span"]["start"], r["child_span"]["end"])
        for r in rels
        if r.get("label") == COREF
    }
    quotes = sorted((s["start"], s["end"]) for s in task.get("spans") or [] if s.get("label") not in ("SPEAKER", "CUE"))
    speakers: List[_Speaker] = []
    by_mention: Dict[Tuple[int, int], _Speaker] = {}
    out: List[Resolution] = []
    for quote in quotes:
        mention = speaker_of.get(quote)
        if mention is None:
            out.append(Resolution(quote, None, None, False, None))
            continue
        written = text[mention[0] : mention[1]]
        speaker = _resolve(mention, written, text, lang, pronouns, coref, speakers, by_mention)
        if speaker is None:
            out.append(Resolution(quote, mention, written, False, None))
            continue
        by_mention[mention] = speaker
        resolved = written.lower() not in pronouns or speaker.name != written
        out.append(Resolution(quote, mention, speaker.name, resolved, speaker.id))
    return out


def _resolve(
    mention: Tuple[int, int],
    written: str,
    text: str,
    lang: str,
    pronouns: frozenset,
    coref: Dict[Tuple[int, int], Tuple[int, int]],
    speakers: List[_Speaker],
    by_mention: Dict[Tuple[int, int], "_Speaker"],
) -> Optional[_Speaker]:
    """The speaker a mention belongs to (a new one for a new name), or None for a pronoun nobody fits."""
    if mention in by_mention:
        return by_mention[mention]
    if mention in coref:  # the annotator's link decides
        target = coref[mention]
        antecedent = text[target[0] : target[1]]
        speaker = by_mention.get(target) or next((s for s in speakers if antecedent in s.mentions), None)
        if speaker is None:
            speaker = _new(speakers, antecedent, lang)
        speaker.mentions.append(written)
        return speaker
    if written.lower() in pronouns:
        return _antecedent(mention, written, text, lang, speakers, by_mention)
    words = _WORD.findall(written)
    if len(words) == 1:  # a short form: the fullest earlier name that holds it
        for speaker in reversed(speakers):
            if words[0] in speaker.words():
                speaker.mentions.append(written)
                return speaker
        fuller = _name_before(text, mention[0], lang, containing=words[0])
        if fuller:
            speaker = _new(speakers, fuller, lang)
            speaker.mentions.append(written)
            return speaker
    for speaker in speakers:  # the same name again, or a fuller one for a speaker seen as a short form
        if written in speaker.mentions or _name_part(written) and _name_part(written) in speaker.mentions:
            speaker.mentions.append(written)
            return speaker
    return _new(speakers, written, lang)


def _new(speakers: List[_Speaker], mention: str, lang: str) -> _Speaker:
    speaker = _Speaker(len(speakers) + 1, mention, _features(mention, lang))
    speakers.append(speaker)
    return speaker


_NAME_RUN = re.compile(r"(?:[A-ZÄÖÜ][\w'’-]*\.?(?:[ \t]+|$)){2,6}")


def _name_runs(text: str, end: int, lang: str) -> List[Tuple[int, str]]:
    """Runs of two to six capitalised words before ``end``, with where they end: names, or (German) noun phrases
    that hold one; a leading function word ("Auch", "Die") is left out."""
    leading = _function_words(lang)
    runs = []
    for match in _NAME_RUN.finditer(text, 0, end):
        words = match.group().split()
        for k, word in enumerate(words):  # a full stop after a word longer than an abbreviation ends a sentence
            if word.endswith(".") and len(word) > 4 or word.endswith("-"):
                words = words[: k + 1] if not word.endswith("-") else words[:k]
                break
        words = [w.rstrip(".") if len(w) > 4 else w for w in words]
        while words and words[0].lower() in leading:
            words = words[1:]
        if len(words) >= 2:
            runs.append((match.start() + len(match.group().rstrip()), " ".join(words)))
    return runs


def _name_before(text: str, end: int, lang: str, containing: Optional[str] = None) -> Optional[str]:
    """The last name run before ``end`` (optionally one that holds a word)."""
    found = None
    for _, run in _name_runs(text, end, lang):
        if containing is None or containing in _WORD.findall(run):
            found = run
    return found


def _antecedent(
    mention: Tuple[int, int],
    written: str,
    text: str,
    lang: str,
    speakers: List[_Speaker],
    by_mention: Dict[Tuple[int, int], _Speaker],
) -> Optional[_Speaker]:
    """The most recent person before a pronoun whose gender and number agree: an earlier speaker (where it was
    last mentioned; unknown gender agrees), or a name in the text whose words show the same gender or number."""
    wanted = _features(written, lang)
    last_seen = {id(s): m[1] for m, s in by_mention.items() if m[1] <= mention[0]}
    candidates: List[Tuple[int, Any]] = [(last_seen.get(id(s), -1), s) for s in speakers]
    candidates += _name_runs(text, mention[0], lang)
    for _, who in sorted(candidates, key=lambda c: c[0], reverse=True):
        features = who.features if isinstance(who, _Speaker) else _features(who, lang)
        if not _agree(wanted, features) or not isinstance(who, _Speaker) and not (wanted and features):
            continue  # a name in the text that was no speaker counts only where its words agree ("Kims Schwester")
        if isinstance(who, _Speaker):
            who.mentions.append(written)
            if not who.features and "|" not in wanted:
                who.features = wanted  # "she" tells that "Mary Collins" is a woman, for later pronouns
            return who
        return _adopt(speakers, who, written, lang)
    names = [run for _, run in _name_runs(text, mention[0], lang) if _agree(wanted, _features(run, lang))]
    if names and not _capitalised_nouns(lang):  # no one agrees by their words: the last name before the pronoun
        # (where capitals mark names; in German they mark every noun, so "Monate Haft" would be taken for one)
        return _adopt(speakers, names[-1], written, lang)
    return None


def _adopt(speakers: List[_Speaker], name: str, written: str, lang: str) -> _Speaker:
    """The speaker a name in the text belongs to (one already seen that holds it, or a new one), now also
    mentioned as ``written``."""
    known = next((s for s in speakers if any(m in name or name in m for m in s.mentions if len(m) > 3)), None)
    speaker = known or _new(speakers, name, lang)
    speaker.mentions.extend([name, written] if known else [written])
    return speaker


@functools.lru_cache(maxsize=None)
def _capitalised_nouns(lang: str) -> bool:
    """Whether the language capitalises its nouns (its patterns' language setting), so capitals mark no name."""
    try:
        return bool(load_patterns(default_patterns_dir(lang)).language.get("capitalised_nouns"))
    except Exception:  # a language without patterns
        return False


@functools.lru_cache(maxsize=None)
def _function_words(lang: str) -> frozenset:
    """Words a name never starts with (articles, prepositions, adverbs, conjunctions), from the patterns."""
    try:
        patterns = load_patterns(default_patterns_dir(lang))
    except Exception:  # a language without patterns
        return frozenset()
    return frozenset(w for kind in ("determiner", "preposition", "skip", "conjunction") for w in patterns.of(kind))


def speaker_records(task: Task, lang: str = "de") -> Dict[Tuple[int, int], Resolution]:
    """Resolutions by quote offsets, for the export."""
    return {r.quote: r for r in resolve_task(task, lang)}
