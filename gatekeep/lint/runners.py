"""Programs that run other programs or code, and how, as probe commands.

An allow rule naming one of these with any arguments is checked by judging the
probes under that rule alone: ``{p}`` is the program, ``{cmd}`` a command no rule
names. When program knowledge tells gatekeep how the program runs code, each probe
is unwrapped or asked about; a probe that is allowed runs code gatekeep never sees.
"""

from __future__ import annotations

# Scripts come from outside the probe's working tree: a script in the tree runs the tree's
# code (allowed as a project script is), one from elsewhere is code gatekeep never saw.
_AWAY = "/gatekeep-lint/elsewhere/"
_SHELL = (f"{{p}} {_AWAY}payload.sh", "{p} -c {cmd}", "cat payload.sh | {p}",
          "{p} -s < payload.sh", "{p} < payload.sh", "{p} -i")
_WRAPPER = ("{p} {cmd}",)


def _interpreter(script: str, *inline: str) -> tuple[str, ...]:
    return (f"{{p}} {_AWAY}{script}", f"cat {script} | {{p}}", f"{{p}} - < {script}",
            *(f"{{p}} {option} {{cmd}}" for option in inline))


PROBES: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "fish", "csh", "tcsh",
                     "yash", "posh"), _SHELL),
    "busybox": (f"{{p}} sh {_AWAY}payload.sh", "{p} sh -c {cmd}", "{p} {cmd}"),
    **dict.fromkeys(("python", "python2", "python3", "pypy", "pypy3"),
                    _interpreter("payload.py", "-c", "-m")),
    **dict.fromkeys(("node", "nodejs"), _interpreter("payload.js", "-e", "--eval", "-p")),
    "perl": _interpreter("payload.pl", "-e", "-E"),
    "ruby": _interpreter("payload.rb", "-e"),
    "php": _interpreter("payload.php", "-r"),
    "lua": _interpreter("payload.lua", "-e"),
    "Rscript": _interpreter("payload.R", "-e"),
    "osascript": _interpreter("payload.scpt", "-e"),
    "pwsh": _interpreter("payload.ps1", "-c", "-Command"),
    "deno": (f"{{p}} run {_AWAY}payload.ts", "{p} eval {cmd}"),
    "bun": (f"{{p}} {_AWAY}payload.ts", f"{{p}} run {_AWAY}payload.ts", "{p} -e {cmd}"),
    **dict.fromkeys(("sudo", "doas", "nice", "nohup", "setsid", "stdbuf", "ionice", "time",
                     "command", "builtin", "exec", "eval", "strace", "ltrace", "watch", "nsenter",
                     "unshare", "runuser", "pkexec", "xargs", "parallel"), _WRAPPER),
    "env": ("{p} {cmd}", "{p} A=1 {cmd}", "{p} -S {cmd}"),
    "timeout": ("{p} 5 {cmd}", "{p} -s KILL 5 {cmd}"),
    "chrt": ("{p} 1 {cmd}",),
    "taskset": ("{p} 1 {cmd}",),
    "flock": ("{p} lockfile {cmd}", "{p} lockfile -c {cmd}"),
    "su": ("{p} -c {cmd}",),
    "script": ("{p} -c {cmd}",),
    "find": ("{p} . -exec {cmd} \\;", "{p} . -execdir {cmd} \\;", "{p} . -ok {cmd} \\;",
             "{p} . -okdir {cmd} \\;", "{p} . -exec {cmd} +"),
    "awk": ("{p} 'BEGIN { system(\"{cmd}\") }'",),
    "sed": ("{p} 'e {cmd}'",),
}
