"""``quotes report SOURCE -o report.html``: who gets a voice, as one self-contained HTML page.

SOURCE is a dataset (its accepted answers), a JSONL file of tasks, or an ``extract`` output. The
page shows the people quoted most (speakers resolved within each article, see :mod:`.resolve`, described
and counted across articles by person, see :mod:`.people`), the organisations and roles apart, the share
of people's quotes by women, men and unknown (per source or month where the tasks' meta has them), what
was left out as no person (documents, anonymous sources, unknown), the number of quotes per article, and
the share of quotes without a speaker, as tables and inline SVG charts: no script, no CDN, readable offline.
"""

import html
import time
from collections import Counter
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple

import typer

from .compat import Arg, command
from .loaders import read_tasks
from .people import (
    ANONYMOUS,
    DOCUMENT,
    ORGANISATION,
    PERSON,
    UNKNOWN,
    Describing,
    PersonIndex,
)
from .resolve import PeopleWords, people_words

Task = Dict[str, Any]
TOP = 50


class _Tally:
    """Quotes and articles per name, for one ranking (people, organisations, roles)."""

    def __init__(self) -> None:
        self.quotes: Counter = Counter()
        self.articles: Counter = Counter()
        self.labels: Dict[Any, str] = {}

    def add(self, key: Any, label: str, article: int) -> None:
        self.quotes[key] += 1
        self.labels.setdefault(key, label)
        self.articles[(key, article)] += 1

    def top(self, n: int = TOP) -> List[Tuple[str, int, int]]:
        per_article = Counter(key for key, _ in self.articles)
        return [(self.labels[key], q, per_article[key]) for key, q in self.quotes.most_common(n)]


def _gender_shares(
    person_quotes: List[Tuple[Optional[int], str, Optional[str]]], known: Dict[int, str]
) -> Dict[str, Any]:
    """Quotes of people by gender, in all and per source (``gender``, ``gender_by``): a person's gender told in one
    article holds in the others."""
    gender: Counter = Counter()
    by_group: Dict[str, Counter] = {}
    for pid, said, group in person_quotes:
        g = said if said != "unknown" else known.get(pid, "unknown") if pid is not None else "unknown"
        gender[g] += 1
        if group is not None:
            by_group.setdefault(group, Counter())[g] += 1
    return {
        "gender": {g: gender.get(g, 0) for g in ("female", "male", "unknown")},
        "gender_by": [(g, c["female"], c["male"], c["unknown"]) for g, c in sorted(by_group.items())],
    }


def _group(meta: Dict[str, Any]) -> Optional[str]:
    """What a task's quotes are broken down by: its source, else the month of its date, where the meta has them."""
    if meta.get("source"):
        return str(meta["source"])
    date = meta.get("date") or meta.get("published")
    return str(date)[:7] if date else None


