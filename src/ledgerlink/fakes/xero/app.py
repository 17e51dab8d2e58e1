"""A fake Xero: the identity server (authorise, token, revocation, connections) and the
Accounting API calls ledgerlink makes, on one base URL:

    GET/POST /identity/connect/authorize     consent (pick organisations)
    POST     /connect/token                  code + PKCE, rotating refresh tokens
    POST     /connect/revocation             RFC 7009
    GET      /connections, DELETE /connections/{id}
    GET      /api.xro/2.0/{Organisation,Accounts,Contacts,Invoices,Payments,BatchPayments,
                          BankTransactions,Reports/ProfitAndLoss,Reports/BalanceSheet}

Accounting calls need `xero-tenant-id` for a connected organisation, honour
`If-Modified-Since`, `where` (the simple equality filters ledgerlink sends), `page` and
`pageSize` (≤ 1000), and `order=UpdatedDateUTC ASC`; they answer 429 with `Retry-After` and
`X-Rate-Limit-Problem` past 60 calls a minute, 5,000 a day or 5 in flight per tenant.
"""

from __future__ import annotations

import calendar
import email.utils
import re
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from ledgerlink.fakes.collection import Collection
from ledgerlink.fakes.limits import Fault, Faults, Limits
from ledgerlink.fakes.oauth import AuthServer
from ledgerlink.fakes.web import Request, Response, json_response
from ledgerlink.fakes.xero.data import ACCOUNTS, EPOCH, XeroOrg, ms_date, now_ms

API = "/api.xro/2.0/"
WHERE = re.compile(r'^\s*(\w+)\s*==\s*(?:"([^"]*)"|(true|false))\s*$')
FILTERS = {
    "Invoices": "Type",
    "Payments": "PaymentType",
    "BankTransactions": "Type",
    "Contacts": "IsSupplier",
}
MAX_PAGE = 1000


@dataclass
class _Connection:
    id: str
    tenant_id: str
    auth_event_id: str
    created: datetime


