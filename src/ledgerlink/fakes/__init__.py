"""Contract-faithful fakes of the real accounting platforms (Xero, QuickBooks Online).

Plain WSGI applications with no ledgerlink imports: the tests serve them on loopback with
`fakes.server.serve`, the benchmarks drive them with the real rate limits on a faster
clock, and the demo can mount them under /fakes/ (`LEDGERLINK_FAKES_ENABLED`). Every response
they send is checked against the platforms' published contracts by tests/fakes.
"""
