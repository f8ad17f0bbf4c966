"""``gatekeep doctor`` with a policy that does not load: one failure, and no boundary lines."""

from __future__ import annotations


def test_a_policy_that_does_not_load_is_reported_once_and_the_boundary_not_at_all(scratch):
    path = scratch.operator_policy("gatekeep: 1\nrules: [\n")
    result = scratch.run("gatekeep", "doctor")
    lines = result.stdout.decode().splitlines()

    assert result.returncode == 1
    assert [line[:5] for line in lines if line.startswith("FAIL")] == ["FAIL "]
    assert lines[0].startswith(f"FAIL  policy: {path}:")
    assert lines[2] == f"ok    audit log: {scratch.audit_log}"
    assert lines[3].startswith(("note  prompt: ", "ok    prompt: "))
    assert not [line for line in lines if "boundary" in line]
    assert lines[4].startswith("note  resident judge: none runs")
    assert lines[5:] == ["note  hooks: no agent settings with gatekeep's hook found; "
                         "see gatekeep install AGENT"]
