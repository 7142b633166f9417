"""`lpm`: run the platform on one machine, apply migrations, replay outboxes, issue dev tokens."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from runtime.broker import EmbeddedBroker, KRaftBroker, broker_kind, die_with_parent
from runtime.kafka import ensure_topics
from runtime.migrations import upgrade
from runtime.services import DATA_SERVICES, SERVICES, base_urls
from runtime.settings import PlatformSettings
from runtime.supervisor import Supervisor


def _selected(names: list[str]) -> list[str]:
    unknown = [n for n in names if n not in DATA_SERVICES]
    if unknown:
        known = ", ".join(DATA_SERVICES)
        raise SystemExit(f"unknown service(s) with data: {', '.join(unknown)}; known: {known}")
    return names or list(DATA_SERVICES)


def cmd_migrate(args: argparse.Namespace) -> int:
    for name in _selected(args.services):
        entry = SERVICES[name]
        url = entry.settings().resolved_database_url()
        upgrade(entry.migrations, url)
        print(f"{name}: migrated ({_redact(url)})")
    return 0


def _redact(url: str) -> str:
    if "@" not in url:
        return url
    scheme, rest = url.split("://", 1)
    return f"{scheme}://***@{rest.split('@', 1)[1]}"


def cmd_makemigration(args: argparse.Namespace) -> int:
    """Autogenerate a revision from the service's tables against a scratch SQLite database."""
    import tempfile

    from alembic import command

    from runtime.migrations import alembic_config

    entry = SERVICES[args.service]
    with tempfile.TemporaryDirectory() as scratch:
        cfg = alembic_config(entry.migrations, f"sqlite+aiosqlite:///{scratch}/scratch.db")
        command.upgrade(cfg, "head")
        command.revision(cfg, message=args.message, autogenerate=True)
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    from runtime.db import Database
    from runtime.outbox import republish_all

    entry = SERVICES[args.service]
    settings = entry.settings()
    definition = entry.bootstrap().definition(settings)

    async def go() -> int:
        platform = settings.platform
        await ensure_topics(platform.kafka_bootstrap, namespace=platform.kafka_namespace)
        db = Database(settings.resolved_database_url())
        try:
            return await republish_all(
                db, definition.tables, settings.platform, f"{entry.name}-replay"
            )
        finally:
            await db.dispose()

    count = asyncio.run(go())
    print(f"{entry.name}: republished {count} events from the outbox log")
    return 0


def cmd_prune(args: argparse.Namespace) -> int:
    """Apply the retention rule (runtime.retention), the audit trail's included."""
    from runtime.retention import RetentionRule

    for name in _data_services(args.services):
        entry = SERVICES[name]
        settings = entry.settings()
        definition = entry.bootstrap().definition(settings)
        rule = RetentionRule.of(settings.platform)
        pruned = asyncio.run(_prune(settings.resolved_database_url(), definition.tables, rule))
        print(
            f"{name}: pruned {pruned.outbox} published outbox rows over {rule.outbox_days} days, "
            f"{pruned.inbox} inbox entries over {rule.inbox_days} days, "
            f"{pruned.idempotency_keys} idempotency keys over 24 hours, "
            f"{pruned.audit} audit entries over {rule.audit_years} years"
        )
    return 0


async def _prune(url: str, tables: Any, rule: Any) -> Any:
    from runtime.db import Database
    from runtime.retention import prune

    db = Database(url)
    try:
        return await prune(db, tables, rule, audit=True)
    finally:
        await db.dispose()


def _data_services(names: list[str]) -> list[str]:
    unknown = [n for n in names if n not in DATA_SERVICES]
    if unknown:
        raise SystemExit(
            f"unknown service(s): {', '.join(unknown)}; known: {', '.join(DATA_SERVICES)}"
        )
    return names or list(DATA_SERVICES)


