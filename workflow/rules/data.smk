# Datasets and their augmented views, one file per data seed (docs/pipeline.md: data, views).


rule data:
    """Generate one dataset and its train/test split from data seed {seed}."""
    output:
        npz="results/data/{dataset}/seed{seed}.npz",
        provenance="results/data/{dataset}/seed{seed}.provenance.json",
    params:
        args=data_args,
    log:
        "results/logs/data/{dataset}/seed{seed}.log",
    benchmark:
        "results/benchmarks/data/{dataset}/seed{seed}.tsv"
    conda:
        "../envs/spectral-ssl.yaml"
    threads: 1
    shell:
        "OMP_NUM_THREADS={threads} spectral-ssl data {params.args} --out {output.npz} > {log} 2>&1"


rule views:
    """V augmented views of the training split (of N' source samples for `{dataset}-n{N'}`)."""
    input:
        data=dataset_of,
    output:
        npz="results/views/{data}/seed{seed}.npz",
        provenance="results/views/{data}/seed{seed}.provenance.json",
    params:
        args=views_args,
    log:
        "results/logs/views/{data}/seed{seed}.log",
    benchmark:
        "results/benchmarks/views/{data}/seed{seed}.tsv"
    conda:
        "../envs/spectral-ssl.yaml"
    threads: 1
    shell:
        "OMP_NUM_THREADS={threads} spectral-ssl views --data {input.data} {params.args} "
        "--out {output.npz} > {log} 2>&1"
