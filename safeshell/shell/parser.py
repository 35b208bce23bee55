"""The tree-sitter bash parser, loaded once per process.

The packages ``tree_sitter`` and ``tree_sitter_bash`` are thin Python layers
over their C extensions ``_binding``: the first imports ``typing``, the second
``importlib.resources`` (with ``pathlib``, ``tempfile`` and ``shutil``), which
together cost more start-up time than a bare interpreter. The parser needs
only the two extensions, so :func:`_load_bindings` loads them by file and
registers them under their usual names. A later ``import tree_sitter`` then
reuses the same extension module. When that fails, the packages are imported
as usual.
"""

from __future__ import annotations

import os
import sys

from safeshell.errors import AnalysisError

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from types import ModuleType
    from typing import Any

_PARSER: Any = None


def parse(source: bytes) -> Any:
    """Parse bash source; return the tree's root node."""
    global _PARSER
    if _PARSER is None:
        tree_sitter, tree_sitter_bash = _load_bindings()
        _PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_bash.language()))
    tree = _PARSER.parse(source)
    if tree is None:
        raise AnalysisError("tree-sitter returned no syntax tree")
    return tree.root_node


def _load_bindings() -> tuple[Any, Any]:
    """Return modules with tree-sitter's ``Parser``/``Language`` and the grammar's ``language``."""
    try:
        return _extension("tree_sitter"), _extension("tree_sitter_bash")
    except (ImportError, OSError):
        pass
    try:
        import tree_sitter
        import tree_sitter_bash
    except ImportError as exc:
        raise AnalysisError(
            f"cannot load the bash grammar: {exc}",
            hint="install the tree-sitter and tree-sitter-bash packages (pip install -e .)",
        ) from exc
    return tree_sitter, tree_sitter_bash


def _extension(package: str) -> ModuleType:
    """Load ``package._binding`` from its file on ``sys.path`` without running ``package/__init__.py``."""
    import _frozen_importlib as bootstrap
    import _frozen_importlib_external as external

    name = f"{package}._binding"
    if name in sys.modules:
        return sys.modules[name]
    for entry in sys.path:
        for suffix in external.EXTENSION_SUFFIXES:
            path = os.path.join(entry or ".", package, "_binding" + suffix)
            if os.path.isfile(path):
                loader = external.ExtensionFileLoader(name, path)
                module = bootstrap.module_from_spec(bootstrap.spec_from_loader(name, loader))
                sys.modules[name] = module
                try:
                    loader.exec_module(module)  # a no-op for single-phase initialization
                except BaseException:
                    del sys.modules[name]
                    raise
                return module
    raise ImportError(f"no {name} extension on sys.path")
