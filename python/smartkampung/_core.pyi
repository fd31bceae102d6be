"""
Compiled core of smartkampung (private: import smartkampung instead).
"""
from __future__ import annotations
import collections.abc
import numpy
import numpy.typing
from smartkampung import Cancelled
from smartkampung import CertificateError
from smartkampung import Error
from smartkampung import NikError
from smartkampung import NotFound
from smartkampung import RuleError
import typing
__all__: list[str] = ['Cancelled', 'CertificateError', 'CertificateRegistry', 'Decision', 'DedupReport', 'Error', 'FacilityIndex', 'KkInfo', 'LinkParts', 'LinkResult', 'Linker', 'LoadReport', 'NikError', 'NikInfo', 'NotFound', 'PublicKey', 'Reason', 'Registry', 'ReportOutcome', 'RuleError', 'RuleSet', 'RuleTestFailure', 'SamplePopulation', 'SigningKey', 'cert_generate_key', 'cert_qr_png', 'cert_qr_svg', 'cert_verify', 'compare_level_names', 'is_valid_kk', 'is_valid_nik', 'jaro_winkler', 'link', 'mask_nik', 'merge_dedup_reports', 'name_phonetic_key', 'normalize_name', 'parse_kk', 'parse_nik', 'region_name', 'validate_kks', 'validate_niks', 'wgs84_distance']
class NikInfo:
    """
    A decoded NIK (national identity number).
    """
    def __repr__(self) -> str:
        ...
    @property
    def birth_date(self) -> typing.Any:
        """
        Birth date (datetime.date).
        """
    @property
    def district(self) -> str:
        """
        District code, e.g. '351001'.
        """
    @property
    def district_name(self) -> typing.Any:
        """
        District name, or None where the table does not know the code.
        """
    @property
    def nik(self) -> str:
        """
        The 16 digits.
        """
    @property
    def province(self) -> str:
        """
        Province code, e.g. '35'.
        """
    @property
    def province_name(self) -> typing.Any:
        """
        Province name, or None.
        """
    @property
    def regency(self) -> str:
        """
        Regency code, e.g. '3510'.
        """
    @property
    def regency_name(self) -> typing.Any:
        """
        Regency name, or None where the table does not know the code.
        """
    @property
    def repaired(self) -> bool:
        """
        True when a leading apostrophe or trailing '.0' was stripped.
        """
    @property
    def serial(self) -> int:
        """
        The 4-digit serial as an int.
        """
    @property
    def sex(self) -> str:
        """
        'F' or 'M' (day + 40 marks a woman).
        """
class KkInfo:
    """
    A decoded KK (family card) number.
    """
    def __repr__(self) -> str:
        ...
    @property
    def district(self) -> str:
        """
        District code, e.g. '351001'.
        """
    @property
    def district_name(self) -> typing.Any:
        """
        District name, or None where the table does not know the code.
        """
    @property
    def issue_date(self) -> typing.Any:
        """
        Issue date (datetime.date).
        """
    @property
    def kk(self) -> str:
        """
        The 16 digits.
        """
    @property
    def province(self) -> str:
        """
        Province code, e.g. '35'.
        """
    @property
    def province_name(self) -> typing.Any:
        """
        Province name, or None.
        """
    @property
    def regency(self) -> str:
        """
        Regency code, e.g. '3510'.
        """
    @property
    def regency_name(self) -> typing.Any:
        """
        Regency name, or None where the table does not know the code.
        """
    @property
    def repaired(self) -> bool:
        """
        True when a leading apostrophe or trailing '.0' was stripped.
        """
    @property
    def serial(self) -> int:
        """
        The 4-digit serial as an int.
        """
class _ArrowTable:
    """
    A result table in Arrow's layout (see smartkampung.Table).
    """
    def __arrow_c_schema__(self) -> typing.Any:
        """
        The table's schema as an Arrow C schema (PyCapsule protocol).
        """
    def __arrow_c_stream__(self, requested_schema: typing.Any = None) -> typing.Any:
        """
        The table as an Arrow C stream (PyCapsule protocol).
        """
    def _column(self, name: str) -> tuple:
        """
        (kind, values, valid mask or None, categories): a column in numpy form; int, float, date (days) and timestamp (seconds) values are views of the table's buffers.
        """
    def _rows(self, names: typing.Any = None) -> list:
        """
        The rows as tuples of Python values (of `names`, or every column).
        """
    @property
    def column_names(self) -> list[str]:
        ...
    @property
    def num_rows(self) -> int:
        ...
class LoadReport:
    """
    Outcome of a load: rows loaded; rows rejected (only for want of a usable NIK, or a record the file's structure cannot give); fields left empty; repairs; columns used and ignored; the date column's order; quotes left open.
    """
    def __repr__(self) -> str:
        ...
    @property
    def columns(self) -> dict:
        """
        Our field -> the header it was read from.
        """
    @property
    def date_order(self) -> str:
        """
        Day/month order decided for the birth_date column: 'day_first', 'month_first' or 'unknown'.
        """
    @property
    def file(self) -> str:
        """
        The file loaded ('' for records given in memory).
        """
    @property
    def ignored_columns(self) -> list[str]:
        """
        Headers that match no field, in file order.
        """
    @property
    def loaded(self) -> int:
        """
        Rows loaded.
        """
    @property
    def nulled(self) -> dict:
        """
        Fields that could not be read and were left empty: {field: [lines]} (the rows were loaded).
        """
    @property
    def quote_runs(self) -> list:
        """
        Quotes left open that swallowed lines: dicts (first_line, last_line, recovered records).
        """
    @property
    def rejected(self) -> list:
        """
        List of (line, reason): the 1-based physical line where the row starts (header = line 1).
        """
    @property
    def rejected_rows(self) -> list:
        """
        Every rejected row as a dict (file, line, reason, raw). 'raw' is the row's text as in the file: personal data, for the report only, never for a log.
        """
    @property
    def rejected_share(self) -> float:
        """
        rejected / rows (0 when empty).
        """
    @property
    def repaired(self) -> int:
        """
        Rows whose NIK or KK had spreadsheet damage repaired.
        """
    @property
    def repairs(self) -> dict:
        """
        Repairs by kind: {'apostrophe': n, 'dot_zero': n, 'formula_text': n, 'digit_groups': n} (kinds seen).
        """
    @property
    def rows(self) -> int:
        """
        Data rows seen: loaded + rejected.
        """
    @property
    def unkeyed(self) -> int:
        """
        Rejected rows kept aside (for linkage) because their NIK was missing or invalid.
        """
