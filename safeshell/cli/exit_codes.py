"""Exit statuses of the ``safeshell`` command, defined in one place.

``safeshell -c`` and ``safeshell --`` otherwise pass through the exit status
of the command they ran, so the rejection codes sit in a range that ordinary
programs rarely use (below the shell's 126-128 and signal range).
"""

OK = 0
ERROR = 1  # an operation failed (approval rejected, audit chain broken, ...)
USAGE = 64  # invalid command-line arguments (EX_USAGE)
INTERNAL = 70  # unexpected internal failure (EX_SOFTWARE)
CONFIG = 78  # missing or invalid policy or workspace (EX_CONFIG)
APPROVAL_REQUIRED = 120  # rejected: a valid approval token for this operation is required
DENIED = 121  # rejected even with an approval token
RESTORED = 122  # the command ran, changed protected state, and safeshell restored it

HELP = """exit status:
  0    allowed (check) or success; with -c/--, the command's own status
  1    the requested action failed
  64   invalid arguments
  70   internal error
  78   missing or invalid policy or workspace
  120  rejected: requires approval ('safeshell approve ID' on a terminal)
  121  rejected: denied by policy, even with approval
  122  the command changed protected files; safeshell restored them
"""

# The statuses of subcommands that run no guarded command (init, policy, audit, the MCP server).
ADMIN_HELP = """exit status:
  0    success
  1    the requested action failed
  64   invalid arguments
  70   internal error
  78   missing or invalid policy or workspace
"""
