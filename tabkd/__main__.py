"""``python -m tabkd``: the same command line as the ``tabkd`` script."""

import sys

from ._cli import main

sys.exit(main())
