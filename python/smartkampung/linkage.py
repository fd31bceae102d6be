"""Fuzzy record linkage: finding the same person when the NIK is missing or mistyped.

    >>> import smartkampung as sk
    >>> sk.normalize_name("H. Djoko  Santoso")
    'joko santoso'
"""

from ._core import Linker, LinkResult, jaro_winkler, link, name_phonetic_key, normalize_name

__all__ = ["Linker", "LinkResult", "jaro_winkler", "link", "name_phonetic_key", "normalize_name"]
