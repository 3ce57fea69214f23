"""Print the pinned versions of everything the project needs, from the running environment.

Reads the requirements of ``pyproject.toml`` (the core and every extra), follows their
dependencies through the installed distributions (environment markers evaluated, extras
followed) and prints one ``name==version`` line per distribution, sorted by name: ``pip
freeze`` restricted to the project's dependency closure (the project itself excluded).
Run it with the venv's Python after an install that passed the tests::

    .venv/bin/python requirements/freeze.py > requirements/constraints.txt
"""

from __future__ import annotations

import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent


def project_requirements(pyproject: Path) -> list[Requirement]:
    """Return the requirements of the core and of every extra declared in ``pyproject``."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    texts = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        texts.extend(extra)
    return [Requirement(text) for text in texts]


def closure(roots: list[Requirement]) -> dict[str, str]:
    """Return the installed distributions needed by ``roots``, as canonical name -> version.

    Raises
    ------
    SystemExit
        If a needed distribution is not installed (the environment is incomplete).
    """
    found: dict[str, str] = {}
    seen: set[tuple[str, frozenset[str]]] = set()
    todo = [(req, frozenset()) for req in roots]
    while todo:
        req, parent_extras = todo.pop()
        if req.marker is not None and not any(
            req.marker.evaluate({"extra": extra}) for extra in (parent_extras or {""})
        ):
            continue
        name = canonicalize_name(req.name)
        key = (name, frozenset(req.extras))
        if key in seen:
            continue
        seen.add(key)
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            sys.exit(f"freeze: {name} is required but not installed; install the project first")
        found[name] = dist.version
        for text in dist.requires or []:
            todo.append((Requirement(text), frozenset(req.extras)))
    return found


def main() -> int:
    """Print the constraints to standard output."""
    pins = closure(project_requirements(ROOT / "pyproject.toml"))
    print("# Versions the project is tested with: pip install -c requirements/constraints.txt ...")
    print(f"# Written by requirements/freeze.py (Python {sys.version.split()[0]}); do not edit by hand.")
    for name in sorted(pins):
        print(f"{name}=={pins[name]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
