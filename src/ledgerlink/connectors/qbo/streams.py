"""Reading one data type from QuickBooks Online as pages, resumable from "phase:position".

Entities are read with the query endpoint, `ORDERBY Metadata.LastUpdatedTime` and
`STARTPOSITION`/`MAXRESULTS 1000` (the most Intuit allows), stopping at a short page;
name lists (vendors, accounts) add `Active IN (true, false)` so inactive ones come too.
Incremental reads add `WHERE Metadata.LastUpdatedTime >= '<watermark>'` (the watermark is
when the last read began) and then ask the
change-data-capture endpoint for what was deleted since (queries never show deletions;
CDC looks back at most 30 days, so an older watermark reads everything again).
Statements are twelve monthly columns of ProfitAndLoss and BalanceSheet.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from ledgerlink.connectors.base import FetchContext, Page, PermanentError, RetryableError
from ledgerlink.connectors.qbo.client import QboApi
from ledgerlink.connectors.sandbox.streams import parse_time
from ledgerlink.connectors.xero.streams import last_month_end, months_back, stamp
from ledgerlink.ledger.records import DataType

PAGE_SIZE = 1000
CDC_LOOKBACK = timedelta(days=29)  # Intuit allows 30; a day's margin
CLOCK_MARGIN = timedelta(minutes=5)


@dataclass(frozen=True)
class Phase:
    kind: str  # "query", "deleted", "info", "report"
    name: str  # entity or report name


def _entity(name: str) -> tuple[Phase, ...]:
    return (Phase("query", name), Phase("deleted", name))


PHASES: dict[str, tuple[Phase, ...]] = {
    DataType.COMPANY_INFO: (Phase("info", "CompanyInfo"),),
    DataType.ACCOUNTS: _entity("Account"),
    DataType.SUPPLIERS: _entity("Vendor"),
    DataType.BILLS: _entity("Bill"),
    DataType.BILL_PAYMENTS: _entity("BillPayment"),
    DataType.EXPENSES: _entity("Purchase"),
    DataType.STATEMENTS: (Phase("report", "ProfitAndLoss"), Phase("report", "BalanceSheet")),
}
NAME_LISTS = ("Account", "Vendor")


def query_text(entity: str, since: datetime | None, start: int, size: int) -> str:
    clauses = []
    if entity in NAME_LISTS:
        clauses.append("Active IN (true, false)")
    if since is not None:
        clauses.append(f"Metadata.LastUpdatedTime >= '{since.strftime('%Y-%m-%dT%H:%M:%SZ')}'")
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    # The entity comes from PHASES and the time is formatted here: nothing from outside.
    return (
        f"SELECT * FROM {entity}{where} ORDERBY Metadata.LastUpdatedTime "  # noqa: S608
        f"STARTPOSITION {start} MAXRESULTS {size}"
    )


def _decode(cursor: str | None, phases: int) -> tuple[int, int]:
    if not cursor:
        return 0, 1
    phase, _, start = cursor.partition(":")
    if not phase.isdigit() or not start.isdigit() or int(phase) >= phases:
        raise PermanentError(f"the saved QuickBooks cursor {cursor[:40]!r} is not valid")
    return int(phase), int(start)


def report_lines(report: Any, kind: str) -> list[dict[str, Any]]:
    """A report's account rows, one record per (row, month column)."""
    if not isinstance(report, dict):
        return [{"_kind": kind, "_malformed": repr(report)[:200]}]
    found = report.get("Header")
    header: dict[str, Any] = found if isinstance(found, dict) else {}
    currency = str(header.get("Currency") or "")
    columns = (report.get("Columns") or {}).get("Column") or []
    periods: list[tuple[str, str] | None] = []
    for column in columns:
        meta = {
            m.get("Name"): m.get("Value")
            for m in column.get("MetaData") or []
            if isinstance(m, dict)
        }
        periods.append(
            (str(meta["StartDate"]), str(meta["EndDate"])) if "EndDate" in meta else None
        )
    lines: list[dict[str, Any]] = []

    def walk(rows: Any, section: str) -> None:
        for row in (rows or {}).get("Row") or []:
            if not isinstance(row, dict):
                continue
            if row.get("type") == "Section" or "Rows" in row:
                title = ((row.get("Header") or {}).get("ColData") or [{}])[0].get("value")
                walk(row.get("Rows"), str(title or row.get("group") or section))
            elif row.get("ColData"):
                cells = row["ColData"]
                for n, period in enumerate(periods):
                    if period is None or n >= len(cells):
                        continue
                    lines.append(
                        {
                            "_kind": kind,
                            "section": section,
                            "label": cells[0],
                            "cell": cells[n],
                            "periodStart": period[0],
                            "periodEnd": period[1],
                            "currency": currency,
                        }
                    )

    walk(report.get("Rows"), "")
    return lines


