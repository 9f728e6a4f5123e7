"""Hashed string features of quote candidates and of speaker/cue candidates, for the trainable components."""

from typing import AbstractSet, Dict, List, Optional, Sequence, Set, Tuple

import numpy
from spacy.strings import hash_string
from spacy.tokens import Doc, Span

from .lexicon import Lexicon, cluster_features, noun_reading

SENT_END = {".", "!", "?"}
VERB_WINDOW = 6  # how far from a candidate the finite verb it belongs to is looked for


def hashed(feats: Sequence[str]) -> numpy.ndarray:
    """Deterministic 64-bit hashes of feature strings (the same in every process)."""
    return numpy.asarray([hash_string(f) for f in feats], dtype="uint64")


def sentence_ends(doc: Doc) -> numpy.ndarray:
    """How many sentence-final marks (``SENT_END``) stand before each token index (``len(doc) + 1`` counts), so the
    marks between two tokens are one subtraction."""
    marks = numpy.fromiter((t.text in SENT_END for t in doc), dtype="int32", count=len(doc))
    return numpy.concatenate([numpy.zeros(1, dtype="int32"), numpy.cumsum(marks, dtype="int32")])


def _norm(doc: Doc, i: int) -> str:
    return doc[i].norm_ if 0 <= i < len(doc) else ("<s>" if i < 0 else "</s>")


def _tag(doc: Doc, i: int) -> str:
    return doc[i].tag_ if 0 <= i < len(doc) else ("<s>" if i < 0 else "</s>")


def _bucket(n: int) -> str:
    for b in (0, 1, 2, 3, 5, 8, 12, 20, 35, 60):
        if n <= b:
            return str(b)
    return "many"


def quote_features(
    doc: Doc,
    span: Span,
    rule_quotes: Set[Tuple[int, int]],
    rule_overlap: Set[int],
    text_counts: Dict[str, int],
    reading: Tuple[str, str, str] = ("none", "none", "none"),
) -> List[str]:
    """Features deciding whether a quoted stretch is a direct quote (vs title, name, scare quote); ``reading``: how
    the rules read it (shape, speech check, how they took its speaker; see ``finder.context``)."""
    s, e = span.start, span.end
    inner = [t for t in span if not t.is_punct]
    shape, check, how = reading
    f = ["bias", f"len={_bucket(len(inner))}", f"open={span.text[:1]}", f"close={span.text[-1:]}"]
    f += [f"check={check}", f"check={check}|{_bucket(len(inner))}", f"shape={shape}|{check}", f"how={how}"]
    f.append(f"rule={(s, e) in rule_quotes}")
    f.append(f"rule_overlap={any(i in rule_overlap for i in range(s, e))}")
    f.append(f"rule&len={(s, e) in rule_quotes}|{_bucket(len(inner))}")
    for k in (1, 2, 3):
        f.append(f"prev{k}={_norm(doc, s - k)}")
        f.append(f"next{k}={_norm(doc, e + k - 1)}")
    f.append(f"prev12={_norm(doc, s - 2)}|{_norm(doc, s - 1)}")
    f.append(f"next12={_norm(doc, e)}|{_norm(doc, e + 1)}")
    if len(span) > 1:
        f.append(f"first={doc[s + 1].norm_}")
        f.append(f"first_shape={doc[s + 1].shape_[:4]}")
        f.append(f"last_in={doc[e - 2].norm_}")
        f.append(f"last2={doc[e - 2].text[-1:]}")
    para = s == 0 or "\n" in doc[s - 1].whitespace_ or "\n" in doc[s - 1].text
    f.append(f"para_start={para}")
    f.append(f"repeated={text_counts.get(span.text, 0) > 1}")
    f.append(f"has_verbish={any(t.text.endswith(('t', 'en')) and t.is_lower for t in inner)}")
    f.append(f"ends_punct={any(t.text in SENT_END | {','} for t in span[-3:])}")
    f.append(f"caps_ratio={_bucket(sum(1 for t in inner if t.is_title))}|{_bucket(len(inner))}")
    if any(t.tag_ for t in doc[max(0, s - 2) : min(len(doc), e + 2)]):  # tagged: what frames the quote
        f += [
            f"ptags={_tag(doc, s - 2)}|{_tag(doc, s - 1)}",
            f"ntags={_tag(doc, e)}|{_tag(doc, e + 1)}",
            f"verbs_in={_bucket(sum(1 for t in inner if t.tag_.startswith('V')))}|{_bucket(len(inner))}",
        ]
    return f


