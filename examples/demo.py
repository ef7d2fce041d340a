"""Send each request line from stdin through dos_native.call (the envelope)."""
import sys

import dos_native

for line in sys.stdin:
    line = line.strip()
    if line:
        print(dos_native.call(line))