def cmd_run(args: argparse.Namespace) -> int:
    """Broker, migrations, topics, the development issuer and the five services; Ctrl-C stops
    everything started."""
    data_dir = Path(os.environ.get("LPM_DATA_DIR", "var")).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    os.environ["LPM_DATA_DIR"] = str(data_dir)
    kafka_port = int(os.environ.get("LPM_KAFKA_PORT", "9092"))
    bootstrap = os.environ.setdefault("LPM_KAFKA_BOOTSTRAP", f"127.0.0.1:{kafka_port}")
    from runtime.devauth import dev_issuer_url, ensure_dev_issuer

    ensure_dev_issuer(data_dir)
    # The development issuer runs only while it is the issuer; with the council's identity
    # provider configured (LPM_AUTH_ISSUER), nothing stands in for it.
    run_issuer = os.environ["LPM_AUTH_ISSUER"] == dev_issuer_url()
    if run_issuer:
        staff = SERVICES["staff"].settings()
        os.environ.setdefault("LPM_DEV_ISSUER_REDIRECT_URIS", json.dumps([staff.redirect_uri()]))
        os.environ.setdefault(
            "LPM_DEV_ISSUER_POST_LOGOUT_REDIRECT_URIS", json.dumps([staff.signed_out_uri()])
        )

    supervisor = Supervisor()
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    namespace = os.environ.get("LPM_KAFKA_NAMESPACE", "")
    try:
        kind = "external" if args.external_broker else broker_kind()
        broker: EmbeddedBroker | None = None
        if kind == "apache":
            broker = KRaftBroker(data_dir / "kafka", kafka_port, log_path=data_dir / "broker.log")
            # Apache Kafka gives producer ids: no duplicate on a retried send within a session.
            os.environ.setdefault("LPM_KAFKA_IDEMPOTENCE", "true")
        elif kind == "embedded":
            broker = EmbeddedBroker(kafka_port, log_path=data_dir / "broker.log")
        if broker is not None:
            started = broker

            def start_broker() -> subprocess.Popen[bytes]:
                started.start()
                try:
                    # A broker that came back empty gets the contracted topics at once.
                    asyncio.run(ensure_topics(bootstrap, namespace=namespace))
                except Exception:
                    started.stop()  # never leave a second broker behind on a retry
                    raise
                assert started.process is not None
                return started.process

            supervisor.start(supervisor.add("broker", start_broker, started.log_path, tier=0))
            if isinstance(broker, KRaftBroker):
                print(
                    f"broker: Apache Kafka (KRaft) on {broker.bootstrap}, log in {broker.data_dir}"
                )
            else:
                print(f"broker: embedded Kafka-protocol broker on {broker.bootstrap}")
        else:
            asyncio.run(ensure_topics(bootstrap, namespace=namespace))
        print("topics: created")
        for entry in DATA_SERVICES.values():
            upgrade(entry.migrations, entry.settings().resolved_database_url())
        print("migrations: applied")
        urls: dict[str, str] = {}
        if run_issuer:
            from runtime.devissuer import DevIssuerSettings

            dev = DevIssuerSettings()
            urls["dev-issuer"] = f"http://{dev.host}:{dev.port}"
            _supervise(
                supervisor,
                "dev-issuer",
                "runtime.devissuer:create_app",
                dev.host,
                dev.port,
                data_dir / "dev-issuer.log",
                tier=1,
            )
        addresses = {name: entry.settings() for name, entry in SERVICES.items()}
        for name, settings in addresses.items():
            urls[name] = f"http://{settings.host}:{settings.port}"
            if name in DATA_SERVICES:
                # The staff pages call the other services wherever this run put them.
                os.environ.setdefault(f"STAFF_{name.upper()}_URL", urls[name])
        for name, entry in SERVICES.items():
            settings = addresses[name]
            _supervise(
                supervisor,
                name,
                f"{entry.bootstrap_module}:create_app",
                settings.host,
                settings.port,
                data_dir / f"{name}.log",
                tier=2,
            )
        _wait_ready(urls, supervisor, timeout=args.ready_timeout, should_stop=lambda: stopping)
        print("\nThe Leeds Practice Model platform is running:")
        print(f"  staff pages  {urls['staff']}   (sign in there)")
        for name, url in urls.items():
            if name in DATA_SERVICES:
                print(f"  {name:<12} {url}   (API docs {url}/docs)")
        if run_issuer:
            print(f"  dev issuer   {urls['dev-issuer']}   (OpenID Connect, single machine only)")
        print(f"  dashboard    {urls['staff']}/dashboard   (managers and the BI team)")
        print(f"\nLogs and databases: {data_dir}.  Ctrl-C stops everything.", flush=True)
        # Supervise until the user's signal: a child that dies is restarted, with backoff.
        while not stopping:
            supervisor.poll()
            time.sleep(0.3)
        return 0
    finally:
        supervisor.stop_all()
        print("stopped")


