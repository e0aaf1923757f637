"""The PyTorch results of the Rosetta page, recorded by the opt-in ``rosetta_torch`` session.

``python -m snippets.rosetta.recording`` (the session's last step) runs every function of
:mod:`snippets.rosetta.torch_side` and writes ``docs/_data/rosetta-torch.json``: the
results, the versions of PyTorch, NumPy and Python, the commit, and a sha256 of the
sources that produced them (``torch_side.py`` and ``examples.py``, which holds the inputs).
The page reads that file; :func:`recorded` refuses a file whose hash no longer matches
those sources, so a stale result fails the build, and ``tests/test_rosetta.py`` fails too.
"""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
RECORDING = ROOT / "docs" / "_data" / "rosetta-torch.json"
RECORDED_SOURCES = ("snippets/rosetta/torch_side.py", "snippets/rosetta/examples.py")


class StaleRecording(RuntimeError):
    """The recorded results came from other sources than the ones in this tree."""


def source_sha256(root: Path = ROOT) -> str:
    """The sha256 of the recorded sources, each file's path and bytes in turn.

    >>> len(source_sha256())
    64
    """
    digest = hashlib.sha256()
    for name in RECORDED_SOURCES:
        digest.update(name.encode())
        digest.update((root / name).read_bytes())
    return digest.hexdigest()


def encode(value) -> dict:
    """A result as JSON: an array (complex as real and imaginary parts), ``None``, or a raised error.

    >>> encode(np.array([1 + 2j])), encode(None), encode("RuntimeError: no")
    ({'shape': [1], 'real': [1.0], 'imag': [2.0]}, {'none': True}, {'raises': 'RuntimeError: no'})
    """
    if value is None:
        return {"none": True}
    if isinstance(value, str):
        return {"raises": value}
    value = np.asarray(value)
    encoded = {"shape": list(value.shape), "real": value.real.tolist()}
    if np.iscomplexobj(value):
        encoded["imag"] = value.imag.tolist()
    return encoded


def decode(data: dict):
    """The inverse of :func:`encode`.

    >>> decode(encode(np.array([[1.5, 2.0]]))), decode({"none": True}), decode({"raises": "E: x"})
    (array([[1.5, 2. ]]), None, 'E: x')
    """
    if data.get("none"):
        return None
    if "raises" in data:
        return data["raises"]
    real = np.array(data["real"], dtype=float).reshape(data["shape"])
    return real + 1j * np.array(data["imag"]).reshape(data["shape"]) if "imag" in data else real


@dataclass(frozen=True)
class TorchRecording:
    """What ``docs/_data/rosetta-torch.json`` holds; results are keyed by function, then by call."""

    torch: str
    numpy: str
    python: str
    machine: str
    commit: str | None
    sources_committed: bool | None  # were the recorded sources, byte for byte, those of `commit`?
    source_sha256: str
    results: dict[str, dict[str, dict]]

    def to_json(self) -> str:
        """The file's text.

        >>> recording = TorchRecording("2", "2", "3.11", "x86_64", None, None, "0" * 64, {})
        >>> TorchRecording.from_json(recording.to_json()) == recording
        True
        """
        return json.dumps(asdict(self), indent=1, sort_keys=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> TorchRecording:
        """Read the file's text (see :meth:`to_json`).

        >>> TorchRecording.from_json(load_recording().to_json()).torch == load_recording().torch
        True
        """
        return cls(**json.loads(text))

    def results_of(self, function: str) -> dict:
        """One function's results, decoded: call to array, ``None`` or the error it raised.

        >>> list(load_recording().results_of("jacobian_torch"))
        ['torch.func.jacrev(f)(x)']
        """
        return {call: decode(value) for call, value in self.results[function].items()}


def _git(*args: str) -> str | None:
    try:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None


def record() -> TorchRecording:
    """Run the PyTorch side (PyTorch must be installed) and return what the JSON will hold.

    >>> import pytest; _ = pytest.importorskip("torch")
    >>> record().source_sha256 == source_sha256()
    True
    """
    import torch

    from snippets.rosetta.torch_side import record_all

    commit = _git("rev-parse", "HEAD")
    changed = _git("status", "--porcelain", "--", *RECORDED_SOURCES)
    return TorchRecording(
        torch=torch.__version__,
        numpy=np.__version__,
        python=platform.python_version(),
        machine=f"{platform.system()} {platform.machine()}",
        commit=commit.strip() if commit else None,
        sources_committed=None if changed is None else not changed.strip(),
        source_sha256=source_sha256(),
        results={
            function: {call: encode(value) for call, value in results.items()}
            for function, results in record_all().items()
        },
    )


def load_recording(path: Path = RECORDING) -> TorchRecording:
    """The committed recording, as it is (see :func:`recorded` for the checked results).

    >>> load_recording().torch >= "2.15"
    True
    """
    return TorchRecording.from_json(path.read_text(encoding="utf-8"))


def recorded(function: str, path: Path = RECORDING) -> dict:
    """The results ``torch_side.<function>`` gave when recorded; raises if its sources changed since.

    >>> recorded("unconnected_torch")["torch.autograd.grad(y, z, allow_unused=True)"] is None
    True
    """
    recording = load_recording(path)
    if recording.source_sha256 != source_sha256():
        raise StaleRecording(
            f"{path.name} was recorded from other sources than {', '.join(RECORDED_SOURCES)}: "
            "run `python3 noxfile.py -s rosetta_torch` and commit the JSON"
        )
    return recording.results_of(function)


def recording_note(path: Path = RECORDING) -> str:
    """One paragraph for the page: who recorded the PyTorch results, with which versions, from what.

    >>> "recorded by" in recording_note()
    True
    """
    recording = load_recording(path)
    commit = recording.commit[:7] if recording.commit else "an unknown commit"
    state = (
        "as committed there"
        if recording.sources_committed
        else "with the PyTorch sources as they are now, not yet committed then"
    )
    return (
        f"**PyTorch results are recorded, not run by this build.** They were recorded by "
        f"`python3 noxfile.py -s rosetta_torch` with PyTorch {recording.torch}, NumPy {recording.numpy} "
        f"and Python {recording.python} on {recording.machine}, at commit `{commit}` {state}. "
        f"The sha256 of the sources that produced them (`torch_side.py` and `examples.py`), "
        f"`{recording.source_sha256[:12]}…`, matches this tree's, or this page would not build."
    )


if __name__ == "__main__":
    from snippets.support.environment import configure

    configure()
    recording = record()
    RECORDING.write_text(recording.to_json(), encoding="utf-8")
    print(
        f"wrote {RECORDING.relative_to(ROOT)}: PyTorch {recording.torch}, {len(recording.results)} functions"
    )
