"""``python -m verify`` runs gongshi-verify."""

import sys

from verify.cli import main

if __name__ == "__main__":  # not in a --jobs worker started by spawn, which imports this
    sys.exit(main())
