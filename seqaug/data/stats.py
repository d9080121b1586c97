"""Corpus statistics (the numbers papers print in their dataset tables)."""

from __future__ import annotations

import numpy as np

from seqaug.data.corpus import SequenceCorpus


def corpus_stats(corpus: SequenceCorpus) -> dict[str, float | int]:
    """Users, items (distinct ids used), interactions, average length, sparsity and more."""
    lengths = corpus.lengths
    used_items = int(np.count_nonzero(corpus.item_counts()))
    users, nnz = corpus.num_users, corpus.num_interactions
    # Repeat consumption: positions whose item already occurred earlier for that user.
    user_of = np.repeat(np.arange(users, dtype=np.int64), lengths)
    pair = user_of * (corpus.num_items + 2) + corpus.items
    _, first = np.unique(pair, return_index=True)
    repeats = nnz - len(first)
    last_pos = corpus.offsets[1:] - 1
    is_first = np.zeros(nnz, dtype=bool)
    is_first[first] = True
    repeat_targets = int((~is_first[last_pos]).sum())
    return {
        "users": users,
        "items": used_items,
        "interactions": nnz,
        "avg_length": float(lengths.mean()),
        "min_length": int(lengths.min()),
        "median_length": float(np.median(lengths)),
        "max_length": int(lengths.max()),
        "sparsity": 1.0 - nnz / (users * max(used_items, 1)),
        "repeat_interactions": int(repeats),
        "repeat_test_targets": repeat_targets,
    }


def format_stats(stats: dict[str, float | int]) -> str:
    """Human-readable, thousands separated."""
    rows = [
        ("users", f"{stats['users']:,}"),
        ("items", f"{stats['items']:,}"),
        ("interactions", f"{stats['interactions']:,}"),
        ("avg length", f"{stats['avg_length']:.2f}"),
        ("min / median / max length", f"{stats['min_length']} / {stats['median_length']:g} / {stats['max_length']}"),
        ("sparsity", f"{stats['sparsity'] * 100:.2f}%"),
        ("repeat interactions", f"{stats['repeat_interactions']:,}"),
        ("test targets seen earlier", f"{stats['repeat_test_targets']:,}"),
    ]
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)
