"""The command line ``python -m snippets.bench``: run the benchmark and write its JSON."""

if __name__ == "__main__":
    from snippets.support.environment import configure

    # Before the harness imports TensorFlow, so that its start-up lines are silenced too.
    configure()

    # The functions child processes run live in snippets.bench.harness, an importable module,
    # so the forkserver finds them; this file only starts the run.
    from snippets.bench.harness import run

    run()
