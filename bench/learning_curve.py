"""Does the model get better with more corrections? A learning curve on German WikiNews, rules vs model.

Trains ``quotes train``'s pipeline (settings chosen by k-fold cross-validation on the training part alone)
on the first 100, 200, 400 and 700 train articles of several shuffles (one per seed), scores each model on
dev with ``../shared/tools/score.py`` and prints a table beside the rules' figures on the same articles.
Reads ../shared/data/wikinews-de by path (never copied); skips cleanly when it is absent. Slow: about
twenty minutes a seed on two cores.

    python bench/learning_curve.py [--sizes 100,200,400,700] [--seeds 0,1,2] [--folds 5] [--out DIR]
"""

import argparse
import json
import random
import statistics
import tempfile
from pathlib import Path

import spacy
import srsly
from train import CORPUS, SCORE, predict, score


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100,200,400,700", help="comma-separated numbers of train articles")
    ap.add_argument("--seeds", default="0,1,2", help="comma-separated shuffles of the train articles")
    ap.add_argument("--folds", type=int, default=5, help="folds of the cross-validation that picks the settings")
    ap.add_argument("--out", default=None, help="folder for the runs (default: a temporary one)")
    a = ap.parse_args()
    if not (CORPUS / "train.tasks.jsonl").exists() or not SCORE.exists():
        print(f"skipped: {CORPUS} or {SCORE} not present")
        return
    import prodigy_quotes.model  # noqa: F401
    from prodigy_quotes.pipeline import load_quote_pipeline
    from prodigy_quotes.training import train_pipeline

    out = Path(a.out or tempfile.mkdtemp(prefix="quotes-curve-"))
    out.mkdir(parents=True, exist_ok=True)
    train = list(srsly.read_jsonl(CORPUS / "train.tasks.jsonl"))
    dev = list(srsly.read_jsonl(CORPUS / "dev.tasks.jsonl"))
    predict(load_quote_pipeline("patterns:de"), dev, out / "dev.rules.jsonl")
    rules = score(out / "dev.rules.jsonl")
    rows = []
    for size in (int(n) for n in a.sizes.split(",")):
        for seed in (int(s) for s in a.seeds.split(",")):
            part = list(train)
            random.Random(seed).shuffle(part)
            run = out / f"{size}-{seed}"
            scores = train_pipeline(run, part[:size], dev[:10], folds=a.folds)
            speed = predict(spacy.load(run / "model-best"), dev, run / "dev.model.jsonl")
            m = score(run / "dev.model.jsonl")
            sel = scores["selection"]
            rows.append({"size": size, "seed": seed, "exact": m["quote_exact"]["f"], "e2e": m["attribution_e2e"]["f"]})
            print(
                f"{size:4d} articles seed {seed}: dev exact F1 {m['quote_exact']['f']:.4f} e2e F1"
                f" {m['attribution_e2e']['f']:.4f} | chosen margin {sel['margin']:g}, {sel['half_epochs']} half"
                f" epochs (cv e2e {sel['f']:.4f}, rules {sel['rules_f']:.4f}) | train {scores['seconds']:.0f}s,"
                f" {speed:.0f} articles/s",
                flush=True,
            )
    print(f"\nrules on dev: exact F1 {rules['quote_exact']['f']:.4f} e2e F1 {rules['attribution_e2e']['f']:.4f}")
    print(f"{'articles':>8} {'exact F1':>9} {'e2e F1':>9} {'± e2e':>7} {'e2e - rules':>12}")
    for size in sorted({r["size"] for r in rows}):
        runs = [r for r in rows if r["size"] == size]
        e2e = [r["e2e"] for r in runs]
        spread = statistics.pstdev(e2e) if len(e2e) > 1 else 0.0
        gain = statistics.mean(e2e) - rules["attribution_e2e"]["f"]
        exact = statistics.mean(r["exact"] for r in runs)
        print(f"{size:8d} {exact:9.4f} {statistics.mean(e2e):9.4f} {spread:7.4f} {gain:+12.4f}")
    srsly.write_json(out / "curve.json", {"rules": rules, "runs": rows})
    print(json.dumps({"out": str(out)}))


if __name__ == "__main__":
    main()
