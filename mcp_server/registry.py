"""Tool specifications and their registration with the MCP SDK.

Each tool is a :class:`ToolSpec`: a strict input model, a typed output model,
truthful annotations, and a handler. :func:`build_tools` turns the specs into
the SDK's :class:`~mcp.server.mcpserver.tools.Tool` records directly, because
the SDK's function-signature path builds a lenient argument model (unknown
fields ignored, strings coerced to numbers) and pre-parses JSON strings into
lists and objects. Here the input model itself is the argument model, so the
published ``inputSchema`` is exactly what validation enforces.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.tools import Tool
from mcp.server.mcpserver.utilities.func_metadata import ArgModelBase, FuncMetadata
from mcp_types import CallToolResult, InputRequiredResult, ToolAnnotations
from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from mcp_server.results import error_result
from safeshell.errors import SafeshellError

if TYPE_CHECKING:
    from mcp_server.gate import Plan, ToolCall

logger = logging.getLogger(__name__)

# Values a handler may return: its output model, a finished result (a policy
# rejection or an error), or a request for client input (an elicitation in
# the multi-round flow of the 2026-07-28 protocol).
HandlerResult = BaseModel | CallToolResult | InputRequiredResult
Handler = Callable[["ToolCall"], Awaitable[HandlerResult]]


class ToolInput(ArgModelBase):
    """Base of every tool's arguments: unknown fields and type coercion are rejected.

    Every tool takes ``approval_token``, because a workspace policy can
    require approval for any tool, reads included.
    """

    model_config = ConfigDict(extra="forbid", strict=True, arbitrary_types_allowed=True)

    approval_token: str | None = Field(
        default=None,
        max_length=4096,
        description="The token a human got from 'safeshell approve ID', when an earlier call of exactly "
        "this tool with exactly these arguments was rejected with decision require_approval.",
    )


class NoArguments(ToolInput):
    """A tool whose only argument is the approval token every tool takes."""


class ToolOutput(BaseModel):
    """Base of every tool's structured result."""

    model_config = ConfigDict(extra="forbid")


class StrictFuncMetadata(FuncMetadata):
    """Argument handling without the SDK's JSON pre-parsing.

    The SDK turns a string such as ``'["a"]'`` into a list before validation,
    to work around clients that double-encode. That is a type coercion, which
    the strict input models exist to reject.
    """

    def pre_parse_json(self, data: dict[str, Any]) -> dict[str, Any]:
        return dict(data)


class CompactJsonSchema(GenerateJsonSchema):
    """Render ``T | None`` of a simple type as ``{"type": [T, "null"]}`` instead of an ``anyOf``.

    Clients validate every structured result against the output schema (the
    Python SDK with jsonschema, the TypeScript SDK with ajv). A type list is
    checked in one step, where an ``anyOf`` tries each branch.
    """

    def nullable_schema(self, schema: core_schema.NullableSchema) -> JsonSchemaValue:
        inner = self.generate_inner(schema["schema"])
        if isinstance(inner.get("type"), str) and "$ref" not in inner and "enum" not in inner:
            return {**inner, "type": [inner["type"], "null"]}
        return super().nullable_schema(schema)


def output_schema(model: type[BaseModel]) -> dict[str, Any]:
    """Return the output schema of ``model`` with every ``$ref`` inlined (the models are not recursive)."""
    schema = model.model_json_schema(schema_generator=CompactJsonSchema)
    definitions = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            reference = node.get("$ref")
            if isinstance(reference, str) and reference.startswith("#/$defs/"):
                merged = {**definitions[reference.removeprefix("#/$defs/")], **node}
                merged.pop("$ref")
                return inline(merged)
            return {key: inline(value) for key, value in node.items()}
        if isinstance(node, list):
            return [inline(item) for item in node]
        return node

    return inline(schema)


@dataclass(frozen=True)
class Hints:
    """The four MCP tool annotations, all stated explicitly."""

    read_only: bool
    destructive: bool
    idempotent: bool
    open_world: bool = False

    def to_annotations(self, title: str) -> ToolAnnotations:
        return ToolAnnotations(
            title=title,
            read_only_hint=self.read_only,
            destructive_hint=self.destructive,
            idempotent_hint=self.idempotent,
            open_world_hint=self.open_world,
        )


READ_ONLY = Hints(read_only=True, destructive=False, idempotent=True)


@dataclass(frozen=True)
class ToolSpec:
    """One MCP tool: its contract on the wire and the handler behind it."""

    name: str
    title: str
    description: str
    input_model: type[ToolInput]
    output_model: type[ToolOutput]
    hints: Hints
    handler: Handler
    # Computes the operations the call implies, before the policy check and
    # without side effects (sync or async); None for a call that is only its
    # TOOL_CALL. Input it rejects is rejected before any decision is made.
    plan: Callable[["ToolCall"], "Plan | Awaitable[Plan]"] | None = None


def build_tools(specs: Sequence[ToolSpec], bind: Callable[[ToolSpec, ToolInput, Context], Awaitable[Any]]) -> list[Tool]:
    """Build the SDK's tool records, in the order given.

    ``bind(spec, arguments, ctx)`` runs one validated call; it owns the policy
    check and error translation (see :mod:`mcp_server.gate`).
    """
    return [_build_tool(spec, bind) for spec in specs]


def _build_tool(spec: ToolSpec, bind: Callable[[ToolSpec, ToolInput, Context], Awaitable[Any]]) -> Tool:
    async def call(ctx: Context, **arguments: Any) -> Any:
        # The SDK validated ``arguments`` with spec.input_model already and
        # passes the fields one level deep; rebuild the model without a second
        # validation pass.
        parsed = spec.input_model.model_construct(**arguments)
        try:
            return await bind(spec, parsed, ctx)
        except SafeshellError as exc:
            logger.info("tool %s failed: %s", spec.name, exc.message)
            return error_result(exc)

    call.__name__ = spec.name
    return Tool(
        fn=call,
        name=spec.name,
        title=spec.title,
        description=spec.description,
        parameters=spec.input_model.model_json_schema(by_alias=True),
        fn_metadata=StrictFuncMetadata(
            arg_model=spec.input_model,
            output_model=spec.output_model,
            output_schema=output_schema(spec.output_model),
        ),
        is_async=True,
        context_kwarg="ctx",
        annotations=spec.hints.to_annotations(spec.title),
    )