class DedupReport:
    """
    Exact dedup on NIK and KK; NIK/KK are 16-character str.
    """
    @staticmethod
    def from_json(text: str) -> DedupReport:
        """
        Reads a report written by to_json().
        """
    def __eq__(self, arg0: typing.Any) -> typing.Any:
        ...
    def __getstate__(self) -> tuple[str]:
        ...
    def __hash__(self) -> int:
        ...
    def __repr__(self) -> str:
        ...
    def __setstate__(self, arg0: tuple) -> None:
        ...
    def to_csv(self, folder: str) -> None:
        """
        Writes summary.csv, duplicates.csv, overlaps.csv, conflicts.csv, nik_mismatches.csv and exclusion_violations.csv into an existing folder.
        """
    def to_json(self) -> str:
        """
        The report as JSON (schema 'skamp-dedup-report/1').
        """
    @property
    def conflicts(self) -> typing.Any:
        """
        Table (nik) of NIKs whose records disagree on name (folded), birth date or sex; iterates as NIKs.
        """
    @property
    def duplicates(self) -> typing.Any:
        """
        Table (program, nik, count): a NIK listed count times in one programme; rows are tuples.
        """
    @property
    def exclusion_violations(self) -> typing.Any:
        """
        Table (key, scope, program_a, program_b): KK for household-scope pairs (scope 'kk'), NIK for person-scope ones; rows iterate as (key, program_a, program_b).
        """
    @property
    def likely_duplicates(self) -> typing.Any:
        """
        With dedup(fuzzy=True): Table (program_a, line_a, nik_a, program_b, line_b, nik_b, probability) of records linkage found to be one person across different or missing NIKs (rows answer row['program_a']); None in an exact report.
        """
    @property
    def nik_mismatches(self) -> typing.Any:
        """
        Table (nik) of NIKs with a record whose birth date or sex disagrees with the NIK; iterates as NIKs.
        """
    @property
    def overlaps(self) -> typing.Any:
        """
        Table (nik, programs, count) of NIKs in two or more programmes; also a mapping NIK -> sorted programmes (overlaps[nik], items()).
        """
    @property
    def records(self) -> int:
        """
        Keyed enrolments examined.
        """
    @property
    def unique_households(self) -> int:
        """
        Distinct KKs.
        """
    @property
    def unique_persons(self) -> int:
        """
        Distinct NIKs.
        """
    @property
    def unkeyed(self) -> int:
        """
        Records held aside without a valid NIK.
        """
class ReportOutcome:
    """
    The immediate answer to an online report.
    """
    def __repr__(self) -> str:
        ...
    @property
    def accepted(self) -> bool:
        """
        True when queued for verification.
        """
    @property
    def detail(self) -> str:
        """
        A sentence for the resident.
        """
    @property
    def programs(self) -> list[str]:
        """
        Programmes behind a refusal.
        """
    @property
    def queue_position(self) -> int:
        """
        1-based queue position when accepted.
        """
    @property
    def reason(self) -> str:
        """
        'accepted', 'invalid_nik', 'invalid_record', 'already_enrolled', 'household_covered' or 'duplicate_report'.
        """
class Registry:
    """
    Every programme's recipient list, crossed on NIK and KK. Reads are safe from many threads, also during a load (they see the old or the new state).
    """
    @staticmethod
    def load(path: typing.Any, public_keys: typing.Any = None, allow_unsigned: bool = False, progress: typing.Any = None) -> Registry:
        """
        Reads a file written by save(); a damaged file raises smartkampung.Error. With public_keys (PublicKey objects, district.pub paths or texts) the signature must verify by one of them: an unsigned file (unless allow_unsigned), one signed by another key or changed after signing raises smartkampung.Error saying 'not signed' or naming the key id. Progress is told three stages (read, seal checked, parsed).
        """
    def __init__(self, as_of: typing.Any = None) -> None:
        """
        A new empty registry; as_of (datetime.date, default today in Asia/Jakarta) decides NIK centuries.
        """
    def __len__(self) -> int:
        """
        Keyed enrolments over all programmes.
        """
    def __repr__(self) -> str:
        ...
    def _repr_html_(self) -> str:
        """
        An HTML summary for notebooks: the programmes held and their counts (no personal data).
        """
    def add_records(self, records: typing.Any, program: str, level: str = 'central', columns: typing.Any = None, progress: typing.Any = None) -> LoadReport:
        """
        Adds records (a list of dicts, or a pandas DataFrame) to a programme's list, their keys or columns matched as a CSV file's headers are (aliases, or columns={'nik': 'NIK_KPM'}); returns a LoadReport whose lines are 1-based positions in the list. Progress is told the rows read.
        """
    def correct_record(self, program: str, nik: str, record: typing.Any) -> int:
        """
        Replaces the record(s) of a NIK in a programme by a corrected record (a dict).
        """
    def dedup(self, fuzzy: bool = False, threshold: typing.Any = None, progress: typing.Any = None) -> DedupReport:
        """
        Dedup over every programme (recomputed each call); returns a DedupReport. With fuzzy=True the records are also linked (sk.link's Indonesian settings; threshold = match probability, None = default) and report.likely_duplicates lists the records of one person across different or missing NIKs. Progress is told the stages (the exact dedup, link's six, the report).
        """
    def diff(self, program: str, records_or_path: typing.Any) -> dict:
        """
        Compares a programme's list with a new version: {'added': [...], 'dropped': [...], 'changed': [...]} (NIKs). Nothing changes.
        """
    def drop_program(self, program: str) -> bool:
        """
        Removes a programme; False if not held.
        """
    def exclusions_json(self) -> str:
        """
        The exclusion table as JSON (format skamp-conflicts/1).
        """
    def load_csv(self, path: typing.Any, program: str, level: str = 'central', columns: typing.Any = None, progress: typing.Any = None) -> LoadReport:
        """
        Adds a CSV file's (or an .xlsx workbook's, 'file.xlsx#Sheet' for a sheet other than the first, with openpyxl installed) rows to a programme's list. Headers are matched through the alias table (NIK, No. NIK, NIK_KPM, No. KK, Tgl. Lahir, TTL, L/P, ...); columns maps our field names to the file's headers ({'nik': 'NOMOR INDUK'}) over it. Returns a LoadReport; a file that cannot be read raises and changes nothing. Progress is told the bytes read (rows for a workbook).
        """
    def programs(self) -> list:
        """
        The programmes held: list of dicts with name, level, records, unkeyed.
        """
    def programs_of(self, nik: str) -> list[str]:
        """
        Sorted programmes of a person; raises NikError for an invalid NIK.
        """
    def programs_of_kk(self, kk: str) -> list[str]:
        """
        Sorted programmes of a household (any member); raises NikError for an invalid KK.
        """
    def public_check(self, nik: str) -> dict:
        """
        What an anonymous visitor may see: {'nik': masked, 'name': initials + '***' or None, 'programs': [...], 'found': bool}. Raises NikError for an invalid NIK.
        """
    def records(self, program: str) -> typing.Any:
        """
        A programme's records (normalised) as a Table: program, nik, kk, name, birth_date, sex, address, village, district, rt, rw, line; rows answer row['name'].
        """
    def remove_record(self, program: str, nik: str) -> int:
        """
        Removes every record of a NIK from a programme; returns how many.
        """
    def replace_program(self, program: str, records_or_path: typing.Any, level: str = 'central', columns: typing.Any = None, force: bool = False, max_rejected: typing.SupportsFloat | typing.SupportsIndex = 0.05, progress: typing.Any = None) -> LoadReport:
        """
        Swaps a programme's whole list atomically (the monthly update) for records, a CSV file or a workbook. A new list with more than max_rejected (a share, default 0.05) of its rows rejected is refused with smartkampung.Error and nothing changes, unless force=True. Progress is told the bytes (a CSV file) or rows read.
        """
    def report(self, record: typing.Any, at: typing.Any, program: typing.Any = None) -> ReportOutcome:
        """
        An online report (a dict with nik, kk, name, ...; optionally 'program'): refused with a reason or queued. at: datetime (naive = WIB), date, or UTC seconds.
        """
    def reports(self) -> list:
        """
        The queue of accepted reports, oldest first (list of dicts).
        """
    def save(self, path: typing.Any, key: typing.Any = None, progress: typing.Any = None) -> None:
        """
        Writes the whole registry to one file, atomically (temporary file, then rename), sealed with its SHA-256; with `key` (a SigningKey or district.key path, defaulting to SMARTKAMPUNG_KEY when set) also signed with Ed25519, so that a reader holding the public key refuses an edited and resealed file. Progress is told three stages (snapshot, seal, write); a cancel before the last writes nothing.
        """
    def set_exclusions(self, pairs: typing.Any) -> None:
        """
        Programmes that may not be held together: [(a, b, scope)], scope 'person' or 'kk' (default 'kk').
        """
    def unkeyed(self, program: str) -> list:
        """
        Records held aside for lack of a valid NIK (nik as given).
        """
    @property
    def as_of(self) -> typing.Any:
        """
        The reference date for NIK centuries.
        """
