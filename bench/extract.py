"""Benchmark ``quotes extract``: throughput against a floor, and peak memory at 1x and 10x input.

The floor is what any extractor must do anyway: spaCy tokenization plus writing the Prodigy
token dicts. Both run in the same process, interleaved, and the result is a ratio, so a noisy
machine moves both alike. Peak memory is measured in fresh child processes over the same input
repeated 1x and 10x; flat memory means the two peaks are close.

Input: the German WikiNews texts when ../shared/data is present (read by path, never copied),
otherwise the sample articles in seeds/.

    python bench/extract.py [--lang de] [--rounds 3]
    python bench/extract.py --cluster 2 [--repeat 3]   # N local Dask workers against one process

With ``--cluster N`` it writes the input (repeated ``--repeat`` times) to four JSONL files, runs
``quotes extract`` over their glob once in this process and once on a local Dask cluster of N
workers (its start-up included), and prints both throughputs, their ratio, and whether the two
outputs are identical; and, as the reference a cluster can at best reach on this machine, the
same files split among N separate ``quotes extract`` processes started at once.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import List

import spacy
import srsly

ROOT = Path(__file__).resolve().parents[1]
BATCH = 256  # lines per part on the cluster
CORPUS = ROOT.parent / "shared" / "data" / "wikinews-de"


def load_texts() -> List[str]:
    """Corpus texts when available, else the seed articles."""
    texts = []
    for name in ("train.jsonl", "dev.jsonl"):
        if (CORPUS / name).exists():
            texts += [eg["text"] for eg in srsly.read_jsonl(CORPUS / name)]
    if not texts:
        texts = [p.read_text(encoding="utf8") for p in sorted((ROOT / "seeds").glob("*.txt"))] * 50
    return texts


def floor_run(texts: List[str], lang: str) -> float:
    """Seconds to tokenize and write Prodigy tokens."""
    from prodigy_quotes.tasks import tokens_of

    nlp = spacy.blank(lang)
    start = time.perf_counter()
    with open(os.devnull, "w", encoding="utf8") as out:
        for doc in nlp.pipe(texts, batch_size=32):
            out.write(srsly.json_dumps({"text": doc.text, "tokens": tokens_of(doc)}) + "\n")
    return time.perf_counter() - start


def extract_run(texts: List[str], lang: str) -> float:
    """Seconds for the full extract path: rules, task building, hashing, writing."""
    from prodigy_quotes.extraction import extract_tasks
    from prodigy_quotes.pipeline import load_quote_pipeline

    nlp = load_quote_pipeline(f"blank:{lang}")
    source = [{"text": t, "meta": {}} for t in texts]
    start = time.perf_counter()
    with open(os.devnull, "w", encoding="utf8") as out:
        for task in extract_tasks(nlp, source):
            out.write(srsly.json_dumps(task) + "\n")
    return time.perf_counter() - start


def peak_memory_mb(path: Path, lang: str) -> float:
    """Peak resident memory of a fresh ``quotes extract`` process over ``path``."""
    code = (
        "import resource, sys\n"
        "from prodigy_quotes.extract import quotes_extract\n"
        f"quotes_extract('blank:{lang}', sys.argv[1], output=sys.argv[2])\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            [sys.executable, "-c", code, str(path), str(Path(tmp) / "out.jsonl")],
            capture_output=True,
            text=True,
            check=True,
        )
    return int(out.stdout.strip().splitlines()[-1]) / 1024


def cluster_run(texts: List[str], lang: str, workers: int, repeat: int) -> dict:
    """One process against ``workers`` local Dask workers over the same files: docs/s, ratio, same output."""
    from prodigy_quotes.extract import quotes_extract

    docs = [{"text": t, "meta": {"i": i}} for i, t in enumerate(texts * repeat)]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        quarter = len(docs) // 4 + 1
        for k in range(4):
            srsly.write_jsonl(folder / f"part-{k}.jsonl", docs[k * quarter : (k + 1) * quarter])
        pattern = str(folder / "part-*.jsonl")
        started = time.perf_counter()
        quotes_extract(f"blank:{lang}", pattern, output=str(folder / "one.jsonl"))
        one = time.perf_counter() - started
        started = time.perf_counter()
        cluster = f"local:{workers}"
        quotes_extract(
            f"blank:{lang}", pattern, output=str(folder / "cluster.jsonl"), cluster=cluster, batch_size=BATCH
        )
        many = time.perf_counter() - started
        same = (folder / "one.jsonl").read_bytes() == (folder / "cluster.jsonl").read_bytes()
        split = separate_processes(folder, lang, workers)
    from prodigy_quotes.scale import connect_cluster

    started = time.perf_counter()  # what starting the cluster costs once, whatever the input's size
    _, close = connect_cluster(f"local:{workers}")
    close()
    startup = time.perf_counter() - started
    return {
        "docs": len(docs),
        "one_process_docs_per_s": round(len(docs) / one, 1),
        f"cluster_{workers}_workers_docs_per_s": round(len(docs) / many, 1),
        "speedup": round(one / many, 2),
        "cluster_startup_s": round(startup, 1),
        "speedup_after_startup": round(one / max(1e-9, many - startup), 2),
        # the reference a cluster can at best reach here: the files split among N plain `quotes extract`
        # processes started at once (interpreter and pipeline start-up included, no Dask)
        f"separate_{workers}_processes_speedup": round(one / split, 2),
        "cluster_vs_separate_processes": round(split / many, 2),
        "identical_output": same,
    }


def separate_processes(folder: Path, lang: str, n: int) -> float:
    """Seconds for ``n`` separate ``quotes extract`` processes, each over its share of the part files."""
    parts = sorted(folder.glob("part-*.jsonl"))
    shares = [folder / f"share-{k}.jsonl" for k in range(n)]
    for k, share in enumerate(shares):
        share.write_bytes(b"".join(p.read_bytes() for p in parts[k::n]))
    started = time.perf_counter()
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "prodigy_quotes.cli", "extract", f"blank:{lang}", str(share), "-o", f"{share}.out"],
            stdout=subprocess.DEVNULL,
        )
        for share in shares
    ]
    if any(p.wait() for p in procs):
        raise RuntimeError("a separate quotes extract process failed")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", default="de")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cluster", type=int, default=0, help="compare N local Dask workers with one process")
    parser.add_argument("--repeat", type=int, default=3, help="with --cluster: the input this many times")
    args = parser.parse_args()
    texts = load_texts()
    if args.cluster:
        print(json.dumps(cluster_run(texts, args.lang, args.cluster, args.repeat), indent=2))
        return
    n_chars = sum(map(len, texts))
    extract_run(texts[:20], args.lang)  # warm up: pattern loading, caches
    floors, extracts = [], []
    for _ in range(args.rounds):
        floors.append(floor_run(texts, args.lang))
        extracts.append(extract_run(texts, args.lang))
    floor, extract = min(floors), min(extracts)
    result = {
        "docs": len(texts),
        "chars": n_chars,
        "floor_docs_per_s": round(len(texts) / floor, 1),
        "extract_docs_per_s": round(len(texts) / extract, 1),
        "throughput_ratio": round(floor / extract, 3),
    }
    with tempfile.TemporaryDirectory() as tmp:
        once, tenfold = Path(tmp) / "x1.jsonl", Path(tmp) / "x10.jsonl"
        lines = [json.dumps({"text": t, "meta": {"i": i}}, ensure_ascii=False) for i, t in enumerate(texts)]
        once.write_text("\n".join(lines) + "\n", encoding="utf8")
        tenfold.write_text(("\n".join(lines) + "\n") * 10, encoding="utf8")
        result["peak_mb_1x"] = round(peak_memory_mb(once, args.lang), 1)
        result["peak_mb_10x"] = round(peak_memory_mb(tenfold, args.lang), 1)
        result["peak_ratio_10x_vs_1x"] = round(result["peak_mb_10x"] / result["peak_mb_1x"], 3)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
