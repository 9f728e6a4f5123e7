"""quotes.train and quotes.train-curve: accepted annotations -> spaCy docs -> a trained quote pipeline.

DATASETS names database datasets (comma-separated; ``eval:NAME`` marks evaluation data, as in
``prodigy train``). A name ending in ``.jsonl`` is read as a tasks file instead (handy for
development and tests).
"""

import json
import random
import shutil
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import spacy
import srsly
from spacy.language import Language
from spacy.tokens import DocBin

from . import model  # noqa: F401  (registers the factories the config names)
from .compat import Arg, recipe
from .errors import QuotesError
from .finder.patterns import default_patterns_dir, load_patterns
from .loaders import accepted, read_tasks
from .schema import LINKS_ATTR, SPAN_LABELS, SPANS_KEY, Link
from .selection import Selection, rule_examples, select_linker_settings, selection_pipeline, steps_per_half_epoch
from .syntax import add_syntax
from .tasks import task_to_doc

Task = Dict[str, Any]
MODEL_COMPONENTS = ("quote_detector", "quote_speaker_linker", "quote_cue_linker")


def split_datasets(datasets: str) -> Tuple[List[str], List[str]]:
    """Training and ``eval:`` dataset names from a comma-separated list."""
    train, dev = [], []
    for name in (n.strip() for n in datasets.split(",")):
        if not name:
            continue
        if name.startswith("eval:"):
            dev.append(name[5:])
        else:
            train.append(name)
    if not train:
        raise QuotesError("No training dataset given", "Name at least one dataset without the eval: prefix.")
    return train, dev


def train_and_eval(datasets: str, eval_split: float) -> Tuple[List[Task], List[Task]]:
    """Training and evaluation tasks: the eval: datasets, else a held-out share of the training ones."""
    train_names, dev_names = split_datasets(datasets)
    train = load_examples(train_names)
    if dev_names:
        return train, load_examples(dev_names)
    return split_eval(train, eval_split)


def load_examples(names: Sequence[str]) -> List[Task]:
    """Accepted tasks of the named datasets that hold at least one QUOTE span."""
    tasks: List[Task] = []
    for name in names:
        found = accepted(read_tasks(name))
        if not found:
            raise QuotesError(f"No accepted examples in '{name}'", "Annotate and accept some examples first.")
        labelled = [t for t in found if any(s.get("label") in SPAN_LABELS for s in t.get("spans", []))]
        if not labelled:
            raise QuotesError(
                f"No QUOTE, SPEAKER or CUE spans in '{name}'",
                "Train needs accepted examples with quote annotations (quotes.manual or quotes.correct).",
            )
        tasks.extend(found)
    return tasks


def tasks_to_docbin(nlp: Language, tasks: Sequence[Task]) -> DocBin:
    """Docs with QUOTE/SPEAKER/CUE spans and their links (other labels and their links dropped)."""
    db = DocBin(store_user_data=True)
    for task in tasks:
        doc = task_to_doc(nlp, task)
        spans = [s for s in doc.spans[SPANS_KEY] if s.label_ in SPAN_LABELS]
        keep = {(s.start, s.end, s.label_) for s in spans}
        links = [Link(*l) for l in doc.user_data.get(LINKS_ATTR, [])]
        doc.spans[SPANS_KEY] = spans
        doc.user_data[LINKS_ATTR] = [
            tuple(l)
            for l in links
            if (l.head_start, l.head_end, "QUOTE") in keep and (l.child_start, l.child_end, l.label) in keep
        ]
        db.add(doc)
    return db


