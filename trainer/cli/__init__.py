"""The ``trainctl`` command line: one module per subcommand."""
