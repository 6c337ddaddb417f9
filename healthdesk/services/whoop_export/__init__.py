"""Import WHOOP's "Export my data" files as the `whoop_export` source (docs/whoop-export.md)."""

from healthdesk.services.whoop_export.importer import ImportReport, import_export, import_export_file
from healthdesk.services.whoop_export.parse import ExportError

__all__ = ["ExportError", "ImportReport", "import_export", "import_export_file"]
