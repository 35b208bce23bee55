"""The training job: one process (or one per rank) that runs Hugging Face ``Trainer``.

The daemon writes a :class:`JobSpec` to ``spec.json`` in the job directory and
starts ``python -m trainer.job SPEC`` through the configured launcher; the job
writes ``result.json`` (a :class:`JobResult`) before it exits. Only this
package imports torch, and only in the job process.
"""

from trainer.job.spec import JobResult, JobSpec

__all__ = ["JobResult", "JobSpec"]
