"""The closed-form artifact: the file ``spectral-ssl closed-form`` writes is the format
``closed_form.save_closed_form`` / ``load_closed_form`` define (one format, tested here)."""

from __future__ import annotations

import numpy as np

from spectral_ssl import closed_form as cf
from spectral_ssl.cli import main
from spectral_ssl.io import load_npz
from spectral_ssl.relations import load_relation
from spectral_ssl.views import load_views


def test_cli_closed_form_file_is_the_artifact_format(tmp_path):
    d, v, g, out = (tmp_path / n for n in ("d.npz", "v.npz", "g.npz", "cf.npz"))
    assert main(["data", "--dataset", "synthetic", "--out", str(d)]) == 0
    assert (
        main(["views", "--data", str(d), "--n-views", "2", "--n-samples", "40", "--out", str(v)])
        == 0
    )
    assert main(["relation", "--views", str(v), "--kind", "view_pairs", "--out", str(g)]) == 0
    argv = ["closed-form", "--views", str(v), "--relation", str(g), "--method", "vicreg_sq",
            "--model", "free", "--k", "3", "--hparam", "alpha=25", "--hparam", "gamma=1",
            "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    back = cf.load_closed_form(out)
    edges, n, _ = load_relation(g)
    direct = cf.compute("vicreg_sq", None, edges, n, 3, alpha=25, gamma=1)
    assert back.method == "vicreg_sq" and back.predicted_rank == direct.predicted_rank
    assert np.allclose(back.eigenvalues, direct.eigenvalues)
    arrays = load_npz(out)
    assert {"reference", "containing", "scales", "embedding", "metadata_json"} <= set(arrays)
    assert np.array_equal(arrays["scales"], np.asarray(direct.metadata["scales"]))
    assert arrays["reference"].shape[0] == load_views(v).x.shape[0]

    again = tmp_path / "again.npz"  # the library writer produces the same arrays
    cf.save_closed_form(again, back, arrays["reference"], bool(arrays["containing"]))
    rewritten = load_npz(again)
    assert set(rewritten) == set(arrays)
    for key in arrays:
        assert np.array_equal(rewritten[key], arrays[key]), key
