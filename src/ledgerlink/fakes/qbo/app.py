"""A fake QuickBooks Online: Intuit's OAuth endpoints and the v3 Accounting API calls
ledgerlink makes, on one base URL:

    GET/POST /connect/oauth2                      consent (pick one company)
    POST     /oauth2/v1/tokens/bearer             code + PKCE, rotating refresh tokens
    POST     /v2/oauth2/tokens/revoke             JSON body {"token": ...}
    GET      /v3/company/{realmId}/query?query=SELECT * FROM <Entity> [WHERE ...]
                 [ORDERBY Metadata.LastUpdatedTime] STARTPOSITION n MAXRESULTS m (≤ 1000)
    GET      /v3/company/{realmId}/cdc?entities=...&changedSince=...   (30 days, 1,000 objects)
    GET      /v3/company/{realmId}/companyinfo/{realmId}
    GET      /v3/company/{realmId}/reports/{ProfitAndLoss,BalanceSheet}

Limits as Intuit documents them per realm: 500 calls a minute, 10 a second, 10 in flight;
429 carries no Retry-After (Intuit says: wait 60 seconds).
"""

from __future__ import annotations

import calendar
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from ledgerlink.fakes.limits import Faults, Limits
from ledgerlink.fakes.oauth import AuthServer, Grant
from ledgerlink.fakes.qbo.data import ACCOUNTS, QboCompany, now_ms
from ledgerlink.fakes.web import Request, Response, json_response

ENTITIES = ("Vendor", "Account", "Bill", "BillPayment", "Purchase")
NAME_LISTS = ("Vendor", "Account")
QUERY = re.compile(
    r"^\s*select\s+\*\s+from\s+(?P<entity>\w+)"
    r"(?:\s+where\s+(?P<where>.+?))?"
    r"(?:\s+order\s*by\s+(?P<order>[\w.]+)(?:\s+(?P<dir>asc|desc))?)?"
    r"(?:\s+startposition\s+(?P<start>\d+))?"
    r"(?:\s+maxresults\s+(?P<max>\d+))?\s*$",
    re.IGNORECASE,
)
SINCE = re.compile(r"^metadata\.lastupdatedtime\s*(>=|>)\s*'([^']+)'$", re.IGNORECASE)
ACTIVE_ALL = re.compile(r"^active\s+in\s*\(\s*true\s*,\s*false\s*\)$", re.IGNORECASE)


def fault(status: int, message: str, code: str, kind: str) -> Response:
    return json_response(
        status,
        {
            "Fault": {
                "Error": [{"Message": message, "Detail": message, "code": code}],
                "type": kind,
            },
            "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000-00:00"),
        },
    )


