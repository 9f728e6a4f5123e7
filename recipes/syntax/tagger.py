"""The ``quote_tagger_de`` spaCy component: STTS tags, UPOS and lemmas from HanTa where quotes are attributed.

Which sentences: those holding one of its cue words (the first words of the finder's cues and
source markers, given by :func:`add_syntax` and saved with the pipeline) that lie next to a
quotation mark (in the sentence itself or its neighbours), as the quote finder only looks there;
without cue words, every sentence next to a quotation mark. ``scope="all"`` tags every sentence.
Tokens left untagged keep empty tags.

Why HanTa: it ships its model in the wheel (no model hub needed), its STTS tags separate what
the speaker search must tell apart (adverbs and pronominal adverbs, conjunctions, prepositions,
finite verbs, nouns), and it runs at about 30,000 tokens/s here once its word analyses are
memoised and unknown capitalised words skip its costly morphological analysis: a word ending in
a noun it knows is read as that compound noun ("Richtlinienkompetenz"), any other as a name
("Müntefering", tag NE), which is what the speaker search needs to know. A tagger trained on the UD treebanks would be share-alike and, trained on 90k tokens,
weaker (87 % STTS accuracy measured); spaCy's lookup lemmas give no tags.
"""

import functools
from pathlib import Path
from typing import Any, Dict, FrozenSet, Iterable, List, Sequence, Tuple

import numpy
import srsly
from spacy.attrs import LOWER, ORTH
from spacy.language import Language
from spacy.strings import hash_string
from spacy.tokens import Doc, Token

from ..schema import QUOTE_FACTORIES

MODEL_FILE = "morphmodel_ger.pgz"
CUE_WORDS_FILE = "cue_words.json"
QUOTE_CHARS = frozenset('„“”»«"‚‘’›‹')  # until the finder's patterns say which marks pair (add_syntax)
SENTENCE_ENDS = frozenset(".!?")
STAND_IN_NOUN = "Haus"  # tagged in place of an unknown compound noun, without the slow analysis
STAND_IN_NAME = "Scharping"  # tagged in place of any other unknown capitalised word: a name, most often
GENITIVE_ENDINGS = ("es", "s")  # an unknown word that is a known noun with one of these is that noun
COMPOUND_TAIL = 5  # the shortest known noun that makes an unknown word a compound ("Finanz|affäre")
MEMO_SIZE = 200_000  # analyses kept across documents (a bounded cache keeps memory flat on an archive)
# STTS -> Universal POS, as the UD German treebanks map them
STTS_TO_UPOS = {
    "ADJA": "ADJ",
    "ADJD": "ADJ",
    "ADV": "ADV",
    "APPR": "ADP",
    "APPRART": "ADP",
    "APPO": "ADP",
    "APZR": "ADP",
    "ART": "DET",
    "CARD": "NUM",
    "FM": "X",
    "ITJ": "INTJ",
    "KOUI": "SCONJ",
    "KOUS": "SCONJ",
    "KON": "CCONJ",
    "KOKOM": "CCONJ",
    "NN": "NOUN",
    "NE": "PROPN",
    "PDS": "PRON",
    "PDAT": "DET",
    "PIS": "PRON",
    "PIAT": "DET",
    "PIDAT": "DET",
    "PPER": "PRON",
    "PPOSS": "PRON",
    "PPOSAT": "DET",
    "PRELS": "PRON",
    "PRELAT": "DET",
    "PRF": "PRON",
    "PWS": "PRON",
    "PWAT": "DET",
    "PWAV": "ADV",
    "PROAV": "ADV",
    "PAV": "ADV",
    "PTKZU": "PART",
    "PTKNEG": "PART",
    "PTKVZ": "ADP",
    "PTKANT": "PART",
    "PTKA": "PART",
    "TRUNC": "X",
    "VVFIN": "VERB",
    "VVIMP": "VERB",
    "VVINF": "VERB",
    "VVIZU": "VERB",
    "VVPP": "VERB",
    "VAFIN": "AUX",
    "VAIMP": "AUX",
    "VAINF": "AUX",
    "VAPP": "AUX",
    "VMFIN": "VERB",
    "VMINF": "VERB",
    "VMPP": "VERB",
    "XY": "X",
    "$,": "PUNCT",
    "$.": "PUNCT",
    "$(": "PUNCT",
}
# HanTa's lemma analysis is the tagger's costliest step, so only the lemmas something uses are made: verbs (the
# speech verb is a feature of the model) and nouns that may be plurals (the rules compare them with their lemma
# to tell a plural subject: "Vorwürfe", "Forderungen"); any other word keeps itself as its lemma
LEMMA_TAG_PREFIXES = ("VV", "VA", "VM")
PLURAL_ENDINGS = ("e", "en", "n", "er")


def _ends_sentence(text: str) -> bool:
    """End punctuation, or a run of white space with a line break in it."""
    return text in SENTENCE_ENDS or "\n" in text and not text.strip()


