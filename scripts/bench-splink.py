#!/usr/bin/env python3
"""Run Splink 5 (DuckDB backend) and Dignity on the same linkage file, on this
machine, and print precision / recall / F1 at match probability >= 0.5 and
the times of both, so that the two are measured in one run.

Splink's settings follow its own example notebook for historical_50k
("deduplicate_50k_synthetic"). Dignity runs its release benchmark example.

Usage: scripts/bench-splink.py [--data ../shared/data/linkage/historical_50k.csv] [--skip-dignity]
Installs splink with pip when it is missing.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def ensure(pkg, module=None):
    try:
        __import__(module or pkg)
    except ImportError:
        subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", pkg])


def splink_run(path):
    ensure("splink")
    import pandas as pd
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    df = pd.read_csv(path, dtype=str)
    df["first_name_surname_concat"] = df["first_name"].fillna("") + " " + df["surname"].fillna("")
    t0 = time.perf_counter()
    db_api = DuckDBAPI()
    sdf = db_api.register(df)
    settings = SettingsCreator(
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=[
            block_on("full_name"),
            block_on("substr(full_name,1,6)", "dob", "birth_place"),
            block_on("dob", "birth_place"),
            block_on("postcode_fake"),
        ],
        comparisons=[
            cl.ForenameSurnameComparison(
                "first_name", "surname", forename_surname_concat_col_name="first_name_surname_concat"
            ),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.LevenshteinAtThresholds("postcode_fake", 2),
            cl.JaroWinklerAtThresholds("birth_place", 0.9).configure(term_frequency_adjustments=True),
            cl.ExactMatch("occupation").configure(term_frequency_adjustments=True),
        ],
    )
    linker = Linker(sdf, settings, log_level=40)
    linker.training.estimate_probability_two_random_records_match(
        [
            block_on("first_name", "surname", "dob"),
            block_on("substr(first_name,1,2)", "surname", "substr(postcode_fake,1,2)"),
            block_on("dob", "postcode_fake"),
        ],
        recall=0.6,
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=5e6)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("first_name", "surname"), estimate_without_term_frequencies=True
    )
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("dob"), estimate_without_term_frequencies=True
    )
    t1 = time.perf_counter()
    pred = linker.inference.predict(threshold_match_probability=0.5).as_pandas_dataframe()
    t2 = time.perf_counter()
    truth = dict(zip(df["unique_id"], df["cluster"]))
    tp = sum(truth[a] == truth[b] for a, b in zip(pred["unique_id_l"], pred["unique_id_r"]))
    sizes = df.groupby("cluster").size()
    actual = int((sizes * (sizes - 1) // 2).sum())
    p = tp / max(len(pred), 1)
    r = tp / actual
    return {
        "tool": "splink " + __import__("splink").__version__,
        "precision": p,
        "recall": r,
        "f1": 2 * p * r / (p + r) if p + r else 0.0,
        "pairs": len(pred),
        "train_s": t1 - t0,
        "predict_s": t2 - t1,
        "total_s": t2 - t0,
    }


def dignity_run():
    env = dict(os.environ)
    env.setdefault("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    subprocess.check_call(
        ["cargo", "build", "-q", "-p", "dignity-stats", "--release", "--example", "bench_linkage"], cwd=ROOT, env=env
    )
    exe = os.path.join(env["CARGO_TARGET_DIR"], "release", "examples", "bench_linkage")
    out = subprocess.run([exe, "historical_50k"], capture_output=True, text=True, check=True).stdout
    m = re.search(r"pairwise p>=0.5: P ([\d.]+) R ([\d.]+) F1 ([\d.]+)", out)
    t = re.search(r"train ([\d.]+)s predict ([\d.]+)s cluster ([\d.]+)s total ([\d.]+)s", out)
    c = re.search(r"clusters: P ([\d.]+) R ([\d.]+) F1 ([\d.]+) bcubed F1 ([\d.]+) ARI ([\d.]+)", out)
    return {
        "tool": "dignity-stats",
        "precision": float(m[1]),
        "recall": float(m[2]),
        "f1": float(m[3]),
        "total_s": float(t[4]),
        "cluster_f1": float(c[3]),
        "cluster_bcubed_f1": float(c[4]),
        "cluster_ari": float(c[5]),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data", "linkage", "historical_50k.csv"))
    ap.add_argument("--skip-dignity", action="store_true")
    a = ap.parse_args()
    if not os.path.exists(a.data):
        sys.exit(f"missing {a.data}")
    results = [splink_run(a.data)]
    if not a.skip_dignity:
        results.append(dignity_run())
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
