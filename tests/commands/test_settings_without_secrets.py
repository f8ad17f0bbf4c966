"""The operator's ``~/.npmrc`` is shown in the box without its credentials
(``sandbox_paths.without_secrets``).

Hidden whole, it took npm's mirror, ``nodedir`` and ``update-notifier`` with it from every box.
A copy without the lines that hold a credential is bound in its place; a box with the network
for npm (``environment.credentials`` names the file) is shown the file itself, as it keeps the
variables the file names. A file the agent could have written is shown in neither form.

The sandboxes are outside the temp dirs (``apart``), where an operator's home is: one in a
temp dir is a place every box writes, whose files are shown in neither form.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from gatekeep.errors import PolicyError
from gatekeep.policy.load import load_policy
from gatekeep.sandbox.settings import stripped

Sandbox = Any  # the fixture's class lives in conftest.py, which test modules cannot import
pytestmark = pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")

SECRETS = ("TOKEN", "SECRET", "PASSWORD", "KEY", "_AUTH", "AUTHTOKEN")
SETTINGS = ("fund=false\nupdate-notifier=false\nregistry=https://mirror.example/npm/\n"
            "@corp:registry=https://npm.corp.example/\n; a comment\n[section]\n")
CREDENTIALS = ("//mirror.example/npm/:_authToken=${NPM_TOKEN}\n_auth=c2VjcmV0\n"
               "_authToken = npm_literal\nemail-password=x\nproxy=http://u:p@proxy:3128\n"
               "always-auth=${CORP_SECRET}\nusername=me\nKEYFILE=/k.pem\n")
SHOW = "show.sh"  # the tree's code: `bash show.sh` is allowed, and runs offline


def test_the_lines_that_hold_a_credential_are_left_out() -> None:
    mixed = "".join(a + b for a, b in zip(SETTINGS.splitlines(keepends=True),
                                          CREDENTIALS.splitlines(keepends=True)))
    assert stripped(mixed, SECRETS) == SETTINGS
    assert stripped("cache=${HOME}/.npm-cache\nnodedir=/usr\n", SECRETS) == \
        "cache=${HOME}/.npm-cache\nnodedir=/usr\n"


def npmrc(sandbox: Sandbox, text: str) -> Path:
    path = sandbox.home / ".npmrc"
    path.write_text(text)
    (sandbox.work / SHOW).write_text("cat ~/.npmrc\n")
    return path


def test_an_offline_box_sees_the_settings_but_not_the_credentials(apart: Sandbox) -> None:
    npmrc(apart, SETTINGS + CREDENTIALS)
    result = apart.gatekeep("run", "-c", f"bash {SHOW}")
    assert (result.returncode, result.stdout) == (0, SETTINGS), result.stderr
    # an edited file is shown as it is now, reused decision or not
    npmrc(apart, "fund=true\n_authToken=again\n")
    again = apart.gatekeep("run", "-c", f"bash {SHOW}")
    assert (again.returncode, again.stdout) == (0, "fund=true\n"), again.stderr


def test_the_box_cannot_change_the_copy(apart: Sandbox) -> None:
    npmrc(apart, SETTINGS)
    (apart.work / "write.sh").write_text("echo registry=https://evil.example/ >> ~/.npmrc\n")
    result = apart.gatekeep("run", "-c", "bash write.sh")
    assert result.returncode != 0
    assert apart.gatekeep("run", "-c", f"bash {SHOW}").stdout == SETTINGS


def test_check_says_which_files_are_shown_without_their_credentials(apart: Sandbox) -> None:
    npmrc(apart, SETTINGS + CREDENTIALS)
    place = str(apart.home / ".npmrc")
    text = apart.gatekeep("check", "-c", f"bash {SHOW}").stdout
    assert f"  shown without their credentials: {place}\n" in text
    document = json.loads(apart.gatekeep("check", "--json", "-c", f"bash {SHOW}").stdout)
    assert document["boundary"]["without_secrets"] == [place]


def test_a_box_with_the_network_for_npm_is_shown_the_file_itself(apart: Sandbox) -> None:
    npmrc(apart, SETTINGS + CREDENTIALS)
    (apart.work / "package.json").write_text('{"name": "x", "version": "1.0.0"}\n')
    (apart.work / "package-lock.json").write_text(json.dumps(
        {"name": "x", "version": "1.0.0", "lockfileVersion": 3, "requires": True,
         "packages": {"": {"name": "x", "version": "1.0.0"}}}))
    document = json.loads(apart.gatekeep("check", "--json", "-c", "npm ci").stdout)
    boundary = document["boundary"]
    assert document["decision"] == "allow" and boundary["network"] is True
    assert boundary["without_secrets"] == []
    assert str(apart.home / ".npmrc") in boundary["home"]["shown"]


@pytest.mark.parametrize("where", ["tree", "temp"])
def test_a_settings_file_the_agent_could_write_is_not_shown(apart: Sandbox,
                                                            where: str) -> None:
    planted = (apart.work if where == "tree" else apart.root / "tmp") / "npmrc"
    planted.parent.mkdir(exist_ok=True)
    planted.write_text("registry=https://evil.example/\n")
    (apart.home / ".npmrc").symlink_to(planted)
    (apart.work / SHOW).write_text("cat ~/.npmrc\n")
    result = apart.gatekeep("run", "-c", f"bash {SHOW}", env={"TMPDIR": str(planted.parent)})
    assert "evil" not in result.stdout
    assert result.returncode != 0  # hidden: there is no such file in the box


def test_a_file_too_large_to_be_settings_stays_hidden(apart: Sandbox) -> None:
    npmrc(apart, "fund=false\n" + "; padding\n" * 30_000)
    result = apart.gatekeep("run", "-c", f"bash {SHOW}")
    assert result.returncode != 0 and result.stdout == ""


def test_a_settings_file_is_named_as_a_file_in_the_home(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("gatekeep: 1\nsandbox_paths:\n  without_secrets: [/etc/npmrc]\n")
    with pytest.raises(PolicyError, match="a file in the home directory"):
        load_policy(path)


def test_a_box_with_the_network_for_gh_is_shown_its_login(apart: Sandbox) -> None:
    """`gh auth login` without a keyring keeps the token in hosts.yml, which gh's
    credentials name (as GH_TOKEN, which its box keeps): shown to gh's box, and to no other."""
    hosts = apart.home / ".config" / "gh" / "hosts.yml"
    hosts.parent.mkdir(parents=True)
    hosts.write_text("github.com:\n    oauth_token: gho_planted\n")
    bin_dir = apart.root / "bin"  # a gh of the system's (outside the tree and temp dirs)
    bin_dir.mkdir()
    (bin_dir / "gh").write_text("#!/bin/sh\n")
    (bin_dir / "gh").chmod(0o755)
    path = {"PATH": f"{bin_dir}:{os.environ.get('PATH', '/usr/bin:/bin')}"}
    shown = json.loads(apart.gatekeep("check", "--json", "-c", "gh pr list", env=path).stdout)
    assert shown["decision"] == "allow" and shown["boundary"]["network"] is True
    assert str(hosts) in shown["boundary"]["home"]["shown"]
    for offline in ("ls", f"bash {SHOW}"):
        document = json.loads(apart.gatekeep("check", "--json", "-c", offline).stdout)
        assert str(hosts) not in document["boundary"]["home"]["shown"], offline


