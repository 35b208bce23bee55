"""Merge the files of an ``extends`` chain into one effective policy document.

Semantics, applied from the base file outwards (each file over its parent):

- ``rules``: by ``id``; a rule whose id exists replaces it entirely, a new
  id is appended;
- ``tool_rules``: by tool name; an entry replaces the inherited one;
- ``critical_keys``: extended; the result is the union, parent order first;
- ``settings`` and ``approvals``: key by key.

``version`` and ``description`` come from the outermost file that sets them;
``extends`` is not part of the effective document.
"""

from __future__ import annotations

import copy
from typing import Any, Mapping


def merge_documents(parent: Mapping[str, Any], child: Mapping[str, Any]) -> dict[str, Any]:
    """Return ``child`` merged over ``parent`` (neither is modified)."""
    merged: dict[str, Any] = copy.deepcopy(dict(parent))
    merged.pop("extends", None)

    for key in ("version", "description"):
        if key in child:
            merged[key] = child[key]

    if "settings" in child:
        merged["settings"] = {**merged.get("settings", {}), **copy.deepcopy(child["settings"])}

    if "approvals" in child:
        merged["approvals"] = {**merged.get("approvals", {}), **copy.deepcopy(child["approvals"])}

    if "critical_keys" in child:
        keys = list(merged.get("critical_keys", []))
        keys.extend(key for key in child["critical_keys"] if key not in keys)
        merged["critical_keys"] = keys

    if "rules" in child:
        rules = list(merged.get("rules", []))
        positions = {rule["id"]: index for index, rule in enumerate(rules)}
        for rule in child["rules"]:
            rule = copy.deepcopy(rule)
            if rule["id"] in positions:
                rules[positions[rule["id"]]] = rule
            else:
                positions[rule["id"]] = len(rules)
                rules.append(rule)
        merged["rules"] = rules

    if "tool_rules" in child:
        merged["tool_rules"] = {**merged.get("tool_rules", {}), **copy.deepcopy(child["tool_rules"])}

    return merged
