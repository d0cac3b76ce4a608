"""``python -m mirror`` is the ``mbmirror`` command."""

import sys

from mirror.cli import main

sys.exit(main())
