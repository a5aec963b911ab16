"""Every bad invocation of the command line: one sentence on stderr, a non-zero exit, no traceback.

None of these may start a training run, a download or a server: each is refused
while its arguments are checked, or at the first file it touches. Outputs
(``--save``) are checked before any training, so a typo costs no waiting.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from neuronlab.cli import main

NOT_THERE = "/no/such/folder"


@pytest.fixture
def places(tmp_path: Path) -> dict[str, str]:
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"this is not a model")
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    folder = tmp_path / "folder"
    folder.mkdir()
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    return {
        "junk": str(junk),
        "text": str(text),
        "folder": str(folder),
        "locked": str(locked),
        "tmp": str(tmp_path),
    }


BAD = [
    # usage errors: argparse
    ["--bogus"],
    ["frobnicate"],
    ["serve", "--port", "abc"],
    ["serve", "--port", "99999"],
    ["serve", "--port", "-5"],
    ["serve", "--no-such-flag"],
    ["serve", "--token"],
    ["data"],
    ["data", "bogus"],
    ["data", "fetch"],
    ["data", "info"],
    ["train", "--model", "svm"],
    ["train", "--preset", "slow"],
    ["train", "--hidden", "many"],
    ["train", "--seed", "x"],
    ["train", "--multi-class", "both"],
    ["evaluate"],
    ["sweep", "--seeds", "two"],
    ["sweep", "--jobs", "x"],
    ["sweep", "--preset", "x"],
    ["figures", "--preset", "x"],
    ["notebook", "--port", "x"],
    # values the commands refuse before any work
    ["serve", "--token", "short", "--no-browser", "--port", "0"],
    ["serve", "--token", "with space in it", "--no-browser", "--port", "0"],
    ["serve", "--token", "semi;colon;token", "--no-browser", "--port", "0"],
    ["serve", "--token", 'quote"token"x', "--no-browser", "--port", "0"],
    ["serve", "--token", "euro€token", "--no-browser", "--port", "0"],
    ["serve", "--host", "no.such.host.invalid", "--no-browser", "--port", "0"],
    ["serve", "--host", "192.0.2.1", "--no-browser", "--port", "0"],
    ["data", "fetch", "bogus"],
    ["data", "info", NOT_THERE],
    ["data", "info", "{junk}"],
    ["train", "--data", NOT_THERE],
    ["train", "--data", "{text}"],
    ["train", "--classes", "1"],
    ["train", "--classes", "1,1"],
    ["train", "--classes", "a,b"],
    ["train", "--data", "embedded", "--classes", "1,12"],
    ["train", "--model", "logistic", "--hidden", "9"],
    ["train", "--hidden", "0"],
    ["train", "--hidden", "100000"],
    # outputs checked before training
    ["train", "--data", "embedded", "--save", f"{NOT_THERE}/model.npz"],
    ["train", "--data", "embedded", "--save", "{folder}"],
    ["train", "--data", "embedded", "--save", "{text}/model.npz"],
    ["evaluate", "--model", f"{NOT_THERE}/model.npz"],
    ["evaluate", "--model", "{junk}"],
    ["evaluate", "--model", "{folder}"],
    ["sweep", "--hidden", "0"],
    ["sweep", "--hidden", "a,b"],
    ["sweep", "--seeds", "0"],
    ["figures", "--data", "embedded", "--out", "{text}"],
    ["--cache-dir", "{text}", "data", "fetch", "mnist"],
]


@pytest.mark.parametrize("argv", BAD, ids=[" ".join(a)[:60] for a in BAD])
def test_a_bad_invocation_is_one_sentence(
    argv: list[str], places: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [part.format(**places) for part in argv]
    code = main(argv)
    out, err = capsys.readouterr()
    assert code != 0, out
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("neuronlab: ") and lines[0].endswith("."), err
    assert "Traceback" not in err
    assert places["tmp"] not in out


def test_the_cache_dir_before_the_command_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    default, chosen = tmp_path / "default", tmp_path / "chosen"
    monkeypatch.setenv("NEURONLAB_CACHE", str(default))
    for cache in (default, chosen):
        (cache / "mnist").mkdir(parents=True)
        (cache / "mnist" / "t10k-labels-idx1-ubyte.gz").write_bytes(b"cached")
    assert main(["--cache-dir", str(chosen), "data", "clear"]) == 0
    assert not (chosen / "mnist").exists()
    assert (default / "mnist" / "t10k-labels-idx1-ubyte.gz").exists()  # untouched
    assert str(chosen) in capsys.readouterr().out
    # After the command it works as before, and the later one wins.
    assert main(["--cache-dir", str(default), "data", "list", "--cache-dir", str(chosen)]) == 0
    assert capsys.readouterr().out.strip().endswith(str(chosen))
