"""Benchmark the trainable pipeline on German WikiNews: train on train, score dev with score.py, time it.

Reads ../shared/data/wikinews-de by path (never copied); skips cleanly when it is absent.
Prints training time, dev figures from the reference scorer for the model and for the rules
alone, and pre-annotation speed in articles per second.

    python bench/train.py [--max-steps 400] [--select-on dev|train] [--folds 5] [--out /tmp/quotes-bench]
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
SCORE = SHARED / "tools" / "score.py"


def predict(nlp: spacy.language.Language, tasks: list, path: Path) -> float:
    """Write predicted tasks for the dev texts; return articles per second."""
    from prodigy_quotes.tasks import doc_to_task

    texts = [t["text"] for t in tasks]
    started = time.time()
    out = [doc_to_task(doc, meta=t["meta"], hashes=False) for doc, t in zip(nlp.pipe(texts), tasks)]
    speed = len(texts) / (time.time() - started)
    srsly.write_jsonl(path, out)
    return speed


def score(pred: Path) -> dict:
    """Figures of the reference scorer on dev."""
    out = subprocess.run(
        [sys.executable, str(SCORE), str(CORPUS / "dev.jsonl"), str(pred)], capture_output=True, text=True, check=True
    ).stdout
    return json.loads(out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--max-steps", type=int, default=400)
    ap.add_argument("--out", default=None)
    ap.add_argument(
        "--select-on",
        choices=["dev", "train"],
        default="dev",
        help="pick model-best on dev (as tuning does), or on 20%% of train so dev stays unseen",
    )
    ap.add_argument(
        "--folds",
        type=int,
        default=0,
        help="settings by k-fold cross-validation on train, then all of train (dev unseen)",
    )
    a = ap.parse_args()
    if not (CORPUS / "train.tasks.jsonl").exists() or not SCORE.exists():
        print(f"skipped: {CORPUS} or {SCORE} not present")
        return
    import prodigy_quotes.model  # noqa: F401
    from prodigy_quotes.pipeline import load_quote_pipeline
    from prodigy_quotes.training import split_eval, train_pipeline

    out = Path(a.out or tempfile.mkdtemp(prefix="quotes-bench-"))
    train = list(srsly.read_jsonl(CORPUS / "train.tasks.jsonl"))
    dev = list(srsly.read_jsonl(CORPUS / "dev.tasks.jsonl"))
    started = time.time()
    selection = dev
    if a.folds > 1:  # dev only scored at the end, never chosen on
        scores = train_pipeline(out, train, dev[:10], folds=a.folds)
        print(json.dumps({"selection": {k: v for k, v in scores["selection"].items() if k != "table"}}))
    else:
        if a.select_on == "train":
            train, selection = split_eval(train, 0.2)
        train_pipeline(out, train, selection, max_steps=a.max_steps, eval_frequency=50)
    train_seconds = time.time() - started
    model = spacy.load(out / "model-best")
    model_speed = predict(model, dev, out / "dev.model.jsonl")
    rules = load_quote_pipeline("patterns:de")
    rules_speed = predict(rules, dev, out / "dev.rules.jsonl")
    m, r = score(out / "dev.model.jsonl"), score(out / "dev.rules.jsonl")
    print(
        json.dumps(
            {
                "train_seconds": round(train_seconds, 1),
                "train_docs": len(train),
                "dev_docs": len(dev),
                "model": m,
                "rules": r,
                "model_articles_per_s": round(model_speed, 1),
                "rules_articles_per_s": round(rules_speed, 1),
            },
            indent=1,
        )
    )
    print(
        f"train {train_seconds:.0f}s | model exact F1 {m['quote_exact']['f']:.4f} e2e F1 {m['attribution_e2e']['f']:.4f}"
        f" | rules exact F1 {r['quote_exact']['f']:.4f} e2e F1 {r['attribution_e2e']['f']:.4f}"
        f" | {model_speed:.1f} articles/s"
    )


if __name__ == "__main__":
    main()
