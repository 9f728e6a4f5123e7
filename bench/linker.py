"""How much the speaker linker adds to the rules, and how much that moves from seed to seed.

Trains only ``quote_speaker_linker`` on German WikiNews train, on the rules' quotes (no detector),
for a few epochs per seed, and scores dev end-to-end quote→speaker after every half epoch, next to
the rules' own links on the same quotes. A fast loop (about a minute per seed and epoch) for trying
linker ideas before a full ``bench/train.py``. Reads ../shared/data/wikinews-de by path; skips
cleanly when it is absent.

    python bench/linker.py [--seeds 0,1,2] [--epochs 2] [--margins 0,2] [--folds 5] [--no-lexicon]
"""

import argparse
import json
import random
from pathlib import Path
from typing import Dict, List

import numpy
import spacy
import srsly
from spacy.training import Example
from thinc.api import Adam, fix_random_seed

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "data" / "wikinews-de"


def load(nlp: spacy.language.Language, split: str) -> List[Example]:
    """Examples whose predicted side holds the rules' quotes (links and speakers kept aside as features)."""
    from prodigy_quotes.selection import rule_examples
    from prodigy_quotes.training import tasks_to_docbin

    refs = tasks_to_docbin(nlp, list(srsly.read_jsonl(CORPUS / f"{split}.tasks.jsonl"))).get_docs(nlp.vocab)
    return rule_examples(nlp, refs)  # the tagger (German) and the finder, as in quotes.train


def e2e(examples: List[Example]) -> Dict[str, float]:
    """score.py's end-to-end quote→speaker figures on the predicted docs."""
    from prodigy_quotes.scoring import score_examples

    return score_examples(examples)["attribution_e2e"]


def rules_e2e(examples: List[Example]) -> Dict[str, float]:
    """The rules' own links on the same quotes."""
    from prodigy_quotes.selection import rules_only

    rules_only(examples)
    return e2e(examples)


def train_seed(
    nlp: spacy.language.Language,
    train: List[Example],
    dev: List[Example],
    seed: int,
    epochs: int,
    margins: List[float],
    config: Dict[str, object],
) -> Dict[float, List[Dict[str, float]]]:
    """Train one linker; dev figures (with averaged weights) after every half epoch, for each margin by which its
    choice must beat the rules' speaker."""
    from prodigy_quotes.selection import rule_quotes_only

    fix_random_seed(seed)
    linker = nlp.add_pipe("quote_speaker_linker", name=f"linker_{seed}", config=config)
    linker.initialize(lambda: train[:20], nlp=nlp)
    optimizer = Adam(0.002, use_averages=True)
    half = max(1, len(train) // 16)  # batches of 8: a half epoch, as quotes.train evaluates
    curves: Dict[float, List[Dict[str, float]]] = {m: [] for m in margins}
    order, step = list(train), 0
    for epoch in range(epochs):
        random.Random(seed * 1000 + epoch).shuffle(order)
        for b in range(0, len(order), 8):
            linker.update(order[b : b + 8], sgd=optimizer)
            step += 1
            if step % half == 0:
                for margin in margins:
                    linker.margin = margin
                    rule_quotes_only(dev)
                    docs = [eg.predicted for eg in dev]
                    with linker.model.use_params(optimizer.averages):
                        linker.set_annotations(docs, linker.predict(docs))
                    curves[margin].append(e2e(dev))
    nlp.remove_pipe(f"linker_{seed}")
    return curves


def cross_validate(
    nlp: spacy.language.Language, train: List[Example], args: argparse.Namespace, config: Dict[str, object]
) -> None:
    """k-fold cross-validation on train alone (dev unseen), as quotes train selects its settings: pooled held-out
    e2e F1 of the rules and of the linker after the last half epoch, for each margin."""
    from prodigy_quotes.selection import select_linker_settings

    margins = [float(m) for m in args.margins.split(",")]
    for seed in (int(s) for s in args.seeds.split(",")):
        sel = select_linker_settings(
            nlp,
            train,
            folds=args.folds,
            half_epochs=2 * args.epochs,
            margins=margins,
            min_probs=(0.0,),
            seed=seed,
            linker_config=config,
        )
        last = max(row["half_epochs"] for row in sel.table)
        for row in (r for r in sel.table if r["half_epochs"] == last):
            print(
                f"seed {seed} margin {row['margin']:g}: {args.folds}-fold e2e F1 rules {sel.rules_f:.4f}"
                f" linker {row['f']:.4f} ({row['tp']} right of {row['pred']} predicted) gain {row['f'] - sel.rules_f:+.4f}",
                flush=True,
            )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="0,1,2", help="comma-separated random seeds, one linker each")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--margins", default="0", help="comma-separated margins to overrule the rules by, each scored")
    ap.add_argument("--folds", type=int, default=0, help="k-fold cross-validation on train instead of scoring dev")
    ap.add_argument("--no-lexicon", action="store_true", help="train without Brown clusters and noun forms")
    args = ap.parse_args()
    config: Dict[str, object] = {"lexicon": not args.no_lexicon}
    if not (CORPUS / "train.tasks.jsonl").exists():
        print(f"skipped: {CORPUS} not present (the corpus is not distributed with the project)")
        return
    import prodigy_quotes.model  # noqa: F401  (registers the factories)
    from prodigy_quotes.finder import add_quote_finder

    nlp = add_quote_finder(spacy.blank("de"))
    train = load(nlp, "train")
    if args.folds > 1:
        cross_validate(nlp, train, args, config)
        return
    dev = load(nlp, "dev")
    rules = rules_e2e(dev)
    print(
        f"rules: e2e F1 {rules['f']:.4f} (P {rules['p']:.3f} R {rules['r']:.3f}, {rules['tp']} of {rules['gold']} pairs,"
        f" {rules['pred']} predicted)"
    )
    margins = [float(m) for m in args.margins.split(",")]
    finals: Dict[float, List[float]] = {m: [] for m in margins}
    for seed in (int(s) for s in args.seeds.split(",")):
        curves = train_seed(nlp, train, dev, seed, args.epochs, margins, config)
        for margin, curve in curves.items():
            finals[margin].append(curve[-1]["f"])
            print(
                f"seed {seed} margin {margin:g}: e2e F1 per half epoch "
                + " ".join(f"{c['f']:.3f}" for c in curve)
                + f" | last: tp {curve[-1]['tp']}, predicted {curve[-1]['pred']}",
                flush=True,
            )
    for margin, last in finals.items():
        print(
            json.dumps(
                {
                    "margin": margin,
                    "rules_f": rules["f"],
                    "linker_f_last": last,
                    "linker_f_mean": round(float(numpy.mean(last)), 4),
                    "linker_f_std": round(float(numpy.std(last)), 4),
                    "gain_mean": round(float(numpy.mean(last)) - rules["f"], 4),
                }
            )
        )


if __name__ == "__main__":
    main()
