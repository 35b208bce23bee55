"""The policy engine: load, validate, cache and evaluate safeshell policies.

Public surface:

- :func:`load_policy` (workspace -> compiled :class:`Policy`, cached);
- :func:`compile_from_files` (a policy file and its chain, no cache);
- :class:`Policy`, :class:`Rule`, :class:`ToolRule`;
- :func:`evaluate` (policy + operations -> matches);
- :func:`check_examples` in :mod:`safeshell.policy.examples` (imports the
  shell analysis, so it is not re-exported here).

Policy files are YAML validated against ``policies/schema.json``; the merge
semantics of ``extends`` are in :mod:`safeshell.policy.merge`. Nothing here
imports yaml or jsonschema until a policy must be compiled from its files.
"""

from safeshell.policy.cache import compile_from_files, load_policy
from safeshell.policy.evaluate import evaluate
from safeshell.policy.model import Policy, Rule, ToolRule

__all__ = ["Policy", "Rule", "ToolRule", "compile_from_files", "evaluate", "load_policy"]
