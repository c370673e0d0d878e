# Claims C1-C17: every verdict computed from the metric tables and the thresholds of the config.


rule claims:
    """claims.md (the report's verdict page) and claims.csv (one row per claim)."""
    input:
        tables=metric_tables(),
        config="results/config.yaml",
    output:
        md=report(
            "results/claims.md",
            caption="../report/claims_md.rst",
            category="Claims",
            labels={"claims": "report (markdown)"},
        ),
        csv=report(
            "results/claims.csv",
            caption="../report/claims_csv.rst",
            category="Claims",
            labels={"claims": "table"},
        ),
        provenance="results/claims.provenance.json",
    log:
        "results/logs/claims/claims.log",
    benchmark:
        "results/benchmarks/claims/claims.tsv"
    conda:
        "../envs/spectral-ssl.yaml"
    threads: 1
    shell:
        "spectral-ssl claims --metrics-dir results/metrics --config {input.config} "
        "--out-md {output.md} --out-csv {output.csv} > {log} 2>&1"
