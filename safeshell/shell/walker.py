"""Walk of the bash syntax tree: lists, pipelines, control flow, redirects.

Every statement is walked with the :class:`ShellState` it would run in.
Subshells, pipeline stages and substitutions get a copy; branches are merged
afterwards so that anything that differs between them becomes unknown. Each
walk returns the statement's standard output when it is known statically
(``echo``, ``printf``, a heredoc through ``cat``), which feeds command
substitution, ``xargs`` and interpreters reading a pipe; None means unknown.
"""

from __future__ import annotations

from safeshell.operations import OperationKind
from safeshell.shell import commands, words
from safeshell.shell.fields import Arg
from safeshell.shell.state import Context, LimitExceeded, ShellState
from safeshell.shell.words import node_text

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Any

    from safeshell.shell.words import Node

    Stdin = Any  # str | INHERITED | PIPED_UNKNOWN

# Inherited standard input (a terminal or whatever the caller passes): nothing
# in the command itself shows what it contains.
INHERITED = object()
# A pipe from a command whose output is not known statically.
PIPED_UNKNOWN = object()

DEVICE_TARGETS = frozenset({"/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty", "/dev/zero", "/dev/random", "/dev/urandom"})

STATEMENT_CONTAINERS = frozenset({"program", "compound_statement", "do_group", "else_clause", "elif_clause"})


