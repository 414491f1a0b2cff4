"""Thin entry for the benchmark: ``python scripts/bench.py --scale province`` (see ntm/bench.py)."""

import sys

from ntm.bench import main

if __name__ == "__main__":
    sys.exit(main())
