"""`python -m bot` is the `ficshelf` command."""

import sys

from bot.cli import main

sys.exit(main())
