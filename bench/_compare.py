"""
Run a benchmark's measurements on two versions of the code, side by side.

A benchmark script calls itself as ``script --measure WHAT ARGUMENT`` in a
fresh interpreter whose ``twisted_wsfakes`` comes from a given tree: the
tree of an older commit (extracted with ``git archive``) for "before", this
checkout for "after".
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

#: The checkout this file belongs to.
HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def extract(base: str, into: str) -> None:
    """
    Put the tree of commit ``base`` of this repository into ``into``.
    """
    archive = subprocess.run(
        ["git", "-C", HERE, "archive", base], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", into], input=archive, check=True)


def measureIn(root: str, script: str, *arguments: str) -> dict[str, Any]:
    """
    Run ``script --measure *arguments`` in a fresh interpreter on the code
    under ``root``; return the JSON object it prints last.
    """
    output = subprocess.run(
        [sys.executable, os.path.abspath(script), "--measure", *arguments],
        env=dict(os.environ, PYTHONPATH=root),
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, Any] = json.loads(output.splitlines()[-1])
    # The package must come from root, not from an installed copy.
    assert result["where"].startswith(root), result["where"]
    return result


def answer(result: dict[str, Any]) -> int:
    """
    Print ``result`` as the JSON object :func:`measureIn` reads, saying
    where ``twisted_wsfakes`` came from; return the exit status.
    """
    import twisted_wsfakes

    print(json.dumps({**result, "where": twisted_wsfakes.__file__}))
    return 0


def row(label: str, before: float, after: float, unit: str) -> str:
    """
    One line of a before/after table, with the ratio.
    """
    ratio = before / after if after else float("inf")
    return (
        f"  {label:<40} {before:10.4g} {unit:<3} {after:10.4g} {unit:<3} {ratio:8.1f}x"
    )