class SamplePopulation:
    """
    A synthetic Banyuwangi population with programme lists and ground truth.
    """
    def __repr__(self) -> str:
        ...
    def program_records(self, program: str) -> list:
        """
        One programme's records as a list of dicts, ready for Registry.add_records.
        """
    def programs(self) -> list:
        """
        The sample's programmes as (name, level) pairs.
        """
    def write_csv(self, folder: typing.Any) -> list[str]:
        """
        Writes <folder>/<PROGRAM>.csv for every programme; returns the paths.
        """
    @property
    def n_persons(self) -> int:
        ...
    @property
    def n_records(self) -> int:
        ...
    @property
    def persons(self) -> dict:
        """
        Ground truth, one entry per person: dict of numpy arrays nik, kk, name, birth_date (datetime64[D]), sex, district (6-digit code), village, rt, rw, relation (0 head, 1 spouse, 2 child).
        """
    @property
    def records(self) -> dict:
        """
        Programme records as listed (text, with damage): dict of numpy arrays program, level, nik, kk, name, birth_date, sex, address, village, district, rt, rw (str; '' = missing), person (int64: the true person's index) and damage ('' or what was done to the record).
        """
class LinkResult:
    """
    The outcome of link(): cluster ids, kept pairs and explanations.
    """
    @staticmethod
    def model_table(result, as_frame = False):
        """
        The trained model as rows, one per field and level: field, kind, level, m, u and
            weight (log2 m/u), and for the NIK the weight where birth dates agree
            (``weight_same_date``); then a row ``prior`` with the prior's weight. ``result``: a
            LinkResult or a Linker. With ``as_frame=True``, a pandas DataFrame (pandas needed).
            
        """
    def __len__(self) -> int:
        ...
    def __repr__(self) -> str:
        ...
    def explain(self, i: typing.SupportsInt | typing.SupportsIndex, j: typing.SupportsInt | typing.SupportsIndex) -> dict:
        """
        Per field, the comparison level reached and its weight (log2 of m/u, with any term-frequency part), plus a 'prior' entry; the weights sum to match_weight(i, j).
        """
    def household_apart(self, i: typing.SupportsInt | typing.SupportsIndex, j: typing.SupportsInt | typing.SupportsIndex) -> bool:
        """
        True when the household rule keeps the two records apart.
        """
    def match_weight(self, i: typing.SupportsInt | typing.SupportsIndex, j: typing.SupportsInt | typing.SupportsIndex) -> float:
        """
        The match weight (log2 odds) of a pair.
        """
    def probability(self, i: typing.SupportsInt | typing.SupportsIndex, j: typing.SupportsInt | typing.SupportsIndex) -> float:
        """
        The match probability of a pair.
        """
    @property
    def cluster_ids(self) -> numpy.typing.NDArray[numpy.int64]:
        """
        numpy int64 array, one id per record (the smallest record index of its cluster).
        """
    @property
    def clusters(self) -> typing.Any:
        """
        Table (record, cluster_id, confidence): one row per record, cluster_id the smallest record index of its cluster.
        """
    @property
    def confidence(self) -> numpy.typing.NDArray[numpy.float64]:
        """
        numpy float64 array: per record, the lowest probability among the pairs that joined its cluster (1.0 alone).
        """
    @property
    def pairs(self) -> typing.Any:
        """
        Table (i, j, probability, match_weight) of the pairs at or above the threshold, i < j; rows iterate as (i, j, probability).
        """
    @property
    def settings(self) -> dict:
        """
        The settings with the trained m, u and prior (a dict; pass it back to reuse the model).
        """
    @property
    def stats(self) -> dict:
        """
        Counts and timing of the run.
        """
    @property
    def warnings(self) -> list[str]:
        """
        What to look at before using the result (empty columns, no candidates, skipped blocks, large clusters, weak identity fields). sk.link also issues each as a LinkageWarning.
        """
    @property
    def weight_histogram(self) -> numpy.typing.NDArray[numpy.uint64]:
        """
        numpy uint64 array of 129 counts: candidate pairs by match weight (no term-frequency part), bin k holding weights in [k - 64, k - 63).
        """
class Linker:
    """
    Incremental linking: fit once, then add and remove records without a re-run. Safe from several Python threads: calls on one Linker run one at a time.
    """
    @staticmethod
    def load(path: typing.Any) -> Linker:
        """
        Reads a file written by save(); a damaged file raises smartkampung.Error.
        """
    @staticmethod
    def model_table(result, as_frame = False):
        """
        The trained model as rows, one per field and level: field, kind, level, m, u and
            weight (log2 m/u), and for the NIK the weight where birth dates agree
            (``weight_same_date``); then a row ``prior`` with the prior's weight. ``result``: a
            LinkResult or a Linker. With ``as_frame=True``, a pandas DataFrame (pandas needed).
            
        """
    def __getstate__(self) -> tuple[bytes]:
        ...
    def __init__(self, settings: typing.Any = None) -> None:
        """
        settings: None (defaults for registry records), a dict or a JSON string. Settings with m, u and prior for every field (e.g. LinkResult.settings) need no fit().
        """
    def __len__(self) -> int:
        ...
    def __repr__(self) -> str:
        ...
    def __setstate__(self, arg0: tuple) -> None:
        ...
    def add(self, record: typing.Any) -> tuple[int, list]:
        """
        Adds a record (its index is len(linker) before the call); returns (cluster_id, matches) with matches [(index, probability)] at or above the threshold, best first.
        """
    def candidates(self, record: typing.Any, k: typing.SupportsInt | typing.SupportsIndex = 5) -> list:
        """
        The k best indexed records for a record (not added) as [(index, probability)].
        """
    def explain(self, i: typing.SupportsInt | typing.SupportsIndex, j: typing.SupportsInt | typing.SupportsIndex) -> dict:
        """
        As LinkResult.explain.
        """
    def fit(self, records: typing.Any, progress: typing.Any = None) -> None:
        """
        Trains and clusters the records, replacing any content. progress as sk.link's (stages); a cancelled fit keeps the previous content.
        """
    def remove(self, index: typing.SupportsInt | typing.SupportsIndex) -> None:
        """
        Removes a record; its cluster is re-formed. Raises NotFound for an unknown index.
        """
    def save(self, path: typing.Any) -> None:
        """
        Writes the whole linker (model, records, clusters) to one file, atomically (temporary file, then rename). Linker.load() gives a linker that answers every call as this one.
        """
    @property
    def cluster_ids(self) -> numpy.typing.NDArray[numpy.int64]:
        """
        numpy int64 array: cluster id per index (smallest index of its cluster), -1 if removed.
        """
    @property
    def clusters(self) -> typing.Any:
        """
        Table (record, cluster_id, confidence): cluster_id -1 for removed records, confidence null.
        """
    @property
    def settings(self) -> dict:
        """
        The settings with trained parameters (a dict).
        """
