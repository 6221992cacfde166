"""The run's namespace on the shared broker and PostgreSQL server.

Parallel runs (pytest-xdist workers, or two developers' checkouts on one machine) each get
their own virtual host, database and partner ids, so one run never consumes another's
messages. Empty for a plain single run: the default vhost and database.
"""

import os
import re

_RAW = os.environ.get("HUB_TEST_NAMESPACE", "") + os.environ.get("PYTEST_XDIST_WORKER", "")
NAMESPACE = f"-{re.sub(r'[^a-z0-9]', '', _RAW.lower())}" if _RAW else ""
