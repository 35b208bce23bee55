"""Shipped policy files: ``default.yaml`` and the JSON Schema ``schema.json``."""

from pathlib import Path

POLICIES_DIR = Path(__file__).resolve().parent
DEFAULT_POLICY = POLICIES_DIR / "default.yaml"
SCHEMA_FILE = POLICIES_DIR / "schema.json"
