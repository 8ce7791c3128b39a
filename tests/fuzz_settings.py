"""How long the parser fuzz targets run: briefly in ``make test``, longer under ``make fuzz``.

``SAHARA_FUZZ_EXAMPLES`` (``make fuzz`` sets it) is the number of examples hypothesis tries per
target; without it each target tries a few dozen, a second or two, so the suite stays fast.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

EXAMPLES = int(os.environ.get("SAHARA_FUZZ_EXAMPLES", "40"))
fuzz = settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