def test_pip_settings_in_a_shown_directory_are_shown_without_a_password(apart: Sandbox) -> None:
    """~/.config/pip is shown (pip's settings); its pip.conf is a protected read (an index
    URL may hold a password) and is shown without the lines that hold one."""
    conf = apart.home / ".config" / "pip" / "pip.conf"
    conf.parent.mkdir(parents=True)
    conf.write_text("[global]\nindex-url = https://me:s3cret@pypi.corp.example/simple\n"
                    "timeout = 60\n")
    (apart.work / SHOW).write_text("cat ~/.config/pip/pip.conf\n")
    result = apart.gatekeep("run", "-c", f"bash {SHOW}")
    assert (result.returncode, result.stdout) == (0, "[global]\ntimeout = 60\n"), result.stderr
    asked = json.loads(apart.gatekeep("check", "--json", "-c", "cat ~/.config/pip/pip.conf").stdout)
    assert asked["decision"] == "ask"


def test_every_file_of_credentials_is_a_protected_read(apart: Sandbox) -> None:
    """A box with the network is shown the files its programs' credentials name, whole; a
    part beside it that reads one (`pnpm install; cat ~/.config/pnpm/rc`) must be asked."""
    from gatekeep.policy.load import load_knowledge_default

    files = sorted({entry for entries in load_knowledge_default(None).credentials.values()
                    for entry in entries if entry.startswith("~/")})
    assert "~/.config/pnpm/rc" in files and "~/.config/gh/hosts.yml" in files
    for name in files:
        path = apart.home / name[2:]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("token = x\n")
        document = json.loads(apart.gatekeep("check", "--json", "-c", f"cat {name}").stdout)
        rules = [r for s in document["segments"] for r in s.get("rules", [])]
        assert document["decision"] == "ask" and "protect.read" in rules, (name, document)


def test_a_settings_file_that_is_a_fifo_holds_no_run(apart: Sandbox) -> None:
    """A FIFO at ~/.npmrc would hold whoever opens it: it is no settings file, and the run
    goes on without it."""
    os.mkfifo(apart.home / ".npmrc")
    (apart.work / SHOW).write_text("test -e ~/.npmrc && echo shown || echo hidden\n")
    result = apart.gatekeep("run", "-c", f"bash {SHOW}", timeout=30)
    assert (result.returncode, result.stdout) == (0, "hidden\n"), result.stderr
