"""Who is quoted: each quote's speaker mention resolved to the fullest mention of that speaker in the article.

Works on a task (``text``, ``spans``, ``relations``, as the page and the store hold it), German and
English, by rules:

* a ``COREF`` relation from a mention to another span (an annotator's correction, as Prodigy's
  ``coref.manual`` draws it) decides;
* a pronoun (the language's ``pronoun`` words in the patterns) takes the most recent earlier
  speaker (the previous quote's first) whose gender and number agree, where the words tell them
  (German "er"/"sie", English "he"/"she"/"they"; "die Ministerin", "Frau", nouns in "-in" are feminine
  where german-nouns knows them so, "Martin" is not,
  "der Minister", "Herr" masculine, "-innen" and plural pronouns plural; in German, where these words don't
  tell, the head noun's gender and number in german-nouns with its article: "die Agentur" is feminine, so never
  "er", "die Behörden" plural; the verb beside "sie" tells one woman from several, "sagten sie");
* a short name (a surname, "Kim") takes the fullest earlier name that holds it as a word;
* a mention that is already a name or a noun phrase stands for itself.

What can't be told stays as written, with ``resolved`` False. A speaker's id is the same for every
mention resolved to it within the article, numbered in order of first appearance.
"""

import functools
import re
from pathlib import Path
from typing import Any, Dict, List, NamedTuple, Optional, Tuple, Union

from .finder.patterns import PatternError, Patterns, builtin_patterns, load_patterns

Task = Dict[str, Any]
COREF = "COREF"
_WORD = re.compile(r"[\w-]+", re.UNICODE)


class Resolution(NamedTuple):
    """The speaker of one quote: its mention as written, the name it resolves to, and the article's id for it."""

    quote: Tuple[int, int]
    mention: Optional[Tuple[int, int]]
    name: Optional[str]
    resolved: bool
    speaker_id: Optional[int]
    features: str = ""  # what the speaker's words or a pronoun for it say: "m", "f", "p", "f|p" or ""
    features_from: str = ""  # "words" (a noun, title or form of address) or "pronoun" (one that refers to it)
    mentions: Tuple[str, ...] = ()  # every mention of the speaker in the article, as the resolver read them


class PeopleWords:
    """What one language's patterns say of speakers (``people.jsonl`` and the function words): the pronouns with
    the gender and number they tell, gender and plural words, relative pronouns, anaphoric adverbs, the words a
    name never starts with. Built from a user's patterns, they reach the resolver as they reach the rules."""

    def __init__(self, patterns: Optional[Patterns], lang: str) -> None:
        def of(*kinds: str) -> frozenset:
            return frozenset(w for kind in kinds for w in patterns.of(kind)) if patterns else frozenset()

        self.lang = lang
        self.german = lang == "de"
        self.pronoun_features: Dict[str, str] = dict(patterns.pronoun_features) if patterns else {}
        self.pronouns = of("pronoun") | frozenset(self.pronoun_features)
        self.relatives = of("relative")
        self.anaphoric = of("anaphoric")
        self.plural = of("plural_word")
        self.feminine = of("feminine")
        self.masculine = of("masculine")
        self.not_feminine = of("not_feminine")
        self._feminine: Dict[str, bool] = {}
        self.function_words = of("determiner", "preposition", "skip", "conjunction")
        self.capitalised_nouns = bool(patterns and patterns.language.get("capitalised_nouns"))
        # what the speaker record reads (recipes/people.py): roles, bodies, documents, unnamed sources
        self.roles = of("role")
        self.role_suffixes = tuple(sorted(of("role_suffix"), key=len, reverse=True))
        self.organisations = of("organisation")
        self.organisation_suffixes = tuple(sorted(of("organisation_suffix"), key=len, reverse=True))
        self.documents = of("document")
        self.anonymous_words = of("anonymous")

    @staticmethod
    @functools.lru_cache(maxsize=None)
    def builtin(lang: str) -> "PeopleWords":
        """The built-in patterns' words of a language; none for a language without patterns."""
        try:
            patterns: Optional[Patterns] = builtin_patterns(lang)
        except PatternError:
            patterns = None
        return PeopleWords(patterns, lang)


