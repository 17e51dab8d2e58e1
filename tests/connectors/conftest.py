"""Fixtures shared by the connector tests."""

from .xero_support import fake_xero

__all__ = ["fake_xero"]
