"""``gatekeep doctor``: check the set-up, one line per check, with a fix for each failure."""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import NamedTuple, TextIO

from gatekeep.commands.install import executable_path, unstartable
from gatekeep.exitcodes import ExitStatus
from gatekeep.hooks.agents import AGENTS
from gatekeep.hooks.settings import TARGETS, Target, is_ours, settings_file
from gatekeep.runtime.locations import Locations
from gatekeep.sandbox import bwrap
from gatekeep.sandbox.spec import BWRAP

TYPE_CHECKING = False
if TYPE_CHECKING:
    from gatekeep.policy.model import Policy
    from gatekeep.sandbox.spec import Spec


TRIAL_TIMEOUT = 30  # seconds: a trial box still running then ends doctor with exit 70


class Finding(NamedTuple):
    status: str  # ok | FAIL | note
    what: str
    fix: str = ""


def doctor(*, env: Mapping[str, str], cwd: Path, locations: Locations, stdout: TextIO) -> int:
    with _Trial.start(BWRAP) as early:  # the box starts while the policy loads, on the other core
        loaded = _load(env, cwd, locations)  # once: the policy check and the boundary's share it
        checks: list[Callable[[], list[Finding]]] = [
            lambda: _policy(loaded), lambda: _audit_log(locations),
            _prompt, lambda: _boundary(loaded, env, early), lambda: _resident(env, locations),
            lambda: _hooks(env, cwd), lambda: _loaders(env, cwd), lambda: _search_path(env, cwd),
            lambda: _programs(env, cwd)]
        findings = [finding for check in checks for finding in check()]
    for finding in findings:
        stdout.write(f"{finding.status:<4}  {finding.what}\n")
        if finding.fix:
            stdout.write(f"      fix: {finding.fix}\n")
    return ExitStatus.FAILED if any(f.status == "FAIL" for f in findings) else ExitStatus.OK


def _load(env: Mapping[str, str], cwd: Path, locations: Locations) -> list[Policy] | str:
    """The policies ``run`` would use (``gatekeep.core.inputs.run_policies`` without a
    ``--policy``), or why they do not load; without the engine, which doctor does not use."""
    from gatekeep.errors import PolicyError
    from gatekeep.policy.select import load_run_policies

    try:
        return load_run_policies(locations, cwd, None, env.get("GATEKEEP_POLICY"))
    except PolicyError as error:
        return str(error)


def _policy(loaded: list[Policy] | str) -> list[Finding]:
    if isinstance(loaded, str):
        return [Finding("FAIL", f"policy: {loaded}",
                        "correct the file (gatekeep lint FILE shows every error); until then "
                        "gatekeep runs nothing")]
    names = ", ".join(p.name for p in loaded)
    return [Finding("ok", f"policy loads: {names}")]


def _boundary(loaded: list[Policy] | str, env: Mapping[str, str],
              early: _Trial) -> list[Finding]:
    """Which mechanism boxes allowed commands here, proven by starting one box."""
    from gatekeep.errors import PolicyError
    from gatekeep.sandbox.policy import spec_for

    if isinstance(loaded, str):
        return []  # the policy check above says why
    policies = loaded
    try:
        spec = spec_for(policies)
    except PolicyError:
        return []  # the policy check above says why
    if spec.mode == "off":
        return [Finding("note", "boundary: off (sandbox: off in the policy): allowed commands "
                        "run without one", "set sandbox: preferred in the operator's policy")]
    why = bwrap.cannot_box(spec.bwrap)
    program = bwrap.find(spec.bwrap)
    if why is None and program is not None:
        trial = early.outcome(program)
        if trial.returncode == 0:
            return [Finding("ok", f"boundary: bubblewrap ({program}), sandbox: {spec.mode}; "
                            "gatekeep check -c CMD shows what a command's box holds"),
                    *_filter(), *_caches(policies[0], spec, env)]
        return [Finding("FAIL", f"boundary: {program} cannot start a box here: "
                        f"{trial.stderr.strip() or trial.returncode}; every allowed command "
                        "is asked instead", "make bubblewrap work here (user namespaces), or "
                        "set sandbox: off to run allowed commands without a box")]
    if spec.mode == "required":
        return [Finding("FAIL", f"boundary: {why}; with sandbox: required every allowed "
                        "command is asked", "install bubblewrap (Debian: apt-get install "
                        "bubblewrap) or allow user namespaces")]
    return [Finding("note", f"boundary: {why}; allowed commands run without one, with a "
                    "warning", "install bubblewrap (Debian: apt-get install bubblewrap)")]


