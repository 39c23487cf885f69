"""A stand-in browser (``BROWSER="python tests/fake_browser.py %s"``).

It records what it was started with, the launch file it was given, and
every process command line on the machine that holds the file's token at
that moment, into the JSON file named by ``TATVIZ_FAKE_BROWSER_RECORD``.
"""

import json
import os
import re
import stat
import sys
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname


def command_lines_holding(secret: bytes) -> list[str]:
    """Return the command lines (Linux /proc) that contain ``secret``."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            line = (proc / "cmdline").read_bytes()
        except OSError:
            continue  # ended meanwhile, or not ours to read
        if secret in line:
            found.append(line.replace(b"\0", b" ").decode(errors="replace"))
    return found


def main() -> None:
    target = sys.argv[1]
    record = {"argv": sys.argv, "target": target}
    if target.startswith("file:"):
        path = Path(url2pathname(urlparse(target).path))
        page = path.read_text(encoding="utf-8")
        token = re.search(r'name="token" value="([^"]+)"', page).group(1)
        record.update(
            launch_file=str(path),
            mode=stat.S_IMODE(path.stat().st_mode),
            page=page,
            token=token,
            command_lines=command_lines_holding(token.encode()),
        )
    Path(os.environ["TATVIZ_FAKE_BROWSER_RECORD"]).write_text(json.dumps(record))


if __name__ == "__main__":
    main()
