"""Fuzzy record linkage: finding the same person when the NIK is missing or mistyped.

    >>> import smartkampung as sk
    >>> sk.normalize_name("H. Djoko  Santoso")
    'joko santoso'
"""

from collections import Counter

from ._core import Linker, LinkResult, jaro_winkler, link, name_phonetic_key, normalize_name

__all__ = ["Linker", "LinkResult", "jaro_winkler", "link", "name_phonetic_key", "normalize_name",
           "pair_quality"]


def pair_quality(cluster_ids, truth, left=None):
    """Pairwise (precision, recall, F1) of a clustering against ground truth.

    Pairs are counted from the clusters (every pair of records in one cluster), as
    Splink and the FEBRL literature do. ``cluster_ids`` and ``truth`` give one label per
    record. With ``left`` (two linked lists: records ``[0, left)`` then the right list),
    only cross pairs count. No predicted pair gives precision 1.0; no true pair gives
    recall 1.0.
    """
    ids = [int(c) if hasattr(c, "__index__") else c for c in cluster_ids]
    ent = list(truth)
    if len(ids) != len(ent):
        raise ValueError("cluster_ids and truth must have one label per record")

    def pairs(labels):
        if left is None:
            return sum(n * (n - 1) // 2 for n in Counter(labels).values())
        sides = Counter((lab, i < left) for i, lab in enumerate(labels))
        return sum(n * sides.get((lab, False), 0) for (lab, is_left), n in sides.items() if is_left)

    tp, found, true = pairs(list(zip(ids, ent))), pairs(ids), pairs(ent)
    precision = tp / found if found else 1.0
    recall = tp / true if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1