def candidate_features(
    doc: Doc,
    quote: Span,
    i: int,
    marks: Dict[str, bool],
    quoted: numpy.ndarray,
    pronouns: AbstractSet[str] = frozenset(),
    parsed: bool = False,
    lexicons: Optional[Tuple[Lexicon, Lexicon]] = None,
    sent_ends: Optional[numpy.ndarray] = None,
) -> List[str]:
    """Features of token ``i`` as the speaker or cue of ``quote``; ``pronouns``: the language's (from its patterns);
    ``parsed``: add the pipeline's tags and parse; ``lexicons``: Brown clusters and noun forms, when trained with them;
    ``sent_ends``: :func:`sentence_ends` of the doc, when the caller has it (one count a doc, not one a candidate)."""
    tok = doc[i]
    side = "L" if i < quote.start else "R"
    dist = quote.start - i if side == "L" else i - quote.end + 1
    lo, hi = (i + 1, quote.start) if side == "L" else (quote.end, i)
    ends = sentence_ends(doc) if sent_ends is None else sent_ends
    n_sent = int(ends[hi] - ends[lo]) if hi > lo else 0
    n_quote = int(quoted[lo:hi].sum()) if hi > lo else 0
    d = f"{side}{_bucket(dist)}"
    f = [
        "bias",
        f"d={d}",
        f"sents={side}{min(n_sent, 3)}",
        f"qbetween={min(n_quote, 3)}",
        f"norm={tok.norm_}",
        f"suf={tok.suffix_}",
        f"pre={tok.prefix_}",
        f"shape={tok.shape_[:4]}",
        f"pron={tok.lower_ in pronouns}|{d}",
        f"title={tok.is_title}|{side}{min(n_sent, 2)}",
        f"p1={_norm(doc, i - 1)}",
        f"n1={_norm(doc, i + 1)}",
        f"p2={_norm(doc, i - 2)}",
        f"n2={_norm(doc, i + 2)}",
        f"p1n1={_norm(doc, i - 1)}|{_norm(doc, i + 1)}",
        f"norm_d={tok.norm_}|{d}",
        f"qlast={_norm(doc, quote.end - 2)}|{side}",
    ]
    for key, value in marks.items():
        f.append(f"{key}={value}")
        f.append(f"{key}|{d}={value}")
    if tok.tag_:  # the pipeline's (or our German) tagger: what the word is, and what frames it
        f += syntax_features(doc, i, d, lexicons[0] if lexicons else None)
    if lexicons:
        f += lexical_features(doc, i, d, *lexicons)
    if parsed:  # a user's pipeline: the subject of a speech verb is what the rules guess at without it
        f += [
            f"pos={tok.pos_}",
            f"dep={tok.dep_}",
            f"dep|{d}={tok.dep_}",
            f"head={tok.head.norm_}",
            f"dep_head={tok.dep_}|{tok.head.norm_}",
            f"ent={tok.ent_type_}",
        ]
    return f


def syntax_features(doc: Doc, i: int, d: str, clusters: Optional[Lexicon] = None) -> List[str]:
    """Features of a tagged token ``i`` as a speaker or cue: its tag, lemma and case, its neighbours' tags, and
    the nearest finite verb's lemma (and Brown cluster) on either side (the cue verb it may be the subject or
    object of)."""
    tok = doc[i]
    f = [
        f"tag={tok.tag_}",
        f"tag|{d}={tok.tag_}",
        f"lemma={tok.lemma_.lower()}",
        f"ptag={_tag(doc, i - 1)}",
        f"ntag={_tag(doc, i + 1)}",
        f"ptag_tag={_tag(doc, i - 1)}|{tok.tag_}",
        f"tag_ntag={tok.tag_}|{_tag(doc, i + 1)}",
        f"p2tag={_tag(doc, i - 2)}|{_tag(doc, i - 1)}",
    ]
    case = tok.morph.get("Case")
    if case:
        f.append(f"case={case[0]}|{tok.tag_}")
    for side, step in (("L", -1), ("R", 1)):
        k = i + step
        while 0 <= k < len(doc) and abs(k - i) <= VERB_WINDOW and not doc[k].is_sent_start:
            if (
                doc[k].tag_.endswith("FIN")
                or doc[k].pos_ in ("VERB", "AUX")
                and doc[k].morph.get("VerbForm") == ["Fin"]
            ):
                f.append(f"verb{side}={doc[k].lemma_.lower()}")
                f.append(f"verb{side}_tag={doc[k].lemma_.lower()}|{tok.tag_}")
                if clusters is not None:
                    f += verb_cluster_features(doc, k, side, clusters)
                break
            if doc[k].is_punct and doc[k].text in SENT_END | {":", ";"}:
                break
            k += step
    return f


