"""Files that ``safeshell init`` copies into a new workspace."""

from pathlib import Path

TEMPLATES_DIR = Path(__file__).resolve().parent
