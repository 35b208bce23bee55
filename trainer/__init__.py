"""The training system: inbox intake, priority queue, control, daemon and job.

Public surface used by the MCP server and the monitor::

    trainer.queue.Queue, QueueEntry, parse_priority      the queue in .safeshell/state.db
    trainer.control.request, wait_for_ack, read_request  control files and acknowledgements
    trainer.status.read_status                           status/training_status.json
    trainer.config.load_config, unaccepted_changes, record_accepted
    trainer.errors.TrainerError and its subclasses

The daemon (:mod:`trainer.daemon`) never imports torch; only the job process
(:mod:`trainer.job`) does.
"""
