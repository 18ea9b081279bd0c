"""How long the hostile-input properties run: a Hypothesis settings profile chosen by
HYPOTHESIS_PROFILE (docs/testing.md), loaded when a test module imports this one.

- `ci` (the default, `make test`): a few hundred examples per property, derandomised, so
  every run sends the same inputs and a failure reproduces; no example database.
- `fuzz` (`make fuzz`): many random examples (FUZZ_EXAMPLES per property), and Hypothesis's
  example database in `.hypothesis/`, so a failure found once is replayed first on every
  later run until it is fixed.
"""

import os
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis.database import DirectoryBasedExampleDatabase

ROOT = Path(__file__).resolve().parents[2]
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", 5_000))
SLOW_DATA = [HealthCheck.too_slow, HealthCheck.data_too_large]

settings.register_profile(
    "ci", deadline=None, derandomize=True, database=None, suppress_health_check=SLOW_DATA
)
settings.register_profile(
    "fuzz",
    deadline=None,
    derandomize=False,
    database=DirectoryBasedExampleDatabase(ROOT / ".hypothesis" / "examples"),
    suppress_health_check=SLOW_DATA,
    max_examples=FUZZ_EXAMPLES,
)
settings.load_profile(PROFILE)


def examples(ci: int) -> int:
    """How many examples a property gets: `ci` in CI, FUZZ_EXAMPLES in the long run."""
    return FUZZ_EXAMPLES if PROFILE == "fuzz" else ci
