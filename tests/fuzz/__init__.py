"""Property-based and fuzz tests (Hypothesis, schemathesis).

Runs are derandomized so CI sees the same examples every time; FUZZ_RANDOM=1 draws fresh
ones (and FUZZ_EXAMPLES raises the schemathesis budget) to hunt for new failures by hand.
"""

import os

DERANDOMIZE = not os.environ.get("FUZZ_RANDOM")
