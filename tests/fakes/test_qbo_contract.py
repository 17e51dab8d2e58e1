"""Every entity the fake QuickBooks serves, mapped onto the XSD's element structure,
validates against Intuit's schema (tests/contracts/qbo): query pages, CDC (with deleted
objects), company info and both reports."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from ledgerlink.fakes.qbo import FakeQuickBooks, QboCompany
from ledgerlink.fakes.web import serve

from ..connectors.xero_support import REDIRECT, consent
from . import qbo_xsd


@pytest.fixture
def served():
    companies = [
        QboCompany("Pinecrest Outfitters", seed=3, vendors=15, bills=50, purchases=30),
        QboCompany(
            "Maple Leaf Cabinets",
            seed=4,
            vendors=3,
            bills=8,
            purchases=5,
            home_currency="CAD",
            country="CA",
        ),
    ]
    fake = FakeQuickBooks(companies, speedup=1000)
    with serve(fake) as url:
        yield fake, url


def token_for(fake: FakeQuickBooks, url: str, realm: str) -> str:
    from authlib.common.security import generate_token  # type: ignore[import-untyped]
    from authlib.oauth2.rfc7636 import create_s256_code_challenge  # type: ignore[import-untyped]

    verifier = generate_token(48)
    authorise = httpx.URL(
        url + "/connect/oauth2",
        params={
            "response_type": "code",
            "client_id": fake.client_id,
            "redirect_uri": REDIRECT,
            "scope": "com.intuit.quickbooks.accounting",
            "state": secrets.token_hex(4),
            "code_challenge": create_s256_code_challenge(verifier),
            "code_challenge_method": "S256",
        },
    )
    params = consent(str(authorise), [realm])
    assert params["realmId"] == realm
    answer = httpx.post(
        url + "/oauth2/v1/tokens/bearer",
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


def test_every_fake_entity_matches_the_xsd(served):
    fake, url = served
    checked = 0
    for company in fake.companies:
        token = token_for(fake, url, company.realm_id)
        base = f"{url}/v3/company/{company.realm_id}"
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        company.edit_bill(1)
        company.delete("Bill", 2)
        company.delete_bill_payment(5)
        company.void_purchase(3)
        company.edit_vendor(0)
        for entity in ("Vendor", "Account", "Bill", "BillPayment", "Purchase"):
            where = " WHERE Active IN (true, false)" if entity in ("Vendor", "Account") else ""
            for start in (1, 21):
                query = f"SELECT * FROM {entity}{where} STARTPOSITION {start} MAXRESULTS 20"  # noqa: S608
                answer = httpx.get(
                    base + "/query", params={"query": query, "minorversion": 75}, headers=headers
                )
                assert answer.status_code == 200, answer.text[:300]
                body = answer.json()
                document = qbo_xsd.response(
                    qbo_xsd.query_response(entity, body["QueryResponse"]), time=body["time"]
                )
                qbo_xsd.validate(document)
                checked += len(body["QueryResponse"].get(entity, []))
        since = (datetime.now(UTC) - timedelta(days=1)).isoformat()
        cdc = httpx.get(
            base + "/cdc",
            params={"entities": "Bill,BillPayment,Purchase,Vendor", "changedSince": since},
            headers=headers,
        ).json()
        parts = [
            qbo_xsd.query_response(next(iter(r), "Bill"), r)
            for r in cdc["CDCResponse"][0]["QueryResponse"]
        ]
        import lxml.etree as etree

        wrapper = etree.Element(f"{{{qbo_xsd.NS}}}CDCResponse")
        for part in parts:
            wrapper.append(part)
        qbo_xsd.validate(qbo_xsd.response(wrapper))
        deleted = [
            b
            for r in cdc["CDCResponse"][0]["QueryResponse"]
            for b in r.get("Bill", [])
            if b.get("status") == "Deleted"
        ]
        assert deleted, "CDC reports the deleted bill"
        info = httpx.get(f"{base}/companyinfo/{company.realm_id}", headers=headers).json()
        qbo_xsd.validate(qbo_xsd.response(qbo_xsd.entity("CompanyInfo", info["CompanyInfo"])))
        for report in ("ProfitAndLoss", "BalanceSheet"):
            body = httpx.get(
                f"{base}/reports/{report}",
                params={
                    "start_date": "2025-11-01",
                    "end_date": "2026-10-31",
                    "summarize_column_by": "Month",
                    "accounting_method": "Accrual",
                },
                headers=headers,
            ).json()
            qbo_xsd.validate(qbo_xsd.response(qbo_xsd.report(body)))
    assert checked > 150


def test_the_mapping_catches_drift():
    with pytest.raises(qbo_xsd.Drift):
        qbo_xsd.entity("Bill", {"Id": "1", "Nickname": "drift"})
    with pytest.raises(qbo_xsd.Drift):
        qbo_xsd.validate(qbo_xsd.response(qbo_xsd.entity("BillPayment", {"PayType": "Cheque"})))


def test_query_limits_and_errors_look_like_intuits(served):
    fake, url = served
    company = fake.companies[0]
    token = token_for(fake, url, company.realm_id)
    base = f"{url}/v3/company/{company.realm_id}"
    headers = {"Authorization": f"Bearer {token}"}
    too_many = httpx.get(
        base + "/query", params={"query": "SELECT * FROM Bill MAXRESULTS 1001"}, headers=headers
    )
    assert too_many.status_code == 400 and "Max allowed value is 1000" in too_many.text
    other = fake.companies[1].realm_id
    denied = httpx.get(
        f"{url}/v3/company/{other}/query", params={"query": "SELECT * FROM Bill"}, headers=headers
    )
    assert denied.status_code == 403
    fake.limits.speedup = 1
    fake.limits.windows["second"] = (2, 1)
    answers = [
        httpx.get(base + "/query", params={"query": "SELECT * FROM Account"}, headers=headers)
        for _ in range(3)
    ]
    assert answers[-1].status_code == 429 and "ThrottleExceeded" in answers[-1].text
