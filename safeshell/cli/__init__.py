"""The ``safeshell`` command line: one module per subcommand."""