def report_figures(
    tasks: Iterable[Task],
    lang: str = "de",
    people: Optional[PeopleWords] = None,
    persons: Optional[PersonIndex] = None,
    ner: Any = None,
) -> Dict[str, Any]:
    """The report's numbers: people, organisations and roles by quotes, the share of quotes by women, men and
    unknown, what was left out as not a person, quotes per article and quotes without a speaker; ``people``: the
    resolver's words (a user's patterns), else the built-in ones of ``lang``; ``persons``: with a user's aliases;
    ``ner``: a pipeline whose named entities tell people from bodies (:func:`~.people.load_ner`)."""
    how = Describing(people or people_words(lang), persons if persons is not None else PersonIndex(), ner)
    people, persons = how.people, how.persons
    rank = {"people": _Tally(), "organisations": _Tally(), "roles": _Tally()}
    left_out: Dict[str, Counter] = {kind: Counter() for kind in (DOCUMENT, ANONYMOUS, UNKNOWN)}
    per_article: List[Tuple[str, int]] = []
    person_quotes: List[Tuple[Optional[int], str, Optional[str]]] = []  # (person id, gender, source) per quote
    known: Dict[int, str] = {}  # the gender a person's words or pronouns told in some article
    unresolved = without = total = docs = 0
    for task in tasks:
        if task.get("answer", "accept") != "accept":
            continue
        docs += 1
        found, records = how.describe(task, lang)
        meta = task.get("meta") or {}
        title = str(meta.get("title") or meta.get("id") or meta.get("file") or (task.get("text") or "")[:60])
        per_article.append((title, len(found)))
        group = _group(meta)
        for r in found:
            total += 1
            if r.name is None:
                without += 1
                continue
            if not r.resolved and r.name.lower() in people.pronouns:
                unresolved += 1  # a pronoun with no antecedent names nobody: not counted as a speaker
            record = records.get(r.quote)
            if record is None:
                continue
            text = task["text"][r.mention[0] : r.mention[1]] if r.mention else r.name
            if record.kind == PERSON:
                pid = persons.person_id(record)
                person_quotes.append((pid, record.gender, group))
                if pid is not None and record.gender != "unknown":
                    known.setdefault(pid, record.gender)
                if pid is not None:
                    rank["people"].add(pid, persons.labels[pid], docs)
                if record.role:
                    rank["roles"].add(record.role.lower(), record.role, docs)
            elif record.kind == ORGANISATION:
                name = record.organisation or text
                rank["organisations"].add(name.lower(), name, docs)
            else:
                left_out[record.kind][text] += 1
    histogram = Counter(min(n, 10) for _, n in per_article)
    return {
        "articles": docs,
        "quotes": total,
        "without_speaker": without,
        "unresolved": unresolved,
        "speakers": rank["people"].top(),
        "organisations": rank["organisations"].top(),
        "roles": rank["roles"].top(),
        **_gender_shares(person_quotes, known),
        "left_out": [
            (kind, sum(c.values()), ", ".join(f"{m} ({n})" for m, n in c.most_common(5)))
            for kind, c in left_out.items()
        ],
        "per_article": sorted(per_article, key=lambda x: -x[1])[:TOP],
        "histogram": [(("10+" if k == 10 else str(k)), histogram.get(k, 0)) for k in range(0, 11)],
    }


