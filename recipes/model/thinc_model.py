"""The thinc network shared by the components: hashed feature embeddings summed, one hidden layer, one score."""

from typing import List

from spacy.util import registry
from thinc.api import HashEmbed, Linear, Model, Relu, chain, list2ragged, reduce_sum, with_array
from thinc.types import Floats2d, Ints1d

ARCHITECTURE = "prodigy_quotes.CandidateScorer.v1"


@registry.architectures(ARCHITECTURE)
def build_candidate_scorer(width: int = 64, n_hash: int = 2**18, seed: int = 7) -> Model[List[Ints1d], Floats2d]:
    """Score each candidate (a bag of hashed features) with one number; learns well from a few hundred articles.

    Registered, so a component's ``[components.NAME.model]`` block in the config names it and its settings."""
    embed = HashEmbed(nO=width, nV=n_hash, seed=seed)
    return chain(list2ragged(), with_array(embed), reduce_sum(), Relu(nO=width, nI=width), Linear(nO=1, nI=width))
