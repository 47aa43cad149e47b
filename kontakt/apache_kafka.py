"""A local Apache Kafka (KRaft, no ZooKeeper, no Docker): the production broker's own jars, started as JVMs.

The jars come from Maven Central once (kontakt/kafka_jars.py). An
`ApacheKafka` is one combined broker+controller node with a durable log directory; `cluster(3)` gives three
of them in one KRaft quorum. The tests, `kontakt up --broker apache` and the fault tests use it.

    python -m kontakt.apache_kafka fetch      # resolve the jars (what `make test` does first)
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kontakt.broker import free_port
from kontakt.kafka_jars import KafkaUnavailable, ensure_jars, kafka_version

__all__ = ["ApacheKafka", "ApacheKafkaCluster", "KafkaUnavailable", "cluster", "ensure_jars", "kafka_version"]

HEAP = os.environ.get("KONTAKT_KAFKA_HEAP", "256m")
READY_LINE = "Kafka Server started"
# a fixed cluster id: the data directory is formatted once and kept; the id only has to be stable
CLUSTER_ID = "4L6g3nShT-eMCtK--X86sw"

LOG4J2 = """\
status = warn
appender.out.type = Console
appender.out.name = OUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.out.ref = OUT
logger.started.name = kafka.server.KafkaRaftServer
logger.started.level = INFO
"""


class ApacheKafka:
    """One Apache Kafka node (broker and KRaft controller in one JVM) on loopback.

    The log directory is durable: `stop()` (SIGTERM, a clean shutdown) or `kill()` (SIGKILL, a crash) and a
    later `start()` on the same `data_dir` give back every acknowledged record and committed offset.
    """

    def __init__(self, data_dir: Path | None = None, port: int | None = None, *, controller_port: int | None = None,
                 advertised_port: int | None = None, node_id: int = 1, voters: str | None = None,
                 replication: int = 1, min_insync: int = 1, heap: str = HEAP,
                 extra: dict[str, str] | None = None, log_path: Path | None = None) -> None:
        self.data_dir = Path(data_dir or tempfile.mkdtemp(prefix="kontakt-kafka-"))
        self.port = port or free_port()
        self.controller_port = controller_port or free_port()
        self.advertised_port = advertised_port or self.port  # a proxy in front (fault tests) advertises itself
        self.node_id = node_id
        self.voters = voters or f"{node_id}@127.0.0.1:{self.controller_port}"
        self.replication = replication
        self.min_insync = min_insync
        self.heap = heap
        self.extra = extra or {}
        self.log_path = log_path or self.data_dir / "broker.log"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "log"

    def properties(self) -> dict[str, str]:
        rf, isr = str(self.replication), str(self.min_insync)
        props = {
            "process.roles": "broker,controller",
            "node.id": str(self.node_id),
            "controller.quorum.voters": self.voters,
            "listeners": f"PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{self.controller_port}",
            "advertised.listeners": f"PLAINTEXT://127.0.0.1:{self.advertised_port}",
            "controller.listener.names": "CONTROLLER",
            "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            "inter.broker.listener.name": "PLAINTEXT",
            "log.dirs": str(self.log_dir.resolve()),
            # as docker-compose.yml: topics on purpose, no unclean election, events kept
            "auto.create.topics.enable": "false",
            "unclean.leader.election.enable": "false",
            "log.retention.hours": "-1",
            "num.partitions": "6",
            "default.replication.factor": rf,
            "min.insync.replicas": isr,
            "offsets.topic.replication.factor": rf,
            "transaction.state.log.replication.factor": rf,
            "transaction.state.log.min.isr": isr,
            "group.initial.rebalance.delay.ms": "0",
            # one machine, small: fewer internal partitions and threads start faster and use less memory
            "offsets.topic.num.partitions": "6",
            "transaction.state.log.num.partitions": "6",
            "num.network.threads": "2",
            "num.io.threads": "2",
            "num.recovery.threads.per.data.dir": "1",
            "log.cleaner.dedupe.buffer.size": str(8 * 1024 * 1024),
            # a node restarted after a crash re-registers only when its old registration expired (default 9 s),
            # and a killed node's partitions move when its session ends: 4 s keeps both short on one machine
            "broker.session.timeout.ms": "4000",
            "broker.heartbeat.interval.ms": "1000",
            # the tests and `kontakt up` use session timeouts of 3-6 s (the broker's floor is 6 s by default)
            "group.min.session.timeout.ms": "1000",
        }
        props.update(self.extra)
        return props

    def _java(self, main: str, *args: str, heap: str | None = None) -> list[str]:
        return ["java", f"-Xmx{heap or self.heap}", "-Xms32m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-XX:+ExitOnOutOfMemoryError", "-Djava.awt.headless=true",
                f"-Dlog4j2.configurationFile={self.data_dir / 'log4j2.properties'}",
                "-cp", f"{ensure_jars()}/*", main, *args]

    def _write_config(self) -> Path:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        (self.data_dir / "log4j2.properties").write_text(LOG4J2)
        config = self.data_dir / "server.properties"
        config.write_text("".join(f"{k}={v}\n" for k, v in self.properties().items()))
        return config

    def format(self) -> None:
        """Format the KRaft metadata log once; a formatted directory is kept as it is."""
        config = self._write_config()
        if (self.log_dir / "meta.properties").exists():
            return
        done = subprocess.run(self._java("kafka.tools.StorageTool", "format", "-t", CLUSTER_ID, "-c", str(config),
                                         heap="128m"), capture_output=True, text=True)
        if done.returncode != 0:
            raise KafkaUnavailable(f"formatting {self.log_dir} failed:\n{done.stdout}{done.stderr}")

    def launch(self) -> ApacheKafka:
        """Start the JVM without waiting (a cluster starts its nodes together: a quorum needs a majority)."""
        self.format()
        self._log_offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        out = open(self.log_path, "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(self._java("kafka.Kafka", str(self.data_dir / "server.properties")),
                                     stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        out.close()
        return self

    def wait_ready(self, timeout: float = 90.0) -> ApacheKafka:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is None or self.proc.poll() is not None:
                raise KafkaUnavailable(f"Apache Kafka exited ({self.proc and self.proc.returncode}); "
                                       f"see {self.log_path}:\n{self._log_tail()}")
            with open(self.log_path, "rb") as f:
                f.seek(self._log_offset)
                if READY_LINE.encode() in f.read():
                    return self
            time.sleep(0.1)
        raise TimeoutError(f"Apache Kafka not ready after {timeout}s; see {self.log_path}:\n{self._log_tail()}")

    def start(self, timeout: float = 90.0) -> ApacheKafka:
        return self.launch().wait_ready(timeout)

    def _log_tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:] if self.log_path.exists() else ""

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout: float = 30.0) -> None:
        """A clean shutdown (SIGTERM): leaders move, logs are flushed, the next start needs no recovery."""
        if self.running:
            assert self.proc is not None
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()

    def kill(self) -> None:
        """A crash (SIGKILL): what the broker acknowledged must survive it."""
        if self.running:
            assert self.proc is not None
            self.proc.kill()
            self.proc.wait()

    def rss_bytes(self) -> int:
        """Resident memory of the JVM (Linux /proc)."""
        if not self.running:
            return 0
        assert self.proc is not None
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        return 0


class ApacheKafkaCluster:
    """`n` nodes in one KRaft quorum on loopback (each broker and controller), replication factor n."""

    def __init__(self, base_dir: Path, n: int = 3, min_insync: int = 2, heap: str = HEAP) -> None:
        ports = [(free_port(), free_port()) for _ in range(n)]
        voters = ",".join(f"{i + 1}@127.0.0.1:{c}" for i, (_, c) in enumerate(ports))
        self.nodes = [ApacheKafka(base_dir / f"node{i + 1}", p, controller_port=c, node_id=i + 1, voters=voters,
                                  replication=n, min_insync=min_insync, heap=heap)
                      for i, (p, c) in enumerate(ports)]

    @property
    def bootstrap(self) -> str:
        return ",".join(node.bootstrap for node in self.nodes)

    def node(self, node_id: int) -> ApacheKafka:
        return self.nodes[node_id - 1]

    def start(self, timeout: float = 120.0) -> ApacheKafkaCluster:
        for node in self.nodes:
            node.format()
        for node in self.nodes:
            node.launch()
        for node in self.nodes:
            node.wait_ready(timeout)
        return self

    def stop(self) -> None:
        for node in self.nodes:
            if node.running:
                assert node.proc is not None
                node.proc.send_signal(signal.SIGTERM)
        for node in self.nodes:
            node.stop()


def cluster(base_dir: Path, n: int = 3, min_insync: int = 2) -> ApacheKafkaCluster:
    return ApacheKafkaCluster(base_dir, n, min_insync)


def main(argv: list[str]) -> int:
    if argv[:1] != ["fetch"]:
        print("usage: python -m kontakt.apache_kafka fetch", file=sys.stderr)
        return 2
    try:
        print(f"Apache Kafka {kafka_version()} jars in {ensure_jars()}")
    except KafkaUnavailable as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
