"""The peak memory of single calls, each in a child forked from a fresh process that imported TensorFlow.

The benchmark's harness measures every (method, case) pair in a forkserver child; this is
the same idea for a page's own variants, which are not benchmark methods: a page names a
registry (a dict of objects with a ``build(sizes)`` method, such as
``snippets.jacobian_memory.REMEDIES``) and the variants to measure. A new Python process
(``python -m snippets.bench.peaks REQUEST``) calls :func:`~snippets.support.environment.configure`,
imports the registry, runs no operation, and forks one child per variant; each child reads
its peak with the readers of :mod:`snippets.bench.memory`. The caller's own process (a
notebook kernel) never forks.
"""

from __future__ import annotations

import importlib
import json
import multiprocessing
import multiprocessing.connection
import subprocess
import sys
import time
from pathlib import Path

from snippets.bench.memory import memory_baseline, peak_resident_bytes

ROOT = Path(__file__).resolve().parent.parent.parent

_ANSWER = "peaks: "


def peaks_in_fresh_processes(
    registry: str, names, sizes: dict, timeout_s: float = 120.0, at_once: int = 1
) -> dict:
    """Each named variant's peak memory in its first call, in a fresh process: ``{name: (bytes, shape)}``.

    ``registry`` is ``"module:attribute"``, a dict whose entries' ``build(sizes)`` builds the
    inputs and returns the call to measure. The variants run ``at_once`` at a time (a
    process's high-water mark is its own). Each child runs one tiny operation, builds its
    inputs, resets the high-water mark and calls the variant once: the peak covers tracing,
    the call and the result.

    >>> peaks = peaks_in_fresh_processes(
    ...     "snippets.jacobian_memory:REMEDIES",
    ...     ["jacobian_vector_product"],
    ...     {"batch": 4, "input_width": 16, "output_width": 16},
    ... )
    >>> peak, shape = peaks["jacobian_vector_product"]
    >>> shape, 0 <= peak < 2**30
    ((4, 16), True)
    """
    request = {
        "registry": registry,
        "names": list(names),
        "sizes": sizes,
        "timeout_s": timeout_s,
        "at_once": at_once,
    }
    completed = subprocess.run(
        [sys.executable, "-m", "snippets.bench.peaks", json.dumps(request)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30 + timeout_s * len(request["names"]),
        check=False,
    )
    lines = [line for line in completed.stdout.splitlines() if line.startswith(_ANSWER)]
    if completed.returncode != 0 or not lines:
        raise RuntimeError(f"measuring {request['names']} failed:\n{completed.stderr[-3000:]}")
    answer = json.loads(lines[-1][len(_ANSWER) :])
    return {name: (peak, tuple(shape)) for name, (peak, shape) in answer.items()}


def _registry(path: str) -> dict:
    module, _, attribute = path.partition(":")
    return getattr(importlib.import_module(module), attribute)


def _measure_child(connection, variants: dict, name: str, sizes: dict) -> None:
    """In a forked child: start TensorFlow, build the inputs, then measure one call's peak above that."""
    import tensorflow as tf  # the parent imported it (configure()); this only names the module

    try:
        tf.tanh(tf.ones([2, 2]) @ tf.ones([2, 2])).numpy()  # start the runtime before the baseline
        call = variants[name].build(sizes)
        baseline = memory_baseline()
        result = call()
        shape = tuple(result.shape)
        del result
        connection.send(("ok", (peak_resident_bytes() - baseline, shape)))
    except BaseException as error:  # the parent re-raises it with the variant named
        connection.send(("error", f"{type(error).__name__}: {error}"))
    finally:
        connection.close()


def _serve(request: dict) -> dict:
    """In the new process: fork one child per variant, ``at_once`` at a time; the peaks in the asked order."""
    variants = _registry(request["registry"])
    context = multiprocessing.get_context("fork")  # this process has imported TensorFlow and run nothing
    pending, running, found = list(request["names"]), {}, {}
    while pending or running:
        while pending and len(running) < request["at_once"]:
            name = pending.pop(0)
            receiver, sender = context.Pipe(duplex=False)
            child = context.Process(
                target=_measure_child, args=(sender, variants, name, request["sizes"]), daemon=True
            )
            child.start()
            sender.close()
            running[receiver] = (name, child, time.monotonic())
        for receiver in multiprocessing.connection.wait(list(running), timeout=1.0):
            name, child, _ = running.pop(receiver)
            try:
                kind, payload = receiver.recv()
            except EOFError:
                kind, payload = "error", "the child process died"
            child.join(5)
            receiver.close()
            if kind == "error":
                raise RuntimeError(f"{name}: {payload}")
            found[name] = payload
        for name, child, started in list(running.values()):
            if time.monotonic() - started > request["timeout_s"]:
                child.kill()
                raise RuntimeError(f"{name} did not finish in {request['timeout_s']:g} s")
    return {name: found[name] for name in request["names"]}


if __name__ == "__main__":
    # python -m snippets.bench.peaks '{"registry": "module:attribute", "names": [...], ...}':
    # what peaks_in_fresh_processes runs. configure() imports TensorFlow quietly and seeds, before
    # the registry's module imports it, so every child starts quiet and seeded.
    from snippets.support.environment import configure

    configure()
    print(_ANSWER + json.dumps(_serve(json.loads(sys.argv[1]))), flush=True)
