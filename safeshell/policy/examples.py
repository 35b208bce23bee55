"""Check every rule's example commands through the real shell analysis.

``examples.match`` commands must produce a match of that rule and
``examples.no_match`` commands must not. This runs in ``safeshell policy
validate`` only; loading a policy on the hot path never runs examples.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from safeshell.policy.evaluate import evaluate
from safeshell.policy.model import Policy
from safeshell.workspace import Workspace


@dataclass(frozen=True)
class ExampleFailure:
    """One example command whose match result differs from what its rule expects."""

    rule: str
    command: str
    expected_match: bool
    file: str | None
    line: int | None
    rules_matched: tuple[str, ...]

    def describe(self) -> str:
        location = f"{self.file}:{self.line}: " if self.file else ""
        expectation = "should match" if self.expected_match else "should not match"
        matched = ", ".join(self.rules_matched) or "no rule"
        return f"{location}rule {self.rule!r}: example {self.command!r} {expectation} (matched: {matched})"


def check_examples(policy: Policy, workspace: Workspace) -> tuple[int, list[ExampleFailure]]:
    """Run every example; return how many ran and the failures.

    Commands run against the workspace's own layout, with the workspace as
    the working directory and HOME, XDG_CONFIG_HOME pointing into a
    temporary directory, so ``~`` examples resolve the same on every machine.
    """
    from safeshell.shell import analyze

    failures: list[ExampleFailure] = []
    count = 0
    with tempfile.TemporaryDirectory(prefix="safeshell-examples-") as home:
        env = {
            "HOME": home,
            "XDG_CONFIG_HOME": str(Path(home) / ".config"),
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "PWD": str(workspace.root),
        }
        for rule in policy.rules:
            cases = [(command, True) for command in rule.match_examples]
            cases += [(command, False) for command in rule.no_match_examples]
            for command, expected in cases:
                count += 1
                analysis = analyze(command, cwd=str(workspace.root), env=env, home=home)
                matched = {
                    match.rule
                    for match in evaluate(
                        policy, analysis.operations, root=str(workspace.root), env=env, include_allow=True
                    )
                }
                if (rule.id in matched) != expected:
                    file, line = policy.origins.get(rule.id, (None, None))
                    failures.append(
                        ExampleFailure(
                            rule=rule.id,
                            command=command,
                            expected_match=expected,
                            file=file,
                            line=line,
                            rules_matched=tuple(sorted(matched)),
                        )
                    )
    return count, failures
