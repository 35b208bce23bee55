"""``python -m trainer.job SPEC.json``: run one training job (started by the daemon's launcher)."""

import sys
from pathlib import Path

from trainer.job.run import run

if len(sys.argv) != 2:
    print("usage: python -m trainer.job SPEC.json", file=sys.stderr)
    sys.exit(64)
sys.exit(run(Path(sys.argv[1])))
