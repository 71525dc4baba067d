"""Spreadsheets in and out (issue 15 item 2): exports of the public lists and the fund ledger
(CSV with BOM, XLSX), imports of quarterly score entries and care-fund applications."""
