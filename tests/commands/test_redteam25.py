"""Red team 25: the system's run directories covered, trees in the system's places, secret
variables dropped offline (each test fails while its attack works).

Real gatekeep CLI runs and real bubblewrap. Some tests make files in /var, /run, /home or
/root as root (this suite's machines run as root) and remove them again."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")
root_only = pytest.mark.skipif(os.geteuid() != 0, reason="makes files in system places")

Sandbox = object

_CONNECT = """\
import socket, sys
s = socket.socket(socket.AF_UNIX)
try:
    s.connect(sys.argv[1])
    print("REACHED", s.recv(64).decode())
except OSError as error:
    print("no", error)
"""


@contextlib.contextmanager
def _service(path: Path) -> Iterator[Path]:
    """A listening Unix socket at ``path`` of a process outside the box (this one), which
    answers every connection with ``HOSTSERVICE``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    os.chmod(path, 0o777)
    server.listen(4)
    server.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                client, _ = server.accept()
            except OSError:
                continue
            with client:
                client.sendall(b"HOSTSERVICE\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield path
    finally:
        stop.set()
        thread.join(timeout=2)
        server.close()
        with contextlib.suppress(OSError):
            path.unlink()


@contextlib.contextmanager
def _fresh(path: Path) -> Iterator[Path]:
    """A directory made for the test where none was, removed after it."""
    if os.path.lexists(path):
        pytest.skip(f"{path} exists on this machine")
    path.mkdir(parents=True)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _reaches(sandbox: Sandbox, socket_path: Path, env: dict[str, str] | None = None) -> str:
    work: Path = sandbox.work  # type: ignore[attr-defined]
    (work / "conn.py").write_text(_CONNECT)
    run = sandbox.gatekeep(  # type: ignore[attr-defined]
        "run", "-c", f"python3 conn.py {socket_path}", env=env)
    return str(run.stdout + run.stderr)


# -- 1. a networked box that runs the tree's code, with the secrets ----------------------------

_KUBECONFIG = """\
apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "https://127.0.0.1:1"}
users:
- name: u
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: sh
      args: ["plugin.sh"]
      interactiveMode: Never
contexts:
- name: x
  context: {cluster: c, user: u}
current-context: x
"""


_PLUGIN = """\
printf %s "$GITHUB_TOKEN" > leaked.txt
echo '{"apiVersion": "client.authentication.k8s.io/v1beta1", "kind": "ExecCredential",'
echo ' "status": {"token": "t"}}'
"""


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="needs kubectl")
@pytest.mark.parametrize("command", ["kubectl --kubeconfig kc.yaml get pods",
                                     "kubectl get pods --kubeconfig=kc.yaml"])
def test_a_kubeconfig_in_the_tree_runs_its_exec_plugin_with_the_network_and_secrets(
        sandbox: Sandbox, command: str) -> None:
    """`kubectl get` is allowed (inspect-infrastructure) and its box gets the network
    (`boxed_network`: a `network` part, no `runs-tree-code`), so it keeps every secret
    variable. `--kubeconfig FILE` names a file the agent wrote in the tree, and a kubeconfig
    user's `exec` plugin is a command kubectl runs to get credentials: the tree's code, with
    the network and `$GITHUB_TOKEN`. Here it writes the token into the tree."""
    work: Path = sandbox.work  # type: ignore[attr-defined]
    (work / "kc.yaml").write_text(_KUBECONFIG)
    (work / "plugin.sh").write_text(_PLUGIN)
    sandbox.gatekeep("run", "-c", command,  # type: ignore[attr-defined]
                     env={"GITHUB_TOKEN": "ghp-SEKRIT-25"}, timeout=120)
    leaked = work / "leaked.txt"
    assert not (leaked.exists() and "SEKRIT-25" in leaked.read_text())


# -- 2. services' sockets in the system's other places -------------------------------------------

@root_only
@pytest.mark.parametrize("place", ["/var/lib/gssproxy/default.sock", "/var/lib/sss/pipes/nss",
                                   "/var/spool/postfix/public/showq"])
