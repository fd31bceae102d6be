"""The registry: every programme's recipient list crossed on NIK and KK.

>>> import smartkampung as sk
>>> reg = sk.Registry()
>>> rep = reg.add_records([{"nik": "3510014501900001", "name": "Siti"}], program="PKH")
>>> reg.programs_of("3510014501900001")
['PKH']
"""

from ._core import DedupReport, LoadReport, Registry, ReportOutcome, merge_dedup_reports

__all__ = ["DedupReport", "LoadReport", "Registry", "ReportOutcome", "merge_dedup_reports"]
