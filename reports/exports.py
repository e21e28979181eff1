"""Report downloads: CSV (UTF-8 with a BOM, so that Excel reads Cyrillic; every text
cell quoted, so that a ``;`` or ``,`` in a name never splits it) and XLSX. A text cell
that a spreadsheet would run as a formula gets a leading apostrophe."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _

FIGURE_HEADERS: dict[str, Any] = {
    "key": _("Key"),
    "label": _("Name"),
    "since": _("From"),
    "until": _("To"),
    "business_hours": _("Business hours"),
    "sessions": _("Conversations"),
    "answered": _("Answered"),
    "abandoned": _("Abandoned"),
    "avg_queue_wait_s": _("Average queue wait, s"),
    "avg_first_response_s": _("Average first response, s"),
    "median_first_response_s": _("Median first response, s"),
    "p90_first_response_s": _("90th percentile of first response, s"),
    "avg_handle_s": _("Average handle time, s"),
    "sla_pct": _("Answered on target, %"),
    "service_level_pct": _("Service level, %"),
    "abandon_rate_pct": _("Abandon rate, %"),
    "csat_avg": _("Average rating"),
    "csat_count": _("Ratings"),
    "csat_pct": _("Good ratings (4 and 5), %"),
    "bot_sessions": _("Bot conversations"),
    "bot_resolved": _("Resolved by bots"),
    "bot_handoffs": _("Handed off by bots"),
    "transfers": _("Transfers"),
}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMATS = ("csv", "xlsx")


def cell_safe(value: Any) -> Any:
    """Numbers stay numbers; text that starts like a formula gets a leading ``'``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def table_of(rows: Sequence[dict[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    """Headers (translated) and cells of report rows, in the order of ``FIGURE_HEADERS``."""
    keys = [k for k in FIGURE_HEADERS if rows and k in rows[0]]
    headers = [str(FIGURE_HEADERS[k]) for k in keys]
    return headers, [[cell_safe(row.get(k)) for k in keys] for row in rows]


def csv_bytes(rows: Sequence[dict[str, Any]]) -> bytes:
    headers, cells = table_of(rows)
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(cells)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_bytes(rows: Sequence[dict[str, Any]], *, title: str) -> bytes:
    from openpyxl import Workbook  # loaded only for downloads

    headers, cells = table_of(rows)
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(headers)
    for line in cells:
        sheet.append(line)
    for column in sheet.columns:
        for cell in column:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never a formula, whatever it starts with
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def download(rows: Sequence[dict[str, Any]], *, fmt: str, name: str) -> HttpResponse:
    """The rows as a file to download (``fmt`` one of ``FORMATS``)."""
    if fmt == "csv":
        response = HttpResponse(csv_bytes(rows), content_type="text/csv; charset=utf-8")
        extension = "csv"
    else:
        response = HttpResponse(
            xlsx_bytes(rows, title=name),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        extension = "xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}.{extension}"'
    return response