class _Trial:
    """One box of a fixed harmless command, started on bubblewrap's usual places before the
    policy is known, so that bwrap's start overlaps loading the policy. Its outcome answers
    only for the bwrap the policy then names, found trustworthy again at that moment; any other
    is started then, as the only one. An unused trial is killed when doctor ends."""

    def __init__(self, program: str | None, process: subprocess.Popen[str] | None) -> None:
        self.program, self.process = program, process
        self.deadline = time.monotonic() + TRIAL_TIMEOUT

    @classmethod
    def start(cls, candidates: tuple[str, ...]) -> _Trial:
        program = bwrap.find(candidates) if bwrap.cannot_box(candidates) is None else None
        if program is None:
            return cls(None, None)
        try:
            return cls(program, _trial(program))
        except OSError:
            return cls(None, None)  # tried again if needed, where its error shows as before

    def outcome(self, program: str) -> subprocess.CompletedProcess[str]:
        process = self.process
        deadline = self.deadline
        if process is None or program != self.program:
            process, deadline = _trial(program), time.monotonic() + TRIAL_TIMEOUT
        with process if process is not self.process else contextlib.nullcontext():
            return self._ended(process, deadline)

    @staticmethod
    def _ended(process: subprocess.Popen[str], deadline: float
               ) -> subprocess.CompletedProcess[str]:
        try:
            stdout, stderr = process.communicate(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:  # as subprocess.run reports it
            process.kill()
            process.wait()
            raise subprocess.TimeoutExpired(process.args, TRIAL_TIMEOUT) from None
        return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)

    def __enter__(self) -> _Trial:
        return self

    def __exit__(self, *_: object) -> None:
        if self.process is None:
            return
        if self.process.returncode is None:
            self.process.kill()  # not asked for: no box, another bwrap, or an error on the way
        with self.process:  # closes its pipes, reaps it
            pass


def _trial(program: str) -> subprocess.Popen[str]:
    """The trial box started, with the real boxes' system-call filter (a kernel without
    seccomp fails here as every box would)."""
    from gatekeep.sandbox import seccomp

    calls = seccomp.descriptor()
    try:
        return subprocess.Popen(  # noqa: S603 - as _trial_argv says
            _trial_argv(program, calls), pass_fds=(calls,) if calls >= 0 else (),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    finally:
        if calls >= 0:
            os.close(calls)


def _trial_argv(program: str, calls: int = -1) -> list[str]:
    """A root-owned bwrap (``bwrap.find``) running ``true`` in a box like the real ones;
    ``calls``: the descriptor of its system-call filter, or -1."""
    return [program, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
            "--unshare-net", "--unshare-pid", "--die-with-parent",
            *(["--seccomp", str(calls)] if calls >= 0 else []), "--", "true"]


def _filter() -> list[Finding]:
    """Whether the box's system-call filter (no new Unix socket) exists for this machine."""
    from gatekeep.sandbox import seccomp

    if seccomp.supported():
        return []
    return [Finding("note", f"boundary: no system-call filter for this machine "
                    f"({os.uname().machine}): a boxed command can connect to a Unix socket "
                    "of another process in a place no list hides",
                    "run gatekeep on x86_64, arm64, riscv64 or loongarch64 for the filter")]


def _caches(operator: Policy, spec: Spec, env: Mapping[str, str]) -> list[Finding]:
    """What the box does with the toolchains' caches (README, "The boundary")."""
    from gatekeep.sandbox import plan
    from gatekeep.sandbox.policy import cache_owners

    found = []
    if operator.sandbox_writable:
        caches = [f"{cache} ({', '.join(owners) or 'any download'})"
                  for cache, owners in cache_owners(operator).items()]
        found.append(Finding("note", "boundary: download caches, read-only in the box and "
                             "written only by a download of their owners: " + ", ".join(caches)))
    if spec.separate:
        root = plan.where(env, "/", ("", ""), spec).separate_root
        where = f"under {root}" if root else "nowhere (XDG_CACHE_HOME is not absolute)"
        found.append(Finding("note", f"boundary: build caches kept apart ("
                             f"{', '.join(spec.separate)}): the box writes its own copies "
                             f"{where}"))
    return found


def _audit_log(locations: Locations) -> list[Finding]:
    directory = locations.state_dir
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        with tempfile.TemporaryFile(dir=directory):
            pass
    except OSError as error:
        return [Finding("FAIL", f"audit log: cannot write in {directory}: {error.strerror}",
                        f"make {directory} writable for this user")]
    return [Finding("ok", f"audit log: {locations.audit_log}")]


def _prompt() -> list[Finding]:
    try:
        os.close(os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY))
    except OSError:
        return [Finding("note", "prompt: no terminal here; questions go to the approvals queue "
                        "if the policy says prompt: {no_tty: queue} (answer them with gatekeep "
                        "approvals watch), else they are refused")]
    return [Finding("ok", "prompt: questions can be asked on this terminal (/dev/tty)")]


