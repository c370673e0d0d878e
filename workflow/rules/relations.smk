# Relation graphs G on the view rows, one per data seed (docs/pipeline.md: relation).


rule relation:
    """Build G (edge list) and its statistics (edges, components, alignment with labels/nuisance);
    a sampled graph (positives_per_row, random) draws its partners from data seed {seed}."""
    input:
        views="results/views/{data}/seed{seed}.npz",
    output:
        npz="results/relations/{data}/seed{seed}/{relation}.npz",
        stats="results/relations/{data}/seed{seed}/{relation}.json",
        provenance="results/relations/{data}/seed{seed}/{relation}.provenance.json",
    params:
        args=relation_args,
    log:
        "results/logs/relation/{data}/seed{seed}/{relation}.log",
    benchmark:
        "results/benchmarks/relation/{data}/seed{seed}/{relation}.tsv"
    conda:
        "../envs/spectral-ssl.yaml"
    threads: 1
    shell:
        "OMP_NUM_THREADS={threads} spectral-ssl relation --views {input.views} {params.args} "
        "--out {output.npz} --stats {output.stats} > {log} 2>&1"
