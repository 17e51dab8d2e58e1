"""Every response the fake Xero serves validates against Xero's published OpenAPI documents
(xero_accounting.yaml, xero-identity.yaml, copied in tests/contracts/xero), strictly: an
entity may carry no property the contract does not define, so the fake cannot drift."""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
import yaml

from ledgerlink.fakes.limits import Fault
from ledgerlink.fakes.web import serve
from ledgerlink.fakes.xero import FakeXero, XeroOrg

from ..connectors.xero_support import REDIRECT, consent

CONTRACTS = Path(__file__).resolve().parents[1] / "contracts" / "xero"
SCHEMA_OF = {
    "Organisation": "Organisations",
    "Accounts": "Accounts",
    "Contacts": "Contacts",
    "Invoices": "Invoices",
    "Payments": "Payments",
    "BatchPayments": "BatchPayments",
    "BankTransactions": "BankTransactions",
    "Reports/ProfitAndLoss": "ReportWithRows",
    "Reports/BalanceSheet": "ReportWithRows",
}


@functools.cache
def components(name: str) -> dict[str, Any]:
    document = yaml.safe_load((CONTRACTS / name).read_text())
    schemas = copy.deepcopy(document["components"]["schemas"])
    envelopes = set(SCHEMA_OF.values())
    for key, schema in schemas.items():
        # Entities are closed; the list envelopes also carry Id/Status/ProviderName/DateTimeUTC.
        if "properties" in schema and "x-objectArrayKey" not in schema and key not in envelopes:
            schema["additionalProperties"] = False
    return {"components": {"schemas": schemas}}


def validate(document: str, schema: dict[str, Any], body: Any) -> None:
    root = {**components(document), **schema}
    validator = jsonschema.Draft4Validator(root, format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}"[:300] for e in errors[:5]]


def accounting(body: Any, resource: str) -> None:
    validate("xero_accounting.yaml", {"$ref": f"#/components/schemas/{SCHEMA_OF[resource]}"}, body)


@pytest.fixture
def served():
    orgs = [
        XeroOrg("Harbour Trading", seed=1, suppliers=14, bills=60, expenses=25),
        XeroOrg(
            "Maple Books",
            seed=5,
            suppliers=3,
            bills=9,
            expenses=4,
            base_currency="CAD",
            country="CA",
        ),
    ]
    orgs[0].malformed_bills.add(4)
    fake = FakeXero(orgs, speedup=1000)
    with serve(fake) as url:
        yield fake, url


def token_for(fake: FakeXero, url: str) -> str:
    import secrets

    from authlib.common.security import generate_token  # type: ignore[import-untyped]
    from authlib.oauth2.rfc7636 import create_s256_code_challenge  # type: ignore[import-untyped]

    verifier = generate_token(48)
    authorise = httpx.URL(
        url + "/identity/connect/authorize",
        params={
            "response_type": "code",
            "client_id": fake.client_id,
            "redirect_uri": REDIRECT,
            "scope": "offline_access accounting.invoices.read",
            "state": secrets.token_hex(4),
            "code_challenge": create_s256_code_challenge(verifier),
            "code_challenge_method": "S256",
        },
    )
    params = consent(str(authorise), [o.tenant_id for o in fake.orgs])
    answer = httpx.post(
        url + "/connect/token",
        auth=(fake.client_id, fake.client_secret),
        data={
            "grant_type": "authorization_code",
            "code": params["code"],
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
        },
    )
    assert answer.status_code == 200
    return str(answer.json()["access_token"])