def _wants_lemma(word: str, tag: str) -> bool:
    """Whether the word's lemma is worth HanTa's analysis (see ``LEMMA_TAG_PREFIXES``)."""
    return tag.startswith(LEMMA_TAG_PREFIXES) or tag == "NN" and word.endswith(PLURAL_ENDINGS)


def stts(tag: str) -> str:
    """HanTa's tag in plain STTS: ``VV(FIN)`` -> ``VVFIN``."""
    return tag.replace("(", "").replace(")", "") if tag[:1] != "$" else tag


class QuoteTagger:
    """Tags the sentences where quotes are attributed with HanTa's STTS tags and lemmas."""

    def __init__(self, nlp: Language, name: str = "quote_tagger_de", scope: str = "quotes") -> None:
        if scope not in ("quotes", "all"):
            raise ValueError(f"scope must be 'quotes' or 'all', got {scope!r}")
        self.name = name
        self.scope = scope
        self.lang = nlp.lang
        self._hanta: Any = None
        self.cue_words: FrozenSet[str] = frozenset()
        self._cue_hashes = numpy.zeros((0,), dtype="uint64")
        self.quote_marks: FrozenSet[str] = QUOTE_CHARS
        self._lemma = functools.lru_cache(maxsize=MEMO_SIZE)(self._analyse_lemma)

    @property
    def hanta(self) -> Any:
        """HanTa's German tagger, loaded on first use, its word analyses memoised."""
        if self._hanta is None:
            try:
                from HanTa import HanoverTagger
            except ImportError as err:  # a dependency of the package; reported clearly all the same
                raise ImportError("The German tagger needs HanTa: pip install HanTa") from err
            tagger = HanoverTagger.HanoverTagger(MODEL_FILE)
            tagger.analyze_forward = functools.lru_cache(maxsize=MEMO_SIZE)(tagger.analyze_forward)
            self._hanta = tagger
        return self._hanta

    def set_cue_words(self, words: Iterable[str]) -> None:
        """Tag only sentences holding one of these (lower-case) words near a quotation mark."""
        self.cue_words = frozenset(w.lower() for w in words)
        self._cue_hashes = numpy.asarray([hash_string(w) for w in self.cue_words], dtype="uint64")

    def set_quote_marks(self, marks: Iterable[str]) -> None:
        """The quotation marks of the finder's patterns (a user's pairs included), next to which sentences are tagged."""
        self.quote_marks = frozenset(marks) or QUOTE_CHARS

    def _has_quote_mark(self, text: str) -> bool:
        return text[:1] in self.quote_marks or text[-1:] in self.quote_marks

    def __call__(self, doc: Doc) -> Doc:
        """Set ``tag_``, ``pos_`` and ``lemma_`` on the tokens of the chosen sentences."""
        for sentence in self._chosen(doc):
            self._tag(sentence)
        return doc

    def pipe(self, stream: Iterable[Doc], batch_size: int = 128) -> Iterable[Doc]:
        for doc in stream:
            yield self(doc)

    @staticmethod
    def _sentences(doc: Doc, orth: numpy.ndarray) -> List[Tuple[int, int]]:
        """Sentences as token ranges, split after end punctuation and at line breaks; worked out on arrays of
        the tokens' strings (``orth``), as a Python loop over every token of an archive costs more than tagging."""
        strings = doc.vocab.strings
        ends = [h for h in numpy.unique(orth) if _ends_sentence(strings[h])]
        bounds = numpy.flatnonzero(numpy.isin(orth, ends)) + 1
        edges = [0, *bounds.tolist()]
        if edges[-1] != len(doc):
            edges.append(len(doc))
        return [(a, b) for a, b in zip(edges, edges[1:]) if b > a]

    def _chosen(self, doc: Doc) -> List[List[Token]]:
        """The non-space tokens of each sentence to tag."""
        arr = doc.to_array([ORTH, LOWER])
        sentences = self._sentences(doc, arr[:, 0])
        if self.scope != "all" and sentences:
            strings = doc.vocab.strings
            marks = [h for h in numpy.unique(arr[:, 0]) if self._has_quote_mark(strings[h])]
            quote_at = numpy.isin(arr[:, 0], marks)
            cue_at = numpy.isin(arr[:, 1], self._cue_hashes) if self.cue_words else numpy.ones(len(doc), dtype=bool)
            quoted = [bool(quote_at[a:b].any()) for a, b in sentences]
            cued = [bool(cue_at[a:b].any()) for a, b in sentences]
            sentences = [
                r
                for i, r in enumerate(sentences)
                if cued[i] and (quoted[i] or i > 0 and quoted[i - 1] or i + 1 < len(quoted) and quoted[i + 1])
            ]
        return [[t for t in doc[a:b] if not t.is_space] for a, b in sentences]

    def _words(self, sentence: Sequence[Token]) -> List[str]:
        """What HanTa reads: quote marks as ``"``, unknown capitalised words past the first as a known noun."""
        words = []
        cache = self.hanta.cache
        for i, token in enumerate(sentence):
            word = token.text
            if word[:1] in self.quote_marks:
                word = '"'
            elif i > 0 and word[:1].isupper() and len(word) > 3 and not word.isupper() and word.lower() not in cache:
                word = STAND_IN_NOUN if self._compound(word.lower()) else STAND_IN_NAME
            words.append(word)
        return words

    def _compound(self, word: str) -> bool:
        """Whether an unknown lower-cased word ends in a noun HanTa knows: the last part after a hyphen, or
        a tail of at least ``COMPOUND_TAIL`` letters after a head of three ("bundes|zuschüsse")."""
        cache, noun = self.hanta.cache, self.hanta.tag2int["NN"]
        tails = [word.rsplit("-", 1)[1]] if "-" in word else [word[k:] for k in range(3, len(word) - COMPOUND_TAIL + 1)]
        tails += [word[: -len(ending)] for ending in GENITIVE_ENDINGS if word.endswith(ending)]  # "Jubiläums"
        return any(cache.get(tail, ((None,),))[0][0] == noun for tail in tails if tail)

    def _tag(self, sentence: Sequence[Token]) -> None:
        words = self._words(sentence)
        tags = self.hanta.tag_sent(words, taglevel=0)
        for token, word, tag in zip(sentence, words, tags):
            tag = stts(tag)
            token.tag_ = tag
            token.pos_ = STTS_TO_UPOS.get(tag, "X")
            stood_in = word != token.text and word in (STAND_IN_NOUN, STAND_IN_NAME)
            token.lemma_ = (
                self._lemma(token.text, tag) if not stood_in and _wants_lemma(token.text, tag) else token.text
            )

    def _analyse_lemma(self, word: str, tag: str) -> str:
        """HanTa's lemma of ``word`` read as ``tag`` (memoised per tagger in ``self._lemma``)."""
        lemma = self.hanta.analyze(word, taglevel=1, pos=_hanta_tag(tag))
        return lemma[0] if isinstance(lemma, tuple) and lemma and isinstance(lemma[0], str) else word

    # the cue words and quote marks travel with a saved pipeline (HanTa's model is in its own package)
    def _profile(self) -> Dict[str, List[str]]:
        return {"cue_words": sorted(self.cue_words), "quote_marks": sorted(self.quote_marks)}

    def _set_profile(self, profile: Any) -> None:
        if isinstance(profile, list):  # saved before the marks were kept: cue words only
            profile = {"cue_words": profile}
        self.set_cue_words(profile.get("cue_words", []))
        self.set_quote_marks(profile.get("quote_marks", []))

    def to_bytes(self, *, exclude: Iterable[str] = tuple()) -> bytes:
        return srsly.msgpack_dumps(self._profile())

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = tuple()) -> "QuoteTagger":
        self._set_profile(srsly.msgpack_loads(data))
        return self

    def to_disk(self, path: Any, *, exclude: Iterable[str] = tuple()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        srsly.write_json(path / CUE_WORDS_FILE, self._profile())

    def from_disk(self, path: Any, *, exclude: Iterable[str] = tuple()) -> "QuoteTagger":
        file = Path(path) / CUE_WORDS_FILE
        if file.exists():
            self._set_profile(srsly.read_json(file))
        return self


def _hanta_tag(tag: str) -> str:
    """STTS back to HanTa's spelling: ``VVFIN`` -> ``VV(FIN)``."""
    for head in ("VV", "VA", "VM", "ADJ"):
        if tag.startswith(head) and len(tag) > len(head):
            return f"{head}({tag[len(head) :]})"
    return tag


def has_tagger(nlp: Language) -> bool:
    """Whether a component of the pipeline already sets part-of-speech tags (a user's tagger or morphologizer,
    or ours), as its factory declares."""
    return any({"token.tag", "token.pos"} & set(nlp.get_pipe_meta(name).assigns) for name in nlp.pipe_names)


def add_syntax(nlp: Language, cue_words: Iterable[str] = (), quote_marks: Iterable[str] = ()) -> Language:
    """Add the German tagger before the quote components of a German pipeline that has no tagger of its own;
    ``cue_words``: the words whose sentences it tags (the finder's cue and source words), ``quote_marks``: the
    marks they must lie next to (the finder's pairs)."""
    if nlp.lang != "de" or has_tagger(nlp):
        return nlp
    quote_parts = [name for name in nlp.pipe_names if nlp.get_pipe_meta(name).factory in QUOTE_FACTORIES]
    if quote_parts:
        tagger = nlp.add_pipe("quote_tagger_de", before=quote_parts[0])
    else:
        tagger = nlp.add_pipe("quote_tagger_de", last=True)
    tagger.set_cue_words(cue_words)
    tagger.set_quote_marks(quote_marks)
    return nlp


@Language.factory(
    "quote_tagger_de", assigns=["token.tag", "token.pos", "token.lemma"], default_config={"scope": "quotes"}
)
def make_quote_tagger(nlp: Language, name: str, scope: str) -> QuoteTagger:
    """German STTS tags, UPOS and lemmas from HanTa, on the sentences where quotes are attributed (``scope``:
    ``"quotes"``) or everywhere (``"all"``)."""
    return QuoteTagger(nlp, name, scope)
