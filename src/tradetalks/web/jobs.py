"""The dashboard's background jobs: each solve in its own process, the server's event loop free.

A :class:`JobManager` keeps the jobs of one results folder. :meth:`JobManager.submit` writes the
job's folder (``<results>/<id>/job.json``, status ``queued``) and returns at once; a monitor
thread starts up to ``workers`` job processes at a time (:func:`tradetalks.web.worker.child_main`,
from a fork server that has the package imported, so a job starts in milliseconds), relays the
progress they report on a multiprocessing queue into the job's state, kills a job that runs past
its time limit and marks a job whose process died without a word as failed. Job states are
written to ``job.json`` as they change, so a restarted server lists the jobs it finished before.

Job ids are 16 random hexadecimal digits (:data:`JOB_ID`); nothing else names a folder. At most
``max_active`` jobs are queued or running at a time: :meth:`JobManager.submit` refuses more.

Nothing a user sends is ever unpickled. A request body is parsed as JSON and validated
(:mod:`tradetalks.web.models`) before it becomes a job; the job's process receives it from the
server (multiprocessing pickles the arguments the server itself built) and reports back on the
queue as JSON text only (:func:`tradetalks.web.worker.child_main`), which the server reads with
:func:`json.loads`; the files of a finished job are JSON, HTML, parquet, csv, xlsx and zip, served
as bytes and never loaded back except ``result.json`` (JSON) and ``job.json`` (JSON).
"""

from __future__ import annotations

import json
import logging
import multiprocessing as mp
import os
import queue
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from tradetalks.web.models import JobInfo
from tradetalks.web.worker import child_main

log = logging.getLogger(__name__)

#: A job id: 16 lowercase hexadecimal digits.
JOB_ID = re.compile(r"[0-9a-f]{16}")
#: States of a job, in order.
STATUSES = ("queued", "running", "done", "failed")
JOB_FILE = "job.json"


def valid_id(job_id: str) -> bool:
    """Whether ``job_id`` has the form of a job id (and so names a folder of the results only)."""
    return JOB_ID.fullmatch(job_id) is not None


@dataclass(frozen=True)
class Job:
    """The state of one job, as ``GET /api/jobs/{id}`` shows it."""

    id: str
    kind: str
    request: Mapping[str, Any]
    status: str = "queued"
    progress: float = 0.0
    message: str = "queued"
    error: str | None = None
    title: str = ""
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["request"] = dict(self.request)
        return out


def _context() -> Any:
    methods = mp.get_all_start_methods()
    if "forkserver" in methods:
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["tradetalks.web.worker", "tradetalks.api", "tradetalks.report"])
        return ctx
    return mp.get_context("spawn")


