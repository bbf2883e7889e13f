"""Output folders written whole or not at all, and never over anything the command did not write.

Why: a command's output (a report, a sweep's report, a tempered copy, the demo) is written into a staging folder
beside its target (the same filesystem, so moving it into place is one atomic rename) and moved there only when
complete. A marker file in the finished folder names the command that made it and lists every file it wrote:
--force replaces only such a folder, made by the same command and holding nothing else; an lm-eval run folder is
never replaced. What happens to the target while the command runs (a file dropped in, another command finishing
first) is never overwritten: the staged output is kept under a new, stated name and the command fails. Folders
are made with the user's permissions (mode 0777 less the umask), as `mkdir` makes them.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from summ_pref_common.errors import DataError

MARKER = ".summ-pref-output.json"


class OutputConflict(DataError):
    """The target changed while the command ran; the staged output was kept under another name."""


def listing(folder: Path, marker: str = MARKER) -> set[str]:
    """Every file and folder under `folder` (relative, '/'-separated; symlinks not followed), the marker aside."""
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")} - {marker}


def is_run_folder(folder: Path) -> bool:
    """An lm-eval --output_path or model folder: results_*.json in it or in a folder inside it."""
    return any(folder.glob("results_*.json")) or any(folder.glob("*/results_*.json"))


def read_marker(folder: Path, marker: str = MARKER) -> dict | None:
    path = folder / marker
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def owned_id(folder: Path, made_by: str, marker: str = MARKER) -> str:
    """The marker id of a folder that `made_by` wrote and that holds only what it wrote; else a DataError."""
    record = read_marker(folder, marker)
    if record is None or not isinstance(record.get("files"), list) or "id" not in record:
        raise DataError(f"folder is not empty and was not made by {made_by} (no {marker} marker listing its files); "
                        f"it is never replaced: move it away or choose another --out", path=folder)
    if record.get("made_by") != made_by:
        raise DataError(f"folder was made by {record.get('made_by')}, not {made_by}; it is never replaced: move it "
                        "away or choose another --out", path=folder)
    foreign = sorted(listing(folder, marker) - set(record["files"]))
    if foreign:
        shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        raise DataError(f"holds files {made_by} did not write ({shown}), which replacing it would delete; move them "
                        "out or choose another --out", path=folder)
    return str(record["id"])


def check_target(out: Path, made_by: str, *, force: bool, marker: str = MARKER, remedy: str | None = None
                 ) -> str | None:
    """Whether `made_by` may write OUT: the marker id of the earlier output it will replace (with --force), None
    when OUT is absent or empty; a DataError naming the reason otherwise (`remedy`: what a non-empty OUT calls for,
    where the command has no --force). Nothing is touched."""
    if out.is_symlink():
        raise DataError(f"is a symbolic link (to {os.readlink(out)}); give the folder itself", path=out)
    if out.exists() and not out.is_dir():
        raise DataError("exists and is not a folder", path=out)
    if not out.is_dir() or not any(out.iterdir()):
        return None
    if is_run_folder(out):
        raise DataError("is an lm-eval run folder (results_*.json inside); it is never replaced, with --force or "
                        "not: choose another --out", path=out)
    if not force:
        raise DataError("output folder exists and is not empty; " + (remedy or "choose another --out, or pass "
                        f"--force to replace a folder that {made_by} wrote before"), path=out)
    return owned_id(out, made_by, marker)


def make_folder(path: Path) -> Path:
    """A new folder with the user's permissions (0777 less the umask, unlike tempfile.mkdtemp's 0700)."""
    path.mkdir(mode=0o777)
    return path


def _beside(out: Path, tag: str) -> Path:
    return out.parent / f".{out.name}.{tag}-{secrets.token_hex(4)}"


@dataclass
class StagedOutput:
    """One command's output on its way to OUT: `path` is the staging folder to write into."""

    out: Path
    made_by: str
    path: Path
    previous: str | None  # the marker id of the folder OUT held at the start (None: absent or empty)
    marker: str = MARKER

    def seal(self, folder: Path, record: dict | None = None) -> None:
        """Write the marker into `folder`: who made it, a fresh id and every file and folder it holds."""
        data = {"made_by": self.made_by, "id": uuid.uuid4().hex, **(record or {}), "files": sorted(listing(folder))}
        (folder / self.marker).write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")

    def conflict(self, why: str) -> OutputConflict:
        """Keep the staged output under a new, visible name and say so."""
        kept = self.out.parent / f"{self.out.name}.unplaced-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}"
        try:
            os.rename(self.path, kept)
        except OSError:
            kept = self.path
        return OutputConflict(f"--out {why} while {self.made_by} ran; it is left as it is, and this output was "
                              f"kept in {kept}", path=self.out)

    def commit(self, record: dict | None = None, *, keep_previous: bool = False) -> Path | None:
        """Seal the staging folder and move it to OUT. The folder OUT held (this command's earlier output) is
        moved aside and deleted, or with `keep_previous` returned, for `restore` or `discard`."""
        self.seal(self.path, record)
        if self.previous is None:
            try:
                os.rename(self.path, self.out)  # onto nothing or an empty folder; a non-empty one refuses
            except OSError:
                raise self.conflict("became non-empty") from None
            return None
        aside = _beside(self.out, "previous")
        try:
            os.rename(self.out, aside)
        except OSError:
            raise self.conflict("was moved or replaced") from None
        try:
            same = owned_id(aside, self.made_by, self.marker) == self.previous
        except DataError:
            same = False
        if same:
            try:
                os.rename(self.path, self.out)
            except OSError:
                same = False
        if not same:
            try:
                os.rename(aside, self.out)  # put back what was there
            except OSError:
                raise self.conflict(f"was replaced (what it held is in {aside})") from None
            raise self.conflict("changed")
        if keep_previous:
            return aside
        shutil.rmtree(aside)
        return None

    def restore(self, aside: Path | None) -> None:
        """Undo `commit(keep_previous=True)`: OUT goes back to its staging name, the earlier output back to OUT."""
        os.rename(self.out, self.path)
        if aside is not None:
            os.rename(aside, self.out)

    def abandon(self) -> None:
        """Delete the staging folder (only this command wrote it) after a failure."""
        shutil.rmtree(self.path, ignore_errors=True)


def stage(out: Path, made_by: str, *, force: bool = False, marker: str = MARKER) -> StagedOutput:
    """Check OUT (`check_target`) and make the staging folder beside it."""
    previous = check_target(out, made_by, force=force, marker=marker)
    out.parent.mkdir(parents=True, exist_ok=True)
    return StagedOutput(out, made_by, make_folder(_beside(out, "staging")), previous, marker)