def test_a_services_socket_under_var_is_reachable(sandbox: Sandbox, place: str) -> None:
    """Only /run (and /var/run) is covered, and of /var only LXD's, Incus's, MicroK8s's and
    MySQL's places (`system.SERVICE_DIRS`). Services keep sockets in /var too: gssproxy
    (`/var/lib/gssproxy/default.sock`, Kerberos credentials on RHEL and Fedora), SSSD
    (`/var/lib/sss/pipes`), postfix (`/var/spool/postfix/public`). Run as root with no
    capabilities, the box still owns a root-owned socket: the tree's code connects."""
    with _fresh(Path(*Path(place).parts[:4])), _service(Path(place)):
        assert "REACHED" not in _reaches(sandbox, Path(place))


# -- 3. a tree in another account's home -------------------------------------------------------

@root_only
def test_another_accounts_home_is_a_writable_tree(sandbox: Sandbox) -> None:
    """`_system_place` asks about `/home` itself, "what lies in them" being others' places,
    but not a home in it: an agent run as root that `cd`s to `/home/bob` gets a box whose
    writable tree is bob's home, and appends to his `~/.bashrc` unattended (the protected
    paths are the `~` of the agent's own HOME only)."""
    with _fresh(Path("/home") / f"rt25-{uuid.uuid4().hex[:8]}") as other:
        rc = other / ".bashrc"
        rc.write_text("# bob\n")
        sandbox.gatekeep("run", "-c", "echo 'echo pwned' >> .bashrc",  # type: ignore
                         cwd=other)
        assert "pwned" not in rc.read_text()


@root_only
def test_roots_home_is_a_writable_tree_when_home_is_elsewhere(sandbox: Sandbox) -> None:
    """The home is `$HOME` (the account database only when it is unset). An agent run as
    root with another HOME (`sudo` keeping the user's, a CI runner's, this suite's) has
    `/root` as no one's home: `cd /root/.ssh` is a writable tree, and
    `authorized_keys` gets the agent's key."""
    with _fresh(Path("/root/.ssh")) as ssh:
        sandbox.gatekeep("run", "-c",  # type: ignore[attr-defined]
                         "echo ssh-ed25519 AAAA agent >> authorized_keys", cwd=ssh)
        assert not (ssh / "authorized_keys").exists()


# -- 4. temp dirs taken from the environment ---------------------------------------------------

@root_only
def test_a_tmpdir_in_a_system_place_is_written_by_every_box(sandbox: Sandbox) -> None:
    """`plan.where` takes `$TMPDIR` as it is: a temp dir is writable in every box, and
    `_system_place` lets a tree that is a temp dir or lies in one through. With TMPDIR
    naming a place in /var (`/var/lib/dpkg` would do), the tree's code writes it from a
    project anywhere."""
    with _fresh(Path("/var/lib") / f"rt25-{uuid.uuid4().hex[:8]}") as place:
        work: Path = sandbox.work  # type: ignore[attr-defined]
        (work / "w.py").write_text(
            f"open({str(place / 'info.postinst')!r}, 'w').write('evil')\n")
        sandbox.gatekeep("run", "-c", "python3 w.py",  # type: ignore[attr-defined]
                         env={"TMPDIR": str(place)})
        assert not (place / "info.postinst").exists()


@root_only
def test_a_tmpdir_of_run_uncovers_a_socket_a_tree_link_names(sandbox: Sandbox) -> None:
    """With TMPDIR=/run, /run is a writable place, so what `boundary()` keeps under the
    cover is everything "inside" it: a protected path of the tree (a nested repository's
    `.git/config`) that is a link the agent made to a service's socket in /run is bound
    read-only at its real path, and its directory is an anchor bound from the host: the
    socket connects."""
    with _fresh(Path("/run") / f"rt25-{uuid.uuid4().hex[:8]}") as place, \
            _service(place / "sock") as sock:
        work: Path = sandbox.work  # type: ignore[attr-defined]
        (work / "n" / ".git").mkdir(parents=True)
        (work / "n" / ".git" / "config").symlink_to(sock)
        assert "REACHED" not in _reaches(sandbox, sock, env={"TMPDIR": "/run"})