def _supervise(
    supervisor: Supervisor,
    name: str,
    factory: str,
    host: str,
    port: int,
    log_path: Path,
    tier: int,
) -> None:
    child = supervisor.add(name, lambda: _serve(factory, host, port, log_path), log_path, tier)
    supervisor.start(child)


def _serve(factory: str, host: str, port: int, log_path: Path) -> subprocess.Popen[bytes]:
    log = open(log_path, "ab")
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            factory,
            "--host",
            host,
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        preexec_fn=die_with_parent,
    )


def _wait_ready(
    urls: dict[str, str], supervisor: Supervisor, timeout: float, should_stop: object
) -> None:
    deadline = time.monotonic() + timeout
    pending = dict(urls)
    while pending and time.monotonic() < deadline:
        if callable(should_stop) and should_stop():
            raise SystemExit(130)
        # A child that dies while starting is restarted like any other (and says so).
        supervisor.poll()
        for name, url in list(pending.items()):
            try:
                if httpx.get(f"{url}/health/ready", timeout=1.0).status_code == 200:
                    print(f"{name}: ready at {url}", flush=True)
                    del pending[name]
            except httpx.HTTPError:
                pass
        time.sleep(0.25)
    if pending:
        raise SystemExit(f"not ready after {timeout}s: {', '.join(pending)}; see their logs")


def cmd_url(args: argparse.Namespace) -> int:
    """Print a service's base URL (or the Kafka bootstrap) as `lpm run` would use it, so
    scripts and examples follow `<SERVICE>_HOST`/`_PORT` and `LPM_KAFKA_BOOTSTRAP`."""
    if args.name == "broker":
        print(PlatformSettings().kafka_bootstrap)
    else:
        print(base_urls([args.name])[args.name])
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lpm", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("run", help="run the whole platform on this machine")
    p.add_argument("--external-broker", action="store_true", help="use LPM_KAFKA_BOOTSTRAP as is")
    p.add_argument("--ready-timeout", type=float, default=60.0)
    p.set_defaults(func=cmd_run)
    p = sub.add_parser("migrate", help="apply database migrations")
    p.add_argument("services", nargs="*")
    p.set_defaults(func=cmd_migrate)
    p = sub.add_parser("makemigration", help="autogenerate a migration for a service's tables")
    p.add_argument("service", choices=sorted(DATA_SERVICES))
    p.add_argument("-m", "--message", required=True)
    p.set_defaults(func=cmd_makemigration)
    p = sub.add_parser("prune", help="apply the retention rule, audit trail included")
    p.add_argument("services", nargs="*")
    p.set_defaults(func=cmd_prune)
    p = sub.add_parser("replay", help="republish a service's outbox log to Kafka")
    p.add_argument("service", choices=sorted(DATA_SERVICES))
    p.set_defaults(func=cmd_replay)
    p = sub.add_parser("url", help="where a service answers, or the broker (from the settings)")
    p.add_argument("name", choices=[*sorted(SERVICES), "broker"])
    p.set_defaults(func=cmd_url)
    from runtime.devauth import add_token_command

    add_token_command(sub)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
