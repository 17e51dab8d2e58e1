"""Fixtures shared by the connector tests."""

from .qbo_support import fake_qbo
from .xero_support import fake_xero

__all__ = ["fake_qbo", "fake_xero"]
