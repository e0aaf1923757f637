"""The benchmark behind the costs page: the harness that measures, and the report that reads what it wrote.

Measuring: ``python -m snippets.bench`` (:mod:`~snippets.bench.harness`) runs every method of
:mod:`~snippets.bench.methods` on every case of :mod:`~snippets.bench.cases`, in child
processes when it measures peak memory (:mod:`~snippets.bench.memory`), and writes
``docs/_data/benchmarks.json`` in the format of :mod:`~snippets.bench.schema`.
:mod:`~snippets.bench.peaks` measures one call's peak memory in a fresh child process for a
page's own variants (the out-of-memory page's remedies).

Reading (:mod:`~snippets.bench.schema`, :mod:`~snippets.bench.queries`,
:mod:`~snippets.bench.statistics` and :mod:`~snippets.bench.units` import no TensorFlow; the
modules that know the methods' roles import the registry, and with it TensorFlow):
:mod:`~snippets.bench.queries` (records, sweeps, series), :mod:`~snippets.bench.statistics`
(medians, noise, growth), :mod:`~snippets.bench.units` (how numbers print),
:mod:`~snippets.bench.tables`, :mod:`~snippets.bench.summaries`, :mod:`~snippets.bench.advice`
and :mod:`~snippets.bench.figures`; :mod:`~snippets.bench.roles` matches the JSON's method ids
with the registry's roles and colours; :mod:`~snippets.bench.memory_model` fits pfor's memory
model to the recorded peaks.
"""
