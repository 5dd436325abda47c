"""The proc registry: create, has, show, delete (defined by the official client's schemas)."""

from __future__ import annotations

import pytest

from contract_tests.kinetica.client import KineticaTarget

clause = pytest.mark.clause


def has(kin: KineticaTarget, name: str) -> bool:
    data = kin.call("/has/proc", {"proc_name": name, "options": {}}).expect_ok()
    assert data.get("proc_name") == name, f"expected has_proc to echo {name!r}; got {data.get('proc_name')!r}"
    assert isinstance(data.get("proc_exists"), bool), f"expected a boolean proc_exists; got {data!r}"
    return bool(data["proc_exists"])


@clause("KIN-PRC-001", "KIN-PRC-002", "KIN-PRC-003", "KIN-PRC-004")
@pytest.mark.parametrize("distributed", [True, False], ids=["distributed", "nondistributed"])
def test_registry_lifecycle(kin: KineticaTarget, distributed: bool) -> None:
    name = kin.unique("reg")
    assert has(kin, name) is False
    files, command, args = kin.udf_files()
    mode = "distributed" if distributed else "nondistributed"
    created = kin.call("/create/proc", {"proc_name": name, "execution_mode": mode, "files": files,
                                        "command": command, "args": args, "options": {}}).expect_ok()
    kin._created.append(name)
    assert created.get("proc_name") == name, f"expected create_proc to echo {name!r}; got {created!r}"
    assert has(kin, name) is True

    shown = kin.call("/show/proc", {"proc_name": name, "options": {}}).expect_ok()
    assert shown.get("proc_names") == [name], f"expected show_proc to list exactly {name!r}; got {shown!r}"
    assert shown.get("execution_modes") == [mode], f"expected execution mode {mode}; got {shown!r}"
    assert shown.get("commands") == [command], f"expected command {command!r}; got {shown.get('commands')!r}"
    assert shown.get("args") == [args], f"expected args {args!r}; got {shown.get('args')!r}"

    everything = kin.call("/show/proc", {"proc_name": "", "options": {}}).expect_ok()
    assert name in everything.get("proc_names", []), "expected show_proc without a name to list every proc"
    lengths = {k: len(v) for k, v in everything.items() if isinstance(v, list)}
    assert len(set(lengths.values())) == 1, f"expected the show_proc arrays to line up; got lengths {lengths}"

    kin.call("/delete/proc", {"proc_name": name, "options": {}}).expect_ok()
    assert has(kin, name) is False
    kin.call("/execute/proc", {"proc_name": name}, complete=True).expect_error()
    after = kin.call("/show/proc", {"proc_name": "", "options": {}}).expect_ok()
    assert name not in after.get("proc_names", []), "expected a deleted proc to leave the listing"


@clause("KIN-PRC-005")
def test_duplicate_name_is_an_error(kin: KineticaTarget) -> None:
    name = kin.create_proc()
    files, command, args = kin.udf_files()
    kin.call("/create/proc", {"proc_name": name, "execution_mode": "distributed", "files": files,
                              "command": command, "args": args, "options": {}}).expect_error()
    assert has(kin, name) is True


@clause("KIN-PRC-006", "KIN-PRC-002")
def test_unknown_names_are_answered_without_a_crash(kin: KineticaTarget) -> None:
    name = kin.unique("ghost")
    assert has(kin, name) is False
    shown = kin.call("/show/proc", {"proc_name": name, "options": {}})
    assert shown.wrapper is not None and shown.http_status < 500 and shown.http_status != 404, (
        f"expected a wrapper answer for an unknown proc; got HTTP {shown.http_status}")
    if shown.ok:
        assert name not in (shown.data or {}).get("proc_names", []), "expected an unknown proc not to be listed"
    deleted = kin.call("/delete/proc", {"proc_name": name, "options": {}})
    assert deleted.wrapper is not None and deleted.http_status < 500 and deleted.http_status != 404, (
        f"expected a wrapper answer when deleting an unknown proc; got HTTP {deleted.http_status}")
    assert has(kin, name) is False
