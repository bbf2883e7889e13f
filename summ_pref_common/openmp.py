"""OpenMP's waiting policy for the commands, set before torch loads its OpenMP runtime.

torch's CPU kernels run on OpenMP threads (GNU libgomp in the pip wheels). By default a thread that waits at the
end of a parallel region spins for a while before it sleeps. On cores shared with other jobs the sibling it
waits for is often descheduled, so the spinning thread burns its slice and the pass stalls: measured on this
project's 2-core machine under load, hf-prefix's segment pass (about 100 query tokens, hundreds of small
parallel regions) took 13.3 s wall with two spinning threads and 1.8 s with `OMP_WAIT_POLICY=PASSIVE`, the same
outputs (`benchmarks/README.md`). The commands therefore default to PASSIVE; a value the user set is kept.
libgomp reads the variable once, when it is loaded, so this must run before the first `import torch`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping

WAIT_POLICY = "OMP_WAIT_POLICY"
DEFAULT = "PASSIVE"


def default_wait_policy(environ: MutableMapping[str, str] = os.environ) -> bool:
    """Set OMP_WAIT_POLICY=PASSIVE unless it is set or torch is already loaded (too late to matter: then
    nothing changes, so the variable never claims a policy the runtime does not have). True when it was set."""
    if WAIT_POLICY in environ or "torch" in sys.modules:
        return False
    environ[WAIT_POLICY] = DEFAULT
    return True
