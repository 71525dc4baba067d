"""Cadre points (积分制): schemes, task plans, points books, peer evaluation, appraisal."""
