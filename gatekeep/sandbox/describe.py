"""The boundary as ``gatekeep check`` shows it: a JSON object and a few lines of text."""

from __future__ import annotations

from collections.abc import Mapping

from gatekeep.sandbox.bwrap import kept, path_dropped, removed, written_named
from gatekeep.sandbox.plan import Plan
from gatekeep.sandbox.spec import Spec


def boundary_json(spec: Spec, plan: Plan | None, env: Mapping[str, str] | None = None
                  ) -> dict[str, object]:
    """``status``: boxed, unboxed (with ``reason``), ask (with ``reason``) or none (denied).
    ``env``: the caller's environment, of which a box's ``unset`` names what it goes without
    and ``kept`` the secret variables it keeps (a box with the network, for its programs)."""
    if plan is None:
        return {"mode": spec.mode, "status": "none", "reason": "nothing runs"}
    document: dict[str, object] = {"mode": spec.mode, "limits": plan.limits._asdict()}
    if plan.ask is not None and plan.box is None:
        return {**document, "status": "ask", "reason": plan.ask}
    if plan.box is None:
        reason = "sandbox: off" if spec.mode == "off" else (plan.warning or "").strip()
        return {**document, "status": "unboxed", "reason": reason.removeprefix(
            "gatekeep: warning: running without a boundary: ")}
    box = plan.box
    if plan.ask is not None:  # the box an approval runs it in
        document.update(status="ask", reason=plan.ask)
    return {"status": "boxed", **document, "tree": box.tree,
            "writable": ["/"] if box.everything_writable else list(box.writable),
            "separate": {place: source for source, place in box.separate},
            "own_temp": list(box.own_temp), "without_secrets": list(box.stripped),
            "read_only": list(box.readonly),
            "hidden": [*box.hidden_dirs, *box.hidden_files], "network": box.network,
            "home": {"hidden": box.home, "shown": [*box.shown, *(p for _, p, _ in box.relinked)]}
            if box.home else None,
            "system": {"covered": list(box.covered),
                       "put_back": [path for path, _ in box.put_back]} if box.covered else None,
            "unset": removed(box, env or {}), "kept": kept(box, env or {}),
            "path_without": path_dropped(box, env or {}),
            "env_without": written_named(box, env or {}),
            "notes": list(box.notes),
            "in_the_box": {"failed": list(box.notes_failed), "always": list(box.notes_always)}}


def boundary_lines(document: dict[str, object]) -> list[str]:
    """The text form: one line per kind of path."""
    status = document["status"]
    if status != "boxed":
        return [f"boundary: {status} ({document.get('reason')})"]
    network = "off"
    if document["network"]:
        parts = document.get("network_for")
        network = f"on (for: {_join(parts)})" if isinstance(parts, list) and parts else "on"
    lines = [f"boundary: boxed (sandbox: {document['mode']}), network {network}"]
    for key, label in (("writable", "writable"), ("read_only", "read-only"),
                       ("hidden", "hidden")):
        lines.append(f"  {label}: {_join(document[key])}")
    separate = document.get("separate")
    if isinstance(separate, dict) and separate:
        copied = [place for place, source in separate.items() if source]
        empty = [place for place, source in separate.items() if not source]
        if copied:
            lines.append(f"  kept apart (the box's own copy): {_join(copied)}")
        if empty:
            lines.append(f"  kept apart (empty, the box's own): {_join(empty)}")
    lines += _listed(document, "own_temp", "temp dirs of its own (empty)")
    home = document.get("home")
    if isinstance(home, dict):
        lines.append(f"  home: {home['hidden']} hidden, but for: {_join(home['shown'])}")
    lines += _listed(document, "without_secrets", "shown without their credentials")
    covered = document.get("system")
    if isinstance(covered, dict):
        lines.append(f"  system: {_join(covered['covered'])} covered (services' sockets), "
                     f"but for: {_join(covered['put_back'])}")
    lines += _listed(document, "unset", "unset in it")
    lines += _listed(document, "kept", "secrets kept in it")
    lines += _listed(document, "path_without", "PATH in it without (a box writes them)")
    lines += _listed(document, "env_without", "unset in it (they name places a box writes)")
    limits = document["limits"]
    shown = [f"{k} {_amount(k, v)}" for k, v in limits.items() if v] \
        if isinstance(limits, dict) else []
    lines.append(f"  limits: {', '.join(shown) or '(none)'}")
    said = document.get("in_the_box")
    if isinstance(said, dict):
        lines.extend(f"  {when}: {note}" for key, when in (
            ("failed", "said if it fails"), ("always", "said after it"))
            for note in said.get(key, ()))
    notes = document["notes"]
    lines.extend(f"  note: {note}" for note in (notes if isinstance(notes, list) else []))
    return lines


def _listed(document: dict[str, object], key: str, label: str) -> list[str]:
    """The line for a list that is left out when empty."""
    items = document.get(key)
    return [f"  {label}: {_join(items)}"] if isinstance(items, list) and items else []


def _join(paths: object) -> str:
    return ", ".join(str(p) for p in paths) if isinstance(paths, list) and paths else "(none)"


def _amount(key: str, value: float) -> str:
    if key in ("memory", "output"):
        for unit, size in (("T", 1 << 40), ("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)):
            if value >= size and value % size == 0:
                return f"{value // size:g}{unit}"
        return f"{value:g} bytes"
    return f"{value:g}" + (" s" if key in ("timeout", "cpu") else "")
