"""A FUSE file system with one file, status.json, whose reads never return.

The test suite mounts it to stand in for a hung NFS or Lustre mount: stat works and says
"regular file, root's, 0644", and then read() blocks forever. Runs in the foreground until
unmounted or killed. Needs Debian's python3-fusepy and /dev/fuse.
"""
import errno
import stat
import sys
import time

from fusepy import FUSE, FuseOSError, Operations


class Stalled(Operations):
    def getattr(self, path, fh=None):
        if path == "/":
            return dict(st_mode=stat.S_IFDIR | 0o755, st_nlink=2, st_uid=0, st_gid=0)
        if path == "/status.json":
            return dict(st_mode=stat.S_IFREG | 0o644, st_nlink=1, st_size=4096, st_uid=0, st_gid=0)
        raise FuseOSError(errno.ENOENT)

    def readdir(self, path, fh):
        return [".", "..", "status.json"]

    def open(self, path, flags):
        return 0

    def read(self, path, size, offset, fh):
        while True:
            time.sleep(3600)


if __name__ == "__main__":
    FUSE(Stalled(), sys.argv[1], foreground=True, nothreads=False)
