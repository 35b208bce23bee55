"""``trainctl versions`` and ``trainctl backups``: the store's command-line interface."""
