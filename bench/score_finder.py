"""Score the rule-based quote finder on the German WikiNews gold with the reference scorer.

Reads ``../shared/data/wikinews-de/<split>.jsonl`` by path (never copied), runs the
``quote_finder`` on blank:de, writes Prodigy tasks to a temporary file, runs
``../shared/tools/score.py`` on them and prints its JSON (plus docs/second). Exits cleanly with
a message when the data or the scorer is absent.

    python bench/score_finder.py [--split dev] [--patterns patterns/de] [--keep pred.jsonl]
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import spacy
import srsly

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "data" / "wikinews-de"
SCORER = SHARED / "tools" / "score.py"


def predict(gold: Path, out: Path, patterns: str | None) -> float:
    """Write one predicted task per gold document; return documents per second."""
    from prodigy_quotes.finder import add_quote_finder
    from prodigy_quotes.tasks import doc_to_task

    nlp = add_quote_finder(spacy.blank("de"), patterns_dir=patterns)
    docs = list(srsly.read_jsonl(gold))
    start = time.perf_counter()
    with out.open("w", encoding="utf8") as f:
        for eg, doc in zip(docs, nlp.pipe(d["text"] for d in docs)):
            f.write(json.dumps(doc_to_task(doc, {"id": eg["id"]}, hashes=False), ensure_ascii=False) + "\n")
    return len(docs) / (time.perf_counter() - start)


def main() -> None:
    """Predict on one split and print the scorer's figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", default="dev", help="dev or train")
    ap.add_argument("--patterns", default=None, help="pattern folder (default: the built-in German patterns)")
    ap.add_argument("--keep", default=None, help="also keep the predicted tasks in this file")
    args = ap.parse_args()
    gold = CORPUS / f"{args.split}.jsonl"
    if not gold.exists() or not SCORER.exists():
        print(f"skipped: {gold} or {SCORER} not found (the corpus is not distributed with the project)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        pred = Path(args.keep) if args.keep else Path(tmp) / "pred.jsonl"
        speed = predict(gold, pred, args.patterns)
        out = subprocess.run(
            [sys.executable, str(SCORER), str(gold), str(pred)], capture_output=True, text=True, check=True
        )
    figures = json.loads(out.stdout)
    figures["split"] = args.split
    figures["docs_per_second"] = round(speed, 1)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
