"""gunicorn settings for lms: metrics that add up across workers.

    gunicorn -c python:lms.observability.gunicorn_conf --workers 4 --bind 127.0.0.1:8001 "lms:create_app()"

Each gunicorn worker is a process of its own, so a counter kept in memory would show only the
worker that happened to answer the scrape. prometheus_client's multiprocess mode keeps every
worker's counters in small files under PROMETHEUS_MULTIPROC_DIR and adds them up at scrape time.
This file points that variable at a fresh folder when it is not set (set it yourself to keep the
folder on a tmpfs such as /run/lms-metrics), empties it when gunicorn starts, and tells
prometheus_client when a worker exits. One folder per gunicorn instance: two nodes on one machine
need two folders.

Command-line flags still apply on top (workers, bind, timeouts).
"""

from __future__ import annotations

import glob
import os
import tempfile

# Read by prometheus_client when the workers import it, so it must be set here, in the master, first.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="lms-metrics-")

# lms writes its own JSON line per request; gunicorn's error log stays on stderr beside it.
accesslog = None
errorlog = "-"
# gunicorn 24+ opens a control socket at one fixed path per user (~/.gunicorn/gunicorn.ctl): two
# instances on one machine would fight over it. Set `--control-socket PATH` per instance to use it.
control_socket_disable = True


def on_starting(_server) -> None:
    """Start with empty counters: files left by an earlier run would be added to this one's."""
    folder = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    os.makedirs(folder, exist_ok=True)
    for leftover in glob.glob(os.path.join(folder, "*.db")):
        os.remove(leftover)


def child_exit(_server, worker) -> None:
    """A worker ended (restart, timeout): its live gauges go; its counters stay counted."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