def fetch(api: QboApi, context: FetchContext, page_size: int = PAGE_SIZE) -> Iterator[Page]:
    phases = PHASES.get(context.data_type)
    if phases is None:
        raise PermanentError(f"QuickBooks has no data type {context.data_type!r}")
    phase, start = _decode(context.cursor, len(phases))
    realm, token = context.tenant_id, context.token.access_token
    since = parse_time(context.modified_since)
    now = datetime.now(UTC)
    if since is not None and since < now - CDC_LOOKBACK:
        since = None  # too old for CDC: read everything again
    # The next incremental starts from when this read began (less a margin for clocks): a
    # quiet company's latest change can be older than CDC's 30 days though it was read today.
    mark = stamp(now - CLOCK_MARGIN)
    today: date = context.options.get("today") or now.date()
    while True:
        current = phases[phase]
        records: list[dict[str, Any]] = []
        more = False
        if current.kind == "info":
            body = api.get(realm, f"companyinfo/{realm}", access_token=token)
            info = body.get("CompanyInfo") if isinstance(body, dict) else None
            if not isinstance(info, dict):
                raise RetryableError("QuickBooks sent company info without CompanyInfo")
            records = [{**info, "_kind": "CompanyInfo"}]
        elif current.kind == "report":
            end = last_month_end(today)
            first = months_back(end, 11).replace(day=1)
            body = api.get(
                realm,
                f"reports/{current.name}",
                access_token=token,
                params={
                    "start_date": first.isoformat(),
                    "end_date": end.isoformat(),
                    "summarize_column_by": "Month",
                    "accounting_method": "Accrual",
                },
            )
            records = report_lines(body, "pl" if current.name == "ProfitAndLoss" else "bs")
        elif current.kind == "query":
            body = api.get(
                realm,
                "query",
                access_token=token,
                params={"query": query_text(current.name, since, start, page_size)},
            )
            found = body.get("QueryResponse") if isinstance(body, dict) else None
            if not isinstance(found, dict):
                raise RetryableError(
                    f"QuickBooks sent a {current.name} query without QueryResponse"
                )
            items = found.get(current.name) or []
            if not isinstance(items, list):
                raise RetryableError(f"QuickBooks sent a malformed {current.name} list")
            for item in items:
                if not isinstance(item, dict):
                    records.append({"_kind": current.name, "_malformed": repr(item)[:200]})
                    continue
                item["_kind"] = current.name
                records.append(item)
            more = len(items) >= page_size
        elif since is not None:  # deletions since the last sync, from CDC
            body = api.get(
                realm,
                "cdc",
                access_token=token,
                params={"entities": current.name, "changedSince": since.isoformat()},
            )
            for response in (body.get("CDCResponse") or [{}])[0].get("QueryResponse") or []:
                for item in response.get(current.name) or []:
                    if isinstance(item, dict) and str(item.get("status", "")).lower() == "deleted":
                        records.append({**item, "_kind": current.name})
        if more:
            cursor: str | None = f"{phase}:{start + page_size}"
        elif phase + 1 < len(phases):
            cursor = f"{phase + 1}:1"
        else:
            cursor = None
        yield Page(records=records, next_cursor=cursor, watermark=mark)
        if cursor is None:
            return
        phase, start = _decode(cursor, len(phases))
