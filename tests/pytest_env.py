"""Early pytest plugin: give the test run its own data dir.

Loaded with ``-p`` (pyproject.toml) so it runs before pytest-django imports
``tatviz.settings``, which creates the data dir and its secret key.
"""

import os
import tempfile

os.environ.setdefault("TATVIZ_DATA_DIR", tempfile.mkdtemp(prefix="tatviz-test-"))
