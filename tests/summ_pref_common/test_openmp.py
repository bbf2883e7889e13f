"""OpenMP's waiting policy defaults to PASSIVE before torch loads: spinning threads stall torch's small parallel
regions on shared cores. A user's own value is kept."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from summ_pref_common.openmp import DEFAULT, WAIT_POLICY, default_wait_policy

PROBE = """
import json, os, sys
from summ_pref_common.openmp import default_wait_policy
before_torch = default_wait_policy()
policy = os.environ.get("OMP_WAIT_POLICY")
import torch
os.environ.pop("OMP_WAIT_POLICY", None)
print(json.dumps([before_torch, policy, default_wait_policy(), os.environ.get("OMP_WAIT_POLICY")]))
"""


def _probe(env: dict[str, str]) -> list:
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_passive_is_set_before_torch_and_never_after():
    env = {k: v for k, v in os.environ.items() if k != WAIT_POLICY}
    # set when torch is not loaded yet; once torch is loaded, setting it would claim a policy libgomp never read
    assert _probe(env) == [True, DEFAULT, False, None]


def test_a_users_policy_is_kept():
    env = {**os.environ, WAIT_POLICY: "ACTIVE"}
    assert _probe(env)[:2] == [False, "ACTIVE"]
    environ = {WAIT_POLICY: "ACTIVE"}
    assert not default_wait_policy(environ) and environ == {WAIT_POLICY: "ACTIVE"}
