"""An output folder is written whole beside its target and moved in; what the command did not write is never
deleted, a target filled meanwhile is kept, and folders get the user's permissions."""

from __future__ import annotations

import json
import os
import stat

import pytest

from postprocess.io.output_folder import MARKER, OutputConflict, check_target, stage
from summ_pref_common.errors import DataError


def write(staged, files: dict[str, str]) -> None:
    for name, text in files.items():
        (staged.path / name).parent.mkdir(parents=True, exist_ok=True)
        (staged.path / name).write_text(text)


def contents(folder) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): p.read_text() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_written_whole_with_the_users_permissions_and_marked(tmp_path, umask_022):
    out = tmp_path / "new" / "out"
    staged = stage(out, "summ-pref report")
    assert staged.path.parent == out.parent and not out.exists()  # beside the target, nothing there yet
    write(staged, {"report.md": "r", "tables/t.csv": "t"})
    staged.commit()
    assert stat.S_IMODE(out.stat().st_mode) == 0o755 and stat.S_IMODE((out / "tables").stat().st_mode) == 0o755
    marker = json.loads((out / MARKER).read_text())
    assert marker["made_by"] == "summ-pref report" and marker["files"] == ["report.md", "tables", "tables/t.csv"]
    assert sorted(p.name for p in out.parent.iterdir()) == ["out"]  # no staging folder left


def test_force_replaces_only_the_same_commands_own_folder(tmp_path):
    out = tmp_path / "out"
    first = stage(out, "summ-pref report")
    write(first, {"report.md": "old", "figures/a.png": "a"})
    first.commit()
    with pytest.raises(DataError, match="exists and is not empty; choose another --out, or pass --force"):
        stage(out, "summ-pref report")
    with pytest.raises(DataError, match="was made by summ-pref report, not summ-pref sweep"):
        stage(out, "summ-pref sweep", force=True)
    second = stage(out, "summ-pref report", force=True)
    write(second, {"report.md": "new"})
    second.commit()
    assert contents(out) == {"report.md": "new", MARKER: (out / MARKER).read_text()}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


@pytest.mark.parametrize(("files", "message"), [
    ({"notes.txt": "mine"}, "was not made by summ-pref report"),
    ({"m/results_2026-01-01T00-00-00.000000.json": "{}"}, "is an lm-eval run folder"),
    ({"results_2026-01-01T00-00-00.000000.json": "{}"}, "is an lm-eval run folder"),
])
def test_force_refuses_a_folder_it_did_not_make(tmp_path, files, message):
    out = tmp_path / "out"
    for name, text in files.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(text)
    with pytest.raises(DataError, match=message):
        stage(out, "summ-pref report", force=True)
    assert contents(out) == files and sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_force_refuses_its_own_folder_once_it_holds_other_files(tmp_path):
    out = tmp_path / "out"
    first = stage(out, "summ-pref report")
    write(first, {"report.md": "old"})
    first.commit()
    (out / "my notes.md").write_text("keep")
    with pytest.raises(DataError, match=r"holds files summ-pref report did not write \(my notes.md\)"):
        stage(out, "summ-pref report", force=True)
    assert (out / "my notes.md").read_text() == "keep"


def test_a_symlink_or_a_file_is_refused(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real", target_is_directory=True)
    with pytest.raises(DataError, match=r"link: is a symbolic link \(to .*real\); give the folder itself"):
        check_target(tmp_path / "link", "summ-pref report", force=True)
    (tmp_path / "file").write_text("x")
    with pytest.raises(DataError, match="file: exists and is not a folder"):
        check_target(tmp_path / "file", "summ-pref report", force=True)


def test_a_file_dropped_into_the_target_meanwhile_is_kept_and_so_is_the_output(tmp_path):
    out = tmp_path / "out"
    out.mkdir()  # empty at the start: allowed
    staged = stage(out, "summ-pref report")
    write(staged, {"report.md": "r"})
    (out / "dropped.txt").write_text("someone's")
    with pytest.raises(OutputConflict, match=r"out: --out became non-empty while summ-pref report ran; it is left "
                                             r"as it is, and this output was kept in .*out\.unplaced-") as err:
        staged.commit()
    assert contents(out) == {"dropped.txt": "someone's"}
    (kept,) = (p for p in tmp_path.iterdir() if p.name.startswith("out.unplaced-"))
    assert str(kept) in str(err.value) and (kept / "report.md").read_text() == "r"


@pytest.mark.parametrize("force", [False, True])
def test_two_commands_on_one_target_one_wins_nothing_is_lost(tmp_path, force):
    """Both start while OUT is absent (or holds their own earlier output, with --force); the first to finish wins,
    the other fails with one line and keeps its output under a stated name."""
    out = tmp_path / "out"
    if force:
        earlier = stage(out, "summ-pref report")
        write(earlier, {"report.md": "earlier"})
        earlier.commit()
    a, b = stage(out, "summ-pref report", force=force), stage(out, "summ-pref report", force=force)
    write(a, {"report.md": "a"})
    write(b, {"report.md": "b"})
    b.commit()
    with pytest.raises(OutputConflict, match="while summ-pref report ran; it is left as it is") as err:
        a.commit()
    assert "\n" not in str(err.value) and (out / "report.md").read_text() == "b"
    (kept,) = (p for p in tmp_path.iterdir() if p.name.startswith("out.unplaced-"))
    assert (kept / "report.md").read_text() == "a"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["out", kept.name])
