"""Figures drawn from small synthetic metric tables (see test_claims for the tables)."""

from __future__ import annotations

import logging
import struct
from pathlib import Path

import pandas as pd
import pytest
from test_claims import write_tables

from spectral_ssl.claims import load_tables
from spectral_ssl.figures import FIGURES, Skip, data_key, fig_singular_values, main_figures
from spectral_ssl.figures.sources import FIGURE_SOURCES, RELATION_STATS, figures_for

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) from the IHDR chunk of a PNG file."""
    head = path.read_bytes()[:24]
    assert head[:8] == PNG_SIGNATURE and head[12:16] == b"IHDR"
    return struct.unpack(">II", head[16:24])


@pytest.fixture(scope="module")
def metrics(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The claims tables, trimmed to fewer panels (rendering dominates the test time)."""
    directory = write_tables(tmp_path_factory.mktemp("figures") / "metrics", every=500)
    keep = {
        "optimal": lambda t: t["relation"].isin(["view_pairs", "knn"]),
        "optimal_trajectory": lambda t: t["relation"].isin(["view_pairs", "knn"]),
        "alignment": lambda t: (t["data"] == "synthetic") & (t["model"] != "mlp"),
    }
    for name, rows in keep.items():
        table = pd.read_csv(directory / f"{name}.csv")
        table[rows(table)].to_csv(directory / f"{name}.csv", index=False)
    return directory


def test_every_figure_written(metrics: Path, tmp_path: Path) -> None:
    paths = main_figures(metrics, tmp_path / "figures")
    assert sorted(p.name for p in paths) == sorted(
        f"{name}.{ext}" for name in FIGURES for ext in ("png", "pdf")
    )
    for path in paths:
        data = path.read_bytes()
        if path.suffix == ".png":
            width, height = png_size(path)
            assert width >= 800 and height >= 300, (path.name, width, height)
            assert len(data) > 20_000, path.name
        else:
            assert data.startswith(b"%PDF") and len(data) > 5_000, path.name
    assert not list((tmp_path / "figures").glob(".*"))  # no temporary files left behind


def test_missing_tables_skipped(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from spectral_ssl.claims import EXPERIMENTS

    metrics = write_tables(tmp_path / "metrics",
                           skip=(*EXPERIMENTS, "optimal_trajectory", "cliques_trajectory",
                                 "nnclr_trajectory", "cost"))  # fmt: skip
    with caplog.at_level(logging.WARNING, logger="spectral_ssl.figures"):
        paths = main_figures(metrics, tmp_path / "figures")
    assert [p.name for p in paths] == ["correspondences.png", "correspondences.pdf"]
    assert "figure angles_vs_step skipped: optimal_trajectory.csv missing" in caplog.text
    assert "figure cost skipped: cost.csv missing" in caplog.text
    assert "figure relations skipped" in caplog.text


@pytest.mark.parametrize("name", [n for n, s in FIGURE_SOURCES.items() if s != RELATION_STATS])
def test_each_figure_draws_from_its_sources_and_only_them(metrics: Path, name: str) -> None:
    """FIGURE_SOURCES (what the workflow declares) is what each drawing function reads: the
    figure draws from its source experiments' tables alone and is skipped without them."""
    tables = load_tables(metrics)
    sources = FIGURE_SOURCES[name]
    own = {n: t for n, t in tables.items() if n.removesuffix("_trajectory") in sources}
    assert FIGURES[name](own) is not None
    if sources:
        with pytest.raises(Skip):
            FIGURES[name]({n: t for n, t in tables.items() if n not in own})


def test_figure_sources_name_every_figure_and_real_tables() -> None:
    from spectral_ssl.claims import EXPERIMENTS
    from spectral_ssl.claims.misaligned import C12_TABLES

    assert sorted(FIGURE_SOURCES) == sorted(FIGURES)
    named = {t for s in FIGURE_SOURCES.values() if s != RELATION_STATS for t in s}
    assert named <= {*EXPERIMENTS, "cost"}
    assert FIGURE_SOURCES["accuracy_vs_gamma"] == ("alignment", *C12_TABLES)
    assert figures_for([]) == ["correspondences"]
    assert figures_for(["cost"]) == ["correspondences", "cost"]
    rank_only = ["relations", "correspondences", "rank_vs_gamma", "cost"]
    assert figures_for(["rank", "cost"]) == rank_only
    assert figures_for([*EXPERIMENTS, "cost"]) == list(FIGURE_SOURCES)


def test_failed_runs_named_in_title(metrics: Path) -> None:
    fig = fig_singular_values(load_tables(metrics))
    assert "(1 failed run not shown)" in " ".join(fig.get_suptitle().split())  # may wrap


def test_figure_without_its_rows_skipped(tmp_path: Path) -> None:
    rows = {"method": ["simclr"], "relation": ["labels"], "effective_rank": [3.0],
            "data": ["digits"], "gamma": [None], "k": [32]}  # fmt: skip
    pd.DataFrame(rows).to_csv(tmp_path / "rank.csv", index=False)
    with pytest.raises(Skip, match="no vicreg gamma sweep"):
        FIGURES["rank_vs_gamma"](load_tables(tmp_path))


def test_accuracy_vs_alignment_draws_one_line_per_method_and_dashed_twins(metrics: Path) -> None:
    fig = FIGURES["accuracy_vs_alignment"](load_tables(metrics))
    ax = fig.axes[0]
    solid = [ln for ln in ax.get_lines() if ln.get_linestyle() == "-" and len(ln.get_xdata()) == 3]
    dashed = [ln for ln in ax.get_lines() if ln.get_linestyle() == "--"]
    assert len(solid) == 5 and len(dashed) == 5  # 5 method variants, each with its twin
    # x is the measured alignment (falling with p), y the mean accuracy over seeds
    vicreg_small = solid[0]
    assert list(vicreg_small.get_xdata()) == [1.0, 0.62, 0.25]
    assert vicreg_small.get_ydata()[0] == pytest.approx(0.9 + 0.01)  # mean of seeds 0, 1, 2
    assert ax.xaxis_inverted()
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "VICReg small \u03b3" in labels and "SimCLR: closed-form twin" in labels


def test_data_order() -> None:
    names = ["synthetic-n256", "digits", "synthetic-n8", "synthetic"]
    assert sorted(names, key=data_key) == ["digits", "synthetic", "synthetic-n8", "synthetic-n256"]
