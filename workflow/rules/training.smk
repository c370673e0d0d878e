# Training: ONE job per (experiment, data, relation, model, method, hyperparameters) trains every
# seed in one process (its outputs are expanded over the seeds). Its inputs are the files of every
# data seed its seeds read (common.smk: data_seed_of); the CLI fills {seed} in per seed.


# An experiment with its own `seeds` gets a train rule of its own (train_1, ...: the outputs of
# a rule are expanded over its seeds); `train` is the rule of the top-level seeds.
for _i, (_seeds, _experiments) in enumerate(seed_sets(config)):

    rule:
        """Train one grid cell for every seed; write per seed the run folder and metrics.json."""
        name:
            "train" if _i == 0 else f"train_{_i}"
        wildcard_constraints:
            experiment="|".join(_experiments),
        input:
            unpack(train_inputs),
        output:
            embeddings=run_outputs("embeddings.npz", _seeds),
            snapshots=run_outputs("snapshots.npz", _seeds),
            model=run_outputs("model.pt", _seeds),
            losses=run_outputs("log.csv", _seeds),
            metrics=run_outputs("metrics.json", _seeds),
            provenance=run_outputs("provenance.json", _seeds),
        params:
            args=train_args,
            io=train_io,
            out_dir=lambda wc: f"{run_dir(run_of(wc))}/seed{{seed}}",  # the CLI fills in {seed}
        log:
            "results/logs/train/{experiment}/{data}/{relation}/{model}/{method}/{hparams}.log",
        benchmark:
            "results/benchmarks/train/{experiment}/{data}/{relation}/{model}/{method}/{hparams}.tsv"
        resources:
            gpu=GPU,
        conda:
            "../envs/spectral-ssl.yaml"
        threads: 1
        shell:
            "OMP_NUM_THREADS={threads} MKL_NUM_THREADS={threads} spectral-ssl train "
            "{params.io} {params.args} --out-dir '{params.out_dir}' > {log} 2>&1"
