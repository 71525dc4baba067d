"""Supervision (监督): cases and their actions, inspections, key projects and their policy."""
