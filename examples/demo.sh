#!/usr/bin/env bash
# The same envelope requests from C, Python and Go; the responses must be
# byte-identical across hosts.
set -euo pipefail
cd "$(dirname "$0")/.."
req=examples/requests.jsonl
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
bindings/c/build/demo < "$req" > "$out/c.txt" || true
.venv/bin/python examples/demo.py < "$req" > "$out/python.txt"
(cd bindings/go && go run ./cmd/dosdemo) < "$req" > "$out/go.txt"
echo "== libdos $(.venv/bin/python -c 'import dos_native; print(dos_native.__version__)'): $(wc -l < "$req") requests from C, Python and Go"
paste -d'\n' "$req" "$out/c.txt" | sed -n 'N;s/\n/\n   -> /;p' | sed 's/^{/  {/'
if cmp -s "$out/c.txt" "$out/python.txt" && cmp -s "$out/c.txt" "$out/go.txt"; then
  echo "== identical responses from C, Python and Go"
else
  echo "== responses DIFFER between hosts:"; diff "$out/c.txt" "$out/python.txt" || true; diff "$out/c.txt" "$out/go.txt" || true
  exit 1
fi
