"""Cadre points (积分制): schemes, task plans, points books, appraisal."""