def _resident(env: Mapping[str, str], locations: Locations) -> list[Finding]:
    from gatekeep.commands.resident import running
    from gatekeep.runtime import resident

    if env.get(resident.ENV) == "0":
        return [Finding("note", f"resident judge: not asked ({resident.ENV}=0)")]
    pid = running(str(locations.state_dir))
    if pid is None:
        return [Finding("note", "resident judge: none runs; each fresh decision loads gatekeep "
                        "anew (start one with gatekeep resident, or set "
                        f"{resident.ENV}=1 to start one when a call finds none)")]
    return [Finding("ok", f"resident judge: running (pid {pid}); fresh check, run and hook "
                    "calls with this interpreter and environment are judged by it")]


def _hooks(env: Mapping[str, str], cwd: Path) -> list[Finding]:
    findings = []
    for target in TARGETS.values():
        places = [None] + ([str(cwd)] if target.project_file else [])
        for project in places:
            path = Path(settings_file(target, env, project))
            if path.exists():
                findings.extend(_hook(target, path, env))
    if not findings:
        return [Finding("note", "hooks: no agent settings with gatekeep's hook found; "
                        "see gatekeep install AGENT")]
    return findings + _switched_off(env, cwd)


def _hook(target: Target, path: Path, env: Mapping[str, str]) -> list[Finding]:
    try:
        settings = json.loads(path.read_text(encoding="utf-8"))
        groups = settings.get("hooks", {}).get(target.event, [])
        # a group under another matcher never sees the shell tool: its entries do not count
        entries = [e for g in groups for e in (
            [g] if target.matcher is None else
            g.get("hooks", []) if g.get("matcher") == target.matcher else [])]
    except (OSError, ValueError, AttributeError, TypeError) as error:
        return [Finding("FAIL", f"{target.agent}: cannot read {path}: {error}",
                        "make it plain JSON in the agent's documented shape")]
    mine = [e["command"] for e in entries if is_ours(e, target.agent)]
    if not mine:
        tool = target.matcher or "the shell"
        return [Finding("note", f"{target.agent}: no gatekeep hook for {tool} in {path}",
                        f"gatekeep install {target.agent}")]
    named = shlex.split(mine[0])[0]
    program = _on_path(named, env)
    if program is None or not os.access(program, os.X_OK):
        return [Finding("FAIL", f"{target.agent}: the hook in {path} runs {named}, which "
                        "is not an executable: the agent fails open",
                        f"gatekeep install {target.agent}")]
    this = _on_path(executable_path(), env) or executable_path()
    if os.sep not in this or os.path.realpath(program) != os.path.realpath(this):
        return [Finding("FAIL", f"{target.agent}: the hook in {path} runs {program}, not this "
                        f"gatekeep ({this})", f"gatekeep install {target.agent}")]
    reason = unstartable(this)  # started only once it is known to be this gatekeep
    if reason is not None:
        return [Finding("FAIL", f"{target.agent}: the hook in {path} runs {program}, which "
                        f"the agent cannot start: it fails open. {reason}",
                        "reinstall gatekeep where it can be started, then "
                        f"gatekeep install {target.agent}")]
    findings = [Finding("ok", f"{target.agent}: gatekeep's hook is in {path}")]
    if target.agent == "codex":
        findings.append(Finding("note", "codex: Codex skips a hook it has not been told to "
                                "trust, silently; make sure you trusted it (run codex once and "
                                "review its hooks). Its write_stdin tool types into a running "
                                "program (a pager's or editor's shell escape) without a hook "
                                "call"))
    if AGENTS[target.agent].rewrites:
        findings.append(Finding("ok", f"{target.agent}: allowed commands are rewritten to run "
                                "through gatekeep run, inside the boundary; commands the "
                                "operator approves run as the agent sends them"))
    else:
        findings.append(Finding("note", f"{target.agent}: the hook enforces gatekeep's "
                                "decisions, not the boundary: the agent runs allowed commands "
                                "itself (gatekeep-sh or gatekeep mcp give both)"))
    return findings


