"""Every task a person or CI runs on tapeguide.

Run ``python3 noxfile.py [nox arguments]`` on a fresh machine: it installs the pinned nox
and uv into ``.nox/_bootstrap`` first (so it works where the system Python refuses global
pip installs) and then runs nox. With nox already installed, ``nox`` does the same.

    python3 noxfile.py -s docs     # build the site into build/html
    python3 noxfile.py             # every test: lint, doctests and tests, the strict build
    python3 noxfile.py -s serve    # live preview on http://127.0.0.1:8000
    python3 noxfile.py -s tests_tf -p 3.11   # the tests on every TensorFlow of the tested range
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
BOOTSTRAP_PINS = ("nox==2026.10.20", "uv==0.13.8")
BOOTSTRAP_DIR = ROOT / ".nox" / "_bootstrap"


def _bootstrap_and_run_nox() -> None:
    """Create a venv with the pinned nox and uv (once per pin change) and hand over to nox."""
    bindir = BOOTSTRAP_DIR / ("Scripts" if os.name == "nt" else "bin")
    stamp = BOOTSTRAP_DIR / "pins.txt"
    if not stamp.is_file() or stamp.read_text() != "\n".join(BOOTSTRAP_PINS):
        try:
            venv.create(BOOTSTRAP_DIR, with_pip=True, clear=True)
        except subprocess.CalledProcessError:
            sys.exit("This Python cannot make a venv with pip; on Debian or Ubuntu: apt install python3-venv")
        subprocess.run(
            [bindir / "python", "-m", "pip", "install", "--quiet", *BOOTSTRAP_PINS],
            check=True,
        )
        stamp.write_text("\n".join(BOOTSTRAP_PINS))
    # uv lives next to nox; put it on PATH so nox's "uv" backend finds it.
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}"}
    nox = [str(bindir / "python"), "-m", "nox", "--noxfile", str(ROOT / "noxfile.py")]
    sys.exit(subprocess.run([*nox, *sys.argv[1:]], env=env, check=False).returncode)


if __name__ == "__main__":
    _bootstrap_and_run_nox()

import nox  # noqa: E402  (only after the bootstrap: a fresh machine has no nox yet)

nox.needs_version = ">=2025.2"
nox.options.default_venv_backend = "uv|virtualenv"
# Reused venvs make a no-change rebuild take seconds; `install` below re-installs
# whenever the pins or the project metadata change.
nox.options.reuse_venv = "yes"
nox.options.error_on_missing_interpreters = True

CONSTRAINTS = ROOT / "constraints.txt"
BUILD_DIR = ROOT / "build"
HTML_DIR = BUILD_DIR / "html"
SPHINX_STRICT = ["-n", "-W", "--keep-going", "-c", "conf", "docs", str(HTML_DIR)]
# One worker per core (pytest-xdist): each imports TensorFlow once and runs a share of the tests
# (README, "Measured times", says what it saves).
PYTEST_PARALLEL = ["-n", "auto"]

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
# The pins of constraints.txt that `tests_tf` lets move with the TensorFlow release:
# TensorFlow, Keras and what TensorFlow pins (2.16 and 2.17 need numpy<2, ml-dtypes 0.3
# or 0.4 and protobuf<5), plus contourpy, whose pin for Python 3.12+ needs numpy 2.
MOVES_WITH_TENSORFLOW = frozenset(
    {
        "tensorflow", "tensorflow-cpu", "keras", "numpy", "ml-dtypes", "h5py", "protobuf",
        "tensorboard", "tensorboard-data-server", "wrapt", "contourpy",
    }
)  # fmt: skip


# `tests_tf` prints where those pins went before it runs the tests.
SHOW_MOVED_PINS = (
    "import importlib.metadata as m, re; "
    "print(*sorted(f'{x.name}=={x.version}' for x in m.distributions() "
    f"if re.sub('[._]', '-', x.name.lower()) in {sorted(MOVES_WITH_TENSORFLOW)}))"
)


def constraints_for_tensorflow(version: str) -> str:
    """constraints.txt without the pins that move with TensorFlow, and TensorFlow ``version``.

    TensorFlow is pinned with the markers of pyproject.toml's requirements, so the
    ``tensorflow-cpu`` wheel is used on Linux x86_64 and ``tensorflow`` elsewhere.
    """
    kept = [
        line
        for line in CONSTRAINTS.read_text().splitlines()
        if not (name := re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", line))
        or re.sub(r"[._]", "-", name.group().lower()) not in MOVES_WITH_TENSORFLOW
    ]
    for requirement in PYPROJECT["project"]["dependencies"]:
        name, _, marker = requirement.partition(";")
        if (project := re.match(r"tensorflow(-cpu)?\b", name)) and marker:
            kept.append(f"{project.group()}=={version} ;{marker}")
    return "\n".join(kept) + "\n"


def _load_module(path: Path):
    """The Python module at ``path``, imported without putting its folder on ``sys.path``."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# Both are standard-library-only modules of the package, shared with conf/conf.py and the pages.
