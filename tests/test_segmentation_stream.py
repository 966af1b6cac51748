"""The streamed path (DuckDB batches -> compact arrays -> the same rules) against the pandas path, account by account."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from planner.errors import UserInputError
from planner.pipeline_stream import plan_streamed, read_streamed_inputs, should_stream
from planner.segmentation import segment
from planner.segmentation.stream import tier_columns
from planner.workbook import stream_export
from planner.workbook.demo import demo_accounts, demo_content
from planner.workbook.reader import read_inputs
from planner.workbook.template import write_workbook

N = 100_000
SEED = 20261202


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> tuple[Path, Path, pd.DataFrame]:
    folder = tmp_path_factory.mktemp("stream")
    frame = demo_accounts(N, seed=SEED)
    book = write_workbook(folder / "book.xlsx", dataclasses.replace(demo_content(0), accounts=frame.head(0)))
    path = folder / "accounts.parquet"
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path, row_group_size=30_000)
    return book, path, frame


@pytest.fixture(scope="module")
def again(sample, tmp_path_factory) -> Path:
    """The next assessment: previous tier and score are the first assessment's, ARR has moved a little."""
    book, path, frame = sample
    first = segment(read_inputs(book, accounts=path)).accounts
    rng = np.random.default_rng(SEED + 1)
    nxt = frame.copy()
    nxt["previous_tier"] = first["tier"].astype(str).to_numpy()
    nxt["previous_score"] = first["score"].to_numpy()
    nxt["arr"] = np.round(nxt["arr"] * np.exp(0.1 * rng.standard_normal(len(nxt))), -2)
    nxt["Health score"] = np.clip(nxt["Health score"] + np.round(5 * rng.standard_normal(len(nxt))), 0, 100)
    out = tmp_path_factory.mktemp("again") / "next.parquet"
    pq.write_table(pa.Table.from_pandas(nxt, preserve_index=False), out, row_group_size=30_000)
    return out


@pytest.fixture(scope="module", params=["first", "next"])
def both(request, sample, again):
    book, path, _ = sample
    if request.param == "next":
        path = again
    seg = segment(read_inputs(book, accounts=path))
    old = stream_export.BATCH_ROWS
    stream_export.BATCH_ROWS = 7_000  # many batches, the last one short: batching must not matter
    try:
        inputs, gathered = read_streamed_inputs(book, path)
    finally:
        stream_export.BATCH_ROWS = old
    return seg, tier_columns(gathered, inputs)


def test_every_account_gets_the_pandas_tier(both):
    seg, streamed = both
    assert len(streamed.final) == len(seg.accounts) == N
    assert streamed.ids.to_pylist() == seg.accounts["account_id"].tolist()  # file order kept
    pandas_tier = seg.accounts["tier"].astype(str).to_numpy()
    streamed_tier = np.array(streamed.tier_names, dtype=object)[streamed.final]
    assert (pandas_tier == streamed_tier).all()
    assert (np.rint(seg.accounts["score"].to_numpy() * 100).astype(np.int64) == streamed.bins).all()
    assert (seg.accounts["score_tier"].astype(str).to_numpy() == np.array(streamed.tier_names, dtype=object)[streamed.rule_tier]).all()
    # the rule that decided: "locked: <reason>" on the pandas side is "locked" in the streamed counts
    assert seg.rule_counts() == streamed.rule_counts()


def test_the_sample_exercises_every_rule(both):
    """The comparison above means something only if hysteresis, locks, flags and the previous cut-offs all acted."""
    seg, streamed = both
    counts = streamed.rule_counts()
    for rule in ("score cut-off", "kept by hysteresis", "locked", "strategic flag", "churn risk: temporary higher touch"):
        assert counts.get(rule, 0) > 0, rule
    assert seg.cutoff_method == streamed.decision.cut.method
    if streamed.decision.anchor.considered and seg.previous_cutoffs is not None:  # the next assessment
        assert streamed.decision.anchor.bins is not None
        pd.testing.assert_series_equal(seg.previous_cutoffs, pd.Series(streamed.decision.anchor.bins / 100.0,
                                       index=list(streamed.tier_names), name="previous_cutoff"))
        pd.testing.assert_frame_equal(seg.cutoff_changes, streamed.decision.changes)


def test_the_next_assessment_reads_the_previous_cutoffs_back(again, sample):
    book, _, _ = sample
    inputs, gathered = read_streamed_inputs(book, again)
    streamed = tier_columns(gathered, inputs)
    assert streamed.decision.anchor.bins is not None
    assert streamed.decision.cut.method in ("previous", "previous-moved")


def test_tier_aggregates_equal(both):
    seg, streamed = both
    pd.testing.assert_frame_equal(seg.tier_stats(), streamed.tier_stats())
    pd.testing.assert_frame_equal(seg.bands.reset_index(drop=True), streamed.bands.reset_index(drop=True))
    pd.testing.assert_series_equal(seg.cutoffs, streamed.cutoffs)
    # counted independently of both paths: accounts and ARR per final tier
    tiers = seg.accounts["tier"].astype(str)
    for name, row in streamed.tier_stats().set_index("tier").iterrows():
        assert row["accounts"] == int((tiers == name).sum())
        assert row["arr"] == pytest.approx(float(seg.accounts["arr"][tiers == name].sum()), rel=1e-12)