@dataclass
class FakeXero:
    orgs: list[XeroOrg]
    client_id: str = "fake-xero-client"
    client_secret: str = "fake-xero-secret"  # noqa: S105 - the fake's own test credential
    speedup: float = 1.0
    per_minute: int = 60
    per_day: int = 5000
    concurrency: int = 5
    auth: AuthServer = field(init=False)
    limits: Limits = field(init=False)
    faults: Faults = field(default_factory=Faults)
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    record_requests: bool = True
    # Called with each accounting request before it is answered (tests: edits mid-sync).
    on_request: Callable[[Request], None] | None = None
    _connections: dict[str, list[_Connection]] = field(default_factory=dict)  # grant → conns
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.auth = AuthServer(self.client_id, self.client_secret, access_ttl=1800)
        self.limits = Limits(
            {"minute": (self.per_minute, 60), "day": (self.per_day, 86400)},
            concurrency=self.concurrency,
            speedup=self.speedup,
        )

    def org(self, tenant_id: str) -> XeroOrg | None:
        return next((o for o in self.orgs if o.tenant_id == tenant_id), None)

    # --- WSGI ----------------------------------------------------------------------------

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        req = Request.from_environ(environ)
        return self.handle(req)(start_response)

    def handle(self, req: Request) -> Response:
        path = req.path
        if self.record_requests:
            with self._lock:
                self.requests.append((req.method, path, dict(req.query)))
        if path == "/identity/connect/authorize":
            if req.method == "POST":
                return self.auth.decide(req, extra=self._connect)
            return self.auth.consent_page(
                req, [(o.tenant_id, o.name) for o in self.orgs], multiple=True
            )
        if path == "/connect/token" and req.method == "POST":
            return self._fault(path) or self.auth.token(req)
        if path == "/connect/revocation" and req.method == "POST":
            return self.auth.revoke(req)
        if path.startswith("/connections"):
            return self._connections_api(req)
        if path.startswith(API):
            return self._accounting(req, path[len(API) :])
        return json_response(404, {"Title": "Not Found", "Status": 404})

    def _fault(self, path: str) -> Response | None:
        fault = self.faults.take(path)
        if fault is None:
            return None
        if fault.action == "expire":
            self.auth.expire_access_tokens()
            return None
        body = fault.body if fault.body is not None else {"Title": "Fault", "Status": fault.status}
        return json_response(fault.status, body, fault.headers)

    def _connect(self, grant: Any) -> dict[str, str]:
        now = datetime.now(UTC)
        with self._lock:
            self._connections[grant.id] = [
                _Connection(str(uuid.uuid4()), tid, grant.auth_event_id, now)
                for tid in grant.tenant_ids
            ]
        return {}

    def disconnect_tenant(self, tenant_id: str) -> None:
        """The user removed the app from one organisation at Xero (consent revoked)."""
        with self._lock:
            for conns in self._connections.values():
                conns[:] = [c for c in conns if c.tenant_id != tenant_id]

    # --- identity API ----------------------------------------------------------------------

    def _connections_api(self, req: Request) -> Response:
        grant, problem = self.auth.check(req)
        if grant is None:
            return _unauthorised(problem)
        conns = self._connections.get(grant.id, [])
        if req.method == "DELETE":
            conn_id = req.path.rsplit("/", 1)[-1]
            with self._lock:
                conns[:] = [c for c in conns if c.id != conn_id]
            return Response(204)
        wanted = req.query.get("authEventId")
        return json_response(
            200,
            [
                {
                    "id": c.id,
                    "authEventId": c.auth_event_id,
                    "tenantId": c.tenant_id,
                    "tenantType": "ORGANISATION",
                    "tenantName": org.name,
                    "createdDateUtc": c.created.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
                    "updatedDateUtc": c.created.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
                }
                for c in conns
                if (org := self.org(c.tenant_id)) is not None
                and (not wanted or c.auth_event_id == wanted)
            ],
        )

    # --- accounting API --------------------------------------------------------------------

    def _accounting(self, req: Request, resource: str) -> Response:
        if self.on_request is not None:
            self.on_request(req)
        fault = self._fault(req.path)
        if fault is not None:
            return fault
        grant, problem = self.auth.check(req)
        if grant is None:
            return _unauthorised(problem)
        tenant_id = req.headers.get("xero-tenant-id", "")
        org = self.org(tenant_id)
        connected = any(c.tenant_id == tenant_id for c in self._connections.get(grant.id, []))
        if org is None or not connected:
            return json_response(
                403,
                {
                    "Type": None,
                    "Title": "Forbidden",
                    "Status": 403,
                    "Detail": "AuthenticationUnsuccessful",
                },
            )
        with self.limits.call(tenant_id) as verdict:
            if not verdict.allowed:
                return Response(
                    429,
                    b"Rate limit exceeded",
                    [
                        ("Retry-After", str(verdict.retry_after)),
                        ("X-Rate-Limit-Problem", verdict.problem),
                        ("Content-Type", "text/plain"),
                    ],
                )
            headers = [
                ("X-DayLimit-Remaining", str(verdict.remaining.get("day", self.per_day))),
                ("X-MinLimit-Remaining", str(verdict.remaining.get("minute", self.per_minute))),
                ("X-AppMinLimit-Remaining", "9999"),
            ]
            try:
                body = self._read(org, resource, req)
            except _BadRequest as bad:
                return json_response(
                    400,
                    {"ErrorNumber": 16, "Type": "QueryParseException", "Message": str(bad)},
                    headers,
                )
            if body is None:
                return json_response(404, {"Title": "Not Found", "Status": 404}, headers)
            return json_response(200, body, headers)

    def _read(self, org: XeroOrg, resource: str, req: Request) -> dict[str, Any] | None:
        q = req.query
        since = _since(req.headers.get("if-modified-since", ""))
        envelope = {
            "Id": str(uuid.uuid4()),
            "Status": "OK",
            "ProviderName": "ledgerlink fake Xero",
            "DateTimeUTC": f"/Date({now_ms()})/",
        }
        if resource == "Organisation":
            return {**envelope, "Organisations": [org.organisation()]}
        if resource == "Accounts":
            return {**envelope, "Accounts": [org.account(i) for i in org.accounts.select(since)]}
        if resource == "BatchPayments":
            found = [org.batch(j) for j in org.batches.select(since)]
            return {**envelope, "BatchPayments": found}
        if resource == "Reports/ProfitAndLoss":
            return {**envelope, "Reports": [_report(org, "ProfitAndLoss", q)]}
        if resource == "Reports/BalanceSheet":
            return {**envelope, "Reports": [_report(org, "BalanceSheet", q)]}
        collections: dict[str, tuple[Collection, Callable[..., dict[str, Any]]]] = {
            "Contacts": (org.contacts, org.contact),
            "Invoices": (org.invoices, org.invoice),
            "Payments": (org.payments, org.payment),
            "BankTransactions": (org.transactions, org.transaction),
        }
        if resource not in collections:
            return None
        collection, render = collections[resource]
        kind: str | None = None
        if q.get("where"):
            match = WHERE.match(q["where"])
            if match is None or FILTERS.get(resource) != match.group(1):
                raise _BadRequest(f"The where clause {q['where']!r} is not supported here")
            value = match.group(2) if match.group(2) is not None else match.group(3)
            kind = (
                value if resource != "Contacts" else ("supplier" if value == "true" else "customer")
            )
        if q.get("order") not in (None, "UpdatedDateUTC ASC", "UpdatedDateUTC"):
            raise _BadRequest("order must be UpdatedDateUTC ASC")
        indexes = collection.select(since, kind)
        if resource == "Contacts" and q.get("includeArchived") != "true":
            indexes = [i for i in indexes if org.contact(i)["ContactStatus"] != "ARCHIVED"]
        page_text = q.get("page")
        if page_text is None:  # un-paged: summaries of everything (no line items)
            items = [_summary(render(i)) for i in indexes]
            return {**envelope, resource: items}
        if not page_text.isdigit() or int(page_text) < 1:
            raise _BadRequest("page must be a positive whole number")
        page = int(page_text)
        size = min(MAX_PAGE, int(q.get("pageSize", "100") or 100))
        chosen = indexes[(page - 1) * size : page * size]
        return {
            **envelope,
            "pagination": {
                "page": page,
                "pageSize": size,
                "pageCount": max(1, -(-len(indexes) // size)),
                "itemCount": len(indexes),
            },
            resource: [render(i) for i in chosen],
        }


class _BadRequest(Exception):
    pass


def _summary(record: dict[str, Any]) -> dict[str, Any]:
    if "LineItems" in record:
        record["LineItems"] = []  # as Xero: un-paged lists carry no line items
    return record


def _unauthorised(problem: str) -> Response:
    detail = (
        "TokenExpired: token expired at " + datetime.now(UTC).strftime("%m/%d/%Y %H:%M:%S")
        if problem == "expired"
        else "AuthenticationUnsuccessful"
    )
    return json_response(
        401,
        {"Type": None, "Title": "Unauthorized", "Status": 401, "Detail": detail},
        [("WWW-Authenticate", f'Bearer error="invalid_token", error_description="{detail}"')],
    )


def _since(value: str) -> int | None:
    if not value:
        return None
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            moment = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _months_back(end: date, n: int) -> date:
    month = end.month - 1 - n
    year = end.year + month // 12
    return _month_end(date(year, month % 12 + 1, 1))


def _report(org: XeroOrg, kind: str, q: dict[str, str]) -> dict[str, Any]:
    anchor_text = q.get("toDate") if kind == "ProfitAndLoss" else q.get("date")
    try:
        anchor = date.fromisoformat(anchor_text or "")
    except ValueError:
        anchor = _month_end(datetime.now(UTC).date())
    periods = max(0, min(11, int(q.get("periods", "0") or 0)))
    ends = [_months_back(anchor, n) for n in range(periods + 1)]  # newest first
    header = {
        "RowType": "Header",
        "Cells": [{"Value": ""}] + [{"Value": e.strftime("%d %b %Y")} for e in ends],
    }

    def line(code: str, sign: int) -> dict[str, Any]:
        name = next(a[1] for a in ACCOUNTS if a[0] == code)
        account = org.account_id(code)
        cells = [{"Value": name, "Attributes": [{"Value": account, "Id": "account"}]}]
        for end in ends:
            cents = sign * ((int(code) * 977 + end.month * 131 + org.seed * 17) % 500_000 + 10_000)
            cells.append(
                {"Value": f"{cents / 100:.2f}", "Attributes": [{"Value": account, "Id": "account"}]}
            )
        return {"RowType": "Row", "Cells": cells}

    if kind == "ProfitAndLoss":
        sections = [
            ("Income", ["200"], 1),
            ("Less Operating Expenses", list(("300", "400", "429", "453", "469")), 1),
        ]
        title = "Profit and Loss"
    else:
        sections = [
            ("Bank", ["090", "092"], 1),
            ("Current Liabilities", ["091", "800"], 1),
            ("Equity", ["970"], 1),
        ]
        title = "Balance Sheet"
    rows: list[dict[str, Any]] = [header]
    for heading, codes, sign in sections:
        rows.append(
            {"RowType": "Section", "Title": heading, "Rows": [line(c, sign) for c in codes]}
        )
    return {
        "ReportID": kind,
        "ReportName": title,
        "ReportType": kind,
        "ReportTitles": [title, org.name, f"As at {anchor:%d %B %Y}"],
        "ReportDate": datetime.now(UTC).strftime("%d %B %Y"),
        "UpdatedDateUTC": ms_date(EPOCH),
        "Rows": rows,
    }


def add_fault(app: FakeXero, path: str, status: int, *, times: int = 1, **kwargs: Any) -> None:
    app.faults.add(Fault(path=path, status=status, times=times, **kwargs))
