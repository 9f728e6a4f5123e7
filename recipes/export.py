"""``quotes.export``: a dataset as one record per quote, as raw tasks, or as a spaCy DocBin.

``--format quotes`` writes, for every quote-type span (QUOTE, and INDIRECT/REPORTED where a
dataset has them) of every accepted answer, its text and offsets, its linked speaker(s) and
cue(s), who the speaker is (``speaker_name``: the fullest mention of that speaker in the article,
``speaker_resolved``: whether a pronoun or short form was resolved or the mention is a name or
phrase of its own, ``speaker_id``: the same number for every quote of one speaker in an article;
see :mod:`.resolve`), the speaker's record (``speaker_role``, ``speaker_organisation``, ``speaker_kind``,
``speaker_gender``, ``speaker_gender_from`` and ``person_id``, one number per person across the export; see
:mod:`.people`), the document's id and meta and the answer's session. ``csv`` writes the same
records as a spreadsheet (one row per quote, the main columns). ``tasks`` is ``db-out``.
``spacy`` writes the accepted answers as docs with ``doc.spans["quotes"]`` and
``doc._.quote_links`` (user data kept), ready for training.
"""

import csv
import json
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Optional, Tuple

import spacy
import typer
from spacy.tokens import DocBin

from .compat import Arg, connect, recipe
from .dbcommands import db_out, require_dataset
from .errors import QuotesError
from .people import Describing, PersonIndex, SpeakerRecord
from .resolve import people_words
from .schema import CUE, SPEAKER
from .tasks import task_to_doc

FORMATS = ("quotes", "csv", "tasks", "spacy")
CSV_COLUMNS = (
    "id",
    "type",
    "text",
    "start",
    "end",
    "speaker",
    "speaker_name",
    "speaker_resolved",
    "speaker_id",
    "speaker_role",
    "speaker_organisation",
    "speaker_kind",
    "speaker_gender",
    "speaker_gender_from",
    "person_id",
    "cue",
    "session",
)
NON_QUOTE_LABELS = (SPEAKER, CUE)


def _key(span: Dict[str, Any]) -> Tuple[Any, Any]:
    return (span.get("start"), span.get("end"))


def _ref(span: Dict[str, Any], text: str) -> Dict[str, Any]:
    start, end = span["start"], span["end"]
    return {"text": span.get("text", text[start:end]), "start": start, "end": end}


def _linked(task: Dict[str, Any], quote: Dict[str, Any], label: str) -> List[Dict[str, Any]]:
    """The spans a quote is related to with ``label``, in text order, each once."""
    found: Dict[Tuple[Any, Any], Dict[str, Any]] = {}
    for rel in task.get("relations") or []:
        head, child = rel.get("head_span") or {}, rel.get("child_span") or {}
        same_head = _key(head) == _key(quote) and head.get("label", quote["label"]) == quote["label"]
        if same_head and rel.get("label") == label:
            found.setdefault(_key(child), _ref(child, task["text"]))
    return sorted(found.values(), key=lambda s: (s["start"], s["end"]))


def quote_records(
    task: Dict[str, Any], lang: str = "de", describing: Optional[Describing] = None
) -> Iterator[Dict[str, Any]]:
    """One export record per quote-type span of an annotated task, with its speaker resolved and described
    (:mod:`.people`) as ``describing`` says (default: the built-in words of ``lang``, a person index of its own)."""
    meta = task.get("meta") or {}
    describing = describing or Describing(people_words(lang))
    found, described = describing.describe(task, lang)
    who = {r.quote: r for r in found}
    spans = sorted(task.get("spans") or [], key=lambda s: (s["start"], -s["end"]))
    for span in spans:
        if span.get("label") in NON_QUOTE_LABELS:
            continue
        speakers, cues = _linked(task, span, SPEAKER), _linked(task, span, CUE)
        resolution = who.get((span["start"], span["end"]))
        record = described.get((span["start"], span["end"]))
        yield {
            "id": meta.get("id", task.get("id", task.get("_input_hash"))),
            "meta": meta,
            "offset": meta.get("offset", 0),
            "type": span["label"],
            **_ref(span, task["text"]),
            "speaker": speakers[0] if speakers else None,
            "cue": cues[0] if cues else None,
            "speakers": speakers,
            "cues": cues,
            "speaker_name": resolution.name if resolution else None,
            "speaker_resolved": bool(resolution and resolution.resolved),
            "speaker_id": resolution.speaker_id if resolution else None,
            **_record_fields(record, describing.persons),
            "session": task.get("_session_id") or task.get("_annotator_id"),
            "_input_hash": task.get("_input_hash"),
            "_task_hash": task.get("_task_hash"),
        }


def _record_fields(record: Optional[SpeakerRecord], persons: PersonIndex) -> Dict[str, Any]:
    """The speaker record's fields of an export record (all None for a quote without a speaker)."""
    if record is None:
        return {f"speaker_{name}": None for name in RECORD_FIELDS} | {"person_id": None}
    return {
        "speaker_role": record.role,
        "speaker_organisation": record.organisation,
        "speaker_kind": record.kind,
        "speaker_gender": record.gender,
        "speaker_gender_from": record.gender_from,
        "person_id": persons.person_id(record),
    }


RECORD_FIELDS = ("role", "organisation", "kind", "gender", "gender_from")