class Reason:
    """
    Why a decision is not 'eligible': a failing (or unknown) rule.
    """
    def __repr__(self) -> str:
        ...
    @property
    def code(self) -> str:
        """
        Reason code, e.g. 'SUDAH_MENERIMA'.
        """
    @property
    def message_en(self) -> str:
        """
        Message in English, values interpolated.
        """
    @property
    def message_id(self) -> str:
        """
        Message in Indonesian, values interpolated.
        """
    @property
    def rule(self) -> str:
        """
        Id of the rule ('' for OUT_OF_PERIOD / AMOUNT_UNKNOWN).
        """
    @property
    def unknown(self) -> bool:
        """
        True when the rule could not be decided (missing data).
        """
    @property
    def values(self) -> dict:
        """
        Explain mode: the fields the rule read and their values (NIKs masked).
        """
class Decision:
    """
    The decision on one record.
    """
    def __repr__(self) -> str:
        ...
    def to_json(self) -> str:
        """
        The decision as JSON text (schema skamp-decision/1).
        """
    @property
    def amount(self) -> int:
        """
        Monthly rupiah in force on the decision date; 0 unless eligible.
        """
    @property
    def as_of(self) -> typing.Any:
        """
        The decision date.
        """
    @property
    def decision(self) -> str:
        """
        'eligible', 'ineligible' or 'needs_data'.
        """
    @property
    def priority(self) -> int:
        """
        The rule set's priority expression (0 when absent).
        """
    @property
    def reasons(self) -> list[Reason]:
        """
        List of Reason (empty when eligible).
        """
    @property
    def ruleset(self) -> str:
        """
        Rule set id.
        """
    @property
    def sha256(self) -> str:
        """
        SHA-256 of the rule set's canonical JSON.
        """
    @property
    def version(self) -> str:
        """
        Rule set version.
        """
class RuleTestFailure:
    """
    A failing embedded test of a rule set.
    """
    def __repr__(self) -> str:
        ...
    @property
    def message(self) -> str:
        ...
    @property
    def name(self) -> str:
        ...
class RuleSet:
    """
    Eligibility rules as data (format skamp-rules/1), parsed, type-checked and compiled once. Immutable and safe to share between threads.
    """
    @staticmethod
    def builtin(name: str, conflicts: typing.Any = None, *, max_work: typing.Any = None, assumed_list_length: typing.Any = None) -> RuleSet:
        """
        A rule set shipped inside the library (max_work, assumed_list_length: as from_json).
        """
    @staticmethod
    def builtin_names() -> list[str]:
        """
        Names of the shipped rule sets.
        """
    @staticmethod
    def from_file(path: str, conflicts: typing.Any = None, *, max_work: typing.Any = None, assumed_list_length: typing.Any = None) -> RuleSet:
        """
        As from_json, reading a file.
        """
    @staticmethod
    def from_json(text: str, conflicts: typing.Any = None, *, max_work: typing.Any = None, assumed_list_length: typing.Any = None) -> RuleSet:
        """
        Loads a rule set from JSON text; raises RuleError (with .path and .column) for any problem. conflicts: JSON text of a skamp-conflicts/1 document, needed by conflicts_with(). max_work and assumed_list_length set the cost bound checked at load (docs/rules.md, 'Cost bound'): the most list elements count/any/all/sum may visit for one record, taking every list at assumed_list_length elements (default 1,000,000 and 64; max_work=0 turns the check off, evaluation still carries its step budget). A rule set past the bound raises RuleError naming the costliest rule.
        """
    def __getstate__(self) -> tuple[str, typing.Any]:
        ...
    def __repr__(self) -> str:
        ...
    def __setstate__(self, arg0: tuple) -> None:
        """
        Pickles as its canonical JSON (and conflicts): a worker of a cluster gets the same rule set.
        """
    def _cpp_batch_timings(self, records_json: str, as_of: typing.Any, repeats: typing.SupportsInt | typing.SupportsIndex) -> tuple:
        """
        Bench only (bench/compare_rules.py): decodes a JSON array of records in C++, then times each of `repeats` runs of the C++ batch evaluation alone. Returns (wall seconds per run, thread CPU seconds per run, the last run's result).
        """
    def evaluate(self, record: typing.Any, as_of: typing.Any = None, explain: bool = False) -> Decision:
        """
        Decides one record (a dict shaped like the embedded tests' input, e.g. {'kk': {...}}) on as_of (datetime.date; default today in Asia/Jakarta). explain=True lists every failing rule with the values it read; otherwise evaluation stops at the first failing rule.
        """
    def evaluate_batch(self, table: typing.Any, as_of: typing.Any = None, progress: typing.Any = None) -> typing.Any:
        """
        Decides many records given as columns: a dict of columns or a DataFrame, named by input path ('kk.lost_livelihood') or without the root ('lost_livelihood'); columns the rule set does not read are ignored. Every top-level column has n rows (offsets n + 1 entries). Column forms:
        - bool/int/money: numpy bool/int arrays, or float arrays with NaN missing; date: datetime64 (NaT missing) or ISO 'YYYY-MM-DD' strings; string/enum: numpy 'U'/'S' arrays, object arrays (None missing) or pandas categoricals (enum values are looked up once per distinct value); any of these also as a list of Python values (None missing).
        - programme sets: (offsets, codes[, missing]) with codes a flat str array and row i's codes codes[offsets[i]:offsets[i+1]], a 'U'/'S' array or categorical of one code a row ('' the empty set), or a list of code lists a row.
        - member lists: offsets (int array of n + 1, from 0, non-decreasing, ending at the number of elements) with flat element columns named '<list>.<field>' ('members.nik', 'members.birth_date'), or (offsets, {'nik': flat, 'birth_date': flat}[, missing]), or a list of lists of dicts a row. missing: bool array, True where the whole list/set is missing.
        Also any Arrow source (pyarrow Table/RecordBatch, polars, DuckDB relation; a member list as list<struct>) and pandas DataFrames with nullable, Arrow-backed or ya/tidak columns.
        Returns a DecisionTable (decision, amount, priority, reason, reasons: every failing rule's code); its attributes decisions (int8: 0 eligible, 1 ineligible, 2 needs_data, 3 error), amounts (int64) and reasons (first code as a numpy str array, '' when eligible) are the arrays of the earlier tuple. progress: None/True (a tqdm bar for long batches when tqdm is installed), False, or f(done, total) returning False to cancel (smartkampung.Cancelled). A bad column raises RuleError naming the column (and row); the GIL is released while evaluating.
        """
    def run_tests(self) -> list[RuleTestFailure]:
        """
        Runs the embedded tests; returns the failures (empty when all pass).
        """
    def to_json(self) -> str:
        """
        Canonical JSON: keys sorted, no whitespace, tests included.
        """
    @property
    def id(self) -> str:
        """
        Rule set id, e.g. 'blt-dana-desa'.
        """
    @property
    def rule_ids(self) -> list[str]:
        """
        Ids of the rules, in order.
        """
    @property
    def ruleset(self) -> str:
        """
        Same as id.
        """
    @property
    def scope(self) -> str:
        """
        'person' or 'kk'.
        """
    @property
    def sha256(self) -> str:
        """
        SHA-256 (lowercase hex) of to_json().
        """
    @property
    def valid_from(self) -> typing.Any:
        ...
    @property
    def valid_to(self) -> typing.Any:
        ...
    @property
    def version(self) -> str:
        """
        Version string.
        """
