"""gunicorn's sync worker, woken alone for a new connection (`make run`'s default worker).

Idle sync workers wait in select() on the one listening socket they all inherit, so the
kernel wakes every one of them for each connection; one accepts it and the others find
nothing and go back to sleep. Waiting in an epoll with EPOLLEXCLUSIVE on the listener
(Linux 4.5+) wakes one idle worker per connection instead; the rest of the worker is
gunicorn's own (accept, the request, the heartbeat, signals through its pipe).
"""

from __future__ import annotations

import errno
import os
import select

from gunicorn.workers.sync import StopWaiting, SyncWorker


class ExclusiveSyncWorker(SyncWorker):
    """SyncWorker whose wait() is an exclusive epoll wait (plain select() where there is no
    EPOLLEXCLUSIVE)."""

    _epoll = None  # made in the worker, after the fork, at its first wait

    def _poller(self):
        if self._epoll is None:
            self._by_fd = {sock.fileno(): sock for sock in self.sockets}
            self._epoll = select.epoll()
            for fd in self._by_fd:
                self._epoll.register(fd, select.EPOLLIN | select.EPOLLEXCLUSIVE)
            self._epoll.register(self.PIPE[0], select.EPOLLIN)
        return self._epoll

    def wait(self, timeout):
        if not hasattr(select, "EPOLLEXCLUSIVE"):
            return super().wait(timeout)
        try:
            self.notify()
            ready = [fd for fd, _ in self._poller().poll(timeout)]
        except OSError as e:
            if e.args[0] == errno.EBADF:
                if self.nr < 0:
                    return self.sockets
                raise StopWaiting from e
            raise
        if self.PIPE[0] in ready:
            os.read(self.PIPE[0], 1)
        return [self._by_fd.get(fd, fd) for fd in ready] or None
