# Reference closed forms (free Z* or linear W*: the method's spectral twin) of each (data,
# relation, model, method, hyperparameters, K) that an experiment with `closed_form: true`
# trains with a free or linear model. K is in the path because two experiments may share a
# cell with different K; the JSON summary carries the twin's probe accuracy. One closed form per
# data seed (seed{seed}: the views and G it is computed on).


rule closed_form:
    """Closed-form optimum, its eigenvalues and predicted rank (+ JSON summary, twin probe)."""
    input:
        views="results/views/{data}/seed{seed}.npz",
        relation="results/relations/{data}/seed{seed}/{relation}.npz",
        data=dataset_of,
    output:
        npz="results/closed_form/{data}/{relation}/{model}/{method}/{hparams}/k{k}/seed{seed}.npz",
        summary="results/closed_form/{data}/{relation}/{model}/{method}/{hparams}/k{k}/seed{seed}.json",
        provenance=(
            "results/closed_form/{data}/{relation}/{model}/{method}/{hparams}/k{k}/seed{seed}.provenance.json"
        ),
    params:
        args=closed_form_args,
    log:
        "results/logs/closed_form/{data}/{relation}/{model}/{method}/{hparams}/k{k}/seed{seed}.log",
    benchmark:
        "results/benchmarks/closed_form/{data}/{relation}/{model}/{method}/{hparams}/k{k}/seed{seed}.tsv"
    conda:
        "../envs/spectral-ssl.yaml"
    threads: 1
    shell:
        "OMP_NUM_THREADS={threads} spectral-ssl closed-form --views {input.views} "
        "--relation {input.relation} --data {input.data} {params.args} "
        "--summary {output.summary} --out {output.npz} > {log} 2>&1"


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
