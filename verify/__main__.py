"""``python -m verify`` runs gongshi-verify."""

import sys

from verify.cli import main

sys.exit(main())
