# Relation graphs G on the view rows (docs/pipeline.md: relation).


rule relation:
    """Build G (edge list) and its statistics (edges, components, alignment with labels/nuisance)."""
    input:
        views="results/views/{data}.npz",
    output:
        npz="results/relations/{data}/{relation}.npz",
        stats="results/relations/{data}/{relation}.json",
        provenance="results/relations/{data}/{relation}.provenance.json",
    params:
        args=relation_args,
    log:
        "results/logs/relation/{data}/{relation}.log",
    conda:
        "../envs/spectral-ssl.yaml"
    threads: 1
    shell:
        "OMP_NUM_THREADS={threads} spectral-ssl relation --views {input.views} {params.args} "
        "--out {output.npz} --stats {output.stats} > {log} 2>&1"
