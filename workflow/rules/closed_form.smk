# Reference closed forms (free Z* or linear W*: the method's spectral twin) of each (data,
# relation, model, method, hyperparameters, K) that an experiment with `closed_form: true`
# trains with a free or linear model. K is in the path because two experiments may share a
# cell with different K; the JSON summary carries the twin's probe accuracy. One closed form per
# data seed (seed{seed}: the views and G it is computed on), all of a cell's seeds in one job.


# ONE job per closed-form cell solves it for every data seed the cell's runs read (start-up paid
# once per cell, not per seed); a seed list needs a rule of its own (a rule's outputs are
# expanded over its seeds), and each rule's {cell} wildcard admits exactly its cells.
for _i, (_seeds, _cells) in enumerate(closed_form_seed_sets(RUNS)):

    rule:
        """Closed-form optimum, its eigenvalues and predicted rank (+ JSON summary, twin probe)
        of one cell, for each of its data seeds."""
        name:
            "closed_form" if _i == 0 else f"closed_form_{_i}"
        wildcard_constraints:
            cell="|".join(re.escape(cell) for cell in _cells),
        input:
            unpack(closed_form_inputs),
        output:
            npz=expand(f"{CF_CELL_STEM}.npz", seed=_seeds, allow_missing=True),
            summary=expand(f"{CF_CELL_STEM}.json", seed=_seeds, allow_missing=True),
            provenance=expand(f"{CF_CELL_STEM}.provenance.json", seed=_seeds, allow_missing=True),
        params:
            args=closed_form_args,
        log:
            "results/logs/closed_form/{cell}.log",
        benchmark:
            "results/benchmarks/closed_form/{cell}.tsv"
        conda:
            "../envs/spectral-ssl.yaml"
        threads: 1
        shell:
            "OMP_NUM_THREADS={threads} spectral-ssl closed-form {params.args} > {log} 2>&1"


rule faithfulness_references:
    """C18 references on data seed {seed}'s views and G: LE, Isomap, MDS of G's geodesics and the
    spectral contrastive closed form, each scored for local and global faithfulness."""
    input:
        views="results/views/{data}/seed{seed}.npz",
        relation="results/relations/{data}/seed{seed}/{relation}.npz",
        data=dataset_of,
    output:
        json="results/faithfulness/{data}/{relation}/k{k}/seed{seed}.json",
        provenance="results/faithfulness/{data}/{relation}/k{k}/seed{seed}.provenance.json",
    params:
        args=faithfulness_args,
    log:
        "results/logs/faithfulness/{data}/{relation}/k{k}/seed{seed}.log",
    benchmark:
        "results/benchmarks/faithfulness/{data}/{relation}/k{k}/seed{seed}.tsv"
    resources:
        gpu=0,
    conda:
        "../envs/spectral-ssl.yaml"
    threads: 1
    shell:
        "OMP_NUM_THREADS={threads} MKL_NUM_THREADS={threads} spectral-ssl "
        "faithfulness-references --views {input.views} --relation {input.relation} "
        "--data {input.data} {params.args} --out {output.json} > {log} 2>&1"
