"""Pages of the Steuerungs-Cockpit. Management pages sit behind the staff gate (login,
second factor, role `manager`); the help page, the transparency page and the open data
are public. Every figure comes from the aggregates (read.py), never from a case.

dashboard: dashboard, process, fact sheet, alerts · exports: chart downloads, open data
files · imports: event log imports · public: help, transparency, open data, DCAT. The
figures are made in ..presenters, what the pages share is in _common.

The names below are the views.py of before, kept for the code that still says
`views.<name>` (bench/cockpit.py: views.dashboard). Because of them the attributes
`views.dashboard` and `views.imports` are the view functions, not the modules of the
same name: import from the modules (`from .views.imports import ...`) as urls.py does."""

from ..presenters import CHARTS, chart
from .dashboard import alerts, dashboard, factsheet, process
from .exports import export, table_response
from .imports import import_detail, import_status, imports
from .public import dcat, help_page, open_data, public_figures, transparency

__all__ = [
    "CHARTS",
    "alerts",
    "chart",
    "dashboard",
    "dcat",
    "export",
    "factsheet",
    "help_page",
    "import_detail",
    "import_status",
    "imports",
    "open_data",
    "process",
    "public_figures",
    "table_response",
    "transparency",
]
