"""Synthetic sample data: a Banyuwangi population and its aid programmes' lists.

Nothing here is a real person's data: names are drawn from common Indonesian given
names, NIKs and KKs are built from Banyuwangi's 25 district codes (351001..351025) with
random dates and serials. Generated in C++, deterministic for a seed.

    >>> import smartkampung as sk
    >>> s = sk.sample.banyuwangi(1000, seed=1)
    >>> reg = sk.Registry()
    >>> for program, level in s.programs():
    ...     _ = reg.add_records(s.program_records(program), program=program, level=level)
"""

from ._core import SamplePopulation, _sample_banyuwangi

__all__ = ["SamplePopulation", "banyuwangi", "to_registry"]


def banyuwangi(n_persons, seed=0):
    """A synthetic population of about ``n_persons`` persons in households (KK) of
    Banyuwangi and the recipient lists of PKH, BPNT, BST, BLT_DD (central), JATIM_BKK
    (provincial), SEMBAKO_BWI, GIZI_BUMIL and DONASI_ASN (regency).

    Returns a :class:`SamplePopulation`:

    - ``.persons``: the ground truth, a dict of numpy arrays (``nik``, ``kk``, ``name``,
      ``birth_date`` as datetime64[D], ``sex``, ``district``, ``village``, ``rt``, ``rw``,
      ``relation``), one entry per person;
    - ``.records``: every listing as a district office has it, a dict of numpy str arrays
      (``program``, ``level``, ``nik``, ``kk``, ``name``, ``birth_date``, ``sex``, ``address``,
      ``village``, ``district``, ``rt``, ``rw``; ``''`` is missing) plus ``person`` (int64,
      the index of the true person) and ``damage`` (``''`` or one of ``duplicate``,
      ``name_variant``, ``conflict``, ``apostrophe``, ``dot_zero``, ``scientific``,
      ``missing_nik``, ``mistyped_nik``);
    - ``.program_records(program)``: one list as dicts for ``Registry.add_records``;
    - ``.programs()``: ``[(program, level), ...]``;
    - ``.write_csv(folder)``: one CSV per programme, in mixed office styles.

    Lists overlap (poorer households are in several), hold in-list duplicates, conflicts
    (another birth date), name spelling variants (Moch./Muhammad, Sholeh/Soleh,
    Djoko/Joko), spreadsheet damage and missing or mistyped NIKs.
    """
    if n_persons < 0:
        raise ValueError("n_persons must be >= 0")
    return _sample_banyuwangi(int(n_persons), int(seed))


def to_registry(sample, registry=None):
    """Loads every programme of a sample into a Registry (a new one unless given);
    returns ``(registry, {program: LoadReport})``."""
    from ._core import Registry

    reg = registry if registry is not None else Registry()
    reports = {}
    for program, level in sample.programs():
        reports[program] = reg.add_records(sample.program_records(program), program=program, level=level)
    return reg, reports
