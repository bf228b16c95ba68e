"""The fuzz generators live in benchmarks/, which is not installed: put the checkout first."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