class FacilityIndex:
    """
    Isolation houses (or any facilities) in a spatial index.
    
    Answers are exact WGS84 ellipsoidal distances in metres (Vincenty), sorted by distance then
    id, equal to a linear scan's. Thread safety: queries and bed reservations may run from many
    threads at once (bed counts are atomic); add/update/remove wait for running queries.
    """
    @staticmethod
    def from_arrays(ids: typing.Any, lats: typing.Any, lons: typing.Any, capacity: typing.Any, occupied: typing.Any = None, open: typing.Any = None, kinds: typing.Any = None) -> FacilityIndex:
        """
        Builds an index from numpy columns (ids int64, lats/lons degrees, capacity beds; occupied default 0, open default True, kinds default none). Raises smartkampung.Error naming the first bad row (NaN or out-of-range coordinates, negative capacity, duplicate id).
        """
    @staticmethod
    def from_csv(path: str, rejected: typing.Any = None) -> FacilityIndex:
        """
        Loads a CSV file (columns id, lat, lon, capacity; optional name, kind, occupied, open). Bad rows raise smartkampung.Error listing each line and reason, unless `rejected` is a list: then the good rows load and (line, reason) tuples are appended to it.
        """
    @staticmethod
    def from_csv_text(text: str, rejected: typing.Any = None) -> FacilityIndex:
        """
        As from_csv, from text.
        """
    @staticmethod
    def from_json(path: str, rejected: typing.Any = None) -> FacilityIndex:
        """
        Loads a JSON array of facility objects (or {"facilities": [...]}); rows are numbered from 1. Bad rows as from_csv.
        """
    @staticmethod
    def from_json_text(text: str, rejected: typing.Any = None) -> FacilityIndex:
        """
        As from_json, from text.
        """
    def __contains__(self, id: typing.SupportsInt | typing.SupportsIndex) -> bool:
        ...
    def __getstate__(self) -> tuple[list]:
        ...
    def __init__(self) -> None:
        """
        An empty index.
        """
    def __len__(self) -> int:
        ...
    def __repr__(self) -> str:
        ...
    def __setstate__(self, arg0: tuple) -> None:
        """
        Pickles with every facility and its bed count (a copy: reservations do not travel back).
        """
    def add(self, id: typing.SupportsInt | typing.SupportsIndex, lat: typing.SupportsFloat | typing.SupportsIndex, lon: typing.SupportsFloat | typing.SupportsIndex, capacity: typing.SupportsInt | typing.SupportsIndex, occupied: typing.SupportsInt | typing.SupportsIndex = 0, open: bool = True, kind: str = '', name: str = '') -> None:
        """
        Adds a facility without rebuilding the index; smartkampung.Error on a duplicate id or bad field.
        """
    def assign(self, lats: typing.Any, lons: typing.Any, mode: str = 'greedy', k: typing.Any = 20, reserve: bool = False, progress: typing.Any = None) -> typing.Any:
        """
        Places residents into open houses without exceeding free beds. 'greedy': in order, each takes the nearest house with a free bed; 'optimal': minimum total distance (min-cost max-flow over the k nearest houses plus greedy's choice; a k above the number of houses means all). Both place min(residents, free beds). Reserves the beds only when reserve=True. progress: None/True (a tqdm bar for a long call when tqdm is installed), False, or f(done, total) told the residents done (optimal: 2 n + 1 steps) and returning False to cancel (smartkampung.Cancelled; nothing is reserved). Returns an AssignmentTable (resident, house, distance_m; house and distance null when unplaced) that still behaves as the numpy int64 array of house ids it was (-1 unplaced: iterating, indexing, len, tolist, comparisons, np.asarray), with total_m, max_m, placed, unplaced and houses as attributes.
        """
    def assign_report(self, lats: typing.Any, lons: typing.Any, mode: str = 'greedy', k: typing.Any = 20, reserve: bool = False, progress: typing.Any = None) -> dict:
        """
        As assign, returning a dict: houses (array), total_m, max_m, placed, unplaced.
        """
    def facility(self, id: typing.SupportsInt | typing.SupportsIndex) -> dict:
        """
        The facility as a dict (id, name, lat, lon, kind, capacity, occupied, open); NotFound if unknown.
        """
    def free_beds(self, id: typing.SupportsInt | typing.SupportsIndex) -> int:
        """
        capacity - occupied; NotFound if unknown.
        """
    def ids(self) -> numpy.typing.NDArray[numpy.int64]:
        """
        All facility ids, sorted (numpy int64).
        """
    def nearest(self, lat: typing.SupportsFloat | typing.SupportsIndex, lon: typing.SupportsFloat | typing.SupportsIndex, k: typing.Any = 1, min_free: typing.SupportsInt | typing.SupportsIndex = 0, kind: str | None = None, include_closed: bool = False) -> list:
        """
        The k nearest open facilities with at least min_free free beds (0: any) and of `kind` (None: any), as a list of (id, distance_m), nearest first, ties by id. Any k above the number of facilities means all of them; a negative k raises smartkampung.Error.
        """
    def nearest_batch(self, lats: typing.Any, lons: typing.Any, k: typing.Any = 1, min_free: typing.SupportsInt | typing.SupportsIndex = 0, kind: str | None = None, include_closed: bool = False, progress: typing.Any = None) -> typing.Any:
        """
        nearest() for many points at once, on all cores with the GIL released. Returns a NearestTable (query, rank, id, distance_m: one row per answer, missing answers left out) that still unpacks as the (ids, dists) pair it was: numpy arrays of shape (n, min(k, len(self))) (a k above the number of facilities asks for all), id -1 and distance inf where fewer qualify (also .ids and .distances). progress: None/True (a tqdm bar for a long call when tqdm is installed), False, or f(done, total) told the queries answered and returning False to cancel (smartkampung.Cancelled).
        """
    def nearest_reserve(self, lat: typing.SupportsFloat | typing.SupportsIndex, lon: typing.SupportsFloat | typing.SupportsIndex, n: typing.SupportsInt | typing.SupportsIndex = 1, kind: str | None = None) -> typing.Any:
        """
        Finds the nearest open facility with n free beds and reserves them in one atomic step: (id, distance_m), or None when none has room.
        """
    def release(self, id: typing.SupportsInt | typing.SupportsIndex, n: typing.SupportsInt | typing.SupportsIndex = 1) -> None:
        """
        Frees n beds; smartkampung.Error (and no change) when fewer than n are occupied.
        """
    def remove(self, id: typing.SupportsInt | typing.SupportsIndex) -> None:
        """
        Removes a facility; NotFound if unknown.
        """
    def reserve(self, id: typing.SupportsInt | typing.SupportsIndex, n: typing.SupportsInt | typing.SupportsIndex = 1) -> bool:
        """
        Takes n free beds atomically: True when taken, False when not free (or closed). NotFound for an unknown id.
        """
    def update(self, id: typing.SupportsInt | typing.SupportsIndex, lat: typing.SupportsFloat | typing.SupportsIndex, lon: typing.SupportsFloat | typing.SupportsIndex, capacity: typing.SupportsInt | typing.SupportsIndex, occupied: typing.SupportsInt | typing.SupportsIndex = 0, open: bool = True, kind: str = '', name: str = '') -> None:
        """
        Replaces the facility with this id; NotFound if unknown.
        """
    def within(self, lat: typing.SupportsFloat | typing.SupportsIndex, lon: typing.SupportsFloat | typing.SupportsIndex, radius_m: typing.SupportsFloat | typing.SupportsIndex, min_free: typing.SupportsInt | typing.SupportsIndex = 0, kind: str | None = None, include_closed: bool = False) -> list:
        """
        Every open facility (with the same filters as nearest) within radius_m metres, as a list of (id, distance_m) sorted by distance then id.
        """
