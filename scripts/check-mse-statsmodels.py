#!/usr/bin/env python3
"""Compare Dignity's log-linear MSE fits with statsmodels' Poisson GLM, side
by side, on every table in ../shared/data/mse. For each table it checks the
independence model and the model Dignity's stepwise search selects (its
empty-overlap terms handled as SparseMSE does: cells containing both lists
are dropped). Exits non-zero on any mismatch.

Usage: scripts/check-mse-statsmodels.py [--bin PATH_TO_estimate_EXAMPLE | --dignity PATH_TO_dignity]
Installs statsmodels with pip when missing.
"""
import argparse
import glob
import itertools
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOL = 1e-6


def ensure(pkg):
    try:
        __import__(pkg)
    except ImportError:
        subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", pkg])


def build():
    env = dict(os.environ)
    env.setdefault("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    subprocess.check_call(["cargo", "build", "-q", "-p", "dignity-stats", "--release", "--example", "estimate"], cwd=ROOT, env=env)
    return os.path.join(env["CARGO_TARGET_DIR"], "release", "examples", "estimate")


def dignity(exe, path, terms=None):
    cmd = [*exe, path, "--method", "loglinear", "--interval", "wald-log"]
    if terms is not None:
        cmd += ["--terms", terms]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {out.stderr}")
    return json.loads(out.stdout)


def statsmodels_fit(path, terms):
    import numpy as np
    import pandas as pd
    import statsmodels.api as sm

    df = pd.read_csv(path)
    lists = [c for c in df.columns if c != "count"]
    t = len(lists)
    counts = {}
    for _, r in df.iterrows():
        key = tuple(int(r[c]) for c in lists)
        counts[key] = counts.get(key, 0) + r["count"]
    cells = [h for h in itertools.product([0, 1], repeat=t) if sum(h) > 0]
    y = np.array([counts.get(h, 0) for h in cells], dtype=float)
    pairs = [tuple(lists.index(x) for x in term.split(":")) for term in terms]
    free, empty = [], []
    for i, j in pairs:
        overlap = sum(c for h, c in zip(cells, y) if h[i] and h[j])
        (free if overlap > 0 else empty).append((i, j))
    keep = [all(not (h[i] and h[j]) for i, j in empty) for h in cells]
    Z = np.array([h for h, k in zip(cells, keep) if k], dtype=float)
    y = y[np.array(keep)]
    X = np.column_stack([np.ones(len(Z)), Z] + [Z[:, i] * Z[:, j] for i, j in free])
    res = sm.GLM(y, X, family=sm.families.Poisson()).fit(tol=1e-13, maxiter=200)
    n = y.sum()
    b0, se0 = res.params[0], np.sqrt(res.cov_params()[0, 0])
    z = 1.959963984540054
    return {
        "estimate": n + np.exp(b0),
        "lower": n + np.exp(b0 - z * se0),
        "upper": n + np.exp(b0 + z * se0),
        "deviance": res.deviance,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin")
    ap.add_argument("--dignity", help="the dignity binary: runs `dignity estimate`")
    ap.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data", "mse"))
    a = ap.parse_args()
    ensure("statsmodels")
    files = sorted(glob.glob(os.path.join(a.data, "*.csv")))
    if not files:
        sys.exit(f"no tables in {a.data}")
    exe = [a.dignity, "estimate"] if a.dignity else [a.bin or build()]
    failures = 0
    print(f"{'table':38} {'model':44} {'dignity':>12} {'statsmodels':>12} {'rel.diff':>9}")
    for f in files:
        stepwise = dignity(exe, f)
        chosen = stepwise["details"]["terms"] + stepwise["details"]["empty_overlaps"]
        for terms in ([], chosen):
            d = dignity(exe, f, ",".join(terms))
            s = statsmodels_fit(f, terms)
            worst = 0.0
            for k in ("estimate", "lower", "upper"):
                worst = max(worst, abs(d[k] - s[k]) / abs(s[k]))
            worst = max(worst, abs(d["details"]["deviance"] - s["deviance"]) / max(abs(s["deviance"]), 1.0))
            ok = worst < TOL
            failures += not ok
            label = "+".join(terms) or "independence"
            print(f"{os.path.basename(f):38} {label[:44]:44} {d['estimate']:12.2f} {s['estimate']:12.2f} {worst:9.1e} {'ok' if ok else 'MISMATCH'}")
    if failures:
        sys.exit(f"{failures} fits differ from statsmodels by more than {TOL}")
    print("all fits agree with statsmodels")


if __name__ == "__main__":
    main()
