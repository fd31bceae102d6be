"""Health-protocol certificates of tourism businesses, from audit to revocation.

    >>> import datetime as dt, smartkampung as sk
    >>> WIB = dt.timezone(dt.timedelta(hours=7))
    >>> reg = sk.CertificateRegistry()
    >>> reg.add_business(1, "Warung Osing", "warung", -8.2192, 114.3691, capacity=40)
    >>> reg.apply(1, dt.datetime(2020, 7, 1, 9, tzinfo=WIB))
    >>> reg.audit(1, dt.datetime(2020, 7, 3, 9, tzinfo=WIB), passed=True)
    >>> reg.issue(1, dt.datetime(2020, 7, 6, 9, tzinfo=WIB))
    1
    >>> reg.status(1, dt.datetime(2020, 7, 20, 14, tzinfo=WIB)), reg.max_visitors(1, dt.datetime(2020, 7, 20, 14, tzinfo=WIB))
    ('active', 20)
"""

from ._core import CertificateError, CertificateRegistry

__all__ = ["CertificateError", "CertificateRegistry", "VALID_STATUSES", "STATUSES"]

#: Every status a certificate can have at a moment.
STATUSES = (
    "none",
    "applied",
    "under_audit",
    "active",
    "evaluation_due",
    "suspended",
    "revoked",
    "expired",
    "withdrawn",
)

#: The statuses that admit visitors and appear in the tourism-app listing.
VALID_STATUSES = ("active", "evaluation_due")
