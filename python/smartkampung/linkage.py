"""Fuzzy record linkage: finding the same person when the NIK is missing or mistyped.

>>> import smartkampung as sk
>>> sk.normalize_name("H. Djoko  Santoso")
'joko santoso'
"""

import math
import warnings
from collections import Counter

from . import _core
from ._core import LinkParts, Linker, LinkResult, compare_level_names, jaro_winkler, name_phonetic_key, normalize_name

__all__ = [
    "LinkParts",
    "Linker",
    "LinkResult",
    "LinkageWarning",
    "compare_level_names",
    "jaro_winkler",
    "link",
    "model_table",
    "name_phonetic_key",
    "normalize_name",
    "pair_quality",
]


class LinkageWarning(UserWarning):
    """Something in a linkage result to look at before using it (see LinkResult.warnings)."""


def link(records, right=None, threshold=None, settings=None, columns=None, as_of=None, progress=None):
    """Finds the records of one person; see ``smartkampung._core.link`` for the arguments.

    Each entry of the result's ``warnings`` (columns with no values, no candidate pairs,
    skipped blocks, clusters above ``max_cluster_size``, identity fields that came out
    weak) is also issued as a :class:`LinkageWarning`, so that none passes in silence.
    """
    res = _core.link(
        records, right=right, threshold=threshold, settings=settings, columns=columns, as_of=as_of, progress=progress
    )
    for text in res.warnings:
        warnings.warn(text, LinkageWarning, stacklevel=2)
    return res


link.__doc__ += "\n" + (_core.link.__doc__ or "")


def model_table(result, as_frame=False):
    """The trained model as rows, one per field and level: field, kind, level, m, u and
    weight (log2 m/u), and for the NIK the weight where birth dates agree
    (``weight_same_date``); then a row ``prior`` with the prior's weight. ``result``: a
    LinkResult or a Linker. With ``as_frame=True``, a pandas DataFrame (pandas needed).
    """
    settings = result.settings
    rows = []
    for f in settings["fields"]:
        levels = _core.compare_level_names(f["kind"])
        u_same = f.get("u_same_date") or []
        for k, level in enumerate(levels):
            m, u = f["m"][k], f["u"][k]
            row = {"field": f["name"], "kind": f["kind"], "level": level, "m": m, "u": u, "weight": math.log2(m / u)}
            if u_same:
                row["weight_same_date"] = math.log2(m / u_same[k])
            rows.append(row)
    prior = settings["prior"]
    rows.append(
        {
            "field": "prior",
            "kind": "",
            "level": "",
            "m": prior,
            "u": 1 - prior,
            "weight": math.log2(prior / (1 - prior)),
        }
    )
    if as_frame:
        import pandas as pd

        return pd.DataFrame(rows)
    return rows


LinkResult.model_table = model_table
Linker.model_table = model_table


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
