"""smartkampung: the core of a district's Smart Kampung system.

Social-aid dedup on NIK, online reports and a safe recipient check, eligibility
rules as data, the nearest isolation house with a free bed, and the
health-protocol certificates of tourism businesses.

    >>> import smartkampung as sk
    >>> sk.parse_nik("3510014501900001").district_name
    'Pesanggaran'
"""

from ._core import (
    Cancelled,
    Error,
    KkInfo,
    NikError,
    NikInfo,
    NotFound,
    __version__,
    is_valid_kk,
    is_valid_nik,
    mask_nik,
    parse_kk,
    parse_nik,
    region_name,
    validate_kks,
    validate_niks,
)

__all__ = [
    "Cancelled",
    "AssignmentTable",
    "DecisionTable",
    "MappingTable",
    "NearestTable",
    "Table",
    "settings",
    "Error",
    "KkInfo",
    "NikError",
    "NikInfo",
    "NotFound",
    "__version__",
    "is_valid_kk",
    "is_valid_nik",
    "mask_nik",
    "parse_kk",
    "parse_nik",
    "region_name",
    "validate_kks",
    "validate_niks",
]

from ._progress import settings  # noqa: E402
from ._table import AssignmentTable, DecisionTable, MappingTable, NearestTable, Table  # noqa: E402

# --- areas: each area module adds its public names (one line per area) -------
# (kept in dependency order; an area module defines __all__)
from .registry import *  # noqa: F401,F403
from . import intake, sample  # noqa: F401
from .linkage import *  # noqa: F401,F403
from .rules import *  # noqa: F401,F403
from .geo import *  # noqa: F401,F403
from .cert import *  # noqa: F401,F403
# -----------------------------------------------------------------------------
