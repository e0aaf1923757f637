"""What the benchmark's forkserver imports before it forks children: the methods, imported quietly.

The harness preloads this module in its forkserver, so every child starts with TensorFlow
imported and no operation run, the state its memory baseline assumes. TensorFlow writes
start-up lines straight to file descriptor 2 while it is imported; that descriptor is
silenced for the import only and restored at once. Set-up (quiet loggers, seeds) is the
child's first call, :func:`snippets.support.environment.configure`.
"""

from snippets.support.environment import native_stderr_silenced

with native_stderr_silenced():
    from snippets.bench import methods  # noqa: F401
