"""Import and export of cases as JSON Lines: see docs/import-format.md.

`import_cases` and `export_cases` are what the management commands (and a web import later) call.
"""

from casefiles.io.exporter import export_cases
from casefiles.io.importer import ImportReport, LineError, import_cases

__all__ = ["ImportReport", "LineError", "export_cases", "import_cases"]
