"""File imports: the supplier information template (.xlsx, or a .zip of CSV files).

- `template.build_template()`: the workbook clients download.
- `parse.parse_upload(data, filename)`: safety checks, then records and every problem.
- `services.import_template(company, data, filename, actor=...)`: all rows or none, into the
  ledger as source "template"; each attempt is a `FileImport` plus an audit event.
- `cli.add_import_command(subparsers)`: `ledgerlink import FILE --company NAME [--org SLUG]`.
"""
