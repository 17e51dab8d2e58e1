"""Serve a fake platform on its own: `python -m ledgerlink.fakes.run xero --port 8101`.

For benchmarks (the fake's CPU stays out of the syncing process) and manual trials. Prints
the base URL and the tenant (Xero organisation or QuickBooks realm) id.
"""

from __future__ import annotations

import argparse
import time

from ledgerlink.fakes.qbo import FakeQuickBooks, QboCompany
from ledgerlink.fakes.web import WSGIApp, serve
from ledgerlink.fakes.xero import FakeXero, XeroOrg


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("platform", choices=["xero", "qbo"])
    parser.add_argument("--port", type=int, default=8101)
    parser.add_argument("--bills", type=int, default=1000)
    parser.add_argument("--suppliers", type=int, default=500)
    parser.add_argument("--expenses", type=int, default=1000)
    parser.add_argument("--speedup", type=float, default=1.0)
    args = parser.parse_args()
    app: WSGIApp
    if args.platform == "xero":
        org = XeroOrg(
            "Bench Trading",
            seed=9,
            suppliers=args.suppliers,
            bills=args.bills,
            expenses=args.expenses,
        )
        app, tenant = FakeXero([org], speedup=args.speedup, record_requests=False), org.tenant_id
    else:
        company = QboCompany(
            "Bench Outfitters",
            seed=9,
            vendors=args.suppliers,
            bills=args.bills,
            purchases=args.expenses,
        )
        app = FakeQuickBooks([company], speedup=args.speedup, record_requests=False)
        tenant = company.realm_id
    with serve(app, port=args.port) as url:
        print(f"{url} {tenant}", flush=True)
        while True:
            time.sleep(3600)


if __name__ == "__main__":
    main()
