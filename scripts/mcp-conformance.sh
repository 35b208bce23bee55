#!/usr/bin/env bash
# Drive safeshell-mcp with an independent client: the MCP Inspector CLI
# (TypeScript SDK; it validates every structuredContent against the tool's
# outputSchema with its own JSON Schema validator). Runs each scenario over
# stdio, and the listing and a call over streamable HTTP on 127.0.0.1.
#
# Needs npx and the npm registry (or the package in the npm cache). When
# either is missing it prints that it was skipped and exits 0, so CI does
# not fail on an offline machine. Any failed scenario exits 1.
set -euo pipefail
cd "$(dirname "$0")/.."

INSPECTOR="@modelcontextprotocol/inspector@2.12.0"
PYTHON=.venv/bin/python
SERVER=.venv/bin/safeshell-mcp

skip() {
  echo "mcp-conformance: skipped: $1"
  exit 0
}

command -v npx >/dev/null 2>&1 || skip "npx is not installed"
[ -x "$SERVER" ] || { echo "mcp-conformance: $SERVER is missing; run scripts/setup.sh" >&2; exit 1; }

npm_cache=$(npm config get cache 2>/dev/null || true)
work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# Nothing of the real home directory is used: the approval key, the
# inspector's catalog and the npm configuration live under $work.
mkdir -p "$work/home"
export HOME="$work/home" XDG_CONFIG_HOME="$work/config" MCP_CATALOG_PATH="$work/catalog.json"
[ -n "$npm_cache" ] && export npm_config_cache="$npm_cache"
export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
# An unreachable registry should end in a skip within a minute, not after long retries.
export npm_config_fetch_retries=1 npm_config_fetch_retry_maxtimeout=10000

if ! timeout 300 npx -y "$INSPECTOR" --cli --version >"$work/npx.log" 2>&1; then
  skip "$INSPECTOR could not be fetched (npm registry unreachable?): $(tail -n 1 "$work/npx.log")"
fi

workspace="$work/ws"
.venv/bin/safeshell init "$workspace" --no-model >/dev/null

passed=0
failed=0
inspect() {  # inspect ARGS...: the inspector's JSON output on stdout
  timeout 120 npx -y "$INSPECTOR" --cli "$SERVER" --workspace "$workspace" "$@" 2>>"$work/stderr.log"
}
scenario() {  # scenario NAME PYTHON-CHECK ARGS...: the check reads the inspector's JSON as `data`
  local name=$1 check=$2
  shift 2
  local output
  # The inspector exits non-zero for an isError result; the check decides.
  output=$(inspect "$@") || true
  if "$PYTHON" -c "import json, sys
data = json.loads(sys.stdin.read())
$check" <<<"$output" 2>"$work/check.log"; then
    echo "PASS $name"
    passed=$((passed + 1))
  else
    echo "FAIL $name"
    printf '%s\n' "$output" "$(cat "$work/check.log")" | tail -n 20 | sed 's/^/    /'
    failed=$((failed + 1))
  fi
}

# The body of a rejection or error is the JSON object in its second text block.
body='json.loads(data["content"][1]["text"])'

scenario "stdio: tools/list lists 26 tools with schemas and all four annotations" '
tools = data["tools"]
assert len(tools) == 26, len(tools)
for tool in tools:
    assert tool["inputSchema"]["additionalProperties"] is False, tool["name"]
    assert tool["outputSchema"]["type"] == "object", tool["name"]
    assert {"readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"} <= set(tool["annotations"]), tool["name"]
' --method tools/list

for tool in training_status queue_list version_list backup_list config_get; do
  scenario "stdio: $tool output matches its outputSchema" '
assert not data.get("isError"), data
assert data["structuredContent"], data
' --method tools/call --tool-name "$tool"
done

scenario "stdio: preflight output matches its outputSchema" '
assert data["structuredContent"]["checks"][0]["name"] == "config", data
' --method tools/call --tool-name preflight --tool-arg load_model=false

scenario "stdio: allowed config_update runs" '
assert data["structuredContent"]["changed"][0]["key"] == "save_steps", data
' --method tools/call --tool-name config_update --tool-arg 'changes={"save_steps": 100}'

scenario "stdio: critical config_update is rejected as a tool result with a request id" '
assert data["isError"] is True, data
rejection = '"$body"'
assert rejection["decision"] == "require_approval", rejection
assert rejection["rule"] == "config-critical-keys", rejection
assert rejection["request_id"] and "safeshell approve" in rejection["how_to_approve"], rejection
' --method tools/call --tool-name config_update --tool-arg 'changes={"batch_size": 2}'

scenario "stdio: denied shell command is rejected without a request" '
assert data["isError"] is True, data
rejection = '"$body"'
assert rejection["decision"] == "deny", rejection
assert rejection["request_id"] is None, rejection
' --method tools/call --tool-name run_command --tool-arg 'command=rm -rf /usr'

scenario "stdio: path outside the workspace is a tool error" '
assert data["isError"] is True, data
assert '"$body"'["error"] == "ToolArgumentError", data
' --method tools/call --tool-name queue_add --tool-arg file=/etc/passwd

scenario "stdio: resources/list lists the four resources" '
assert [r["uri"] for r in data["resources"]] == ["safeshell://status", "safeshell://policy", "safeshell://logs/daemon", "safeshell://audit"], data
' --method resources/list

scenario "stdio: resources/read returns the training status" '
assert json.loads(data["contents"][0]["text"])["state"] == "stopped", data
' --method resources/read --uri safeshell://status

# Streamable HTTP on 127.0.0.1.
port=$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$SERVER" --workspace "$workspace" --transport streamable-http --port "$port" >"$work/http.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 600); do
  grep -q "Uvicorn running on" "$work/http.log" && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
http() {  # the inspector against the HTTP server
  timeout 120 npx -y "$INSPECTOR" --cli "http://127.0.0.1:$port/mcp" --transport http "$@" 2>>"$work/stderr.log"
}
for check in list call; do
  if [ $check = list ]; then
    output=$(http --method tools/list || true)
    expr='assert len(data["tools"]) == 26'
  else
    output=$(http --method tools/call --tool-name version_list || true)
    expr='assert data["structuredContent"]["versions"] == []'
  fi
  if "$PYTHON" -c "import json, sys; data = json.loads(sys.stdin.read()); $expr" <<<"$output" 2>/dev/null; then
    echo "PASS http: tools/$check"
    passed=$((passed + 1))
  else
    echo "FAIL http: tools/$check"
    printf '%s\n' "$output" "$(tail -n 5 "$work/http.log")" | head -n 20 | sed 's/^/    /'
    failed=$((failed + 1))
  fi
done

echo "mcp-conformance: $passed passed, $failed failed ($INSPECTOR against safeshell-mcp)"
[ "$failed" -eq 0 ]
