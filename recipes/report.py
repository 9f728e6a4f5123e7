"""``quotes report SOURCE -o report.html``: who gets a voice, as one self-contained HTML page.

SOURCE is a dataset (its accepted answers), a JSONL file of tasks, or an ``extract`` output. The
page shows who is quoted most (speakers resolved within each article, see :mod:`.resolve`, and
counted across articles by name; a pronoun that names nobody is left out), the number of quotes per
article, and the share of quotes without a speaker, each as a table and an inline SVG chart: no script, no CDN, readable offline.
"""

import html
import time
from collections import Counter
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple

import typer

from .compat import Arg, command
from .loaders import read_tasks
from .resolve import PeopleWords, people_words, resolve_task

Task = Dict[str, Any]
TOP = 25


def report_figures(tasks: Iterable[Task], lang: str = "de", people: Optional[PeopleWords] = None) -> Dict[str, Any]:
    """The report's numbers: speakers by quotes, quotes per article, quotes without a speaker; ``people``: the
    resolver's words (a user's patterns), else the built-in ones of ``lang``."""
    people = people or people_words(lang)
    speakers: Counter = Counter()
    articles: Counter = Counter()
    per_article: List[Tuple[str, int]] = []
    unresolved = without = total = docs = 0
    for task in tasks:
        if task.get("answer", "accept") != "accept":
            continue
        docs += 1
        found = resolve_task(task, lang, people)
        meta = task.get("meta") or {}
        title = str(meta.get("title") or meta.get("id") or meta.get("file") or (task.get("text") or "")[:60])
        per_article.append((title, len(found)))
        seen = set()
        for r in found:
            total += 1
            if r.name is None:
                without += 1
                continue
            if not r.resolved:  # a pronoun with no antecedent names nobody: not counted as a speaker
                unresolved += 1
                continue
            speakers[r.name] += 1
            if r.name not in seen:
                articles[r.name] += 1
                seen.add(r.name)
    histogram = Counter(min(n, 10) for _, n in per_article)
    return {
        "articles": docs,
        "quotes": total,
        "without_speaker": without,
        "unresolved": unresolved,
        "speakers": [(name, n, articles[name]) for name, n in speakers.most_common(TOP)],
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
        "<h2>Quoted most</h2>"
        + _bars([(name, n) for name, n, _ in figures["speakers"]], "quotes")
        + _table(("speaker", "quotes", "articles"), figures["speakers"], "speakers")
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
)
def quotes_report(
    source: str, output: str = "report.html", lang: str = "de", patterns: Optional[str] = None
) -> Dict[str, Any]:
    """Who is quoted most, quotes per article and quotes without a speaker, as one HTML page with charts."""
    started = time.perf_counter()
    figures = report_figures(read_tasks(source), lang, people_words(lang, patterns))
    path = Path(output)
    path.write_text(render_report(figures, source), encoding="utf8")
    typer.echo(
        f"✔ Wrote {path}: {figures['quotes']} quotes in {figures['articles']} articles "
        f"({time.perf_counter() - started:.1f}s)"
    )
    return figures