def feminine_noun(word: str, people: PeopleWords) -> bool:
    """Whether a German word is a woman's noun in -in ("Ministerin", "Grünen-Politikerin"): by german-nouns where
    it is installed (its last part that the package knows decides, so first names such as "Martin" or "Benjamin"
    are none), else by the ending alone, less the patterns' ``not_feminine`` words."""
    if word not in people._feminine:
        people._feminine[word] = _feminine_noun(word, people)
    return people._feminine[word]


def _feminine_noun(word: str, people: PeopleWords) -> bool:
    low = word.lower()
    if not (low.endswith("in") and len(low) > 5) or low in people.not_feminine:
        return False
    from .model.lexicon import installed_german_nouns, noun_reading

    nouns = installed_german_nouns()
    if nouns is None:
        return True
    for k in range(len(word) - 4):  # the word, else its longest last part the package knows (a compound)
        reading = noun_reading(nouns.get(word if k == 0 else word[k:].capitalize()))
        if reading is not None:
            return reading[2] == "f"
    return False


def _features(text: str, people: PeopleWords) -> str:
    """ "m", "f", "p" (plural), "f|p" or "" for a mention, from its words."""
    words = [w.lower() for w in _WORD.findall(text)]
    pronouns = people.pronoun_features
    if len(words) == 1 and words[0] in pronouns:
        return pronouns[words[0]]
    if any(w in people.plural or w.endswith("innen") for w in words):
        return "p"
    nouns = [w for w in _WORD.findall(text) if w[:1].isupper()]
    woman = people.german and any(feminine_noun(w, people) for w in nouns)
    if not people.feminine.isdisjoint(words) or woman:
        return "f"
    if not people.masculine.isdisjoint(words):
        return "m"
    return _noun_features(text) if people.german else ""


# what a German article says of the noun after it: the genders and numbers it admits as a subject or object
ARTICLE_READINGS = {"der": ("m", "s"), "die": ("f", "sp"), "das": ("n", "s"), "den": ("m", "s"), "dem": ("mn", "s")}


def _noun_features(text: str) -> str:
    """Gender or number of a German noun phrase from its first noun's forms in german-nouns (the head; a genitive
    or prepositional phrase follows it), narrowed by the article before it: "die Agentur" f, "die Behörden" p,
    "das Ministerium" n; "" where they don't tell (or the package is not installed)."""
    from .model.lexicon import installed_german_nouns, noun_reading

    nouns = installed_german_nouns()
    if nouns is None:
        return ""
    words = _WORD.findall(text)
    head, reading = 0, None
    for head, word in enumerate(words):  # the first word german-nouns knows as a noun
        if word[:1].isupper() and word.lower() not in ARTICLE_READINGS:
            reading = noun_reading(nouns.get(word))
            if reading is not None:
                break
    if reading is None:
        return ""
    _, numbers, genders = reading
    if numbers == "p":
        return "p"
    article = next((w.lower() for w in reversed(words[:head]) if w.lower() in ARTICLE_READINGS), None)
    if article is not None:
        article_genders, article_numbers = ARTICLE_READINGS[article]
        if "p" in numbers and "p" in article_numbers:
            if not set(genders) & set(article_genders):
                return "p"  # "die Minister": no feminine noun, so plural
            return "f|p" if "f" in genders else "p"  # "die Kriegsgefangenen": one woman or several
        genders = "".join(g for g in genders if g in article_genders) or genders
    return genders if len(genders) == 1 else ""


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


def mention_core(mention: str) -> str:
    """The part of a speaker mention that names who speaks, without what the finder marks around it as annotators
    do: a bracket ("Renate Schmidt (SPD)"), an affiliation with "vom" ("Theo Korn vom Bankhaus Lindner") and an
    apposition: of the parts between commas, the first written as a name ("Ute Kamper, die Leiterin der
    Beratungsstelle" and "Der Leiter des Labors, Klaus Brenner" give the names), else the first."""
    bare = _BRACKET.sub("", mention).strip()
    bare = _AFFILIATION.sub("", bare).strip()
    parts = [p.strip() for p in bare.split(",") if p.strip()]
    if len(parts) < 2:
        return bare or mention
    return next((p for p in parts if _is_name(p)), parts[0])


def _name_part(text: str) -> str:
    """The trailing run of capitalised words of a mention ("der nordkoreanische Führer Kim Jong Un" ->
    "Führer Kim Jong Un" minus a leading common noun is not told apart; the whole run is kept)."""
    words = text.split()
    k = len(words)
    while k > 0 and words[k - 1][:1].isupper():
        k -= 1
    return " ".join(words[k:])


