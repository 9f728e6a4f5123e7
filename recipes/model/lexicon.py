"""Word knowledge the linkers generalise with: Brown clusters and German noun morphology, packed small.

Both come from packages on PyPI and are read only when a linker is initialised for training:

- ``spacy-lookups-data`` (MIT) ships ``<lang>_lexeme_cluster``: about a million words with their Brown
  cluster as an integer whose low bits are the cluster's bit path from the root, so the path's prefixes
  of a few lengths group words from coarse to fine ("betonte" and "bekräftigte" share one cluster).
- ``german-nouns`` (CC BY-SA 4.0, from Wiktionary) lists about 100,000 nouns with their case forms and
  gender; a word form gets the set of (case, number) readings and the genders it may have.

A :class:`Lexicon` keeps either as two sorted arrays (64-bit hash of the word, a 32-bit value), about
12 bytes a word, and is saved with the trained component, so a trained pipeline needs neither package.
"""

import csv
import functools
import gzip
import json
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

import numpy
from spacy.strings import hash_string

from ..errors import QuotesError

CLUSTER_PREFIXES = (4, 6, 8, 12)  # bit-path lengths read as features: coarse to fine
CASES = ("nominativ", "genitiv", "dativ", "akkusativ")
NUMBERS = ("singular", "plural")
GENDERS = ("m", "f", "n")
GENDER_SHIFT = len(CASES) * len(NUMBERS)  # bits 0-7: case x number readings; bits 8-10: genders


class Lexicon:
    """Word -> 32-bit value, as sorted hashes and values (compact, fast to save and load)."""

    def __init__(self, keys: numpy.ndarray, values: numpy.ndarray) -> None:
        """``keys`` sorted, ``values`` in their order (as :meth:`from_items` and :meth:`to_disk` leave them)."""
        self.keys = numpy.ascontiguousarray(keys, dtype="uint64")
        self.values = numpy.ascontiguousarray(values, dtype="uint32")

    @classmethod
    def from_items(cls, items: Iterable[Tuple[str, int]]) -> "Lexicon":
        """A lexicon of (word, value) pairs; a word given twice keeps the bitwise OR of its values."""
        merged: Dict[int, int] = {}
        for word, value in items:
            key = hash_string(word)
            merged[key] = merged.get(key, 0) | int(value)
        keys = numpy.fromiter(merged.keys(), dtype="uint64", count=len(merged))
        values = numpy.fromiter(merged.values(), dtype="uint32", count=len(merged))
        order = numpy.argsort(keys)
        return cls(keys[order], values[order])

    def __len__(self) -> int:
        return len(self.keys)

    def get(self, word: str) -> int:
        """The word's value, 0 when it is not listed."""
        key = numpy.uint64(hash_string(word))
        i = int(numpy.searchsorted(self.keys, key))
        return int(self.values[i]) if i < len(self.keys) and self.keys[i] == key else 0

    def to_disk(self, path: Path) -> None:
        numpy.savez(path, keys=self.keys, values=self.values)

    @classmethod
    def from_disk(cls, path: Path) -> "Lexicon":
        with numpy.load(path) as data:
            return cls(data["keys"], data["values"])


@functools.lru_cache(maxsize=2)
def brown_clusters(lang: str) -> Lexicon:
    """The Brown clusters of ``lang`` from spacy-lookups-data (an empty lexicon for a language it lacks)."""
    try:
        import spacy_lookups_data
    except ImportError as err:
        raise QuotesError(
            "Training the linkers needs the package spacy-lookups-data (Brown clusters)",
            'Install it with: pip install "prodigy-quotes[model]"',
        ) from err
    path = Path(spacy_lookups_data.__file__).parent / "data" / f"{lang}_lexeme_cluster.json.gz"
    if not path.exists():
        return Lexicon.from_items([])
    with gzip.open(path, "rt", encoding="utf8") as f:
        table = json.load(f)
    return Lexicon.from_items(table.items())