def _loaders(env: Mapping[str, str], cwd: Path) -> list[Finding]:
    """Variables that make programs load code from a place the agent writes (the working
    tree, a temp dir): gatekeep's own interpreter and every program the operator starts
    there load it before anything is judged, outside any box (a ``src/sitecustomize.py``
    through ``PYTHONPATH``, a library through ``LD_LIBRARY_PATH``)."""
    from gatekeep.sandbox.places import under_any
    from gatekeep.text import visible

    places = _agents_places(env, cwd)

    found = []
    for name in ("PYTHONPATH", "LD_LIBRARY_PATH", "LD_PRELOAD", "NODE_PATH", "PERL5LIB",
                 "RUBYLIB"):
        if name not in env:
            continue
        named = [e or "(the working directory)" for e in env[name].replace(" ", ":").split(":")
                 if not os.path.isabs(e) or under_any(os.path.realpath(e), places)]
        if named:
            found.append(Finding("FAIL", f"{name} names {visible(', '.join(named))}, where the "
                                 "agent writes: gatekeep itself and every program started here "
                                 "load code from it, outside any box",
                                 f"set {name} without it before starting the agent"))
    return found


def _search_path(env: Mapping[str, str], cwd: Path) -> list[Finding]:
    """PATH entries where the agent writes (an activated `.venv/bin`, direnv's `PATH_add
    bin`), or relative ones: a boxed run may put a `git`, `ssh` or `sudo` there, which the
    operator's own shell then runs, outside any box, before the system's. gatekeep itself
    judges each program by the file it is; the operator's shell does not."""
    from gatekeep.sandbox.places import under_any
    from gatekeep.text import visible

    places = _agents_places(env, cwd)
    named = [e or "(the working directory)" for e in env.get("PATH", "").split(":")
             if not os.path.isabs(e) or under_any(os.path.realpath(e), places)]
    if not named:
        return []
    return [Finding("WARN", f"PATH names {visible(', '.join(dict.fromkeys(named)))}, where the "
                    "agent writes: a program a boxed run puts there (git, ssh, sudo) runs in "
                    "your shell, outside any box, before the system's",
                    "start the agent from a shell whose PATH does not name the tree or a "
                    "temp dir (deactivate the project's virtualenv first)")]