def _accepted(db: Any, dataset: str) -> Iterable[Dict[str, Any]]:
    examples = db.iter_dataset_examples(dataset) if hasattr(db, "iter_dataset_examples") else db.get_dataset(dataset)
    return (eg for eg in examples if eg.get("answer") == "accept")


def export_quotes(
    examples: Iterable[Dict[str, Any]], output: Path, lang: str = "de", describing: Optional[Describing] = None
) -> Tuple[int, int]:
    """Write quote records as JSONL; (answers read, quotes written)."""
    answers = quotes = 0
    describing = describing or Describing(people_words(lang))
    with output.open("w", encoding="utf8") as f:
        for eg in examples:
            answers += 1
            for record in quote_records(eg, lang, describing):
                f.write(json.dumps(record, ensure_ascii=False) + "\n")
                quotes += 1
    return answers, quotes


def export_csv(
    examples: Iterable[Dict[str, Any]], output: Path, lang: str = "de", describing: Optional[Describing] = None
) -> Tuple[int, int]:
    """Write quote records as CSV (UTF-8 with a BOM, so spreadsheets read the umlauts); (answers, quotes)."""
    answers = quotes = 0
    describing = describing or Describing(people_words(lang))
    with output.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(CSV_COLUMNS)
        for eg in examples:
            answers += 1
            for record in quote_records(eg, lang, describing):
                flat = dict(
                    record, speaker=(record["speaker"] or {}).get("text"), cue=(record["cue"] or {}).get("text")
                )
                writer.writerow(["" if flat.get(c) is None else flat.get(c) for c in CSV_COLUMNS])
                quotes += 1
    return answers, quotes


def export_docbin(examples: Iterable[Dict[str, Any]], output: Path, lang: str) -> Tuple[int, int]:
    """Write accepted answers as a DocBin with spans, links and meta; (docs, spans)."""
    nlp = spacy.blank(lang)
    docbin = DocBin(store_user_data=True)
    docs = spans = 0
    for eg in examples:
        doc = task_to_doc(nlp, eg)
        doc.user_data["meta"] = eg.get("meta") or {}
        doc.user_data["_input_hash"] = eg.get("_input_hash")
        docbin.add(doc)
        docs += 1
        spans += len(doc.spans.get("quotes", []))
    docbin.to_disk(output)
    return docs, spans


def export_dataset(
    dataset: str,
    output: str,
    format: str = "quotes",
    lang: str = "de",
    patterns: Optional[str] = None,
    aliases: Optional[str] = None,
    ner: Optional[str] = None,
) -> Dict[str, Any]:
    """Export a dataset in one of :data:`FORMATS` and return what was written (counts, path); ``patterns``: a
    folder whose people words resolve the speakers (default: the built-in ones of ``lang``)."""
    if format not in FORMATS:
        raise QuotesError(f"Unknown --format '{format}'", f"Use one of {', '.join(FORMATS)}.")
    db = connect()
    require_dataset(db, dataset)
    path = Path(output)
    if format == "tasks":
        count = db_out(dataset, str(path))
        return {"format": format, "output": str(path), "answers": count}
    path.parent.mkdir(parents=True, exist_ok=True)
    if format in ("quotes", "csv"):
        write = export_quotes if format == "quotes" else export_csv
        describing = Describing.from_options(lang, patterns, aliases, ner)
        answers, quotes = write(_accepted(db, dataset), path, lang, describing)
        typer.echo(f"✔ Exported {quotes} quote(s) from {answers} accepted answer(s) in '{dataset}' to {path}")
        return {"format": format, "output": str(path), "answers": answers, "quotes": quotes}
    try:
        spacy.util.get_lang_class(lang)
    except ImportError as err:
        raise QuotesError(
            f"Unknown language '{lang}'", "Give a spaCy language code with --lang, e.g. de or en."
        ) from err
    docs, spans = export_docbin(_accepted(db, dataset), path, lang)
    typer.echo(f"✔ Exported {docs} doc(s) with {spans} span(s) from '{dataset}' to {path}")
    return {"format": format, "output": str(path), "docs": docs, "spans": spans}


@recipe(
    "quotes.export",
    dataset=Arg(help="Dataset to export"),
    output=Arg(help="Output file: .jsonl for quotes/tasks, .spacy for spacy"),
    format=Arg(
        "--format",
        "-f",
        help="quotes (one record per quote), csv (the same, for spreadsheets), tasks (as db-out) or spacy (DocBin)",
    ),
    lang=Arg("--lang", "-L", help="Language of the texts: pronouns for who is quoted; the tokenizer for spacy"),
    patterns=Arg("--patterns", "-pt", help="Folder of pattern files whose people.jsonl words resolve the speakers"),
    aliases=Arg("--aliases", "-a", help='JSONL file of {"name": ..., "aliases": [...]}: one person_id for each'),
    ner=Arg("--ner", help="A spaCy pipeline with an NER (package or folder) to tell people from organisations"),
)
def quotes_export(
    dataset: str,
    output: str,
    format: str = "quotes",
    lang: str = "de",
    patterns: Optional[str] = None,
    aliases: Optional[str] = None,
    ner: Optional[str] = None,
) -> None:
    """Export the accepted quotes of a dataset with speakers and cues, as JSONL or a spaCy DocBin."""
    # Returns None: under Prodigy a recipe that returns components would start the web server.
    export_dataset(dataset, output, format=format, lang=lang, patterns=patterns, aliases=aliases, ner=ner)
