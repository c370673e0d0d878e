# Figures: drawn from the metric tables (and the claims thresholds), so restyling a figure never
# retrains anything.
# One caption per figure (workflow/report/fig_NAME.rst); names as in spectral_ssl.figures.
# Only the figures the config's experiments can draw are outputs (spectral_ssl.figures.sources),
# so a config that leaves experiments out still finishes its figures step.

SUBCATEGORIES = {
    "relations": "Relation graphs",
    "angles_vs_step": "Learned vs closed form",
    "singular_values": "Learned vs closed form",
    "correspondences": "Learned vs closed form",
    "linear_angles": "Learned vs closed form",
    "rank_vs_gamma": "Rank",
    "accuracy_vs_gamma": "Alignment",
    "low_data": "Low data",
    "cost": "Cost",
    "accuracy_vs_alignment": "Alignment",
    "global_vs_local": "Global vs local",
    "nnclr_alignment": "NNCLR",
}
FIGURES = {name: SUBCATEGORIES[name] for name in figures_for([*EXPERIMENTS, "cost"])}


rule figures:
    """Every figure (PNG for the report, PDF for print) from results/metrics/*.csv."""
    input:
        tables=metric_tables(),
        config="results/config.yaml",  # claims.rank_rtol for the rank figure
    output:
        **{
            name: report(
                f"results/figures/{name}.png",
                caption=f"../report/fig_{name}.rst",
                category="Figures",
                subcategory=subcategory,
                labels={"figure": name},
            )
            for name, subcategory in FIGURES.items()
        },
        pdf=[f"results/figures/{name}.pdf" for name in FIGURES],
    log:
        "results/logs/figures/figures.log",
    benchmark:
        "results/benchmarks/figures/figures.tsv"
    conda:
        "../envs/spectral-ssl.yaml"
    threads: 1
    shell:
        "spectral-ssl figures --metrics-dir results/metrics --config {input.config} "
        "--out-dir results/figures > {log} 2>&1"