def make_config(
    lang: str, base_model: Optional[str], max_steps: int, eval_frequency: int, patterns: Optional[str] = None
) -> Any:
    """The spaCy training config: rule finder as features (with the ``patterns`` folder, if given), then the three
    trainable components."""
    if base_model and not base_model.startswith("blank:"):
        base = spacy.load(base_model)
        nlp = spacy.blank(base.lang)
        for name in base.pipe_names:
            nlp.add_pipe(name, source=base)
        sourced = list(base.pipe_names)
    else:
        nlp = spacy.blank(lang)
        sourced = []
    profile = load_patterns(patterns or default_patterns_dir(nlp.lang))
    add_syntax(nlp, profile.cue_words(), profile.quote_marks())
    nlp.add_pipe("quote_finder")
    for name in MODEL_COMPONENTS:
        nlp.add_pipe(name)
    config = nlp.config.copy()
    for name in sourced:
        config["components"][name] = {"source": base_model}
    if patterns:  # read when the pipeline is initialised and saved with it, not named in its config
        config["initialize"]["components"]["quote_finder"] = {"patterns": str(Path(patterns).resolve())}
    training = config["training"]
    training["max_steps"] = max_steps
    training["max_epochs"] = 0
    training["eval_frequency"] = eval_frequency
    training["patience"] = eval_frequency * 6  # stop after three epochs (at half-epoch evals) without a better score
    training["dropout"] = 0.0
    training["frozen_components"] = sourced
    # the tagger and the finder annotate the docs the model learns from, as they do when it predicts
    training["annotating_components"] = [name for name in nlp.pipe_names if name not in MODEL_COMPONENTS]
    training["batcher"] = {"@batchers": "spacy.batch_by_sequence.v1", "size": 8, "get_length": None}
    training["optimizer"] = {"@optimizers": "Adam.v1", "learn_rate": 0.002, "L2": 0.0, "use_averages": True}
    training["score_weights"] = {
        "quote_exact_f": 0.3,
        "quote_overlap_f": 0.0,
        "quote_speaker_f": 0.7,
        "speaker_acc": 0.0,
        "quote_cue_acc": 0.0,
    }
    if sourced:
        config["initialize"]["vectors"] = base_model
    config["corpora"] = {
        "train": {"@readers": "spacy.Corpus.v1", "path": "${paths.train}"},
        "dev": {"@readers": "spacy.Corpus.v1", "path": "${paths.dev}"},
    }
    return config


def base_lang(base_model: Optional[str]) -> str:
    """The language of ``blank:xx`` (German when no base is given or it is a pipeline's name)."""
    name = base_model or "blank:de"
    return name.split(":", 1)[1] if name.startswith("blank:") else "de"


def split_eval(tasks: List[Task], eval_split: float, seed: int = 0) -> Tuple[List[Task], List[Task]]:
    """Hold out a share of the tasks for evaluation, reproducibly."""
    shuffled = list(tasks)
    random.Random(seed).shuffle(shuffled)
    n_dev = max(1, int(round(len(shuffled) * eval_split)))
    if len(shuffled) < 2:
        raise QuotesError("Too few examples to hold some out for evaluation", "Annotate more or name an eval: dataset.")
    return shuffled[n_dev:], shuffled[:n_dev]