def test_plan_writes_parquet_and_plan_json(sample, tmp_path):
    book, path, frame = sample
    plan, written = plan_streamed(book, path, tmp_path / "out")
    assert [p.name for p in written] == ["account_tiers.parquet", "plan.json"]
    table = pq.read_table(tmp_path / "out" / "account_tiers.parquet")
    assert table.num_rows == N
    assert table.column("account_id").to_pylist()[:3] == frame["account_id"].tolist()[:3]
    tiers = table.column("tier").to_pandas().astype(str)
    assert tiers.value_counts().to_dict() == dict(zip(plan.tiers.tier_stats()["tier"], plan.tiers.tier_stats()["accounts"]))
    document = json.loads((tmp_path / "out" / "plan.json").read_text())
    assert document["streamed"] is True and document["segmentation"]["accounts"] == N
    assert document["optimization"]["tiers"] is not None


def test_threshold_reads_the_parquet_footer(sample):
    _, path, _ = sample
    assert should_stream(path, threshold=N - 1)
    assert not should_stream(path, threshold=N)
    assert not should_stream(None)


def _run(book: Path, accounts: Path, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "planner.pipeline_stream", str(book), "--accounts", str(accounts), "--out", str(out)],
                          capture_output=True, text=True, timeout=300)


def test_missing_column_is_exit_2_naming_file_and_column(sample, tmp_path):
    book, _, frame = sample
    bad = tmp_path / "no_arr.parquet"
    pq.write_table(pa.Table.from_pandas(frame.head(50).drop(columns=["arr"]), preserve_index=False), bad)
    done = _run(book, bad, tmp_path / "out")
    assert done.returncode == 2, done.stderr
    assert "no_arr.parquet" in done.stderr and '"ARR" is missing' in done.stderr
    assert "Traceback" not in done.stderr


def test_bad_arr_deep_in_the_file_names_its_record(sample, tmp_path):
    book, _, frame = sample
    part = frame.head(20_000).copy()
    part["arr"] = [f"{v:.2f}" for v in part["arr"]]  # ARR exported as text
    part.loc[15_000, "arr"] = "lots"  # in the third batch of 7,000: record 15,001 counted from the start of the file
    bad = tmp_path / "bad_arr.parquet"
    pq.write_table(pa.Table.from_pandas(part, preserve_index=False), bad)
    old = stream_export.BATCH_ROWS
    stream_export.BATCH_ROWS = 7_000
    try:
        with pytest.raises(UserInputError) as caught:
            read_streamed_inputs(book, bad)
    finally:
        stream_export.BATCH_ROWS = old
    text = "\n".join(str(p) for p in caught.value.problems)
    assert "bad_arr.parquet record 15001" in text and "lots" in text


def test_repeated_id_across_batches_is_exit_2(sample, tmp_path):
    book, _, frame = sample
    part = frame.head(3_000).copy()
    part.loc[2_999, "account_id"] = part.loc[0, "account_id"]
    bad = tmp_path / "dup.parquet"
    pq.write_table(pa.Table.from_pandas(part, preserve_index=False), bad)
    done = _run(book, bad, tmp_path / "out")
    assert done.returncode == 2, done.stderr
    assert f'dup.parquet column account_id: account ID "{part.loc[0, "account_id"]}" appears 2 times' in done.stderr


def test_csv_gives_the_same_tiers(sample, tmp_path):
    book, _, frame = sample
    small = frame.head(20_000)
    path = tmp_path / "accounts.csv"
    small.to_csv(path, index=False)
    seg = segment(read_inputs(book, accounts=path))
    inputs, gathered = read_streamed_inputs(book, path)
    streamed = tier_columns(gathered, inputs)
    assert (seg.accounts["tier"].astype(str).to_numpy() == np.array(streamed.tier_names, dtype=object)[streamed.final]).all()
    pd.testing.assert_frame_equal(seg.tier_stats(), streamed.tier_stats())


def test_tierplan_plan_takes_the_streamed_path_past_the_threshold(sample, tmp_path, monkeypatch):
    """`tierplan plan --accounts` on a file past the threshold: the streamed files, the plan's answer on screen, its exit code."""
    import functools

    from click.testing import CliRunner

    from planner import pipeline_stream
    from planner.cli import app

    book, path, _ = sample
    monkeypatch.setattr(pipeline_stream, "should_stream", functools.partial(should_stream, threshold=N - 1))
    expected, _ = plan_streamed(book, path, tmp_path / "direct")
    result = CliRunner().invoke(app, ["plan", str(book), "--accounts", str(path), "--out", str(tmp_path / "cli")])
    assert result.exit_code == pipeline_stream.exit_code(expected), result.output
    assert f"Plan status: {expected.optimization.status}" in result.output
    # every format was asked for (the default), so the answer says which files this path writes and which it does not
    assert "planned on the streamed path: it writes account_tiers.parquet and plan.json, not the report" in " ".join(result.output.split())
    assert sorted(p.name for p in (tmp_path / "cli").iterdir() if not p.name.startswith(".")) == ["account_tiers.parquet", "plan.json"]
    assert (tmp_path / "cli" / "plan.json").read_bytes() == (tmp_path / "direct" / "plan.json").read_bytes()
    from planner.cli import main

    with pytest.raises(SystemExit) as refused:  # main() turns the refusal into exit 2 with the message on stderr
        main(["plan", str(book), "--accounts", str(path), "--out", str(tmp_path / "wb"), "--write-back"])
    assert refused.value.code == 2
    assert not (tmp_path / "wb" / "plan.json").exists()
