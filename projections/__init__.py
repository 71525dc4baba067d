"""Read models that follow the log in leaf order: ledgers, public lists, rankings, boards."""
