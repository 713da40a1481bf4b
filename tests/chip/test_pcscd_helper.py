"""The shared-pcscd helper: finding the daemon, and vpcd slot leases that exclude other processes."""

from __future__ import annotations

import subprocess
import sys

import pytest

from drivers.errors import DeviceTimeout
from drivers.sim import pcscd

HOLD = """
import sys
from drivers.sim import pcscd
lease = pcscd.lease_reader(sys.argv[1], timeout=1)
print("held", flush=True)
sys.stdin.readline()
"""


def test_running_pcscd_is_found_and_owns_the_vpcd_ports(pcscd_info: pcscd.PcscdInfo) -> None:
    assert pcscd.find_running_socket() is not None
    assert pcscd.vpcd_ports_taken()
    assert {s.reader for s in pcscd.VPCD_SLOTS} <= set(pcscd.list_readers())
    assert pcscd.ensure_pcscd(timeout=5).started is False  # a second call reuses it


def test_a_leased_slot_is_not_given_to_another_process(slot: pcscd.SlotLease) -> None:
    with pytest.raises(DeviceTimeout):
        pcscd.lease_reader(slot.reader, timeout=0.1)  # held by this session (flock is per open file)
    other = next(s for s in pcscd.VPCD_SLOTS if s != slot.slot)
    child = subprocess.Popen(
        [sys.executable, "-c", HOLD, slot.reader], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        line = child.stdout.readline() if child.stdout else ""
        assert line == "", "the child must not get the slot this session holds"
    finally:
        child.kill()
        child.wait(timeout=10)
    try:
        lease = pcscd.lease_slot(timeout=0.1, slots=(other,))
    except DeviceTimeout:
        pytest.skip("the other vpcd slot is in use by another process right now")
    with lease:
        assert lease.port == other.port
    assert "held=False" in repr(lease)


def test_lease_reader_rejects_non_vpcd_names() -> None:
    with pytest.raises(ValueError):
        pcscd.lease_reader("ACS ACR38U 00 00")