def context_features(
    reading: Tuple[str, str, str], roles: Sequence[str], left: bool, rules_linked: bool, rules_chose: bool
) -> List[str]:
    """Features of a candidate from how the rules read its quote (``reading``: shape, speech check, how they took
    the speaker; see ``finder.context``) and the places it stands in (``roles``): "the subject of the sentence
    holding an embedded quote" speaks more often than what the rules carried over two sentences."""
    shape, check, how = reading
    joined = "+".join(sorted(roles))
    f = [
        f"shape={shape}|{left}",
        f"roles={joined}|{shape}",
        f"how={how}|{rules_chose}",
        f"how={how}|{rules_chose}|{joined}",
        f"check={check}|{rules_chose}",
    ]
    for role in roles:
        f += [f"role={role}", f"role={role}|{shape}", f"role={role}|{shape}|{rules_linked}|{rules_chose}"]
    return f


def null_context_features(reading: Tuple[str, str, str], rules_linked: bool) -> List[str]:
    """Features of the 'no speaker' choice from how the rules read the quote (see :func:`context_features`)."""
    shape, check, how = reading
    return [
        f"null|shape={shape}|{rules_linked}",
        f"null|how={how}",
        f"null|how={how}|{shape}",
        f"null|check={check}",
        f"null|check={check}|{how}",
    ]


def null_features(doc: Doc, quote: Span, rule_speaker: bool, rule_cue: bool, rule_quote: bool) -> List[str]:
    """Features of the 'no speaker' choice for ``quote``: when the rules found none, or the quote looks like no speech."""
    s, e = quote.start, quote.end
    n = _bucket(sum(1 for t in quote if not t.is_punct))
    para = s == 0 or "\n" in doc[s - 1].whitespace_ or "\n" in doc[s - 1].text
    f = [
        "null",
        f"null|spk={rule_speaker}",
        f"null|cue={rule_cue}",
        f"null|rq={rule_quote}",
        f"null|spk_cue_rq={rule_speaker}|{rule_cue}|{rule_quote}",
        f"null|len={n}",
        f"null|len_spk={n}|{rule_speaker}",
        f"null|para={para}",
        f"null|p1={_norm(doc, s - 1)}",
        f"null|n1={_norm(doc, e)}",
        f"null|p2={_norm(doc, s - 2)}|{_norm(doc, s - 1)}",
        f"null|n2={_norm(doc, e)}|{_norm(doc, e + 1)}",
    ]
    return f


def lexical_features(doc: Doc, i: int, d: str, clusters: Lexicon, nouns: Lexicon) -> List[str]:
    """What word knowledge says of token ``i`` as a candidate: the Brown clusters of it and its neighbours (so a
    word never seen in training is read like its cluster-mates), and, for a noun form, the cases, number and gender
    it may have, alone and with the word before it (an article's agreement tells a subject from an object)."""
    tok = doc[i]
    f = cluster_features(_cluster(clusters, tok.text), "c")
    if f:  # the 6-bit prefix with the distance: which kinds of word speak from how far
        f.append(f"{f[1]}|{d}")
    for k, name in ((-1, "pc"), (1, "nc")):
        if 0 <= i + k < len(doc):
            f += cluster_features(_cluster(clusters, doc[i + k].text), name)[:2]
    value = nouns.get(tok.text) if tok.text[:1].isupper() else 0
    reading = noun_reading(value)
    if reading is not None:
        cases, numbers, genders = reading
        prev = _norm(doc, i - 1)
        f += [
            f"ncase={cases}",
            f"nnum={numbers}",
            f"ngen={genders}",
            f"nread={value & 0xFF}|{prev}",
            f"ncase_p1={cases}{numbers}|{prev}",
            f"ncase|{d}={cases}",
        ]
    return f


def _cluster(clusters: Lexicon, word: str) -> int:
    """A word's Brown cluster, by its own spelling or else in lower case."""
    return clusters.get(word) or clusters.get(word.lower())


def verb_cluster_features(doc: Doc, k: int, side: str, clusters: Lexicon) -> List[str]:
    """Brown cluster prefixes of the finite verb at ``k`` (the cue a candidate may be the subject of)."""
    return cluster_features(_cluster(clusters, doc[k].text), f"verb{side}_c")[:3]