class PublicKey:
    """
    A district's Ed25519 public key (a district.pub file), as verifiers hold it.
    """
    @staticmethod
    def from_text(text: str) -> PublicKey:
        """
        Parses the text of a district.pub file.
        """
    @staticmethod
    def load(path: typing.Any) -> PublicKey:
        """
        Reads a district.pub file.
        """
    def __repr__(self) -> str:
        ...
    def to_text(self) -> str:
        """
        The text of a district.pub file.
        """
    @property
    def key_id(self) -> str:
        """
        16 hex digits naming the key.
        """
class SigningKey:
    """
    A district's private Ed25519 signing key (a district.key file, mode 0600).
    """
    @staticmethod
    def generate() -> SigningKey:
        """
        A fresh key from the system's random source.
        """
    @staticmethod
    def load(path: typing.Any) -> SigningKey:
        """
        Reads a district.key file.
        """
    def __repr__(self) -> str:
        ...
    def save(self, dir: typing.Any) -> PublicKey:
        """
        Writes dir/district.key (0600, never overwritten) and dir/district.pub; returns the PublicKey.
        """
    @property
    def key_id(self) -> str:
        """
        16 hex digits naming the key.
        """
    @property
    def public_key(self) -> PublicKey:
        """
        The matching PublicKey.
        """
class CertificateRegistry:
    """
    Health-protocol certificates of tourism businesses: an append-only, hash-chained event log per business, and a status that is a pure function of the log and a moment. Every time argument is a timezone-aware datetime.
    """
    @staticmethod
    def load(path: typing.Any, public_keys: typing.Any = None, allow_unsigned: bool = False) -> CertificateRegistry:
        """
        Loads a saved log, verifying every hash and the trailer; with public_keys (PublicKey objects, district.pub paths or texts) the signature must verify by one of them, and an unsigned log is refused unless allow_unsigned. Raises CertificateError naming the first bad event (.position) or the key id.
        """
    @staticmethod
    def update(path: typing.Any, fn: collections.abc.Callable, key: typing.Any = None, public_keys: typing.Any = None, allow_unsigned: bool = False, create: bool = False) -> None:
        """
        Load, change, save as one step under the store's OS lock: fn(registry) runs on the loaded store (an empty one when absent and create=True); the store is saved unless fn returns False. Writers in many processes and threads lose nothing.
        """
    def __contains__(self, id: typing.SupportsInt | typing.SupportsIndex) -> bool:
        ...
    def __init__(self, policy: typing.Any = None, time_zone: str = 'WIB') -> None:
        """
        policy: None for the built-in 2020 Banyuwangi-style policy, or a policy as a JSON string or dict (see docs/cert.md). time_zone: 'WIB' (default), 'WITA' or 'WIT', the zone of local dates (validity, due dates, deadlines).
        """
    def __len__(self) -> int:
        ...
    def __repr__(self) -> str:
        ...
    def add_business(self, id: typing.SupportsInt | typing.SupportsIndex, name: str, category: str, lat: typing.SupportsFloat | typing.SupportsIndex, lon: typing.SupportsFloat | typing.SupportsIndex, capacity: typing.SupportsInt | typing.SupportsIndex, at: typing.Any = None, *, zone: str = '', actor: str = '', evidence: str = '') -> None:
        """
        Registers a business (category: destination, hotel, homestay, cafe, restaurant, warung or another lowercase word). Without `at`, the registration has no effective time and constrains no later event. Raises CertificateError on a duplicate id, Error on bad data.
        """
    def apply(self, id: typing.SupportsInt | typing.SupportsIndex, at: typing.Any, *, actor: str = '', evidence: str = '') -> None:
        """
        Records an application for a certificate.
        """
    def audit(self, id: typing.SupportsInt | typing.SupportsIndex, at: typing.Any, passed: bool, findings: str = '', *, actor: str = '', evidence: str = '') -> None:
        """
        Records an audit (after applying, or the re-audit of a suspended certificate: a pass lifts the suspension).
        """
    def certificate(self, id: typing.SupportsInt | typing.SupportsIndex, at: typing.Any) -> dict:
        """
        The certificate at a moment as a dict: status, serial, certificate_id, issued_at, valid_until (local date), valid_end, evaluation_due_at, grace_end, suspension_end.
        """
    def certified_near(self, lat: typing.SupportsFloat | typing.SupportsIndex, lon: typing.SupportsFloat | typing.SupportsIndex, radius_m: typing.SupportsFloat | typing.SupportsIndex, at: typing.Any, category: str | None = None) -> list:
        """
        Businesses with a valid certificate at `at` within radius_m metres, optionally of one category, as a list of (id, distance_m) by WGS84 distance (ties by id).
        """
    def check_in(self, id: typing.SupportsInt | typing.SupportsIndex, at: typing.Any, n: typing.SupportsInt | typing.SupportsIndex = 1) -> bool:
        """
        Admits n visitors if the certificate is valid and the cap allows; returns False (and changes nothing) otherwise. Safe from many threads.
        """
    def check_out(self, id: typing.SupportsInt | typing.SupportsIndex, at: typing.Any, n: typing.SupportsInt | typing.SupportsIndex = 1) -> None:
        """
        Lets n visitors out; occupancy never goes below zero. Safe from many threads.
        """
    def evaluate(self, id: typing.SupportsInt | typing.SupportsIndex, at: typing.Any, passed: bool, findings: str = '', *, actor: str = '', evidence: str = '') -> None:
        """
        Records a periodic evaluation. May come early: the next is due one interval after the last passed one. A failure suspends.
        """
    def history(self, id: typing.SupportsInt | typing.SupportsIndex) -> list:
        """
        The business's events in the order recorded, as dicts (seq, type, business_id, effective_at, recorded_at, type-specific fields, actor, evidence, prev_hash, hash).
        """
    def ids(self) -> list[int]:
        """
        Every business id, sorted.
        """
    def issue(self, id: typing.SupportsInt | typing.SupportsIndex, at: typing.Any, *, actor: str = '', evidence: str = '') -> int:
        """
        Issues a certificate after a passed audit; returns its serial.
        """
    def max_visitors(self, id: typing.SupportsInt | typing.SupportsIndex, at: typing.Any) -> int:
        """
        The visitor cap at a moment: capacity times the policy's percentage for the category and the zone's restriction level, rounded down; 0 when the certificate is not valid.
        """
    def occupancy(self, id: typing.SupportsInt | typing.SupportsIndex, at: typing.Any = None) -> int:
        """
        Visitors inside on the day of the last movement, or (with `at`) on the local day of `at`. Saved beside the store and restored on load.
        """
    def reinstate(self, id: typing.SupportsInt | typing.SupportsIndex, at: typing.Any, *, actor: str = '', evidence: str = '') -> None:
        """
        Lifts a suspension before its deadline; a revoked certificate cannot be reinstated.
        """
    def renew(self, id: typing.SupportsInt | typing.SupportsIndex, at: typing.Any, *, actor: str = '', evidence: str = '') -> int:
        """
        Supersedes a valid certificate that passed an evaluation since its issue; returns the new serial.
        """
    def report_violation(self, id: typing.SupportsInt | typing.SupportsIndex, at: typing.Any, reason: str, *, actor: str = '', evidence: str = '') -> None:
        """
        Records a protocol violation: by the default policy the first suspends (14 days to pass a re-audit), a second within 90 days revokes.
        """
    def revoke(self, id: typing.SupportsInt | typing.SupportsIndex, at: typing.Any, reason: str, effective_at: typing.Any = None, *, actor: str = '', evidence: str = '') -> None:
        """
        Revokes a certificate, recorded at `at` and in effect from `effective_at` (default `at`; never later than `at`).
        """
    def save(self, path: typing.Any, key: typing.Any = None) -> None:
        """
        Writes the log as JSON lines with a trailer (event count, head hash; with `key`, a SigningKey or district.key path, defaulting to SMARTKAMPUNG_KEY, also its Ed25519 signature), atomically under the store's lock, with the occupancy beside it. Raises CertificateError when the file holds events this registry lacks (another writer).
        """
    def status(self, id: typing.SupportsInt | typing.SupportsIndex, at: typing.Any) -> str:
        """
        The status at a moment: none, applied, under_audit, active, evaluation_due, suspended, revoked, expired or withdrawn. Only active and evaluation_due are valid.
        """
    def status_list(self, key: typing.Any = None, at: typing.Any = None, issuer: str = 'smartkampung') -> str:
        """
        The signed status list ("SKS1:..."): 2 bits per certificate serial (suspended, revoked, withdrawn or replaced), with its date.
        """
    def statuses(self, at: typing.Any) -> dict:
        """
        The status of every business at a moment, as {id: status}.
        """
    def sticker(self, id: typing.SupportsInt | typing.SupportsIndex, key: typing.Any = None, at: typing.Any = None, issuer: str = 'smartkampung') -> str:
        """
        The signed credential text ("SKC1:...") of the business's certificate valid at `at` (default now), signed with `key` (a SigningKey or a district.key path; default SMARTKAMPUNG_KEY). Raises CertificateError when the certificate is not valid then.
        """
    def suspend(self, id: typing.SupportsInt | typing.SupportsIndex, at: typing.Any, reason: str, *, actor: str = '', evidence: str = '') -> None:
        """
        Suspends (freezes) a valid certificate.
        """
    def withdraw(self, id: typing.SupportsInt | typing.SupportsIndex, at: typing.Any, reason: str = '', *, actor: str = '', evidence: str = '') -> None:
        """
        Records that the business withdrew its application or certificate.
        """
    @property
    def categories(self) -> list[str]:
        """
        The business categories the policy knows, sorted.
        """
    @property
    def policy_json(self) -> str:
        """
        The policy in force, as canonical JSON.
        """
    @property
    def time_zone(self) -> str:
        """
        'WIB', 'WITA' or 'WIT'.
        """