QUIET_TENSORFLOW = _load_module(ROOT / "snippets" / "support" / "environment.py").QUIET_TENSORFLOW_ENVIRONMENT
_tested_range = _load_module(ROOT / "snippets" / "support" / "tested_range.py")
# (Python, TensorFlow) pairs for `tests_tf`: every tested release from the oldest one
# that has wheels for that Python.
TESTED_PAIRS = _tested_range.tested_pairs()


def install(session: nox.Session, *groups: str, constraints: Path = CONSTRAINTS) -> None:
    """Install the project and its dependency ``groups`` from the lock, when they changed.

    A stamp in the venv records what was installed: the constraints, the project
    metadata and the groups. An unchanged stamp skips the installer, which saves
    seconds on every rebuild.
    """
    digest = hashlib.sha256()
    for path in (constraints, ROOT / "pyproject.toml"):
        digest.update(path.read_bytes())
    digest.update(" ".join(groups).encode())
    stamp = Path(session.virtualenv.location) / "tapeguide-installed.txt"
    if stamp.is_file() and stamp.read_text() == digest.hexdigest():
        return
    group_args = [arg for group in groups for arg in ("--group", group)]
    # The machines here set PYTHONDONTWRITEBYTECODE; without compiled bytecode at install
    # time every TensorFlow import recompiles thousands of files (README, "Measured times").
    session.install(
        "-c", str(constraints), "-e", str(ROOT), *group_args,
        env={"UV_COMPILE_BYTECODE": "1", "PIP_COMPILE": "1"},
    )  # fmt: skip
    stamp.write_text(digest.hexdigest())


@nox.session(default=True)
def lint(session: nox.Session) -> None:
    """Ruff: lint and formatting."""
    install(session, "lint")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(default=True)
def tests(session: nox.Session) -> None:
    """Doctests of every snippet and page example, and the tests in tests/."""
    install(session, "test", "docs", "rosetta")
    # The Rosetta tests skip JAX only where it is absent (`tests_tf`); here it must run.
    env = {**QUIET_TENSORFLOW, "TAPEGUIDE_REQUIRE_JAX": "1"}
    session.run("pytest", *PYTEST_PARALLEL, *session.posargs, env=env)


@nox.session(default=False)
@nox.parametrize(("python", "tensorflow"), TESTED_PAIRS)
def tests_tf(session: nox.Session, tensorflow: str) -> None:
    """The tests on one TensorFlow of the tested range (pyproject's [tool.tapeguide]).

    The other pins of constraints.txt stay where the release allows; `-p 3.11` picks one Python.
    """
    constraints = Path(session.virtualenv.location) / "constraints-tensorflow.txt"
    constraints.write_text(constraints_for_tensorflow(tensorflow))
    install(session, "test", "docs", constraints=constraints)
    session.run("python", "-c", SHOW_MOVED_PINS, silent=False)
    session.run("pytest", *PYTEST_PARALLEL, *session.posargs, env=QUIET_TENSORFLOW)


@nox.session(default=True)
def docs(session: nox.Session) -> None:
    """The strict HTML build (any warning or unexpected cell error fails) into build/html."""
    install(session, "docs", "rosetta")
    jobs = ["-j", "auto"] if "-j" not in session.posargs else []
    session.run("sphinx-build", *SPHINX_STRICT, *jobs, *session.posargs, env=QUIET_TENSORFLOW)
    session.log(f"Site built: {HTML_DIR / 'index.html'}")


