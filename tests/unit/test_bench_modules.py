"""Every benchmark module loads: `make bench` plays them all, and one that imports a helper an
earlier change moved fails only there, after the others' minutes of running."""

import importlib
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.mark.parametrize("module", sorted(p.stem for p in BENCH.glob("*.py")
                                          if p.stem != "__init__"))
def test_the_benchmark_module_imports(module: str) -> None:
    importlib.import_module(f"bench.{module}")
