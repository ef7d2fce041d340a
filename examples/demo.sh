#!/usr/bin/env bash
# make demo: the same envelope requests from C, Python and Go (the responses
# must be byte-identical), then three agents, one per host, taking lanes of
# the bundled example workspace through one shared lane journal.
set -euo pipefail
cd "$(dirname "$0")/.."
ws=$(pwd)/examples/workspace
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
sed "s#@WS@#$ws#g" examples/requests.jsonl > "$out/requests.jsonl"
req="$out/requests.jsonl"
bindings/c/build/demo < "$req" > "$out/c.txt" || true
.venv/bin/python examples/demo.py < "$req" > "$out/python.txt"
(cd bindings/go && PKG_CONFIG_PATH="$(pwd)/../../target/release/pkgconfig" go run ./cmd/dosdemo) < "$req" > "$out/go.txt"
echo "== libdos $(.venv/bin/python -c 'import dos_native; print(dos_native.__version__)'): $(wc -l < "$req") requests from C, Python and Go"
paste -d'\n' examples/requests.jsonl "$out/c.txt" | sed -n 'N;s/\n/\n   -> /;p' | sed 's/^{/  {/'
if cmp -s "$out/c.txt" "$out/python.txt" && cmp -s "$out/c.txt" "$out/go.txt"; then
  echo "== identical responses from C, Python and Go"
else
  echo "== responses DIFFER between hosts:"; diff "$out/c.txt" "$out/python.txt" || true; diff "$out/c.txt" "$out/go.txt" || true
  exit 1
fi

# The main job: agents in three languages share one workspace's lanes.
fleet="$out/workspace"
cp -r "$ws" "$fleet"
acquire() { # owner lane tree...
  local owner=$1 lane=$2; shift 2
  local tree; tree=$(printf '"%s",' "$@"); tree="[${tree%,}]"
  printf '{"abi":1,"op":"lane_lease.acquire","config":{"workspace":"%s"},"args":{"lane":"%s","kind":"cluster","tree":%s,"owner":"%s"}}\n' \
    "$fleet" "$lane" "$tree" "$owner"
}
live='{"abi":1,"op":"lane_lease.live_leases","config":{"workspace":"'"$fleet"'"},"args":{}}'
echo "== three agents share $fleet/.dos/lane-journal.jsonl"
{ acquire c-agent api "src/api/**"; } | bindings/c/build/demo > "$out/f1.txt"
{ acquire py-agent web "src/web/**" "docs/UI-*"; } | .venv/bin/python examples/demo.py > "$out/f2.txt"
{ acquire go-agent api "src/api/**"; acquire go-agent docs "docs/"; echo "$live"; } |
  (cd bindings/go && PKG_CONFIG_PATH="$(pwd)/../../target/release/pkgconfig" go run ./cmd/dosdemo) > "$out/f3.txt"
.venv/bin/python - "$out" <<'PY'
import json, sys, pathlib
out = pathlib.Path(sys.argv[1])
lines = [("C", l) for l in (out / "f1.txt").read_text().splitlines()] + \
        [("Python", l) for l in (out / "f2.txt").read_text().splitlines()] + \
        [("Go", l) for l in (out / "f3.txt").read_text().splitlines()]
for host, line in lines:
    r = json.loads(line)
    v = r.get("verdict")
    if not r["ok"]:
        print(f"  {host:6} error {r['error']['code']}: {r['error']['message']}")
    elif isinstance(v, dict) and "decision" in v:
        d = v["decision"]
        what = f"acquired {d['lane']!r} {d['tree']}" if v["journaled"] else f"refused: {d['reason']}"
        print(f"  {host:6} {v['owner']:9} {what}")
    else:
        print(f"  {host:6} live leases: " + ", ".join(f"{l['lane']} ({l['holder']})" for l in v))
PY