@nox.session(default=True)
def browser(session: nox.Session) -> None:
    """The built site in Debian's Chromium: every page light, dark and on a phone (tests/browser).

    Builds build/html first with the docs session's strict command (a no-op right after
    it), serves it on 127.0.0.1 under its sub-path and drives Chromium with Playwright.
    """
    chromium = Path(os.environ.get("TAPEGUIDE_CHROMIUM", "/usr/bin/chromium"))
    if not chromium.is_file():
        session.error(
            f"Chromium is not at {chromium}. Install Debian's package (`sudo apt-get install chromium`; "
            ".ci/run does it) or set TAPEGUIDE_CHROMIUM to a Chromium or Chrome binary."
        )
    install(session, "test", "docs", "rosetta", "browser")
    # The axe-core the tests run: npm's tarball of the pinned release, checked against its
    # sha512 (tests/browser/pinned_axe.py says which release and why); downloaded once.
    pinned_axe = _load_module(ROOT / "tests" / "browser" / "pinned_axe.py")
    try:
        axe_script = pinned_axe.fetch()
    except RuntimeError as error:
        session.error(str(error))
    session.log(f"axe-core {pinned_axe.VERSION}: {axe_script}")
    session.run("sphinx-build", *SPHINX_STRICT, "-j", "auto", env=QUIET_TENSORFLOW)
    site = {"TAPEGUIDE_SITE": str(HTML_DIR), "TAPEGUIDE_CHROMIUM": str(chromium)}
    session.run("pytest", "tests/browser", *session.posargs, env={**QUIET_TENSORFLOW, **site})


@nox.session(default=False)
def serve(session: nox.Session) -> None:
    """Live preview that rebuilds on edits to docs/, snippets/ and conf/."""
    install(session, "docs", "rosetta", "serve")
    session.run(
        "sphinx-autobuild", *SPHINX_STRICT,
        "--watch", "snippets", "--watch", "conf",
        "--ignore", str(BUILD_DIR),
        "--host", "127.0.0.1", "--port", "8000",
        *session.posargs,
        env=QUIET_TENSORFLOW,
    )  # fmt: skip


@nox.session(default=False)
def bench(session: nox.Session) -> None:
    """The full benchmark sweep behind the costs page; it writes docs/_data/benchmarks.json.

    README ("Measured times") says how long it takes. Pass `-- --quick` for tiny sizes, or
    `-- --output PATH` to write elsewhere. Commit the JSON: the costs page is built from it.
    """
    install(session)
    session.run("python", "-m", "snippets.bench", *session.posargs, env=QUIET_TENSORFLOW)


@nox.session(default=False)
def rosetta_torch(session: nox.Session) -> None:
    """The PyTorch side of the Rosetta page: its tests, then its results into docs/_data/rosetta-torch.json.

    PyPI's Linux wheel of PyTorch brings its CUDA libraries (README, "The PyTorch side of the
    Rosetta page", gives the venv's size), so no default session installs it. The JSON records
    the versions, the commit and a hash of the PyTorch snippet's source; the page renders it,
    and the default `tests` session fails once that source changes without a new recording.
    Commit the JSON.
    """
    install(session, "test", "rosetta-torch")
    # Triton, PyTorch's GPU kernel compiler, bundles its own LLVM, which aborts the process
    # ("Option 'bitcode-mdindex-threshold' registered more than once") once TensorFlow's is
    # loaded; these tests compare PyTorch with TensorFlow in one process, on the CPU, where
    # PyTorch runs without Triton.
    session.run("uv", "pip", "uninstall", "--python", session.virtualenv.location, "triton", silent=True)
    session.run(
        "pytest", "-p", "no:xdist", "tests/test_rosetta_torch.py", "snippets/rosetta/torch_side.py",
        *session.posargs, env=QUIET_TENSORFLOW,
    )  # fmt: skip
    session.run("python", "-m", "snippets.rosetta.recording", env=QUIET_TENSORFLOW)


@nox.session(venv_backend="none", default=False)
def lock(session: nox.Session) -> None:
    """Regenerate constraints.txt, the universal lock every session installs from.

    The same command as the lock's header, with uv from the bootstrap. Pass `-- --upgrade`
    to move every pin to its newest allowed release, or `-- --upgrade-package NAME`.
    """
    groups = ["test", "docs", "serve", "lint", "browser", "rosetta", "rosetta-torch"]
    session.run(
        "uv", "pip", "compile", "pyproject.toml",
        *(arg for group in groups for arg in ("--group", group)),
        "--universal", "--python-version", "3.11", "-o", "constraints.txt",
        *session.posargs,
    )  # fmt: skip


@nox.session(default=False)
def linkcheck(session: nox.Session) -> None:
    """Check every external link of the site (needs the internet: opt-in here, weekly on GitHub)."""
    install(session, "docs", "rosetta")
    session.run(
        "sphinx-build", "-b", "linkcheck", "-c", "conf", "docs", str(BUILD_DIR / "linkcheck"),
        "-D", "nb_execution_mode=off", *session.posargs,
        env=QUIET_TENSORFLOW,
    )  # fmt: skip
