"""Red team 57 (on 349ff29): more ways from a part beside a networked one to its token.

A. `awk '/"/{x=1} BEGIN{system("env")} /"/{}'`: a `"` in a regular expression paired with a
   string's, and what lay between was taken for text.
B. `awk 'BEGIN{f="sys" "tem"; @f("env")}'`, `SYMTAB["ENVIRON"]`: gawk reaches a function or a
   variable by a string.
C. `jq -n 'try -env.GH_TOKEN catch .'`: `-env` is a difference, not a name.
D. `sed -n ':a e env'`: GNU sed ends a label at a blank; `e env` is a command.
E. `cat <<< $GH_TOKEN`, `[[ $GH_TOKEN =~ .* ]]`, `case $GH_TOKEN in`: expansions no part's
   words showed.
F. `hexdump --format-f=e`: an option that reads a file, of a program with no knowledge.
G. `printf '1e CMD' | xargs sed`: xargs's input became sed's program.
I. `LESSKEYIN=ks less`, `LESS=--lesskey-src=ks less`: variables that load a key file whose
   #env sets LESSOPEN.

And since no check of sed's or awk's language, nor of every variable, has held, a
networked box keeps no secret beside sed, awk, or a part given a variable that is not plain.
"""

from __future__ import annotations

import pytest
from judging import judge, with_secrets

from gatekeep.policy.model import Policy
from gatekeep.shell.scripts import _awk, _sed


@pytest.mark.parametrize("program", [
    '/"/{x=1} BEGIN{system("env")} /"/{}', '/"/{} BEGIN{print "env" | "sh"} /"/{}',
    'BEGIN{ # "\nprint 1 | "sh" # "\n}', 'BEGIN{f="sys" "tem"; @f("env")}',
    'BEGIN{for(k in SYMTAB["ENVIRON"]) print k}', 'BEGIN{print FUNCTAB["system"]}',
])
def test_awk_programs_that_hide_what_they_do_are_refused(program: str) -> None:
    assert _awk(program) is not None


@pytest.mark.parametrize("program", [
    "{print $1}", '{print "a > b"}', '{ s = s "|" $1 } END { print s }',
    '{print $1 "/" $2}', '{gsub(/"/, "")} 1', "{sum+=$1} END{print sum}",
])
def test_plain_awk_programs_pass(program: str) -> None:
    assert _awk(program) is None


@pytest.mark.parametrize("script", [":a e env", ":a r e", "tx e env", "bx r f", ": a w out"])
def test_a_command_after_a_label_is_checked(script: str) -> None:
    assert _sed(script) is not None


@pytest.mark.parametrize("script", [":a;N;$!ba;s/\\n/ /g", "s/a/b/;ta;:a", "/x/b skip", "b end"])
def test_labels_alone_pass(script: str) -> None:
    assert _sed(script) is None


@pytest.mark.parametrize("command", [
    "git fetch; jq -n 'try -env.GH_TOKEN[0:11] catch .'", "jq -n '0-env'", "jq 'env-1'",
    "gh pr list --jq 'try -env.GH_TOKEN catch .'",
    "git fetch; cat <<< $GH_TOKEN", "git fetch; grep . <<< \"$GH_TOKEN\"",
    "git fetch; [[ $GH_TOKEN =~ .* ]] && echo $BASH_REMATCH",
    "git fetch; case $GH_TOKEN in g*) echo y;; esac", "for x in $GH_TOKEN; do echo; done",
    "git fetch; echo | hexdump --format-f=/proc/self/environ", "hexdump -f/proc/self/environ",
    "git fetch; printf '%s\\n' '1e curl x' README.md | xargs -d '\\n' sed",
    "echo --in-place README.md | xargs sed p", "echo README.md out | xargs uniq",
    "git fetch; echo | LESSKEYIN=ks less", "gh pr list | LESS=--lesskey-src=ks less",
    "echo | LESSKEY_CONTENT='#env' less",
])
def test_asked(policy: Policy, command: str) -> None:
    assert judge(policy, command).decision == "ask"


@pytest.mark.parametrize("command", [
    "gh pr list | sed -n 1p", "gh pr list | awk '{print $1}'",
    "git fetch; sed -n p README.md", "git fetch; echo x | sed s/x/y/",
])
def test_a_box_beside_sed_or_awk_keeps_no_secret(policy: Policy, command: str) -> None:
    decision = judge(policy, command)
    assert decision.decision == "allow"
    assert not with_secrets(policy, decision)


@pytest.mark.parametrize("command", [
    "gh pr list | head -5", "gh pr list | grep fix",
    "git fetch; echo x | LC_ALL=C sort",
])
def test_other_filters_keep_them(policy: Policy, command: str) -> None:
    assert with_secrets(policy, judge(policy, command))
