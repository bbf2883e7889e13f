"""The null baselines on the shared real rows equal a hand count of how often the longer (shorter, more copied)
summary is the chosen one, with the interval of the run's own agreement."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from postprocess.report.run_statistics import _kw, cmp_baseline_rows
from postprocess.stats.agreement import agreement
from postprocess.stats.baselines import available_rules
from postprocess.stats.bootstrap import Settings
from postprocess.stats.copying import copying_table
from tests.helpers.paths import SFF_DIR, require_shared

SETTINGS = Settings(n_resamples=200, seed=3)


@pytest.fixture(scope="module")
def batch18() -> pd.DataFrame:
    """batch18's pairs as the report's pair table: bytes and extractive coverage of each side, the choice."""
    path = require_shared(SFF_DIR / "comparisons" / "batch18.json")
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = []
    for r in records:
        a, b = (s["text"] for s in r["summaries"])
        cov = copying_table([a, b], [r["info"]["post"]] * 2)["coverage"].tolist()
        rows.append({"post_id": r["info"]["id"], "choice": r["choice"], "text_a": a, "text_b": b,
                     "n_bytes_a": len(a.encode("utf-8")), "n_bytes_b": len(b.encode("utf-8")),
                     "copy_coverage_a": cov[0], "copy_coverage_b": cov[1]})
    return pd.DataFrame(rows)


def hand_share(frame: pd.DataFrame, column: str, larger_wins: bool) -> float:
    """Share of pairs where the rule's pick is the chosen summary, ties (equal values) counted 1/2."""
    chosen = np.where(frame["choice"] == 0, frame[f"{column}_a"], frame[f"{column}_b"])
    rejected = np.where(frame["choice"] == 0, frame[f"{column}_b"], frame[f"{column}_a"])
    wins = (chosen > rejected) if larger_wins else (chosen < rejected)
    return float((wins.sum() + 0.5 * (chosen == rejected).sum()) / len(frame))


def test_baselines_equal_a_hand_count_on_real_rows(batch18):
    rows = {r["group"]: r for r in cmp_baseline_rows(batch18, _kw(SETTINGS, batch18), model="m", task="t")}
    assert set(rows) == {"rule=longer", "rule=shorter", "rule=more_copied"}
    assert rows["rule=longer"]["estimate"] == pytest.approx(hand_share(batch18, "n_bytes", True), abs=1e-12)
    assert rows["rule=shorter"]["estimate"] == pytest.approx(hand_share(batch18, "n_bytes", False), abs=1e-12)
    assert rows["rule=more_copied"]["estimate"] == pytest.approx(hand_share(batch18, "copy_coverage", True), abs=1e-12)
    # longer and shorter split every untied pair between them
    assert rows["rule=longer"]["estimate"] + rows["rule=shorter"]["estimate"] == pytest.approx(1.0)
    assert all(r["statistic"] == "baseline_agreement" and r["measure"] == "" for r in rows.values())


def test_baseline_interval_is_the_agreement_interval_on_the_same_draws(batch18):
    kw = _kw(SETTINGS, batch18)
    longer = next(r for r in cmp_baseline_rows(batch18, kw, model="m", task="t") if r["group"] == "rule=longer")
    direct = agreement(batch18["n_bytes_a"], batch18["n_bytes_b"], batch18["choice"], **kw)
    assert (longer["estimate"], longer["ci_low"], longer["ci_high"], longer["p_value"]) == (
        direct.estimate, direct.ci_low, direct.ci_high, direct.p_value)
    assert longer["ci_low"] < longer["estimate"] < longer["ci_high"]


def test_copying_rule_needs_the_copy_columns(batch18):
    assert available_rules(batch18.drop(columns=["copy_coverage_a", "copy_coverage_b"]), ("_a", "_b")) == [
        "longer", "shorter"]


def test_baseline_alpha_is_a_logit_of_the_choice_on_the_scaled_byte_difference(batch18):
    import statsmodels.api as sm

    from postprocess.report.run_statistics import cmp_baseline_alpha_rows

    rows = {r["group"]: r for r in cmp_baseline_alpha_rows(batch18, Settings(n_resamples=50, seed=1), model="m",
                                                           task="t")}
    d = (batch18["n_bytes_a"] - batch18["n_bytes_b"]).to_numpy(dtype=float)
    z = d / np.sqrt(np.mean(d**2))
    fit = sm.GLM((batch18["choice"] == 0).astype(float).to_numpy(), z[:, None], family=sm.families.Binomial()).fit()
    assert rows["rule=longer"]["estimate"] == pytest.approx(fit.params[0], rel=1e-8)
    assert rows["rule=shorter"]["estimate"] == pytest.approx(-fit.params[0], rel=1e-8)
    assert rows["rule=longer"]["ci_low"] < rows["rule=longer"]["estimate"] < rows["rule=longer"]["ci_high"]