def train_pipeline(
    output_dir: Path,
    train: List[Task],
    dev: List[Task],
    base_model: Optional[str] = "blank:de",
    max_steps: int = 600,
    eval_frequency: Optional[int] = None,
    config_path: Optional[Path] = None,
    folds: int = 0,
    patterns: Optional[str] = None,
) -> Dict[str, Any]:
    """Write the corpora and config under ``output_dir``, train with spaCy's loop, return the best scores.

    By default the model is evaluated every half epoch (batches of 8 documents): on a few hundred
    articles the best scores come after one or two epochs, and model-best keeps them. With ``folds``
    (2 or more), the speaker linker's margin and the training length are chosen by cross-validation on
    ``train`` instead (see :mod:`.selection`), the model trains that long on all of ``train``, and
    model-best is the model at the end (``dev`` is only scored, never chosen on).
    """
    if eval_frequency is None:
        eval_frequency = max(10, min(150, len(train) // 16))
    selection = None
    if folds > 1 and config_path is None:
        selection = select_settings(train, base_model, folds, patterns)
        max_steps = selection.half_epochs * steps_per_half_epoch(len(train))
        eval_frequency = max_steps
    from spacy.cli.train import train as spacy_train  # spaCy's CLI is slow to import: only when training

    output_dir.mkdir(parents=True, exist_ok=True)
    lang = base_lang(base_model)
    nlp = spacy.blank(lang)
    corpus = output_dir / "corpus"
    corpus.mkdir(exist_ok=True)
    tasks_to_docbin(nlp, train).to_disk(corpus / "train.spacy")
    tasks_to_docbin(nlp, dev).to_disk(corpus / "dev.spacy")
    if config_path is None:
        config = make_config(lang, base_model, max_steps, eval_frequency, patterns)
        if selection is not None:
            config["components"]["quote_speaker_linker"]["margin"] = selection.margin
            config["components"]["quote_speaker_linker"]["min_prob"] = selection.min_prob
            config["training"]["patience"] = 0
        config_path = output_dir / "config.cfg"
        config.to_disk(config_path)
    overrides = {"paths.train": str(corpus / "train.spacy"), "paths.dev": str(corpus / "dev.spacy")}
    started = time.time()
    spacy_train(config_path, output_dir, overrides=overrides)
    if selection is not None:  # chosen by cross-validation: the model at the end is the one to keep
        shutil.rmtree(output_dir / "model-best", ignore_errors=True)
        shutil.copytree(output_dir / "model-last", output_dir / "model-best")
    meta = srsly.read_json(output_dir / "model-best" / "meta.json")
    scores = {"seconds": round(time.time() - started, 1), "performance": meta.get("performance", {})}
    if selection is not None:
        scores["selection"] = selection._asdict()
    srsly.write_json(output_dir / "scores.json", scores)
    return scores


def select_settings(
    train: List[Task], base_model: Optional[str], folds: int, patterns: Optional[str] = None
) -> Selection:
    """The speaker linker's margin and the training length, by ``folds``-fold cross-validation on ``train``."""
    blank = not base_model or base_model.startswith("blank:")
    nlp = selection_pipeline(spacy.blank(base_lang(base_model)) if blank else spacy.load(base_model), patterns)
    refs = tasks_to_docbin(nlp, train).get_docs(nlp.vocab)
    return select_linker_settings(nlp, rule_examples(nlp, refs), folds=min(folds, len(train)))


@recipe(
    "quotes.train",
    output_dir=Arg(help="Folder for model-best, model-last, config.cfg and scores.json"),
    datasets=Arg(help="Comma-separated datasets (or .jsonl task files); prefix eval: for evaluation data"),
    base_model=Arg(
        "--base-model", "-m", help="blank:de, blank:en, or an installed pipeline whose vectors/parser to use"
    ),
    eval_split=Arg("--eval-split", "-es", help="Share held out for evaluation when no eval: dataset is given"),
    config=Arg("--config", "-c", help="A spaCy config file to use instead of the generated one"),
    max_steps=Arg("--max-steps", "-n", help="Training steps (batches of 8 documents), without --folds"),
    patterns=Arg("--patterns", "-p", help="Folder of pattern files for the rules the model learns on (saved with it)"),
    folds=Arg(
        "--folds",
        "-k",
        help="Choose the linker's margin and the training length by k-fold cross-validation on the training data, "
        "then train on all of it (0: hold out --eval-split and keep the best model on it instead)",
    ),
)
def quotes_train(
    output_dir: str,
    datasets: str,
    base_model: str = "blank:de",
    eval_split: float = 0.2,
    config: Optional[str] = None,
    max_steps: int = 600,
    patterns: Optional[str] = None,
    folds: int = 5,
) -> None:
    """Train the quote detector and speaker/cue linkers on accepted annotations (spaCy's training loop).

    With --folds (the default), settings are chosen by cross-validation on the training data and the model
    trains on all of it; an eval: dataset is then only scored, and without one the scores printed under
    "selection" (held-out folds) are the honest ones."""
    if folds > 1 and config is None:
        train_names, dev_names = split_datasets(datasets)
        train = load_examples(train_names)
        dev = load_examples(dev_names) if dev_names else train
    else:
        train, dev = train_and_eval(datasets, eval_split)
    scores = train_pipeline(
        Path(output_dir),
        train,
        dev,
        base_model=base_model,
        max_steps=max_steps,
        config_path=Path(config) if config else None,
        folds=folds,
        patterns=patterns,
    )
    print(json.dumps(scores, indent=2))


def curve(
    output_dir: Path, train: List[Task], dev: List[Task], base_model: str, max_steps: int, folds: int = 5
) -> List[Dict[str, Any]]:
    """Train on 25, 50, 75 and 100 % of ``train`` (settings chosen by ``folds``-fold cross-validation on each
    part) and collect each run's scores on ``dev``."""
    rows = []
    shuffled = list(train)
    random.Random(0).shuffle(shuffled)
    for share in (0.25, 0.5, 0.75, 1.0):
        part = shuffled[: max(1, int(len(shuffled) * share))]
        scores = train_pipeline(
            output_dir / f"{int(share * 100)}", part, dev, base_model=base_model, max_steps=max_steps, folds=folds
        )
        perf = scores["performance"]
        rows.append(
            {
                "share": share,
                "examples": len(part),
                **{k: perf.get(k, 0.0) for k in ("quote_exact_f", "quote_speaker_f", "speaker_acc")},
            }
        )
    return rows


def rules_scores(base_model: str, dev: List[Task]) -> Dict[str, float]:
    """The rules' own figures on the evaluation tasks, for the curve to be read against."""
    from .evaluate import predict_tasks
    from .scoring import score_tasks

    result = score_tasks(dev, predict_tasks(f"patterns:{base_lang(base_model)}", dev))
    return {"quote_exact_f": result["quote_exact"]["f"], "quote_speaker_f": result["attribution_e2e"]["f"]}


def plot_curve(rows: List[Dict[str, Any]], path: Path, rules: Optional[Dict[str, float]] = None) -> None:
    """Save the curve as a PNG (needs matplotlib)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    xs = [r["share"] * 100 for r in rows]
    plt.figure(figsize=(5, 3.5))
    for key, name in (("quote_exact_f", "quote exact F1"), ("quote_speaker_f", "quote→speaker F1")):
        line = plt.plot(xs, [r[key] for r in rows], marker="o", label=f"model: {name}")[0]
        if rules is not None:
            plt.axhline(rules[key], linestyle="--", color=line.get_color(), label=f"rules: {name}")
    plt.xlabel("% of training data")
    plt.ylabel("score")
    plt.legend()
    plt.tight_layout()
    plt.savefig(path)


@recipe(
    "quotes.train-curve",
    output_dir=Arg(help="Folder for the runs, curve.json and curve.png"),
    datasets=Arg(help="Comma-separated datasets (or .jsonl task files); prefix eval: for evaluation data"),
    base_model=Arg("--base-model", "-m", help="blank:de, blank:en, or an installed pipeline"),
    eval_split=Arg("--eval-split", "-es", help="Share held out for evaluation when no eval: dataset is given"),
    max_steps=Arg("--max-steps", "-n", help="Training steps per run, without --folds"),
    folds=Arg("--folds", "-k", help="Folds of the cross-validation that chooses each run's settings (0: none)"),
)
def quotes_train_curve(
    output_dir: str,
    datasets: str,
    base_model: str = "blank:de",
    eval_split: float = 0.2,
    max_steps: int = 600,
    folds: int = 5,
) -> None:
    """Train on 25/50/75/100 % of the data to see whether more annotation will help (scored on held-out data)."""
    train, dev = train_and_eval(datasets, eval_split)
    out = Path(output_dir)
    rows = curve(out, train, dev, base_model, max_steps, folds)
    rules = rules_scores(base_model, dev)
    srsly.write_json(out / "curve.json", {"rules": rules, "runs": rows})
    print(
        f"rules on the same evaluation data: exact F1 {rules['quote_exact_f']:.4f}, q→spk F1 {rules['quote_speaker_f']:.4f}"
    )
    print(f"{'%':>5} {'examples':>8} {'exact F1':>9} {'q→spk F1':>9}")
    for r in rows:
        print(f"{r['share'] * 100:5.0f} {r['examples']:8d} {r['quote_exact_f']:9.4f} {r['quote_speaker_f']:9.4f}")
    try:
        plot_curve(rows, out / "curve.png", rules)
        print(f"Plot: {out / 'curve.png'}")
    except ImportError:
        print('matplotlib is not installed: no plot (pip install "prodigy-quotes[plot]" or pip install matplotlib)')
