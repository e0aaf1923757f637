"""Every code example of tapeguide, grouped by role.

- top-level modules and ``error_gallery/``, ``rosetta/``: the examples the pages show and run,
  one module per idea, most of them named after their page (README.md maps each page to the
  modules it runs; some run on several pages);
- ``claim_checks/``: the checks behind the sentences marked as claims, one module per page;
- ``tools/``: helpers a reader can take away (the shape doctor, the row-independence test,
  a stopwatch);
- ``bench/``: the benchmark harness and the report the costs pages render;
- ``support/``: what makes the site run (environment set-up, the tested range, the claims
  ledger, Markdown output).

Importing any of them has no global effect: TensorFlow is made quiet and seeded by one
explicit call, :func:`snippets.support.environment.configure`, made by the page prelude,
the test set-up and the benchmark entry point.
"""
