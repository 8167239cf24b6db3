"""Pages of a report: one rule for every paged list (accounts, audit trail)."""

import math


def page_count(total: int, page_size: int) -> int:
    """The number of pages for `total` rows: at least one, even when there are none."""
    return max(1, math.ceil(total / page_size))
