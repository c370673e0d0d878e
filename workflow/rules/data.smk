# Datasets and their augmented views, one file per data seed (docs/pipeline.md: data, views).
# ONE job per dataset (per data id for views) makes every data seed the runs read, in one
# process; a seed list needs a rule of its own (data_1, views_1, ...: outputs are expanded over
# the seeds), and each rule's wildcard admits exactly its keys.


for _i, (_seeds, _datasets) in enumerate(seed_groups(DATASET_SEEDS)):

    rule:
        """Generate one dataset and its train/test split for each of its data seeds."""
        name:
            "data" if _i == 0 else f"data_{_i}"
        wildcard_constraints:
            dataset=alternatives(_datasets),
        output:
            npz=expand("results/data/{dataset}/seed{seed}.npz", seed=_seeds, allow_missing=True),
            provenance=expand(
                "results/data/{dataset}/seed{seed}.provenance.json", seed=_seeds, allow_missing=True
            ),
        params:
            args=data_args,
        log:
            "results/logs/data/{dataset}.log",
        benchmark:
            "results/benchmarks/data/{dataset}.tsv"
        conda:
            "../envs/spectral-ssl.yaml"
        threads: 1
        shell:
            "OMP_NUM_THREADS={threads} spectral-ssl data {params.args} > {log} 2>&1"


for _i, (_seeds, _data_ids) in enumerate(seed_groups(VIEWS_SEEDS)):

    rule:
        """V augmented views of the training split (of N' source samples for `{data}` =
        `dataset-nN'`), for each of its data seeds."""
        name:
            "views" if _i == 0 else f"views_{_i}"
        wildcard_constraints:
            data=alternatives(_data_ids),
        input:
            data=lambda wc: [dataset_path(parse_data_id(wc.data)[0], s) for s in VIEWS_SEEDS[wc.data]],
        output:
            npz=expand("results/views/{data}/seed{seed}.npz", seed=_seeds, allow_missing=True),
            provenance=expand(
                "results/views/{data}/seed{seed}.provenance.json", seed=_seeds, allow_missing=True
            ),
        params:
            args=views_args,
        log:
            "results/logs/views/{data}.log",
        benchmark:
            "results/benchmarks/views/{data}.tsv"
        conda:
            "../envs/spectral-ssl.yaml"
        threads: 1
        shell:
            "OMP_NUM_THREADS={threads} spectral-ssl views {params.args} > {log} 2>&1"
