"""Entry points: the gongshi command line (and, later, the HTTP API)."""
