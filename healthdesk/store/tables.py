"""Every table module of the store, imported in one place so Base.metadata (and Alembic) sees all tables.

Adding a table module: add one `import healthdesk.store.<module>  # noqa: F401` line below (this form stays
sorted one per line for ruff) and a migration in migrations/versions/.
"""

import healthdesk.store.band_tables  # noqa: F401
import healthdesk.store.cloud  # noqa: F401
import healthdesk.store.corrections  # noqa: F401
import healthdesk.store.derived  # noqa: F401
import healthdesk.store.journal  # noqa: F401
import healthdesk.store.pending  # noqa: F401
import healthdesk.store.share  # noqa: F401
import healthdesk.store.share_keys  # noqa: F401
import healthdesk.store.whoop_export  # noqa: F401
from healthdesk.store.base import Base

metadata = Base.metadata
