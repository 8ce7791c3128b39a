"""How long the parser fuzz targets run: briefly in ``make test``, longer under ``make fuzz``.

``SAHARA_FUZZ_EXAMPLES`` (set by ``make fuzz``) raises hypothesis' example count for every target
that uses ``fuzz``; without it each target runs a few dozen examples, a second or two.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

EXAMPLES = int(os.environ.get("SAHARA_FUZZ_EXAMPLES", "40"))
fuzz = settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
