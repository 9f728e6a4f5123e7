"""How the annotation page's edits scale with the article: a span drawn on a long article against a short one.

Serves a 160-token and a 1,600-token article with ``quotes manual`` in Debian's Chromium (as the browser tests
do), times the page's own work for one drag that creates a span (in-page clock, median of several), and the
time from the accept key to the answer in the page's outbox. Prints both and the long/short ratio of the drag
(1.0 = the edit does not grow with the article). Needs /usr/bin/chromium and playwright; skips without them.

    python bench/page.py [--repeat 7]
"""

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
PARAGRAPH = (
    "„Wir bleiben dran und prüfen jeden Hinweis“, sagte die Sprecherin am Abend. "
    "Danach beriet der Ausschuss noch lange über die Pläne der Stadt und die Kosten.\n\n"
)
DRAG = """(first) => {
    const tok = i => document.querySelector(`#text .tok[data-i="${i}"]`);
    const t0 = performance.now();
    tok(first).dispatchEvent(new MouseEvent('mousedown', {bubbles: true, button: 0}));
    tok(first + 3).dispatchEvent(new MouseEvent('mouseover', {bubbles: true}));
    tok(first + 3).dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
    document.body.getBoundingClientRect();
    return performance.now() - t0;
}"""


def measure(browser: object, paragraphs: int, repeat: int, home: Path) -> dict:
    """Drag times (ms) on an article of ``paragraphs`` paragraphs, and the accept-to-outbox time (s)."""
    from test_browser import Server, open_page

    source = home / f"article-{paragraphs}.jsonl"
    source.write_text(json.dumps({"text": PARAGRAPH * paragraphs}) + "\n", encoding="utf8")
    server = Server(["manual", f"bench{paragraphs}", "blank:de", str(source), "--max-tokens", "0"], home / "db")
    errors: list = []
    try:
        page = open_page(browser, server.url, errors)
        n_tokens = page.locator("#text .tok").count()
        first = n_tokens * 2 // 3
        drags = [page.evaluate(DRAG, first + 6 * k) for k in range(repeat)]
        started = time.perf_counter()
        page.keyboard.press("x")
        page.wait_for_function("window.quotesApp.state.outbox.length === 1")
        accept = time.perf_counter() - started
    finally:
        server.stop()
    return {"tokens": n_tokens, "drag_ms": round(statistics.median(drags), 1), "accept_s": round(accept, 3)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7, help="drags timed on each article (the median is printed)")
    args = ap.parse_args()
    try:
        from playwright.sync_api import sync_playwright
        from test_browser import CHROMIUM, CHROMIUM_ARGS
    except Exception as err:  # playwright missing (the tests module skips itself without it)
        print(f"skipped: {err}")
        return
    if not CHROMIUM.exists():
        print(f"skipped: {CHROMIUM} not present (apt-get install chromium)")
        return
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        short = measure(browser, 5, args.repeat, Path(tmp))
        long = measure(browser, 50, args.repeat, Path(tmp))
        browser.close()
    ratio = round(long["drag_ms"] / short["drag_ms"], 2) if short["drag_ms"] else None
    print(json.dumps({"short": short, "long": long, "drag_ratio_long_vs_short": ratio}))


if __name__ == "__main__":
    main()