# Variables that name a program, or a settings file that names one, which the operator's own
# tools run or obey (git, ssh, npm, uv, go, the shell): one in a place the agent writes runs
# the agent's code outside any box (a box with the network goes without them:
# bwrap.written_named; each read as sandbox.values reads its kind).
PROGRAM_ENV = ("GIT_SSH_COMMAND", "GIT_SSH", "GIT_ASKPASS", "SSH_ASKPASS", "GIT_PROXY_COMMAND",
               "GIT_EXTERNAL_DIFF", "GIT_EDITOR", "GIT_SEQUENCE_EDITOR", "GIT_PAGER", "EDITOR",
               "VISUAL", "PAGER", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM",
               "npm_config_userconfig", "NPM_CONFIG_USERCONFIG", "npm_config_globalconfig",
               "NPM_CONFIG_GLOBALCONFIG", "YARN_CONFIG", "YARN_RC_FILENAME", "UV_CONFIG_FILE",
               "GOENV", "CARGO_HOME", "BASH_ENV", "ENV")


def _programs(env: Mapping[str, str], cwd: Path) -> list[Finding]:
    """Variables and git settings of the operator's that name a program or a settings file
    in a place the agent writes (``PROGRAM_ENV``, ``gitdirs.PROGRAM_KEYS``): the operator's
    own ``git push`` or shell runs what the agent wrote there, outside any box."""
    from gatekeep.sandbox import gitdirs, values
    from gatekeep.sandbox.places import under_any
    from gatekeep.sandbox.plan import git_configs
    from gatekeep.text import visible

    places = _agents_places(env, cwd)  # the tree's first
    home = env.get("HOME", "")
    cwds = list(dict.fromkeys((str(cwd), places[0])))

    def agents(value: str, how: str) -> bool:
        value = values.expanded(value, {**env, "PWD": str(cwd)}, home)
        return any(under_any(os.path.realpath(place), places)
                   for place in [*values.mentioned(value, places[:1]),
                                 *values.value_places(value, cwds, how)])

    named = [(name, env[name]) for name in PROGRAM_ENV
             if name in env and agents(env[name], values.kind(name))]
    try:
        configs = gitdirs.operator_settings(git_configs(env, home), home)[0]
    except OSError:
        configs = []  # too large to read: the boundary check says so
    named += [(f"{key} (in {config})", value) for config, key, value in gitdirs.programs(configs)
              if agents(value, "")]
    return [Finding("FAIL", f"{visible(name)} names {visible(value)}, where the agent writes: "
                    "what the operator's own tools run there is the agent's, outside any box",
                    "point it at a file outside the working tree and the temp dirs")
            for name, value in named]


def _agents_places(env: Mapping[str, str], cwd: Path) -> list[str]:
    """Where the agent writes, as real paths: the working tree (first) and the temp dirs."""
    from gatekeep.sandbox.boundary import work_tree
    from gatekeep.sandbox.places import TEMP_DIRS

    return [os.path.realpath(p) for p in (work_tree(str(cwd)), *TEMP_DIRS,
                                          env.get("TMPDIR", TEMP_DIRS[0]))]


def _on_path(name: str, env: Mapping[str, str]) -> str | None:
    """A hook's program as it is found: a path as it is, a bare name on PATH's absolute
    entries (never the working directory, which a project chooses)."""
    if os.sep in name:
        return name
    entries = env.get("PATH", os.defpath).split(os.pathsep)
    return shutil.which(name, path=os.pathsep.join(e for e in entries if os.path.isabs(e)))


def _switched_off(env: Mapping[str, str], cwd: Path) -> list[Finding]:
    """Settings layers that turn every hook off, gatekeep's included (a cloned project's
    ``.claude/settings.json`` may carry one)."""
    home = Path(env.get("HOME", "~")).expanduser()
    layers = [home / ".claude" / "settings.json", cwd / ".claude" / "settings.json",
              cwd / ".claude" / "settings.local.json"]
    found = []
    for layer in layers:
        try:
            settings = json.loads(layer.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(settings, dict) and settings.get("disableAllHooks") is True:
            found.append(Finding("FAIL", f"claude-code: {layer} sets disableAllHooks: every "
                                 "hook, gatekeep's included, is off",
                                 f"remove disableAllHooks from {layer}"))
    return found
