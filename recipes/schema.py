"""The annotation scheme shared by every part of prodigy-quotes.

Spans live in ``doc.spans[SPANS_KEY]`` with the labels below. Links from a quote to its
speaker or cue (and COREF links from a speaker mention to its antecedent) live in ``doc._.quote_links``: a list of :class:`Link` tuples of token
offsets (end exclusive, as in spaCy), so they survive ``DocBin`` round trips.
"""

from typing import List, NamedTuple

from spacy.language import Language
from spacy.tokens import Doc, Span

QUOTE = "QUOTE"
SPEAKER = "SPEAKER"
CUE = "CUE"
SPAN_LABELS = (QUOTE, SPEAKER, CUE)
# Quote types other datasets carry (e.g. the German WikiNews gold); kept on import/export.
EXTRA_QUOTE_LABELS = ("INDIRECT", "REPORTED")
RELATION_LABELS = (SPEAKER, CUE)
# A pronoun or short form linked to the mention it stands for (as Prodigy's coref.manual draws it): from the
# mention (head) to its antecedent (child). Kept through import, review, export and training (not learnt yet).
COREF = "COREF"
LINK_LABELS = RELATION_LABELS + (COREF,)
# Colours of the labels, for every page that shows them (Prodigy's custom_theme and the bundled page): spans in a
# light tone, links (arrows) in a darker tone of their label's, so which link is which reads at a glance.
SPAN_COLOURS = {QUOTE: "#ffe184", SPEAKER: "#c5bdf4", CUE: "#a6e22d", "INDIRECT": "#f1c8ff", "REPORTED": "#ffd2bf"}
LINK_COLOURS = {SPEAKER: "#4a3ab0", CUE: "#2e7d32", COREF: "#8e24aa"}
SPANS_KEY = "quotes"  # the default of the quote components' ``spans_key`` setting
# The factories that write QUOTE spans and links to doc.spans[spans_key] (rules or a trained model).
QUOTE_FACTORIES = frozenset({"quote_finder", "quote_detector", "quote_speaker_linker", "quote_cue_linker"})
LINKS_ATTR = "quote_links"
# How the rules read each quoted stretch (doc.user_data; token offsets), for the speaker linker whatever the rules
# chose: CONTEXT_ATTR a list of (quote start, quote end, shape, speech check, how the speaker was taken),
# PLACES_ATTR a list of (quote start, quote end, role, phrase start, phrase end); see finder.context.
CONTEXT_ATTR = "quote_context"
PLACES_ATTR = "quote_speaker_places"


class Link(NamedTuple):
    """A relation from a quote span (head) to a speaker or cue span (child)."""

    head_start: int
    head_end: int
    child_start: int
    child_end: int
    label: str


def get_links(doc: Doc) -> List[Link]:
    """The doc's links (``doc._.quote_links``)."""
    return [Link(*link) for link in doc.user_data.get(LINKS_ATTR, [])]


def set_links(doc: Doc, links: List[Link]) -> None:
    """Replace the doc's links."""
    doc.user_data[LINKS_ATTR] = [tuple(link) for link in links]


if not Doc.has_extension(LINKS_ATTR):
    Doc.set_extension(LINKS_ATTR, getter=get_links, setter=set_links)


def add_link(doc: Doc, head: Span, child: Span, label: str) -> None:
    """Link ``head`` (a quote) to ``child`` (its speaker or cue), once."""
    link = Link(head.start, head.end, child.start, child.end, label)
    links = get_links(doc)
    if link not in links:
        set_links(doc, links + [link])


def linked(doc: Doc, quote: Span, label: str) -> List[Span]:
    """The spans that ``quote`` is linked to with ``label``."""
    return [
        doc[link.child_start : link.child_end]
        for link in get_links(doc)
        if link.label == label and (link.head_start, link.head_end) == (quote.start, quote.end)
    ]


def quote_spans_key(nlp: Language) -> str:
    """Where the pipeline's quote components keep their spans: the ``spans_key`` of the last of them (each
    reads the one before it from there), or :data:`SPANS_KEY` in a pipeline without them."""
    key = SPANS_KEY
    for name in nlp.pipe_names:
        if nlp.get_pipe_meta(name).factory in QUOTE_FACTORIES:
            key = getattr(nlp.get_pipe(name), "spans_key", key)
    return key