def parse_time(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass
class FakeQuickBooks:
    companies: list[QboCompany]
    client_id: str = "fake-qbo-client"
    client_secret: str = "fake-qbo-secret"  # noqa: S105 - the fake's own test credential
    speedup: float = 1.0
    per_minute: int = 500
    per_second: int = 10
    concurrency: int = 10
    auth: AuthServer = field(init=False)
    limits: Limits = field(init=False)
    faults: Faults = field(default_factory=Faults)
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    record_requests: bool = True
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.auth = AuthServer(
            self.client_id, self.client_secret, access_ttl=3600, refresh_ttl=100 * 86400
        )
        self.limits = Limits(
            {"minute": (self.per_minute, 60), "second": (self.per_second, 1)},
            concurrency=self.concurrency,
            speedup=self.speedup,
        )

    def company(self, realm_id: str) -> QboCompany | None:
        return next((c for c in self.companies if c.realm_id == realm_id), None)

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        return self.handle(Request.from_environ(environ))(start_response)

    def handle(self, req: Request) -> Response:
        path = req.path
        if self.record_requests:
            with self._lock:
                self.requests.append((req.method, path, dict(req.query)))
        if path == "/connect/oauth2":
            if req.method == "POST":
                return self.auth.decide(req, extra=self._realm)
            return self.auth.consent_page(
                req, [(c.realm_id, c.name) for c in self.companies], multiple=False
            )
        if path == "/oauth2/v1/tokens/bearer" and req.method == "POST":
            return self._fault(path) or self.auth.token(req)
        if path == "/v2/oauth2/tokens/revoke" and req.method == "POST":
            return self.auth.revoke(req)
        if path.startswith("/v3/company/"):
            return self._api(req)
        return json_response(
            404, {"Fault": {"Error": [{"Message": "not found"}], "type": "SERVICE"}}
        )

    def _realm(self, grant: Grant) -> dict[str, str]:
        return {"realmId": grant.tenant_ids[0]}

    def _fault(self, path: str) -> Response | None:
        injected = self.faults.take(path)
        if injected is None:
            return None
        if injected.action == "expire":
            self.auth.expire_access_tokens()
            return None
        if injected.status == 429:
            return fault(
                429, "message=ThrottleExceeded; errorCode=003001; statusCode=429", "3001", "SERVICE"
            )
        body = injected.body or {
            "Fault": {"Error": [{"Message": "Internal error", "code": "-1"}], "type": "SERVICE"}
        }
        return json_response(injected.status, body, injected.headers)

    def _api(self, req: Request) -> Response:
        parts = req.path.split("/")  # ["", "v3", "company", realm, resource, ...]
        if len(parts) < 5:
            return fault(404, "Unsupported path", "610", "ValidationFault")
        realm, resource = parts[3], "/".join(parts[4:])
        injected = self._fault(req.path)
        if injected is not None:
            return injected
        grant, _problem = self.auth.check(req)
        if grant is None:
            return fault(
                401,
                "message=AuthenticationFailed; errorCode=003200; statusCode=401",
                "3200",
                "AUTHENTICATION",
            )
        company = self.company(realm)
        if company is None or realm not in grant.tenant_ids:
            return fault(
                403,
                "message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403",
                "003100",
                "AUTHORIZATION",
            )
        with self.limits.call(realm) as verdict:
            if not verdict.allowed:
                return fault(
                    429,
                    "message=ThrottleExceeded; errorCode=003001; statusCode=429",
                    "3001",
                    "SERVICE",
                )
            stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000-00:00")
            if resource == "query":
                return self._query(company, req.query.get("query", ""), stamp)
            if resource == "cdc":
                return self._cdc(company, req.query, stamp)
            if resource == f"companyinfo/{realm}":
                return json_response(200, {"CompanyInfo": company.company_info(), "time": stamp})
            if resource in ("reports/ProfitAndLoss", "reports/BalanceSheet"):
                return json_response(200, _report(company, resource.split("/")[1], req.query))
        return fault(400, f"Unsupported operation {resource}", "4000", "ValidationFault")

    def _query(self, company: QboCompany, text: str, stamp: str) -> Response:
        match = QUERY.match(text)
        if match is None or match.group("entity") not in ENTITIES:
            return fault(400, f"QueryParserError: {text[:80]}", "4000", "ValidationFault")
        entity = match.group("entity")
        since: int | None = None
        inclusive = False
        all_active = False
        for clause in re.split(r"\s+and\s+", match.group("where") or "", flags=re.IGNORECASE):
            if not clause:
                continue
            found = SINCE.match(clause.strip())
            if found is not None:
                moment = parse_time(found.group(2))
                if moment is None:
                    return fault(400, "QueryValidationError: bad date", "4001", "ValidationFault")
                since, inclusive = int(moment.timestamp() * 1000), found.group(1) == ">="
            elif ACTIVE_ALL.match(clause.strip()):
                all_active = True
            else:
                return fault(400, f"QueryValidationError: {clause[:60]}", "4001", "ValidationFault")
        maximum = int(match.group("max") or 100)
        if maximum > 1000:
            return fault(
                400,
                "QueryValidationError: MAXRESULTS Max allowed value is 1000",
                "4001",
                "ValidationFault",
            )
        start = int(match.group("start") or 1)
        rows = company.rows(entity)
        indexes = rows.select(None if since is None else since - (1 if inclusive else 0))
        gone = company.deleted.get(entity, {})
        if gone:
            indexes = [i for i in indexes if i not in gone]
        if entity in NAME_LISTS and not all_active:
            indexes = [i for i in indexes if company.render(entity, i).get("Active", True)]
        chosen = indexes[start - 1 : start - 1 + maximum]
        body: dict[str, Any] = {"startPosition": start, "maxResults": len(chosen)}
        if chosen:
            body[entity] = [company.render(entity, i) for i in chosen]
        return json_response(200, {"QueryResponse": body, "time": stamp})

    def _cdc(self, company: QboCompany, q: dict[str, str], stamp: str) -> Response:
        moment = parse_time(q.get("changedSince", ""))
        if moment is None or moment < datetime.now(UTC) - timedelta(days=30):
            return fault(
                400, "changedSince must be within the last 30 days", "4001", "ValidationFault"
            )
        since = int(moment.timestamp() * 1000)
        responses = []
        budget = 1000
        for entity in [e for e in q.get("entities", "").split(",") if e]:
            if entity not in ENTITIES:
                return fault(400, f"Unsupported entity {entity}", "4001", "ValidationFault")
            rows = company.rows(entity)
            changed = [
                company.render(entity, i)
                for i in rows.select(since)
                if not company.is_deleted(entity, i)
            ]
            gone = [
                company.tombstone(entity, i)
                for i, ms in company.deleted.get(entity, {}).items()
                if ms > since
            ]
            items = (changed + gone)[:budget]
            budget -= len(items)
            body: dict[str, Any] = {}
            if items:
                body[entity] = items
            responses.append(body)
        return json_response(200, {"CDCResponse": [{"QueryResponse": responses}], "time": stamp})


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _report(company: QboCompany, kind: str, q: dict[str, str]) -> dict[str, Any]:
    try:
        start = date.fromisoformat(q.get("start_date", ""))
        end = date.fromisoformat(q.get("end_date", ""))
    except ValueError:
        end = _month_end(datetime.now(UTC).date())
        start = end.replace(day=1)
    months: list[tuple[date, date]] = []
    cursor = start.replace(day=1)
    while cursor <= end and q.get("summarize_column_by") == "Month":
        months.append((cursor, _month_end(cursor)))
        cursor = _month_end(cursor) + timedelta(days=1)
    if not months:
        months = [(start, end)]
    columns = [{"ColTitle": "", "ColType": "Account"}] + [
        {
            "ColTitle": f"{a:%b %Y}",
            "ColType": "Money",
            "MetaData": [
                {"Name": "StartDate", "Value": a.isoformat()},
                {"Name": "EndDate", "Value": b.isoformat()},
            ],
        }
        for a, b in months
    ]

    def row(account_id: str) -> dict[str, Any]:
        name = next(a[1] for a in ACCOUNTS if a[0] == account_id)
        values = [
            f"{((int(account_id) * 613 + b.month * 97 + company.seed) % 400_000 + 5_000) / 100:.2f}"
            for _, b in months
        ]
        return {
            "ColData": [{"value": name, "id": account_id}] + [{"value": v} for v in values],
            "type": "Data",
        }

    if kind == "ProfitAndLoss":
        groups = [
            ("Income", "Income", ["79"]),
            ("Expenses", "Expenses", ["80", "7", "13", "15", "17"]),
        ]
    else:
        groups = [
            ("Assets", "BankAccounts", ["35", "36", "37"]),
            ("Liabilities", "CreditCards", ["41", "33"]),
            ("Equity", "Equity", ["51"]),
        ]
    sections = [
        {
            "Header": {"ColData": [{"value": title}] + [{"value": ""} for _ in months]},
            "Rows": {"Row": [row(a) for a in ids]},
            "Summary": {"ColData": [{"value": f"Total {title}"}] + [{"value": ""} for _ in months]},
            "type": "Section",
            "group": group,
        }
        for title, group, ids in groups
    ]
    return {
        "Header": {
            "Time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S-00:00"),
            "ReportName": kind,
            "ReportBasis": q.get("accounting_method", "Accrual"),
            "StartPeriod": start.isoformat(),
            "EndPeriod": end.isoformat(),
            "SummarizeColumnsBy": "Month" if q.get("summarize_column_by") == "Month" else "Total",
            "Currency": company.home_currency,
        },
        "Columns": {"Column": columns},
        "Rows": {"Row": sections},
    }


__all__ = ["FakeQuickBooks", "now_ms"]
