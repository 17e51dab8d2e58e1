"""A fake QuickBooks Online (Intuit OAuth + Accounting API v3) for tests, benchmarks and
the demo."""

from ledgerlink.fakes.qbo.app import FakeQuickBooks
from ledgerlink.fakes.qbo.data import QboCompany

__all__ = ["FakeQuickBooks", "QboCompany"]