def _noun_value(header: List[str], row: List[str]) -> Iterable[Tuple[str, int]]:
    """(form, readings and genders) for every case form of one row of german-nouns' table."""
    genders = 0
    for g in row[2:7]:
        if g in GENDERS:
            genders |= 1 << (GENDER_SHIFT + GENDERS.index(g))
    for col, form in enumerate(row):
        if col < 7 or not form:
            continue
        parts = header[col].split()
        if len(parts) < 2 or parts[0] not in CASES or parts[1].rstrip("*") not in NUMBERS:
            continue
        reading = CASES.index(parts[0]) * len(NUMBERS) + NUMBERS.index(parts[1].rstrip("*"))
        yield form, genders | (1 << reading)


@functools.lru_cache(maxsize=1)
def german_nouns() -> Lexicon:
    """Case, number and gender of German noun forms from the german-nouns package."""
    try:
        from german_nouns.config import CSV_FILE_PATH
    except ImportError as err:
        raise QuotesError(
            "Training a German linker needs the package german-nouns (noun gender, number and case)",
            'Install it with: pip install "prodigy-quotes[model]"',
        ) from err
    cached = _cache_file(Path(CSV_FILE_PATH))
    if cached is not None and cached.exists():
        try:
            return Lexicon.from_disk(cached)
        except (OSError, ValueError, KeyError):
            pass  # a damaged cache is read again from the package
    with open(CSV_FILE_PATH, encoding="utf8", newline="") as f:
        rows = csv.reader(f)
        header = next(rows)
        lexicon = Lexicon.from_items(
            item for row in rows if "Substantiv" in row[1] for item in _noun_value(header, row)
        )
    if cached is not None:
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            partial = cached.with_name(cached.name + ".part.npz")
            lexicon.to_disk(partial)
            partial.replace(cached)
        except OSError:
            pass  # no cache where the folder can't be written: read from the package each time
    return lexicon


def _cache_file(source: Path) -> Optional[Path]:
    """Where the noun lexicon read from ``source`` is kept, so later runs skip parsing its 100,000 rows: a file in
    ``$PRODIGY_HOME/cache`` named for the source's size and time (a new package version is read anew)."""
    from ..config import prodigy_home

    try:
        stat = source.stat()
    except OSError:
        return None
    return prodigy_home() / "cache" / f"german-nouns-{stat.st_size}-{int(stat.st_mtime)}-v{LEXICON_VERSION}.npz"


LEXICON_VERSION = 1  # of the values _noun_value writes: a change reads the package again


@functools.lru_cache(maxsize=1)
def installed_german_nouns() -> Optional[Lexicon]:
    """German noun forms where the german-nouns package is installed, else None (speaker resolution then goes by
    the mention's own words alone)."""
    try:
        return german_nouns()
    except QuotesError:
        return None


def lexicons(lang: str) -> Tuple[Lexicon, Lexicon]:
    """The Brown clusters and noun forms of ``lang`` (empty where a package does not cover the language)."""
    return brown_clusters(lang), german_nouns() if lang == "de" else Lexicon.from_items([])


def cluster_features(value: int, name: str) -> List[str]:
    """Features of a Brown cluster: its bit-path prefixes of several lengths (none for an unknown word)."""
    if not value:
        return []
    return [f"{name}{n}={value & ((1 << n) - 1)}" for n in CLUSTER_PREFIXES]


def noun_reading(value: int) -> Optional[Tuple[str, str, str]]:
    """(cases, numbers, genders) a noun form may have, each as letters ("na", "sp", "f"); None if unknown."""
    if not value:
        return None
    cases = "".join(
        c[0] for k, c in enumerate(CASES) if any(value >> (k * len(NUMBERS) + n) & 1 for n in range(len(NUMBERS)))
    )
    numbers = "".join(
        n[0] for j, n in enumerate(NUMBERS) if any(value >> (k * len(NUMBERS) + j) & 1 for k in range(len(CASES)))
    )
    genders = "".join(g for k, g in enumerate(GENDERS) if value >> (GENDER_SHIFT + k) & 1)
    return cases, numbers, genders
