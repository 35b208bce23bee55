"""Signal names as the guard compares them: one table for the shell analysis and the policy."""

from __future__ import annotations

# Linux signal numbers (x86 and arm64, signal(7)); 34 to 64 are the real-time signals.
SIGNALS = {
    "1": "HUP", "2": "INT", "3": "QUIT", "4": "ILL", "5": "TRAP", "6": "ABRT", "7": "BUS", "8": "FPE", "9": "KILL",
    "10": "USR1", "11": "SEGV", "12": "USR2", "13": "PIPE", "14": "ALRM", "15": "TERM", "16": "STKFLT", "17": "CHLD",
    "18": "CONT", "19": "STOP", "20": "TSTP", "21": "TTIN", "22": "TTOU", "23": "URG", "24": "XCPU", "25": "XFSZ",
    "26": "VTALRM", "27": "PROF", "28": "WINCH", "29": "IO", "30": "PWR", "31": "SYS",
}
ALIASES = {"IOT": "ABRT", "POLL": "IO", "CLD": "CHLD", "UNUSED": "SYS"}
# The name normalize() gives every real-time signal (RTMIN, RTMIN+3, RTMAX-1, 34 to 64).
REALTIME = "RTMIN"
# Signals that leave the training daemon running or stop it gracefully: it
# handles TERM, INT and HUP with a checkpoint; STOP, TSTP, TTIN and
# TTOU pause it until CONT; CHLD, URG and WINCH are ignored by default. Every
# other signal ends it at once, without a checkpoint.
GRACEFUL = frozenset({"TERM", "INT", "HUP", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "CHLD", "URG", "WINCH", "0"})


def normalize(signal: str | int) -> str:
    """Return the bare upper-case name: ``9``, ``-9``, ``SIGKILL`` and ``kill`` give ``KILL``; real-time ones RTMIN."""
    name = str(signal).strip().upper()
    if name.startswith("-"):
        name = name[1:]
    if name.startswith("SIG"):
        name = name[3:]
    name = ALIASES.get(name, name)
    if name.isdigit() and 34 <= int(name) <= 64 or name.startswith(("RTMIN", "RTMAX")):
        return REALTIME
    return SIGNALS.get(name, name)


def is_name(text: str) -> bool:
    """Tell whether ``text`` (without a leading dash) names a signal, with or without ``SIG``."""
    upper = text.upper()
    return upper.startswith("SIG") or normalize(upper) in SIGNALS.values() or normalize(upper) == REALTIME
