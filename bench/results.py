"""What every benchmark prints last: one machine-readable line that bench/run_all reads.

    BENCH-RESULT {"bench": "claim", ...}

The human-readable tables stay above it; run_all takes the last line starting with the
marker and ignores the rest.
"""

import json

MARKER = "BENCH-RESULT "


def emit(bench: str, **figures) -> None:
    """Print the result line of `bench` (figures must be JSON-serialisable)."""
    print(MARKER + json.dumps({"bench": bench, **figures}, ensure_ascii=False, default=str), flush=True)


def percentile(ordered: list[float], share: float) -> float:
    """The value below which `share` (0-1) of the sorted values lie (nearest rank); NaN if empty."""
    if not ordered:
        return float("nan")
    rank = max(1, -(-len(ordered) * share // 1))  # ceil, at least the first value
    return ordered[min(len(ordered), int(rank)) - 1]