def test_every_fake_response_matches_the_xero_contracts(served):
    fake, url = served
    token = token_for(fake, url)
    auth = {"Authorization": f"Bearer {token}"}
    connections = httpx.get(url + "/connections", headers=auth)
    assert connections.status_code == 200
    validate(
        "xero-identity.yaml",
        {"type": "array", "items": {"$ref": "#/components/schemas/Connection"}},
        connections.json(),
    )
    org = fake.orgs[0]
    org.edit_bill(1)
    org.delete_bill(2)
    org.void_bill(3)
    org.delete_payment(5)
    org.delete_expense(0)
    org.archive_account(4)
    org.edit_supplier(1)
    checked = 0
    queries: list[tuple[str, dict[str, str]]] = [
        ("Organisation", {}),
        ("Accounts", {}),
        ("Contacts", {"where": "IsSupplier==true", "includeArchived": "true", "page": "1"}),
        ("Contacts", {}),
        ("Invoices", {"where": 'Type=="ACCPAY"', "page": "1", "pageSize": "1000"}),
        ("Invoices", {"page": "2", "pageSize": "20", "order": "UpdatedDateUTC ASC"}),
        ("Invoices", {}),
        ("Payments", {"where": 'PaymentType=="ACCPAYPAYMENT"', "page": "1"}),
        ("BatchPayments", {}),
        ("BankTransactions", {"where": 'Type=="SPEND"', "page": "1"}),
        ("BankTransactions", {}),
        (
            "Reports/ProfitAndLoss",
            {
                "fromDate": "2026-10-01",
                "toDate": "2026-10-31",
                "periods": "11",
                "timeframe": "MONTH",
            },
        ),
        ("Reports/BalanceSheet", {"date": "2026-10-31", "periods": "11", "timeframe": "MONTH"}),
    ]
    for tenant in fake.orgs:
        headers = {**auth, "xero-tenant-id": tenant.tenant_id}
        for resource, params in queries:
            for since in ("", "2026-01-01T00:00:30"):
                extra = {"If-Modified-Since": since} if since else {}
                answer = httpx.get(
                    f"{url}/api.xro/2.0/{resource}", params=params, headers={**headers, **extra}
                )
                assert answer.status_code == 200, (resource, answer.text[:300])
                accounting(answer.json(), resource)
                checked += 1
    assert checked == len(queries) * 2 * len(fake.orgs)
    bad = httpx.get(
        f"{url}/api.xro/2.0/Invoices",
        params={"where": "Total>5"},
        headers={**auth, "xero-tenant-id": org.tenant_id},
    )
    assert bad.status_code == 400
    validate("xero_accounting.yaml", {"$ref": "#/components/schemas/Error"}, bad.json())


def test_the_check_is_strict_enough_to_catch_drift():
    with pytest.raises(AssertionError):
        accounting({"Invoices": [{"InvoiceID": "x", "Contact": {"Nickname": "drift"}}]}, "Invoices")
    with pytest.raises(AssertionError):
        accounting({"Invoices": [{"Status": "SETTLED"}]}, "Invoices")


def test_rate_limits_and_auth_errors_look_like_xeros(served):
    fake, url = served
    token = token_for(fake, url)
    headers = {"Authorization": f"Bearer {token}", "xero-tenant-id": fake.orgs[0].tenant_id}
    fake.limits.speedup = 1
    fake.limits.windows["minute"] = (3, 60)
    answers = [httpx.get(f"{url}/api.xro/2.0/Organisation", headers=headers) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[0].headers["X-MinLimit-Remaining"] == "2"
    assert answers[3].headers["X-Rate-Limit-Problem"] == "minute"
    assert int(answers[3].headers["Retry-After"]) >= 1
    fake.limits.windows["minute"] = (60, 60)
    fake.limits.reset()
    fake.faults.add(Fault(path="/Invoices", status=0, action="expire"))
    expired = httpx.get(f"{url}/api.xro/2.0/Invoices", headers=headers)
    assert expired.status_code == 401 and "TokenExpired" in expired.json()["Detail"]
    stranger = httpx.get(
        f"{url}/api.xro/2.0/Invoices",
        headers={"Authorization": "Bearer nope", "xero-tenant-id": fake.orgs[0].tenant_id},
    )
    assert stranger.status_code == 401
