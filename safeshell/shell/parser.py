"""The tree-sitter bash parser, loaded once per process."""

from __future__ import annotations

from typing import Any

from safeshell.errors import AnalysisError

_PARSER: Any = None


def parse(source: bytes) -> Any:
    """Parse bash source; return the tree's root node."""
    global _PARSER
    if _PARSER is None:
        try:
            import tree_sitter
            import tree_sitter_bash
        except ImportError as exc:
            raise AnalysisError(
                f"cannot load the bash grammar: {exc}",
                hint="install the tree-sitter and tree-sitter-bash packages (pip install -e .)",
            ) from exc
        _PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_bash.language()))
    tree = _PARSER.parse(source)
    if tree is None:
        raise AnalysisError("tree-sitter returned no syntax tree")
    return tree.root_node
