# Relation graphs G on the view rows, one per data seed (docs/pipeline.md: relation). ONE job
# per (data, relation) builds it for every data seed the runs read; a seed list needs a rule of
# its own, and each rule's {data} wildcard admits exactly its (data, relation) pairs.


for _i, (_seeds, _pairs) in enumerate(seed_groups(RELATION_SEEDS)):

    rule:
        """Build G (edge list) and its statistics (edges, components, alignment with labels /
        nuisance) for each data seed; a sampled graph (positives_per_row, random) draws its
        partners from that data seed."""
        name:
            "relation" if _i == 0 else f"relation_{_i}"
        wildcard_constraints:
            data=relation_constraint(_pairs),
        input:
            views=lambda wc: [views_path(wc.data, s) for s in RELATION_SEEDS[(wc.data, wc.relation)]],
        output:
            npz=expand(
                "results/relations/{data}/seed{seed}/{relation}.npz", seed=_seeds, allow_missing=True
            ),
            stats=expand(
                "results/relations/{data}/seed{seed}/{relation}.json", seed=_seeds, allow_missing=True
            ),
            provenance=expand(
                "results/relations/{data}/seed{seed}/{relation}.provenance.json",
                seed=_seeds,
                allow_missing=True,
            ),
        params:
            args=relation_args,
        log:
            "results/logs/relation/{data}/{relation}.log",
        benchmark:
            "results/benchmarks/relation/{data}/{relation}.tsv"
        conda:
            "../envs/spectral-ssl.yaml"
        threads: 1
        shell:
            "OMP_NUM_THREADS={threads} spectral-ssl relation {params.args} > {log} 2>&1"
