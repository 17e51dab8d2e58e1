"""Report files from insight results: Excel (XlsxWriter) and PowerPoint (python-pptx).

No Django here: each writer takes the results and a path or binary file object.

- `write_spend_analysis(analysis, target, *, max_rows=1_048_576)`
- `write_spend_summary(summary, target, *, org_name, brand_colour="#1F4E79")`
- `write_ongoing_insights(insights, target)`
- `write_vendor_match(analysis, network, target)`, network one of mastercard, visa, wex,
  paytech
"""

from ledgerlink.reports.writers.safety import WORKBOOK_OPTIONS, neutralise
from ledgerlink.reports.writers.slides import write_spend_summary
from ledgerlink.reports.writers.workbooks import (
    write_ongoing_insights,
    write_spend_analysis,
    write_vendor_match,
)
from ledgerlink.reports.writers.xlsx import EXCEL_MAX_ROWS

__all__ = [
    "EXCEL_MAX_ROWS",
    "WORKBOOK_OPTIONS",
    "neutralise",
    "write_ongoing_insights",
    "write_spend_analysis",
    "write_spend_summary",
    "write_vendor_match",
]
