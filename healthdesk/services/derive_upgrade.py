"""Re-derive at start what an older algorithm made (docs/architecture.md "Day model", versioned values).

A release that bumps core.metrics.version.ALGORITHM_VERSION (or the upgrade from v0.1, whose rows migration 0005
marks version 1) finds band values made by an older algorithm; the first start re-derives them from the stored
1 Hz records. The check is one small read; the metrics engine is imported only when there is work.
"""

from __future__ import annotations

import logging

from healthdesk.core.metrics.calories import Profile
from healthdesk.core.metrics.version import ALGORITHM_VERSION
from healthdesk.store.database import Database
from healthdesk.store.derived import outdated_band_days

log = logging.getLogger(__name__)


def rederive_if_outdated(db: Database, profile: Profile | None = None) -> int:
    """Days re-derived because an older algorithm made them (0 when every stored band value is current)."""
    with db.read() as conn:
        if not outdated_band_days(conn, ALGORITHM_VERSION):
            return 0
    from healthdesk.services.derive import derive

    report = derive(db, profile=profile)  # derive() itself widens to every day when it finds older rows
    log.info("re-derived %d days made by an older algorithm", len(report.days))
    return len(report.days)
