"""Prediction speed of the trained components: articles per second of a whole pipeline (tagger, rules, detector,
speaker and cue linkers) on one process, next to the rules alone in the same run.

With ``--model DIR`` it times that trained pipeline; without, a pipeline whose components are set up on 30 train
articles and not trained (the work per article is the same: every candidate is scored whatever the weights).
Reads ../shared/data/wikinews-de/dev.jsonl by path (else the texts in seeds/); prints one JSON object.

    python bench/predict.py [--model training/model-best] [--rounds 3]
"""

import argparse
import json
import time
from pathlib import Path
from typing import List

import spacy
import srsly

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "data" / "wikinews-de"
MODEL_PARTS = ("quote_detector", "quote_speaker_linker", "quote_cue_linker")


def load_texts() -> List[str]:
    """The dev articles when present, else the sample articles of seeds/."""
    if (CORPUS / "dev.jsonl").exists():
        return [d["text"] for d in srsly.read_jsonl(CORPUS / "dev.jsonl")]
    return [p.read_text(encoding="utf8") for p in sorted((ROOT / "seeds").glob("*.txt"))]


def untrained_pipeline() -> spacy.language.Language:
    """The rules plus the three components, set up (not trained) on a few train articles or the seeds."""
    import prodigy_quotes.model  # noqa: F401  (registers the factories)
    from prodigy_quotes.finder import add_quote_finder
    from prodigy_quotes.selection import rule_examples
    from prodigy_quotes.training import tasks_to_docbin
    from thinc.api import fix_random_seed

    fix_random_seed(0)
    nlp = add_quote_finder(spacy.blank("de"))
    if (CORPUS / "train.tasks.jsonl").exists():
        tasks = list(srsly.read_jsonl(CORPUS / "train.tasks.jsonl"))[:30]
    else:
        tasks = [{"text": t} for t in load_texts()]
    examples = rule_examples(nlp, list(tasks_to_docbin(nlp, tasks).get_docs(nlp.vocab)))
    for name in MODEL_PARTS:
        nlp.add_pipe(name).initialize(lambda: examples[:20], nlp=nlp)
    return nlp


def best_rate(nlp: spacy.language.Language, texts: List[str], rounds: int) -> float:
    """Articles per second, the best of ``rounds`` passes."""
    best = 0.0
    for _ in range(rounds):
        started = time.perf_counter()
        for _doc in nlp.pipe(texts, batch_size=32):
            pass
        best = max(best, len(texts) / (time.perf_counter() - started))
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=None, help="a trained pipeline (default: set up, untrained components)")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    if args.model:
        import prodigy_quotes.model  # noqa: F401

        nlp = spacy.load(args.model)
    else:
        nlp = untrained_pipeline()
    texts = load_texts()
    list(nlp.pipe(texts[:5]))  # lexicons and the tagger's model load on first use
    full = best_rate(nlp, texts, args.rounds)
    with nlp.select_pipes(disable=[n for n in nlp.pipe_names if nlp.get_pipe_meta(n).factory in MODEL_PARTS]):
        rules = best_rate(nlp, texts, args.rounds)
    print(
        json.dumps(
            {
                "articles": len(texts),
                "model_articles_per_s": round(full, 1),
                "rules_articles_per_s": round(rules, 1),
                "model_vs_rules": round(full / rules, 3),
                "pipeline": nlp.pipe_names,
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