class JobManager:
    """Jobs of one results folder, run in background processes.

    Parameters
    ----------
    root : Path
        The results folder; each job gets ``root/<id>/``.
    workers : int
        Jobs solved at the same time (each in its own process).
    timeout_s : float
        A job still running after this many seconds is killed and marked failed.
    max_active : int, optional
        Most jobs queued or running at a time (:meth:`submit` refuses more; 0 refuses every
        job); None: no limit.
    """

    def __init__(
        self, root: Path, *, workers: int = 1, timeout_s: float = 600.0, max_active: int | None = None
    ) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.workers = workers
        self.timeout_s = timeout_s
        self.max_active = max_active
        self._lock = threading.Lock()
        self._jobs: dict[str, Job] = {}
        self._pending: deque[str] = deque()
        self._running: dict[str, tuple[Any, float]] = {}
        self._ctx: Any = None
        self._channel: Any = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._load_existing()

    # -- state -------------------------------------------------------------------------------

    def _load_existing(self) -> None:
        """Jobs of an earlier server: finished ones as they were, unfinished ones failed.

        Only a real folder of the results named by a job id is read, and only a job file that
        names that same id and is a sound :class:`~tradetalks.web.models.JobInfo` (a known kind
        and status, a progress 0-1, ...); anything else is skipped with a warning.
        """
        root = self.root.resolve()
        for f in sorted(self.root.glob(f"*/{JOB_FILE}")):
            if not valid_id(f.parent.name) or f.parent.is_symlink() or f.parent.resolve().parent != root:
                continue
            try:
                data = json.loads(f.read_text(encoding="utf-8"))
                job = Job(**data)
                JobInfo.model_validate(job.to_dict())  # what the API will show of it
                sound = job.id == f.parent.name
            except (OSError, ValueError, TypeError):
                sound = False
            if not sound:
                log.warning("ignoring unreadable job file %s", f)
                continue
            if job.status not in ("done", "failed"):
                job = replace(job, status="failed", error="the server stopped before the job finished")
                self._save(job)
            self._jobs[job.id] = job

    def _save(self, job: Job) -> None:
        folder = self.root / job.id
        folder.mkdir(exist_ok=True)
        tmp = folder / (JOB_FILE + ".tmp")
        tmp.write_text(json.dumps(job.to_dict(), indent=1), encoding="utf-8")
        os.replace(tmp, folder / JOB_FILE)

    def _update(self, job_id: str, save: bool = True, **changes: Any) -> None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or job.status in ("done", "failed"):
                return
            job = replace(job, **changes)
            self._jobs[job_id] = job
        if save:
            self._save(job)

    def get(self, job_id: str) -> Job | None:
        """The job ``job_id``, or None."""
        with self._lock:
            return self._jobs.get(job_id)

    def list(self) -> list[Job]:
        """Every job, newest first."""
        with self._lock:
            return sorted(self._jobs.values(), key=lambda j: j.created, reverse=True)

    def folder(self, job_id: str) -> Path:
        """The folder of a known job (call with a valid, known id only)."""
        return self.root / job_id

    # -- running -------------------------------------------------------------------------------

    def active(self) -> int:
        """Jobs queued or running now."""
        with self._lock:
            return sum(1 for j in self._jobs.values() if j.status in ("queued", "running"))

    def submit(self, kind: str, request: Mapping[str, Any], title: str = "") -> Job | None:
        """Queue a job (``kind`` ``run`` or ``deals``) and return it at once.

        Returns None, queuing nothing, when ``max_active`` jobs are already queued or running.
        """
        self._ensure_started()
        job_id = secrets.token_hex(8)
        job = Job(id=job_id, kind=kind, request=dict(request), title=title)
        with self._lock:
            busy = sum(1 for j in self._jobs.values() if j.status in ("queued", "running"))
            if self.max_active is not None and busy >= self.max_active:
                return None
            self._jobs[job_id] = job  # holds its place in the limit while its folder is written
        (self.root / job_id).mkdir()
        self._save(job)
        with self._lock:
            self._pending.append(job_id)
        return job

    def start(self) -> None:
        """Start the monitor thread and the fork server (on the first job at the latest; never when
        ``max_active`` is 0)."""
        self._ensure_started()

    def _ensure_started(self) -> None:
        with self._lock:
            if self._thread is not None or self.max_active == 0:  # none started, or none ever will be
                return
            self._ctx = _context()
            if self._ctx.get_start_method() == "forkserver":
                from multiprocessing import forkserver

                forkserver.ensure_running()  # its imports now, not at the first job
            self._channel = self._ctx.Queue()
            self._thread = threading.Thread(target=self._monitor, name="tradetalks-jobs", daemon=True)
            self._thread.start()

    def _monitor(self) -> None:
        while not self._stop.is_set():
            try:
                self._drain(0.05)
                self._reap()
                self._start_pending()
            except Exception:  # the monitor must outlive any one job
                log.exception("job monitor")
                time.sleep(0.5)

    def _drain(self, wait: float) -> None:
        try:
            item = self._channel.get(timeout=wait)
        except queue.Empty:
            return
        while True:
            self._handle(item)
            try:
                item = self._channel.get_nowait()
            except queue.Empty:
                return

    def _handle(self, item: Any) -> None:
        """Apply one report of a job's process: JSON text ``[job id, event, payload]``."""
        try:
            job_id, event, payload = json.loads(item)
        except (TypeError, ValueError):
            log.warning("ignoring a malformed report of a job's process: %.200r", item)
            return
        if not (isinstance(job_id, str) and valid_id(job_id)):
            return
        if event == "progress":
            fraction, message = payload
            self._update(job_id, save=False, progress=float(fraction), message=str(message))
        elif event == "done":
            self._update(
                job_id,
                status="done",
                progress=1.0,
                message="done",
                finished=time.time(),
                title=str(payload.get("title", "") if isinstance(payload, dict) else "")
                or (self.get(job_id) or Job("", "", {})).title,
            )
        elif event == "failed":
            self._update(job_id, status="failed", message="failed", error=str(payload), finished=time.time())

    def _reap(self) -> None:
        now = time.time()
        for job_id, (proc, started) in list(self._running.items()):
            if proc.is_alive():
                if now - started > self.timeout_s:
                    proc.kill()
                    proc.join(5)
                    self._update(
                        job_id,
                        status="failed",
                        message="failed",
                        error=f"the job ran past the time limit of {self.timeout_s:g} s and was stopped",
                        finished=now,
                    )
                    del self._running[job_id]
                continue
            proc.join()
            self._drain(0.2)  # its last words are flushed before it exits
            job = self.get(job_id)
            if job is not None and job.status not in ("done", "failed"):
                self._update(
                    job_id,
                    status="failed",
                    message="failed",
                    error=f"the job's process ended unexpectedly (exit code {proc.exitcode})",
                    finished=time.time(),
                )
            del self._running[job_id]

    def _start_pending(self) -> None:
        while len(self._running) < self.workers:
            with self._lock:
                if not self._pending:
                    return
                job_id = self._pending.popleft()
                job = self._jobs[job_id]
            proc = self._ctx.Process(
                target=child_main,
                args=(job_id, str(self.root / job_id), job.kind, dict(job.request), self._channel),
                name=f"tradetalks-job-{job_id}",
                daemon=True,
            )
            try:
                proc.start()
            except Exception as exc:  # a job that cannot start fails alone
                log.exception("cannot start job %s", job_id)
                self._update(
                    job_id,
                    status="failed",
                    message="failed",
                    error=f"the job's process could not start: {exc}",
                    finished=time.time(),
                )
                continue
            self._running[job_id] = (proc, time.time())
            self._update(job_id, status="running", message="starting", started=time.time())

    def close(self) -> None:
        """Stop the monitor and kill the jobs still running (they are marked failed)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        for job_id, (proc, _) in list(self._running.items()):
            if proc.is_alive():
                proc.kill()
                proc.join(5)
            self._update(
                job_id, status="failed", message="failed", error="the server stopped", finished=time.time()
            )
        self._running.clear()
        with self._lock:
            pending = list(self._pending)
            self._pending.clear()
        for job_id in pending:
            self._update(
                job_id, status="failed", message="failed", error="the server stopped", finished=time.time()
            )
