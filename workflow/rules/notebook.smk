# The audit notebook, executed headless into results/audit.html (nbconvert with a kernel of
# this Python environment). It reads the results folder named by SPECTRAL_SSL_RESULTS.


rule audit:
    """Data, views, G, loss curves, spectra, learned vs closed form, tables and claims."""
    input:
        notebook=f"{workflow.basedir}/workflow/notebooks/audit.ipynb",
        tables=metric_tables(),
        claims="results/claims.csv",
        figures=figure_files(),
        relations=all_relation_files(),
    output:
        report(
            "results/audit.html",
            caption="../report/audit.rst",
            category="Audit notebook",
            labels={"notebook": "audit"},
        ),
    log:
        "results/logs/audit/audit.log",
    benchmark:
        "results/benchmarks/audit/audit.tsv"
    conda:
        "../envs/spectral-ssl.yaml"
    threads: 1
    shell:
        'SPECTRAL_SSL_RESULTS="$PWD/results" OMP_NUM_THREADS={threads} '
        "jupyter nbconvert --to html --execute --ExecutePreprocessor.timeout=600 "
        "--ExecutePreprocessor.kernel_name=python3 --output-dir results --output audit "
        "{input.notebook} > {log} 2>&1"
