"""The job process: load the model and data, run ``Trainer``, save, report the outcome."""

from __future__ import annotations

import fcntl
import logging
import os
from pathlib import Path
from typing import Any

from safeshell.errors import SafeshellError
from trainer.errors import ModelLoadError
from trainer.fsutil import utc_now
from trainer.job.callback import (CheckpointMarkerCallback, ControlCallback, JobContext, StatusCallback,
                                  initial_status)
from trainer.job.spec import JobResult, JobSpec

logger = logging.getLogger(__name__)


def library_versions() -> dict[str, str]:
    import accelerate
    import tokenizers
    import torch
    import transformers

    return {"torch": torch.__version__, "transformers": transformers.__version__,
            "tokenizers": tokenizers.__version__, "accelerate": accelerate.__version__}


def build_training_arguments(config: dict[str, Any], output_dir: Path):  # -> TrainingArguments
    """Translate config.json into ``TrainingArguments`` (shared with the benchmark's bare loop)."""
    import torch
    from transformers import TrainingArguments

    return TrainingArguments(
        output_dir=str(output_dir),
        per_device_train_batch_size=config["batch_size"],
        gradient_accumulation_steps=config["gradient_accumulation_steps"],
        learning_rate=config["learning_rate"],
        num_train_epochs=config["epochs"],
        max_steps=config["max_steps"],
        warmup_steps=config["warmup_steps"],
        weight_decay=config["weight_decay"],
        lr_scheduler_type=config["lr_scheduler_type"],
        seed=config["seed"],
        data_seed=config["seed"],
        bf16=config["precision"] == "bf16",
        fp16=config["precision"] == "fp16",
        use_cpu=not torch.cuda.is_available(),
        logging_steps=config["logging_steps"],
        save_strategy="steps",
        save_steps=config["save_steps"],
        save_total_limit=config["save_total_limit"],
        report_to="none",
        disable_tqdm=True,
        dataloader_num_workers=0,
        remove_unused_columns=False,
        include_num_input_tokens_seen="non_padding",
    )


def load_model_and_tokenizer(model_dir: Path):
    """Load a Hugging Face causal LM and its tokenizer; raise :class:`ModelLoadError` naming the directory."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
        model = AutoModelForCausalLM.from_pretrained(model_dir, local_files_only=True)
    except Exception as exc:  # transformers raises OSError, ValueError, KeyError, safetensors errors...
        raise ModelLoadError(f"model directory {str(model_dir)!r} does not load: {type(exc).__name__}: {exc}",
                             hint="restore a good version with 'trainctl versions rollback', "
                                  "or point base_model at a valid Hugging Face model directory") from exc
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return model, tokenizer


def train(spec: JobSpec, context: JobContext, result: JobResult) -> None:
    from transformers import Trainer, set_seed

    from trainer.job.dataset import PaddingCollator, load_dataset

    config = spec.config
    set_seed(config["seed"])  # before the model is built, so initialisation and resumption repeat exactly
    model, tokenizer = load_model_and_tokenizer(Path(spec.model_dir))
    dataset = load_dataset(Path(spec.data_file), tokenizer, config["max_length"])
    result.examples = len(dataset)

    trainer = Trainer(
        model=model,
        args=build_training_arguments(config, spec.output_dir),
        train_dataset=dataset,
        data_collator=PaddingCollator(tokenizer.pad_token_id),
        callbacks=[ControlCallback(context), CheckpointMarkerCallback(context), StatusCallback(context)],
    )
    output = trainer.train(resume_from_checkpoint=spec.resume_from)

    state = trainer.state
    result.steps = state.global_step
    result.max_steps = state.max_steps
    result.tokens = int(state.num_input_tokens_seen)
    result.train_runtime_s = float(output.metrics.get("train_runtime", 0.0))
    new_tokens = result.tokens
    result.tokens_per_second = new_tokens / result.train_runtime_s if result.train_runtime_s else 0.0
    result.loss_history = [[entry["step"], entry["loss"]] for entry in state.log_history if "loss" in entry]
    result.final_loss = result.loss_history[-1][1] if result.loss_history else None
    result.checkpoint = context.last_checkpoint

    if context.outcome is None:
        trainer.save_model(str(spec.final_dir))
        if context.rank == 0:
            tokenizer.save_pretrained(str(spec.final_dir))
            # Trainer pickles its arguments beside the model; a version holds only loadable model files.
            (spec.final_dir / "training_args.bin").unlink(missing_ok=True)
        result.outcome = "completed"
    else:
        result.outcome = context.outcome


def run(spec_path: Path) -> int:
    """Run the job described by ``spec_path``; return the process exit status."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()
    spec = JobSpec.read(spec_path)
    rank = int(os.environ.get("RANK", "0"))
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    context = JobContext(spec, rank, world_size)
    context.install_signal_handlers()

    lock = None
    if rank == 0:
        lock = open(spec.lock_file, "a+")
        # The daemon waits on this lock before it reuses the job directory (an orphaned job may still run).
        fcntl.flock(lock, fcntl.LOCK_EX)
    result = JobResult(outcome="failed", started_at=utc_now(), resumed_from=spec.resume_from)
    try:
        result.libraries = library_versions()
        context.status = initial_status(spec)
        train(spec, context, result)
    except SafeshellError as exc:
        result.error = str(exc)
        result.error_kind = type(exc).__name__
        logger.error("job %d failed: %s", spec.job_id, exc)
    except Exception as exc:  # noqa: BLE001 - any failure must reach result.json, with its traceback in job.log
        result.error = f"{type(exc).__name__}: {exc}"
        result.error_kind = type(exc).__name__
        logger.exception("job %d failed", spec.job_id)
    result.ended_at = utc_now()
    if rank == 0:
        result.write(spec.result_file)
        logger.info("job %d %s at step %d", spec.job_id, result.outcome, result.steps)
    if lock is not None:
        lock.close()
    return 0 if result.outcome != "failed" else 1
