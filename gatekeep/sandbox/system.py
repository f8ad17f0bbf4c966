"""The system's run directories in the box: covered whole, with what programs need put back.

System services keep their Unix sockets in ``/run`` (D-Bus's system bus, containerd, podman,
libvirt, snapd, systemd's own, WSL's interop, a database): a socket with a path connects
through a read-only mount, and ``--unshare-net`` does not cover it. A list of the dangerous
ones would always miss one, so the box lays an empty read-only directory over each run
directory and puts back only what holds no socket and what programs are known to need:

- the links at its top (``/run/current-system`` and ``/run/opengl-driver`` on NixOS,
  ``/run/shm``): what a link leads to outside the run directory is in the box anyway;
- the files that a link in ``/etc`` leads to (``/etc/resolv.conf`` to
  ``/run/systemd/resolve/stub-resolv.conf``): a file is read, never connected to;
- the run's PATH directories in it (``/run/wrappers/bin``), each when it holds no socket.

The places the box writes in it (a tree on a disk mounted under ``/run/media``) are bound
after the cover, as in the hidden home.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence

# Where the system keeps its runtime state and its services' sockets.
RUN_DIRS = ("/run", "/var/run")
# Other places a service keeps a socket an account may connect to: hidden whole. LXD's and
# Incus's give root to their group; gssproxy's hands out Kerberos credentials, SSSD's and
# winbind's answer for accounts, postfix's takes mail, the kubelet's and libvirt's reach
# their containers and machines, a database's serves its tables.
SERVICE_DIRS = ("/var/lib/lxd", "/var/snap/lxd/common/lxd", "/var/lib/incus",
                "/var/snap/microk8s/common/run", "/var/lib/mysql", "/var/lib/postgresql",
                "/var/lib/gssproxy", "/var/lib/sss/pipes", "/var/lib/samba/private",
                "/var/lib/samba/winbindd_privileged", "/var/spool/postfix", "/var/lib/kubelet",
                "/var/lib/libvirt", "/var/lib/docker", "/var/lib/containerd")


def covered(run_dirs: Sequence[str]) -> list[str]:
    """The real paths of the run directories there are, each once."""
    found = (os.path.realpath(d) for d in run_dirs if d.startswith("/"))
    return [d for d in dict.fromkeys(found) if d != "/" and os.path.isdir(d)]


def put_back(dirs: Sequence[str], etc: str, tools: Sequence[str]
             ) -> list[tuple[str, str]]:
    """What comes back in the covered ``dirs``: ``(path, target)`` for a link made again,
    ``(path, "")`` for a file or directory bound back read-only."""
    out: dict[str, str] = {}
    for directory in dirs:
        for entry in _entries(directory):
            if entry.is_symlink() and _target(entry.path):
                out[entry.path] = _target(entry.path)
    for entry in _entries(etc) if etc else []:
        if entry.is_symlink() and "run" in _target(entry.path):  # else not worth a realpath:
            real = os.path.realpath(entry.path)                   # one missed stays covered
            if _inside(real, dirs) and is_regular(real):
                out[real] = ""
    for tool in (t for t in tools if "run" in t):  # as above
        real = os.path.realpath(tool)
        if _inside(real, dirs) and real not in dirs and os.path.isdir(real) \
                and not _holds_socket(real):
            out[real] = ""
    return list(out.items())


def _entries(directory: str) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(directory) as entries:
            return list(entries)
    except OSError:
        return []


def _target(link: str) -> str:
    try:
        return os.readlink(link)
    except OSError:
        return ""


def _inside(path: str, dirs: Sequence[str]) -> bool:
    return any(path.startswith(d.rstrip("/") + "/") for d in dirs)


def is_regular(path: str) -> bool:
    """Whether ``path`` is (or leads to) a regular file."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def _holds_socket(directory: str) -> bool:
    """Whether an entry of ``directory`` is a socket or may hold one (a directory), or cannot
    be told from one (a directory that cannot be listed). A link is followed in the box,
    where what it leads to in the covered directories is not there."""
    try:
        with os.scandir(directory) as listing:
            entries = list(listing)
    except OSError:
        return True
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            return True
        if entry.is_file(follow_symlinks=False) or entry.is_symlink():
            continue  # known from the directory read
        try:
            if not stat.S_ISREG(entry.stat(follow_symlinks=False).st_mode):
                return True
        except OSError:
            return True
    return False
