# Reference probes, tidy metric tables (one per experiment), loss cost and exact identities.


for _i, (_seeds, _datasets) in enumerate(seed_groups(DATASET_SEEDS)):

    rule:
        """Supervised probe on raw X and on PCA-whitened X of each data seed (reference rows)."""
        name:
            "baseline" if _i == 0 else f"baseline_{_i}"
        wildcard_constraints:
            dataset=alternatives(_datasets),
        input:
            data=lambda wc: [dataset_path(wc.dataset, s) for s in DATASET_SEEDS[wc.dataset]],
        output:
            json=expand("results/baselines/{dataset}/seed{seed}.json", seed=_seeds, allow_missing=True),
            provenance=expand(
                "results/baselines/{dataset}/seed{seed}.provenance.json",
                seed=_seeds,
                allow_missing=True,
            ),
        params:
            args=baseline_args,
        log:
            "results/logs/baseline/{dataset}.log",
        benchmark:
            "results/benchmarks/baseline/{dataset}.tsv"
        conda:
            "../envs/spectral-ssl.yaml"
        threads: 1
        shell:
            "OMP_NUM_THREADS={threads} spectral-ssl baseline {params.args} > {log} 2>&1"


rule supervised_reference:
    """C11 references of data seed {seed}: LDA, class indicators, cross-entropy MLP (rows + bases)."""
    input:
        views="results/views/{data}/seed{seed}.npz",
        data=dataset_of,
    output:
        json="results/supervised/{data}/k{k}/seed{seed}.json",
        npz="results/supervised/{data}/k{k}/seed{seed}.npz",
        provenance="results/supervised/{data}/k{k}/seed{seed}.provenance.json",
    params:
        args=supervised_args,
    log:
        "results/logs/supervised/{data}/k{k}/seed{seed}.log",
    benchmark:
        "results/benchmarks/supervised/{data}/k{k}/seed{seed}.tsv"
    resources:
        gpu=0,
    conda:
        "../envs/spectral-ssl.yaml"
    threads: 1
    shell:
        "OMP_NUM_THREADS={threads} spectral-ssl supervised-reference --views {input.views} "
        "--data {input.data} {params.args} --out {output.json} --out-npz {output.npz} "
        "> {log} 2>&1"


rule collect:
    """One tidy table per experiment: one row per run and seed, plus the reference rows."""
    input:
        unpack(collect_inputs),
    output:
        table=report(
            "results/metrics/{experiment}.csv",
            caption="../report/table_experiment.rst",
            category="Tables",
            subcategory="Experiments",
            labels={"table": "{experiment}"},
        ),
        trajectory="results/metrics/{experiment}_trajectory.csv",
        provenance="results/metrics/{experiment}.provenance.json",
    log:
        "results/logs/collect/{experiment}.log",
    benchmark:
        "results/benchmarks/collect/{experiment}.tsv"
    conda:
        "../envs/spectral-ssl.yaml"
    threads: 1
    shell:
        "spectral-ssl collect --out {output.table} --trajectory-out {output.trajectory} "
        "{input.runs} {input.closed_forms} {input.baselines} {input.references} > {log} 2>&1"


rule cost:
    """Forward + backward time of each loss vs N and vs K (C17), on up to 8 threads."""
    output:
        table=report(
            "results/metrics/cost.csv",
            caption="../report/table_cost.rst",
            category="Tables",
            subcategory="Cost",
            labels={"table": "cost"},
        ),
        provenance="results/metrics/cost.provenance.json",
    params:
        args=cost_args(config),
    log:
        "results/logs/cost/cost.log",
    benchmark:
        "results/benchmarks/cost/cost.tsv"
    resources:
        gpu=GPU,
    conda:
        "../envs/spectral-ssl.yaml"
    threads: max(1, min(workflow.cores or 1, 8))
    shell:
        "OMP_NUM_THREADS={threads} spectral-ssl cost {params.args} --out {output.table} "
        "> {log} 2>&1"


rule identities:
    """Exact identities C1, C6, C10, C15 to machine precision."""
    output:
        table=report(
            "results/metrics/identities.csv",
            caption="../report/table_identities.rst",
            category="Tables",
            subcategory="Identities",
            labels={"table": "identities"},
        ),
        provenance="results/metrics/identities.provenance.json",
    log:
        "results/logs/identities/identities.log",
    benchmark:
        "results/benchmarks/identities/identities.tsv"
    conda:
        "../envs/spectral-ssl.yaml"
    threads: 1
    shell:
        "OMP_NUM_THREADS={threads} spectral-ssl identities --out {output.table} > {log} 2>&1"


rule effective_config:
    """The validated config with the schema's defaults filled in (read by `claims`)."""
    output:
        "results/config.yaml",
    params:
        config=config,
    log:
        "results/logs/effective_config/config.log",
    conda:
        "../envs/spectral-ssl.yaml"
    localrule: True
    run:
        write_config(output[0], params.config)
        shell("echo wrote {output} > {log}")