class LinkParts:
    """
    Linking one list in parts (smartkampung.dask, smartkampung.spark): a trained model applied to partitions gives sk.link's pairs and clusters. See docs/scale.md.
    """
    def __getstate__(self) -> tuple[dict, typing.Any, typing.Any, str, int, list]:
        ...
    def __init__(self, settings: typing.Any, columns: typing.Any = None, as_of: typing.Any = None) -> None:
        """
        settings: trained (m, u and prior for every field, e.g. LinkResult.settings); columns and as_of as sk.link takes them.
        """
    def __setstate__(self, arg0: tuple) -> None:
        ...
    def birth_votes(self, frame: typing.Any, rows: typing.Any) -> numpy.ndarray:
        """
        Birth-date votes per chunk of 32,768 rows (the chunks sk.link reads): int64 array of (chunk, day_first_only, month_first_only, ambiguous).
        """
    def canonical(self, frame: typing.Any, rows: typing.Any) -> tuple[dict, numpy.typing.NDArray[numpy.uint64]]:
        """
        A partition read as sk.link reads it: ({column: list of str}, blocking keys uint64 (n, rules)).
        """
    def cluster(self, frame: typing.Any, rows: typing.Any, i: typing.Any, j: typing.Any, weight: typing.Any, probability: typing.Any) -> tuple[numpy.typing.NDArray[numpy.int64], int]:
        """
        Clusters whole connected components: (cluster id per record, the smallest row of its cluster; refused merges).
        """
    def score_blocks(self, frame: typing.Any, rows: typing.Any, keys: typing.Any, rule: typing.SupportsInt | typing.SupportsIndex) -> tuple[numpy.typing.NDArray[numpy.int64], numpy.typing.NDArray[numpy.int64], numpy.typing.NDArray[numpy.float64], numpy.typing.NDArray[numpy.float64], int]:
        """
        Kept pairs of one rule's blocks in a canonical partition: (i, j, weight, probability, compared).
        """
    def set_birth_order(self, order: str, from_row: typing.SupportsInt | typing.SupportsIndex) -> None:
        """
        The order the whole list decided, and the first row read in it (earlier rows are read as sk.link reads them before a chunk decides).
        """
    def set_term_counts(self, counts: typing.Any) -> None:
        """
        The whole list's counts (the partitions' summed), as term_counts() gives them.
        """
    def term_counts(self, frame: typing.Any) -> list:
        """
        Per field: (value hashes, counts) of a canonical partition (empty without term_frequency).
        """
    @property
    def birth_order(self) -> tuple[str, int]:
        """
        (order, first row read in it) as set_birth_order() set them.
        """
    @property
    def columns(self) -> list[str]:
        """
        The columns of a canonical partition.
        """
    @property
    def max_block_size(self) -> int:
        """
        Blocks larger than this are skipped (their keys cleared), as sk.link skips them.
        """
    @property
    def rule_count(self) -> int:
        """
        The number of blocking rules (key columns of a canonical partition).
        """
    @property
    def settings(self) -> dict:
        """
        The trained settings (a dict).
        """
def _arrow_text_table(source: typing.Any) -> tuple[int, int]:
    """
    Bench and tests: reads an Arrow source through the intake's text table; returns (rows, columns).
    """
def _decide_date_order(day_first_only: typing.SupportsInt | typing.SupportsIndex, month_first_only: typing.SupportsInt | typing.SupportsIndex, ambiguous: typing.SupportsInt | typing.SupportsIndex) -> str:
    """
    The order a list's summed birth-date votes decide: 'unknown', 'day_first' or 'month_first'.
    """
