"""Spreadsheet imports (issue 15): the batch record that names an imported file."""