class _Speaker:
    """One person (or body) quoted in an article, with every mention of it."""

    def __init__(self, sid: int, mention: str, features: str, people: PeopleWords) -> None:
        self.id = sid
        self.mentions = [mention]
        self.features = features
        self.features_from = "words" if features else ""
        self.people = people

    @property
    def name(self) -> str:
        """The fullest mention: the longest that holds a name, else the longest that is no pronoun."""
        pronouns = self.people.pronouns | self.people.relatives
        full = [m for m in self.mentions if m.lower() not in pronouns] or self.mentions
        named = [m for m in full if _name_part(m).count(" ") >= 1 or _is_name(m)]
        return max(named or full, key=len)

    def words(self) -> set:
        return {w for m in self.mentions for w in _WORD.findall(_name_part(m) or m)}


def people_words(lang: str, patterns: Union[None, str, Path, Patterns] = None) -> PeopleWords:
    """The resolver's words from a folder of pattern files (or patterns already read), else the built-in ones of
    ``lang``; a bad pattern line is a :class:`PatternError` naming its file and line."""
    if patterns is None:
        return PeopleWords.builtin(lang)
    return PeopleWords(patterns if isinstance(patterns, Patterns) else load_patterns(patterns), lang)


def resolve_task(task: Task, lang: str = "de", people: Optional[PeopleWords] = None) -> List[Resolution]:
    """The resolved speaker of every quote of a task that has a SPEAKER relation, in text order; ``people``: the
    words of a user's patterns (:class:`PeopleWords`), else the built-in ones of ``lang``."""
    people = people or PeopleWords.builtin(lang)
    text = task.get("text") or ""
    pronouns = people.pronouns
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
    found: List[Tuple[Tuple[int, int], Optional[Tuple[int, int]], Optional[_Speaker]]] = []
    for quote in quotes:
        mention = speaker_of.get(quote)
        speaker = None
        if mention is not None:
            speaker = _resolve(
                mention, mention_core(text[mention[0] : mention[1]]), text, people, coref, speakers, by_mention
            )
            if speaker is not None:
                by_mention[mention] = speaker
        found.append((quote, mention, speaker))
    final = _merged(speakers)  # names are taken at the end: a short form may come before the full name
    ids = {sid: i for i, sid in enumerate(dict.fromkeys(final[id(sp)].id for _, _, sp in found if sp), start=1)}
    out: List[Resolution] = []
    for quote, mention, speaker in found:
        if mention is None:
            out.append(Resolution(quote, None, None, False, None))
            continue
        written = text[mention[0] : mention[1]]
        if speaker is None:
            out.append(Resolution(quote, mention, written, False, None))
            continue
        who = final[id(speaker)]
        resolved = written.lower() not in pronouns or who.name != written
        out.append(
            Resolution(
                quote, mention, who.name, resolved, ids[who.id], who.features, who.features_from, tuple(who.mentions)
            )
        )
    return out


def _merged(speakers: List[_Speaker]) -> Dict[int, _Speaker]:
    """Each speaker, or the fuller one it is a short form of ("Celebi" before "Gülsen Celebi" appears)."""
    final = {id(sp): sp for sp in speakers}
    for sp in speakers:
        words = _WORD.findall(sp.name)
        if len(words) != 1:
            continue
        fuller = [
            o for o in speakers if o is not sp and words[0] in _WORD.findall(o.name) and len(o.name) > len(sp.name)
        ]
        if fuller:
            target = max(fuller, key=lambda o: len(o.name))
            target.mentions.extend(sp.mentions)
            final[id(sp)] = target
    return final