def _bars(rows: List[Tuple[str, int]], unit: str) -> str:
    """A horizontal bar chart as inline SVG."""
    if not rows:
        return "<p class='muted'>Nothing to show.</p>"
    most = max(n for _, n in rows) or 1
    height, label_w, bar_w = 22, 260, 420
    parts = [
        f"<svg class='chart' role='img' viewBox='0 0 {label_w + bar_w + 60} {height * len(rows) + 6}' "
        f"width='{label_w + bar_w + 60}' height='{height * len(rows) + 6}'>"
    ]
    for i, (label, n) in enumerate(rows):
        y = i * height + 3
        w = max(1, round(bar_w * n / most))
        shown = html.escape(label if len(label) <= 34 else label[:33] + "…")
        parts.append(
            f"<text x='{label_w - 8}' y='{y + 15}' text-anchor='end'>{shown}</text>"
            f"<rect x='{label_w}' y='{y + 3}' width='{w}' height='{height - 8}' rx='3'><title>{html.escape(label)}: "
            f"{n} {unit}</title></rect><text x='{label_w + w + 6}' y='{y + 15}'>{n}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _table(head: Tuple[str, ...], rows: Iterable[Tuple[Any, ...]], cls: str) -> str:
    cells = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    header = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    return f"<table class='{cls}'><thead><tr>{header}</tr></thead><tbody>{cells}</tbody></table>"


def _gender_section(figures: Dict[str, Any]) -> str:
    """The share of people's quotes by women, men and unknown, as bars and a table, and per source or month."""
    counts = figures["gender"]
    people = sum(counts.values())
    rows = [(g, n, f"{n / people:.1%}" if people else "–") for g, n in counts.items()]
    out = (
        "<p class='muted'>Of the quotes whose speaker is a person. The gender comes from the mention's words (a "
        "feminine or masculine noun, title or form of address) or a pronoun that refers to the person, in that "
        "article or another quoting the same person; no first-name list is read, so a bare name stays unknown.</p>"
        + _bars([(g, n) for g, n, _ in rows], "quotes")
        + _table(("gender", "quotes", "share"), rows, "gender")
    )
    if figures["gender_by"]:
        out += "<p class='muted'>By the articles' source (or month):</p>" + _table(
            ("source", "female", "male", "unknown"), figures["gender_by"], "gender-by"
        )
    return out


def render_report(figures: Dict[str, Any], source: str) -> str:
    """The report page (HTML with its own CSS and SVG charts)."""
    share = figures["without_speaker"] / figures["quotes"] if figures["quotes"] else 0.0
    with_speaker = figures["quotes"] - figures["without_speaker"]
    style = (
        "body{font:15px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1000px;color:#1f2328;padding:0 16px}"
        "h1{font-size:22px}h2{font-size:17px;margin-top:28px}.muted{color:#667085}"
        "table{border-collapse:collapse;margin:8px 0}td,th{border-bottom:1px solid #e3e1da;padding:4px 10px;"
        "text-align:left}th{font-size:13px;color:#667085}.chart rect{fill:#3457d5}.chart text{font-size:12px}"
        ".figures b{font-size:20px}.figures span{margin-right:28px}"
    )
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>Who is quoted – {html.escape(source)}</title><style>{style}</style></head><body>"
        f"<h1>Who is quoted</h1><p class='muted'>{html.escape(source)} · made {time.strftime('%Y-%m-%d %H:%M')}</p>"
        "<p class='figures'>"
        f"<span><b id='n-articles'>{figures['articles']}</b> articles</span>"
        f"<span><b id='n-quotes'>{figures['quotes']}</b> quotes</span>"
        f"<span><b id='share-without'>{share:.1%}</b> without a speaker</span>"
        f"<span><b id='n-unresolved'>{figures['unresolved']}</b> speakers not resolved (a pronoun with no "
        "antecedent: left out of the ranking)</span></p>"
        "<h2>People quoted most</h2>"
        '<p class=\'muted\'>One row per person across articles ("Angela Merkel", "Bundeskanzlerin Angela Merkel" and an '
        'article\'s "Merkel" resolved to her); a bare surname no full name explains is a row of its own.</p>'
        + _bars([(name, n) for name, n, _ in figures["speakers"]], "quotes")
        + _table(("person", "quotes", "articles"), figures["speakers"], "speakers")
        + "<h2>Women and men quoted</h2>"
        + _gender_section(figures)
        + "<h2>Organisations quoted most</h2>"
        + _table(("organisation", "quotes", "articles"), figures["organisations"], "organisations")
        + "<h2>Roles quoted most</h2>"
        + _table(("role", "quotes", "articles"), figures["roles"], "roles")
        + "<h2>Left out: not a person or an organisation</h2>"
        + "<p class='muted'>Quotes whose speaker is a document, an anonymous source or nothing the text tells "
        '(an unresolved pronoun, "demnach"): not counted above.</p>'
        + _table(("kind", "quotes", "most often written"), figures["left_out"], "left-out")
        + "<h2>Quotes per article</h2>"
        + _bars(figures["histogram"], "articles")
        + "<p class='muted'>Articles with 0, 1, 2, … quotes. The articles with the most quotes:</p>"
        + _table(("article", "quotes"), figures["per_article"], "articles")
        + "<h2>Quotes with and without a speaker</h2>"
        + _bars([("with a speaker", with_speaker), ("without a speaker", figures["without_speaker"])], "quotes")
        + "</body></html>"
    )


@command(
    "report",
    source=Arg(help="A dataset, a JSONL file of tasks, or the output of quotes extract"),
    output=Arg("--output", "-o", help="HTML file to write"),
    lang=Arg("--lang", "-l", help="Language of the articles (pronouns, for who is quoted)"),
    patterns=Arg("--patterns", "-pt", help="Folder of pattern files whose people.jsonl words resolve the speakers"),
    aliases=Arg("--aliases", "-a", help='JSONL file of {"name": ..., "aliases": [...]}: one row for each person'),
    ner=Arg("--ner", help="A spaCy pipeline with an NER (package or folder) to tell people from organisations"),
)
def quotes_report(
    source: str,
    output: str = "report.html",
    lang: str = "de",
    patterns: Optional[str] = None,
    aliases: Optional[str] = None,
    ner: Optional[str] = None,
) -> Dict[str, Any]:
    """Who is quoted: people, organisations and roles, women and men, what was left out, quotes per article and
    quotes without a speaker, as one HTML page with charts."""
    started = time.perf_counter()
    how = Describing.from_options(lang, patterns, aliases, ner)
    figures = report_figures(read_tasks(source), lang, how.people, how.persons, how.ner)
    path = Path(output)
    path.write_text(render_report(figures, source), encoding="utf8")
    typer.echo(
        f"✔ Wrote {path}: {figures['quotes']} quotes in {figures['articles']} articles "
        f"({time.perf_counter() - started:.1f}s)"
    )
    return figures
