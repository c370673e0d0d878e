"""python -m spectral_ssl.cli: the same as the spectral-ssl command."""

import sys

from . import main

sys.exit(main())