def _resolve(
    mention: Tuple[int, int],
    written: str,
    text: str,
    people: PeopleWords,
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
            speaker = _new(speakers, antecedent, people)
        speaker.mentions.append(written)
        return speaker
    if written.lower() in people.relatives and text[: mention[0]].rstrip().endswith(","):
        antecedent = _before_comma(text, mention[0], people)  # "Abdel Kader Dschassim, der ...", "so Celebi, die"
        if antecedent:
            return _adopt(speakers, antecedent, written, people)
    if written.lower() in people.anaphoric:
        return None  # "Demnach ...": according to a document or statement before; no rule tells which
    if written.lower() in people.pronouns:
        return _antecedent(mention, written, text, people, speakers, by_mention)
    words = _WORD.findall(written)
    if len(words) == 1:  # a short form: the fullest earlier name that holds it
        for speaker in reversed(speakers):
            if words[0] in speaker.words():
                speaker.mentions.append(written)
                return speaker
        fuller = _name_before(text, mention[0], people, containing=words[0])
        if fuller:
            speaker = _new(speakers, fuller, people)
            speaker.mentions.append(written)
            return speaker
    for speaker in speakers:  # the same name again, or a fuller one for a speaker seen as a short form
        if written in speaker.mentions or _name_part(written) and _name_part(written) in speaker.mentions:
            speaker.mentions.append(written)
            return speaker
    return _new(speakers, written, people)


def _new(speakers: List[_Speaker], mention: str, people: PeopleWords) -> _Speaker:
    speaker = _Speaker(len(speakers) + 1, mention, _features(mention, people), people)
    speakers.append(speaker)
    return speaker


_BRACKET = re.compile(r"\s*\([^()]*\)")
_AFFILIATION = re.compile(r"(?<=[\w.])\s+vom\s.*$", re.S)
_NAME_RUN = re.compile(r"(?:[A-ZÄÖÜ][\w'’-]*\.?(?:[ \t]+|(?=[,;:)(])|$)){2,6}")
# German noun phrases a pronoun may point back to: an article, adjectives, a noun ("die Autorin")
_NOUN_PHRASE = re.compile(r"\b(der|die|ein|eine|Der|Die|Ein|Eine)\s+(?:[a-zäöüß][\w-]*\s+){0,3}([A-ZÄÖÜ][\w-]+)")


def _name_runs(text: str, end: int, people: PeopleWords) -> List[Tuple[int, str]]:
    """Runs of two to six capitalised words before ``end``, with where they end: names, or (German) noun phrases
    that hold one; a leading function word ("Auch", "Die") is left out."""
    leading = people.function_words
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


class _Phrase(str):
    """A noun phrase with the gender and number its article and noun show."""

    features: str = ""


def _noun_phrases(text: str, end: int, people: PeopleWords, reach: int = 400) -> List[Tuple[int, str]]:
    """German noun phrases shortly before ``end`` that a pronoun can point back to: one opening a sentence ("Die
    Schutzvereinigung ... schlug vor, indem sie"), or one naming a woman anywhere ("überraschte die Autorin. Sie")."""
    found: List[Tuple[int, str]] = []
    for match in _NOUN_PHRASE.finditer(text, max(0, end - reach), end):
        article, noun = match.group(1).lower(), match.group(2).lower()
        before = text[: match.start()].rstrip()
        opens = not before or before[-1] in ".!?:\n"
        plural = noun.endswith("innen") and len(noun) > 5 and noun not in people.not_feminine
        person = plural or feminine_noun(match.group(2), people)
        if opens or person:
            phrase = _Phrase(match.group(0))
            phrase.features = _features(phrase, people) or {"die": "f|p", "eine": "f", "der": "m", "ein": "m"}[article]
            found.append((match.end(), phrase))
    return found


def _name_before(text: str, end: int, people: PeopleWords, containing: Optional[str] = None) -> Optional[str]:
    """The last name run before ``end`` (optionally one that holds a word)."""
    found = None
    for _, run in _name_runs(text, end, people):
        if containing is None or containing in _WORD.findall(run):
            found = run
    return found


def _antecedent(
    mention: Tuple[int, int],
    written: str,
    text: str,
    people: PeopleWords,
    speakers: List[_Speaker],
    by_mention: Dict[Tuple[int, int], _Speaker],
) -> Optional[_Speaker]:
    """The most recent person before a pronoun whose gender and number agree: an earlier speaker (where it was
    last mentioned; unknown gender agrees), or a name in the text whose words show the same gender or number."""
    wanted = _features(written, people)
    if wanted == "f|p" and people.german:  # "sie": the verb beside it tells one woman from several people
        wanted = _verb_number(text, mention) or wanted
    last_seen = {id(s): m[1] for m, s in by_mention.items() if m[1] <= mention[0]}
    candidates: List[Tuple[int, Any]] = [(last_seen.get(id(s), -1), s) for s in speakers]
    candidates += _name_runs(text, mention[0], people)
    if people.german:
        candidates += _noun_phrases(text, mention[0], people)
    # the latest first; a speaker before a name at the same place (the name is its mention)
    for _, who in sorted(candidates, key=lambda c: (c[0], isinstance(c[1], _Speaker)), reverse=True):
        features = who.features if isinstance(who, (_Speaker, _Phrase)) else _features(who, people)
        if not _agree(wanted, features):
            continue
        name = isinstance(who, str) and not isinstance(who, _Phrase)
        person = name and people.capitalised_nouns and _person_like(who)
        if not isinstance(who, _Speaker) and not (wanted and features) and not person:
            continue  # a phrase or name that was no speaker counts where its words agree ("Kims Schwester") or it
            # reads as a person's name ("Heidemarie Wieczorek-Zeul")
        if isinstance(who, _Speaker):
            who.mentions.append(written)
            return _learn(who, wanted)
        return _learn(_adopt(speakers, who, written, people), wanted)
    names = [run for _, run in _name_runs(text, mention[0], people) if _agree(wanted, _features(run, people))]
    if people.capitalised_nouns:  # capitals mark every noun: only runs that end in two words no noun lexicon knows
        names = [run for run in names if _person_like(run)]  # ("Heidemarie Wieczorek-Zeul", not "Monate Haft")
    if names:  # no one agrees by their words: the last name before the pronoun
        return _learn(_adopt(speakers, names[-1], written, people), wanted)
    return None


def _verb_number(text: str, mention: Tuple[int, int]) -> str:
    """ "p" or "f" for a German "sie" by the finite verb right before or after it ("sagten sie", "sie betonte"),
    "" when neither neighbour is a lower-case past or present form that tells."""
    before = _WORD.findall(text[max(0, mention[0] - 40) : mention[0]])[-1:]
    after = _WORD.findall(text[mention[1] : mention[1] + 40])[:1]
    for word in before + after:
        if not word.islower() or len(word) < 4:
            continue
        if word.endswith(("ten", "ern", "en")):
            return "p"
        if word.endswith(("te", "t")):
            return "f"
    return ""


def _learn(speaker: _Speaker, wanted: str) -> _Speaker:
    """A pronoun tells a speaker's gender or number where the words did not ("she" for "Mary Collins")."""
    if not speaker.features and wanted and "|" not in wanted:
        speaker.features = wanted
        speaker.features_from = "pronoun"
    return speaker


def _before_comma(text: str, end: int, people: PeopleWords) -> Optional[str]:
    """What a relative pronoun after a comma stands for: the name run, noun phrase or capitalised word that ends
    right before the comma."""
    before = text[:end].rstrip()[:-1].rstrip()
    runs = _name_runs(text, len(before) + 1, people)
    if runs and before.endswith(runs[-1][1].split()[-1]) and runs[-1][0] >= len(before) - 1:
        return runs[-1][1]
    if people.german:
        phrases = [p for pos, p in _noun_phrases(text, len(before) + 1, people) if pos == len(before)]
        last = list(_NOUN_PHRASE.finditer(before[-80:]))
        if last and last[-1].end() == len(before[-80:]):
            return last[-1].group(0)
        if phrases:
            return phrases[-1]
    words = before.split()
    return words[-1] if words and words[-1][:1].isupper() else None


def _adopt(speakers: List[_Speaker], name: str, written: str, people: PeopleWords) -> _Speaker:
    """The speaker a name in the text belongs to (one already seen that holds it, or a new one), now also
    mentioned as ``written``."""
    known = next((s for s in speakers if any(m in name or name in m for m in s.mentions if len(m) > 3)), None)
    speaker = known or _new(speakers, name, people)
    speaker.mentions.extend([name, written] if known else [written])
    return speaker


@functools.lru_cache(maxsize=1)
def noun_lexicon() -> Any:
    """HanTa's word list (German) and its noun tag, to tell a name from a capitalised noun; None without it."""
    try:
        from HanTa import HanoverTagger
    except ImportError:  # a dependency; without it no run of capitals counts as a name
        return None
    tagger = HanoverTagger.HanoverTagger("morphmodel_ger.pgz")
    return tagger.cache, tagger.tag2int["NN"]


def _person_like(run: str) -> bool:
    """Whether the last two words of a run are no common nouns HanTa knows (a first name and surname, mostly)."""
    lexicon = noun_lexicon()
    if lexicon is None:
        return False
    cache, noun = lexicon
    tail = run.split()[-2:]
    return len(tail) == 2 and all(cache.get(w.lower(), ((None,),))[0][0] != noun for w in tail)