class Walker:
    def __init__(self, ctx: Context, depth: int) -> None:
        self.ctx = ctx
        self.depth = depth
        self.nesting = 0

    # -- statements -----------------------------------------------------------

    def walk(self, node: Node, state: ShellState, stdin: Stdin = INHERITED) -> str | None:
        """Walk one statement; return its static standard output or None."""
        if state.terminated:
            return ""
        self.ctx.count_node()
        self.nesting += 1
        try:
            if self.nesting > self.ctx.limits.max_nesting:
                raise LimitExceeded(f"command nests deeper than {self.ctx.limits.max_nesting} levels")
            return self._walk(node, state, stdin)
        finally:
            self.nesting -= 1

    def _walk(self, node: Node, state: ShellState, stdin: Stdin) -> str | None:
        kind = node.type
        if kind == "compound_statement" and node.children and node.children[0].type == "((":
            # `(( EXPR ))` holds an arithmetic expression, not statements; only
            # its substitutions run.
            self.walk_substitutions(node, state)
            return ""
        if kind in STATEMENT_CONTAINERS:
            return self.walk_sequence(node.named_children, state, stdin)
        if kind == "list":
            return self._walk_list(node, state, stdin)
        if kind == "pipeline":
            return self._walk_pipeline(node, state, stdin)
        if kind == "subshell":
            return self.walk_sequence(node.named_children, state.copy(), stdin)
        if kind == "redirected_statement":
            return self._walk_redirected(node, state, stdin)
        if kind == "command":
            return commands.run_command_node(self, node, state, stdin, redirects=[])
        if kind == "variable_assignment":
            self.assign(node, state)
            return ""
        if kind == "variable_assignments":
            for child in node.named_children:
                self.assign(child, state)
            return ""
        if kind in ("declaration_command", "unset_command"):
            return commands.run_declaration(self, node, state)
        if kind == "function_definition":
            name = node.child_by_field_name("name")
            body = node.child_by_field_name("body")
            if name is not None and body is not None:
                state.functions[node_text(name)] = body
            return ""
        if kind == "negated_command":
            return self.walk_sequence(node.named_children, state, stdin)
        if kind == "if_statement":
            return self._walk_if(node, state)
        if kind in ("while_statement", "until_statement"):
            return self._walk_while(node, state, stdin)
        if kind == "for_statement":
            return self._walk_for(node, state)
        if kind == "c_style_for_statement":
            return self._walk_c_for(node, state)
        if kind == "case_statement":
            return self._walk_case(node, state)
        if kind in ("test_command", "arithmetic_expansion", "binary_expression", "unary_expression", "parenthesized_expression"):
            self.walk_substitutions(node, state)
            return ""
        if kind == "comment":
            return ""
        if kind == "file_redirect":
            commands.apply_redirects(self, [node], state, source=node_text(node))
            return ""
        if kind == "ERROR":
            self.walk_sequence(node.named_children, state, stdin)
            return None
        self.walk_substitutions(node, state)
        return None

    def walk_sequence(self, nodes: list[Node], state: ShellState, stdin: Stdin = INHERITED) -> str | None:
        outputs: list[str | None] = []
        for child in nodes:
            if child.type == "comment":
                continue
            outputs.append(self.walk(child, state, stdin))
        return _join_outputs(outputs)

    def _walk_list(self, node: Node, state: ShellState, stdin: Stdin) -> str | None:
        children = node.children
        before_left = state.copy()
        outputs = [self.walk(children[0], state, stdin)]
        index = 1
        while index + 1 < len(children):
            operator = children[index].type
            right = children[index + 1]
            if operator == "||":
                # The right side runs only when the left side failed (a `cd`
                # that did not happen), so it starts from the state before it.
                alternative = before_left.copy()
                left_output = outputs.pop()
                right_output = self.walk(right, alternative, stdin)
                # Only one side's output is printed, so it is known only when both agree.
                outputs.append(left_output if left_output == right_output else None)
                state.merge_from([state.copy(), alternative])
            else:
                before_left = state.copy()
                outputs.append(self.walk(right, state, stdin))
            index += 2
        return _join_outputs(outputs)

    def _walk_pipeline(self, node: Node, state: ShellState, stdin: Stdin) -> str | None:
        stages = [child for child in node.named_children if child.type != "comment"]
        current: Stdin = stdin
        output: str | None = None
        for stage in stages:
            output = self.walk(stage, state.copy(), current)
            current = output if output is not None else PIPED_UNKNOWN
        return output

    def _walk_redirected(self, node: Node, state: ShellState, stdin: Stdin) -> str | None:
        body = node.child_by_field_name("body")
        redirects = [child for child in node.named_children if child is not body and child.type.endswith("redirect")]
        if body is None:
            commands.apply_redirects(self, redirects, state, source=node_text(node))
            return ""
        if body.type == "command":
            return commands.run_command_node(self, body, state, stdin, redirects=redirects)
        stdin, trailing = commands.redirect_stdin(self, redirects, state, stdin)
        commands.apply_redirects(self, redirects, state, source=node_text(node))
        output = self.walk(body, state, stdin)
        for pipeline in trailing:
            output = self._walk_pipeline_tail(pipeline, state, output)
        return output if not commands.redirects_stdout(redirects) else ""

    def _walk_pipeline_tail(self, pipeline: Node, state: ShellState, output: str | None) -> str | None:
        current: Stdin = output if output is not None else PIPED_UNKNOWN
        for stage in pipeline.named_children:
            output = self.walk(stage, state.copy(), current)
            current = output if output is not None else PIPED_UNKNOWN
        return output

    # -- control flow --------------------------------------------------------------

    def _walk_if(self, node: Node, state: ShellState) -> str | None:
        condition_and_body: list[Node] = []
        branches: list[Node] = []
        for child in node.named_children:
            if child.type in ("elif_clause", "else_clause"):
                branches.append(child)
            else:
                condition_and_body.append(child)
        results = []
        main = state.copy()
        self.walk_sequence(condition_and_body, main)
        results.append(main)
        for branch in branches:
            branch_state = state.copy()
            self.walk(branch, branch_state)
            results.append(branch_state)
        if not any(branch.type == "else_clause" for branch in branches):
            results.append(state.copy())
        state.merge_from(results)
        return None

    def _walk_while(self, node: Node, state: ShellState, stdin: Stdin) -> str | None:
        loop_state = state.copy()
        # Variables read in the loop (`while read f`) have no static value.
        for child in node.named_children:
            self.walk(child, loop_state, stdin)
        state.merge_from([state.copy(), loop_state])
        return None

    def _walk_for(self, node: Node, state: ShellState) -> str | None:
        variable = node.child_by_field_name("variable")
        body = node.child_by_field_name("body")
        value_nodes = [child for child in node.children if node.field_name_for_child(_child_index(node, child)) == "value"]
        if variable is None or body is None:
            self.walk_substitutions(node, state)
            return None
        name = node_text(variable)
        values: list[str | None]
        if value_nodes:
            args = words.expand_words(self, value_nodes, state)
            values = [arg.text if arg.resolved else None for arg in args]
        elif any(child.type == "in" for child in node.children):
            values = []
        elif state.positional is not None:
            values = list(state.positional)
        else:
            values = [None]
        if len(values) > self.ctx.limits.max_loop_values:
            values = [None]
        results = [state.copy()]
        for value in values:
            iteration = state.copy()
            iteration.variables[name] = value
            self.walk(body, iteration)
            results.append(iteration)
        state.merge_from(results)
        return None

    def _walk_c_for(self, node: Node, state: ShellState) -> str | None:
        loop_state = state.copy()
        for child in node.named_children:
            if child.type == "variable_assignment":
                name = child.child_by_field_name("name")
                if name is not None:
                    loop_state.variables[node_text(name)] = None
        body = node.child_by_field_name("body")
        if body is not None:
            self.walk(body, loop_state)
        state.merge_from([state.copy(), loop_state])
        return None

    def _walk_case(self, node: Node, state: ShellState) -> str | None:
        value = node.child_by_field_name("value")
        if value is not None:
            words.expand_word(self, value, state)
        results = [state.copy()]
        for item in node.named_children:
            if item.type != "case_item":
                continue
            branch = state.copy()
            body = [child for child in item.named_children if item.field_name_for_child(_child_index(item, child)) != "value"]
            self.walk_sequence(body, branch)
            results.append(branch)
        state.merge_from(results)
        return None

    # -- substitutions and assignments ------------------------------------------------

    def walk_inner(self, node: Node, state: ShellState) -> str | None:
        """Walk the statements inside a substitution node."""
        return self.walk_sequence([child for child in node.named_children], state, INHERITED)

    def substitute(self, node: Node, state: ShellState) -> str | None:
        """Walk a command substitution; return its output with trailing newlines removed."""
        inner = node.named_children
        if len(inner) == 1 and inner[0].type == "file_redirect":
            # `$(< FILE)` is the content of FILE.
            stdin, _ = commands.redirect_stdin(self, inner, state, INHERITED)
            commands.apply_redirects(self, inner, state, source=node_text(node))
            return stdin.rstrip("\n") if isinstance(stdin, str) else None
        output = self.walk_inner(node, state.copy())
        if output is None:
            return None
        return output.rstrip("\n")

    def walk_substitutions(self, node: Node, state: ShellState) -> None:
        """Walk every command or process substitution below ``node``."""
        # An explicit stack, because arithmetic and test expressions nest
        # without bound and are not counted against max_nesting.
        pending = list(reversed(node.named_children))
        while pending:
            child = pending.pop()
            self.ctx.count_node()
            if child.type in ("command_substitution", "process_substitution"):
                self.walk_inner(child, state.copy())
            else:
                pending.extend(reversed(child.named_children))

    def assign(self, node: Node, state: ShellState, *, target: dict[str, str | None] | None = None) -> None:
        name_node = node.child_by_field_name("name")
        value_node = node.child_by_field_name("value")
        if name_node is None:
            return
        name = node_text(name_node)
        if name_node.type == "subscript":
            name = node_text(name_node.child_by_field_name("name") or name_node)
        value: str | None
        if value_node is None:
            value = ""
        elif value_node.type == "array":
            args = words.expand_words(self, value_node.named_children, state)
            value = words.ARRAY_SEPARATOR.join(arg.text for arg in args) if all(arg.resolved for arg in args) else None
        else:
            arg: Arg = words.expand_single(self, value_node, state)
            value = arg.text if arg.resolved else None
        appends = any(child.type == "+=" for child in node.children)
        variables = state.variables if target is None else target
        if appends:
            previous = state.lookup(name)
            joiner = words.ARRAY_SEPARATOR if value_node is not None and value_node.type == "array" and previous else ""
            value = None if previous is None or value is None else previous + joiner + value
        if name == "PWD":
            return
        variables[name] = value


def _join_outputs(outputs: list[str | None]) -> str | None:
    if any(output is None for output in outputs):
        return None
    return "".join(output for output in outputs if output is not None)


def _child_index(parent: Node, child: Node) -> int:
    for index, candidate in enumerate(parent.children):
        if candidate.id == child.id:
            return index
    return -1


def emit_unresolved_exec(ctx: Context, source: str, reason: str) -> None:
    ctx.emit(OperationKind.EXEC_DYNAMIC, source=source, resolved=False, detail={"reason": reason})
