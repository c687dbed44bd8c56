"""Disk faults (ENOSPC, EIO on write and fsync) at the store's seam: trading pauses with a
clear status, no file is corrupted, and trading resumes by itself when the disk recovers."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import pytest

from tests.engine.conftest import attach
from verzek.clock import ManualClock
from verzek.config import load_settings
from verzek.domain.models import SignalSource
from verzek.errors import DiskFault
from verzek.runtime import build_runtime
from verzek.store.fileops import FileOps

SYM = "ETH/USDT:USDT"
SIGNAL = "#ETH/USDT LONG\nEntry: 100\nTargets: 104 - 108\nStop: 90\nLeverage 5x"


class SwitchableDisk(FileOps):
    """Real file operations until `fail` names an errno; then writes or fsyncs refuse."""

    def __init__(self) -> None:
        self.fail: int | None = None
        self.where = "write"

    def write(self, fd: int, data: bytes) -> None:
        if self.fail is not None and self.where == "write":
            raise OSError(self.fail, "injected")
        super().write(fd, data)

    def fsync(self, fd: int) -> None:
        if self.fail is not None and self.where == "fsync":
            raise OSError(self.fail, "injected")
        super().fsync(fd)


def _every_file_parses(data: Path) -> None:
    for path in data.rglob("*.json"):
        if not path.name.startswith("."):
            json.loads(path.read_text())
    for path in data.rglob("*.jsonl"):
        for line in path.read_text().splitlines():
            json.loads(line)


@pytest.mark.parametrize("err", [errno.ENOSPC, errno.EIO])
@pytest.mark.parametrize("where", ["write", "fsync"])
def test_trading_pauses_on_a_disk_fault_and_resumes(tmp_path: Path, err: int,
                                                    where: str) -> None:
    disk = SwitchableDisk()
    disk.where = where
    clock = ManualClock()
    settings = load_settings({"VERZEK_DATA_DIR": str(tmp_path / "data"),
                              "VERZEK_PRICE_FEED": "sim", "VERZEK_PAPER_SLIPPAGE_PCT": "0"})
    runtime = build_runtime(settings, clock=clock, sleeper=clock.advance, fileops=disk)
    engine = attach(runtime, clock)
    try:
        engine.price(SYM, "100")
        engine.add_user("u1", general={"auto_trade": True})
        engine.trading.submit_text(SIGNAL, SignalSource(kind="api", chat_id=1, message_id=1))
        (position,) = engine.positions("u1")
        disk.fail = err
        # a fill while the disk refuses: the position cannot be saved
        engine.tick(SYM, "104")
        status = runtime.status()["store"]
        assert not status["healthy"] and errno.errorcode[err] in status["last_error"]
        with pytest.raises(DiskFault, match="trading is paused"):
            engine.trading.submit_text(SIGNAL.replace("100", "101"),
                                       SignalSource(kind="api", chat_id=1, message_id=2))
        _every_file_parses(tmp_path / "data")
        assert not runtime.store.probe(clock.now().isoformat())  # still refused
        disk.fail = None
        assert runtime.store.probe(clock.now().isoformat())
        assert runtime.status()["store"]["healthy"]
        # reconciliation and order sync catch up with what happened while the disk was out
        # (the paper exchange shares this disk, so its fill happens now)
        engine.trading.reconciler.run_once()
        engine.trading.monitor.sync_orders()
        engine.tick(SYM, "104")
        (after,) = engine.positions("u1")
        assert after.targets[0].hit
        paper_fills = {f["trade_id"] for f in engine.paper("u1").fetch_fills()}
        assert paper_fills == {f.trade_id for f in after.fills}
        engine.price("BTC/USDT:USDT", "95000")
        result = engine.trading.submit_text(
            "#BTC/USDT LONG\nEntry: 95000\nTarget: 96000\nStop: 94000\n5x",
            SignalSource(kind="api", chat_id=1, message_id=3))
        assert [d.outcome for d in result.decisions] == ["executed"], result.decisions
        _every_file_parses(tmp_path / "data")
        assert position.id == after.id
    finally:
        runtime.stop()
