"""Accuracy of the German tagger (quote_tagger_de, HanTa) against the UD German treebanks' STTS tags.

Reads ``../shared/data/ud-german/*.conllu`` by path (never copied) and tags each sentence's gold words
as the component does (quote marks normalised, unknown capitalised words as a stand-in noun); prints
STTS and UPOS accuracy per file and tokens/s. Exits cleanly when the treebanks are absent.

    python bench/tagger.py [--files de_gsd-ud-test.conllu,de_pud-ud-test.conllu]
"""

import argparse
import json
import time
from pathlib import Path

import spacy
from spacy.tokens import Doc

UD = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "ud-german"


def sentences(path: Path):
    words, tags, upos = [], [], []
    for line in path.open(encoding="utf8"):
        line = line.rstrip("\n")
        if not line:
            if words:
                yield words, tags, upos
            words, tags, upos = [], [], []
        elif not line.startswith("#"):
            cols = line.split("\t")
            if cols[0].isdigit():
                words.append(cols[1])
                upos.append(cols[3])
                tags.append(cols[4])
    if words:
        yield words, tags, upos


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", default="de_gsd-ud-test.conllu,de_pud-ud-test.conllu")
    args = parser.parse_args()
    if not UD.exists():
        print(f"skipped: {UD} not found")
        return
    from prodigy_quotes.syntax import QuoteTagger

    nlp = spacy.blank("de")
    tagger = QuoteTagger(nlp, scope="all")
    for name in args.files.split(","):
        ok = ok_upos = total = 0
        started = time.perf_counter()
        for words, tags, upos in sentences(UD / name):
            doc = Doc(nlp.vocab, words=words)
            tagger._tag(list(doc))
            for token, gold, gold_upos in zip(doc, tags, upos):
                total += 1
                ok += token.tag_ == gold
                ok_upos += token.pos_ == gold_upos
        seconds = time.perf_counter() - started
        print(
            json.dumps(
                {
                    "file": name,
                    "tokens": total,
                    "stts_acc": round(ok / total, 4),
                    "upos_acc": round(ok_upos / total, 4),
                    "tokens_per_s": round(total / seconds),
                }
            )
        )


if __name__ == "__main__":
    main()
