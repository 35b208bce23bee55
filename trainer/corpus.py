"""Text found on every machine: the Python standard library's sources and docstrings.

The built-in tokenizer is trained on it, and tests and benchmarks build
training data from it, so nothing is downloaded.
"""

from __future__ import annotations

import ast
import sysconfig
from collections.abc import Iterator
from pathlib import Path


def stdlib_sources() -> list[Path]:
    """Return the standard library's top-level modules, sorted so every run sees the same order."""
    root = Path(sysconfig.get_paths()["stdlib"])
    return sorted(path for path in root.glob("*.py") if path.is_file())


def source_text(max_bytes: int) -> str:
    """Concatenate standard-library sources up to about ``max_bytes`` bytes."""
    parts: list[str] = []
    total = 0
    for path in stdlib_sources():
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        parts.append(text)
        total += len(text.encode("utf-8"))
        if total >= max_bytes:
            break
    return "\n".join(parts)


def docstrings(min_chars: int = 40) -> Iterator[str]:
    """Yield the docstrings of standard-library modules, classes and functions."""
    for path in stdlib_sources():
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                text = ast.get_docstring(node)
                if text and len(text) >= min_chars:
                    yield text
