"""Serve a fake platform on its own: `python -m ledgerlink.fakes.run xero --port 8101`.

For benchmarks (the fake's CPU stays out of the syncing process) and manual trials.
"""

from __future__ import annotations

import argparse
import time

from ledgerlink.fakes.web import serve
from ledgerlink.fakes.xero import FakeXero, XeroOrg


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("platform", choices=["xero"])
    parser.add_argument("--port", type=int, default=8101)
    parser.add_argument("--bills", type=int, default=1000)
    parser.add_argument("--suppliers", type=int, default=500)
    parser.add_argument("--expenses", type=int, default=1000)
    parser.add_argument("--speedup", type=float, default=1.0)
    args = parser.parse_args()
    org = XeroOrg(
        "Bench Trading", seed=9, suppliers=args.suppliers, bills=args.bills, expenses=args.expenses
    )
    fake = FakeXero([org], speedup=args.speedup, record_requests=False)
    with serve(fake, port=args.port) as url:
        print(f"{url} {org.tenant_id}", flush=True)
        while True:
            time.sleep(3600)


if __name__ == "__main__":
    main()