def _dedup_list_keys(records: typing.Any, columns: typing.Any = None, as_of: typing.Any = None) -> tuple[numpy.typing.NDArray[numpy.uint64], numpy.typing.NDArray[numpy.uint64], tuple[int, int, int]]:
    """
    Per row of a list's share: (NIK keys uint64, KK keys uint64 (0: rejected / none), birth-date votes (day_first_only, month_first_only, ambiguous)).
    """
def _intake_bool(text: str) -> typing.Any:
    """
    A boolean cell (ya/tidak, y/t, yes/no, true/false, 1/0, benar/salah), or None.
    """
def _intake_coordinate(text: str) -> typing.Any:
    """
    A coordinate with either decimal mark ('-8,2191'), or None.
    """
def _intake_dates(cells: collections.abc.Sequence[str | None], as_of: typing.Any = None) -> tuple[list, str]:
    """
    A date column read as a list file's is: ([datetime.date or None], order), the day/month order ('day_first', 'month_first', 'unknown') decided from the column's values; two-digit years take the century that puts them on or before as_of (default today).
    """
def _intake_field(header: str) -> str:
    """
    The field a header names in the intake's alias table ('NIK' -> 'nik', 'Tgl. Lahir' -> 'birth_date', 'L/P' -> 'sex', 'Lintang' -> 'lat'), or '' when it names none.
    """
def _intake_key(text: str) -> tuple[str, str]:
    """
    A NIK or KK cell undamaged (', .0, ="...", digit groups): (text, repair name).
    """
def _intake_number(text: str) -> typing.Any:
    """
    A number with a decimal comma or point and thousands separators ('1.500.000'), or None.
    """
def _intake_sex(text: str) -> typing.Any:
    """
    'M' or 'F' for a sex cell (L/P, LK/PR, Laki-laki/Perempuan, Pria/Wanita, M/F, 1/2), or None.
    """
def _registry_add_records(registry: Registry, records: typing.Any, program: str, level: str, columns: typing.Any, birth_order: str) -> LoadReport:
    """
    Registry.add_records reading birth dates in the whole list's order.
    """
def _sample_banyuwangi(n_persons: typing.SupportsInt | typing.SupportsIndex, seed: typing.SupportsInt | typing.SupportsIndex = 0) -> SamplePopulation:
    """
    See smartkampung.sample.banyuwangi.
    """
def cert_generate_key(dir: typing.Any) -> PublicKey:
    """
    Generates a district key pair into dir (district.key, district.pub); returns the PublicKey.
    """
def cert_qr_png(text: str, scale: typing.SupportsInt | typing.SupportsIndex = 8) -> bytes:
    """
    The QR code of a text as PNG bytes.
    """
def cert_qr_svg(text: str, caption: collections.abc.Sequence[str] = []) -> str:
    """
    The QR code of a text as an SVG document, with caption lines below it.
    """
def cert_verify(text: str, public_keys: typing.Any, status_list: typing.Any = None, at: typing.Any = None, max_list_age_s: typing.SupportsFloat | typing.SupportsIndex = 604800.0) -> dict:
    """
    Verifies a sticker's credential text offline; see smartkampung.cert.verify.
    """
def compare_level_names(kind: str) -> list[str]:
    """
    The levels of a comparison kind ('nik', 'name', ...), best first (without null).
    """
def is_valid_kk(kk: typing.Any, as_of: typing.Any = None) -> bool:
    """
    True when the KK number is valid.
    """
def is_valid_nik(nik: typing.Any, as_of: typing.Any = None) -> bool:
    """
    True when the NIK is valid.
    """
def jaro_winkler(a: str, b: str) -> float:
    """
    Jaro-Winkler similarity in [0, 1].
    """
def link(records: typing.Any, right: typing.Any = None, threshold: typing.Any = None, settings: typing.Any = None, columns: typing.Any = None, as_of: typing.Any = None, progress: typing.Any = None) -> LinkResult:
    """
    Finds the records of one person (fuzzy record linkage, Fellegi-Sunter with EM; no labels needed). records: a list of dicts (keys nik, kk, name, birth_date, sex, address, village, district, rt, rw; any may be missing) or a DataFrame. Keys are matched as a list file's headers are (NIK, NAMA, Tgl. Lahir, L/P, No. KK, ...), or named with columns ({'nik': 'NIK_KPM'}); birth dates are read in the formats of list files (29/04/85, 29-Apr-85, ...; the century of two-digit years from as_of, default today), sex as L/P, LK/PR, M/F, and NIK/KK undamaged (="3510...", '3510..., 3510....0). With right, links the two lists (indices run over records then right; only cross pairs are scored). threshold: match probability to keep a pair (None = the settings' default). settings: dict or JSON string (see docs/linkage.md). progress: None/True (a tqdm bar for a long call when tqdm is installed), False, or f(done, total) told the stages done (prepare, block, compare, train, score, cluster) and returning False to cancel (smartkampung.Cancelled). Returns a LinkResult.
    """
def mask_nik(nik: str) -> str:
    """
    The public form of a NIK: first 4 and last 4 digits, '*' between.
    """
def merge_dedup_reports(by_nik: collections.abc.Sequence[DedupReport], by_kk: collections.abc.Sequence[DedupReport]) -> DedupReport:
    """
    One exact DedupReport from the reports of registries holding a list's shares split by NIK and by KK.
    """
def name_phonetic_key(name: str) -> str:
    """
    A phonetic key suited to Indonesian names (used for blocking and comparison).
    """
def normalize_name(name: str) -> str:
    """
    Normalises an Indonesian name: case, punctuation and spaces; honorifics and titles removed; spellings of Muhammad unified; old spelling folded (oe->u, dj->j, tj->c, ch->kh, sj->sy, nj->ny). normalize_name('H. Djoko  Santoso') == 'joko santoso'.
    """
def parse_kk(kk: str, as_of: typing.Any = None) -> KkInfo:
    """
    Decodes a KK number; raises NikError when invalid.
    """
def parse_nik(nik: str, as_of: typing.Any = None) -> NikInfo:
    """
    Decodes a NIK; raises NikError (with .code) when it is invalid. as_of (datetime.date, default today in Asia/Jakarta) decides the century of the birth year.
    """
def region_name(code: str) -> typing.Any:
    """
    Name of a 2-, 4- or 6-digit region code, or None.
    """
def validate_kks(kks: typing.Any, as_of: typing.Any = None) -> numpy.typing.NDArray[numpy.int8]:
    """
    As validate_niks, for KK numbers.
    """
def validate_niks(niks: typing.Any, as_of: typing.Any = None) -> numpy.typing.NDArray[numpy.int8]:
    """
    Validates many NIKs (list or numpy array of str); returns a numpy int8 array of reason codes: 0 valid, 1 length, 2 non_digit, 3 province, 4 birth_date, 5 serial, 6 scientific_notation. None and NaN count as length.
    """
def wgs84_distance(lat1: typing.SupportsFloat | typing.SupportsIndex, lon1: typing.SupportsFloat | typing.SupportsIndex, lat2: typing.SupportsFloat | typing.SupportsIndex, lon2: typing.SupportsFloat | typing.SupportsIndex) -> float:
    """
    WGS84 ellipsoidal distance in metres between two points in degrees (Vincenty's formula).
    """
__version__: str = '0.2.0'
