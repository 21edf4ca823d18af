"""Ending the whole job when one rank fails, instead of a hang.

An uncaught exception ends only the process that raised it; the other ranks wait in their next
collective for a partner that never comes, and the job hangs until someone kills it.  The hook
installed here prints the traceback as Python would, says which rank failed, flushes the
output, and calls ``MPI_Abort``: the launcher then ends every process and exits non-zero.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import TracebackType

from mpi4py import MPI

ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], None]

# The hook this module installed last, so that installing twice does not chain two aborts.
_installed_hook: ExceptHook | None = None


def install_abort_hook() -> None:
    """Make an uncaught exception on any rank end the whole job (``MPI_Abort``, exit status 1).

    ``create_communicator()`` calls this when the job has more than one process.  Calling it
    again does nothing.  Only uncaught exceptions of the main thread reach it; a rank that
    decides to stop should call ``comm.abort()`` rather than ``sys.exit()``.
    """
    global _installed_hook
    if _installed_hook is not None and sys.excepthook is _installed_hook:
        return
    previous = sys.excepthook

    def abort_job(
        exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        try:
            previous(exc_type, exc, tb)  # the usual traceback first
        finally:  # abort even if the previous hook fails: a hang is the one thing to avoid
            world = MPI.COMM_WORLD
            print(
                f"plugrad-mpi: rank {world.Get_rank()} of {world.Get_size()} raised "
                f"{exc_type.__name__}; aborting the whole MPI job (MPI_Abort) so that the "
                "other ranks do not wait forever",
                file=sys.stderr,
            )
            sys.stdout.flush()
            sys.stderr.flush()
            world.Abort(1)

    sys.excepthook = abort_job
    _installed_hook = abort_job


__all__ = ["install_abort_hook"]
