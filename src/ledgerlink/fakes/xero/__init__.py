"""A fake Xero (identity + Accounting API) for tests, benchmarks and the demo."""

from ledgerlink.fakes.xero.app import FakeXero, add_fault
from ledgerlink.fakes.xero.data import XeroOrg

__all__ = ["FakeXero", "XeroOrg", "add_fault"]
