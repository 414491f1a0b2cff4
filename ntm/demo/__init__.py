"""The demo: simulated submissions for the 2021-2025 programme and a set of typical mistakes.

Only ``ntm demo`` (and the tests and benchmarks) use it; the other commands never import it
(numpy's generator and the messy set). One module a concern:

- ``simulate``: every commune's quarterly figures (form 01), from a seed;
- ``household_draws``, ``household_lists``, ``households``: the household reviews (form HN),
  household by household, consistent with the Q4 forms but for two planted mismatches;
- ``inbox``: the files of the demo inbox, stamped with their arrival times (``generate_demo``);
- ``messy``: one file per mistake clerks make, with the verdict ``ntm ingest`` gives it.
"""

from ntm.demo.inbox import generate_demo, generate_households
from ntm.demo.messy import MESSY_CASES, generate_messy
from ntm.demo.simulate import DEMO_FIRST, DEMO_LAST, DEMO_SEED, demo_figures

__all__ = [
    "DEMO_FIRST",
    "DEMO_LAST",
    "DEMO_SEED",
    "MESSY_CASES",
    "demo_figures",
    "generate_demo",
    "generate_households",
    "generate_messy",
]
