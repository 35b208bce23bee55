"""Put the first model into an empty current_model/ and record it as a version."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

from models import Store, Version
from safeshell.workspace import Workspace
from trainer.config import load_config
from trainer.errors import ModelLoadError, TrainerError

logger = logging.getLogger(__name__)


def init_model(workspace: Workspace) -> Version:
    """Build the built-in model (or take config.json's ``base_model``) as the first version.

    Raises :class:`TrainerError` when current_model/ already has files and
    :class:`ModelLoadError` when ``base_model`` does not load.
    """
    current = workspace.current_model
    if current.is_dir() and any(current.iterdir()):
        raise TrainerError(f"{str(current)!r} already has files; init-model only fills an empty current_model/",
                           hint="list the recorded versions with 'trainctl versions list'")
    config = load_config(workspace)
    store = Store.for_workspace(workspace)

    if config.base_model is None:
        version = _record_builtin(workspace, store)
    else:
        version = _record_base_model(workspace, store, config.base_model)
    store.checkout(version.id, reason=f"initial model {version.id}")
    logger.info("current_model/ is now %s", version.id)
    return version


def _record_builtin(workspace: Workspace, store: Store) -> Version:
    from trainer.builtin_model import save_builtin_model

    build_dir = workspace.state_dir / "tmp" / f"init-model-{os.getpid()}"
    shutil.rmtree(build_dir, ignore_errors=True)
    try:
        metadata = save_builtin_model(build_dir)
        return store.commit_directory(build_dir, parent=None, reason="built-in model", metadata=metadata)
    finally:
        shutil.rmtree(build_dir, ignore_errors=True)


def _record_base_model(workspace: Workspace, store: Store, base_model: str) -> Version:
    from trainer.job.run import load_model_and_tokenizer

    directory = Path(base_model).expanduser()
    if not directory.is_absolute():
        directory = workspace.root / directory
    if not directory.is_dir():
        raise ModelLoadError(f"base_model {base_model!r} from config.json is not a directory ({str(directory)!r})",
                             hint="set base_model to a local Hugging Face model directory, or null for the built-in model")
    model, tokenizer = load_model_and_tokenizer(directory)
    parameters = sum(parameter.numel() for parameter in model.parameters())
    metadata = {"model": str(directory), "architecture": type(model).__name__, "parameters": parameters,
                "vocab_size": len(tokenizer)}
    return store.commit_directory(directory, parent=None, reason=f"base model {str(directory)!r}", metadata=metadata)
