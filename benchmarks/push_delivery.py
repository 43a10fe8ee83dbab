"""Benchmark: how fast the dispatcher delivers due reminders, and how much memory it takes.

10,000 reminders are due at once for 2,000 users with one device each; the devices' endpoint is
a loopback sink (a separate Node process) that answers 201 like a push service. Each message is
really encrypted (aes128gcm) and signed (VAPID), and each outcome is written to the database,
as in production. The script prints reminders delivered per second and peak memory (RSS;
tracemalloc would slow delivery several times over). Figures,
not assertions: the machines are shared and noisy.

    .venv/bin/python benchmarks/push_delivery.py [--reminders N] [--threads N] [--database-url URL]

The database at --database-url is WIPED (all Familyapp tables dropped and re-created): give it
an empty, throwaway database. The default is a new SQLite file in a temporary folder.
"""

from __future__ import annotations

import argparse
import base64
import os
import resource
import shutil
import subprocess
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from familyapp import create_app
from familyapp.accounts.models import User
from familyapp.core import clock, ids
from familyapp.core.db import Base, db
from familyapp.push import reminders
from familyapp.push.models import PushSubscription, Reminder
from familyapp.settings import Settings

USERS = 2000


# The sink is Node's http server (Node is on every machine that runs the tests): a Python
# sink on the same two cores would take half the CPU the dispatcher is being measured on.
SINK = """
const server = require("http").createServer((request, response) => {
  request.resume();
  request.on("end", () => { response.writeHead(201, {"Content-Length": "0"}); response.end(); });
});
server.keepAliveTimeout = 60000;
server.listen(0, "127.0.0.1", () => console.log(server.address().port));
"""


def _start_sink() -> tuple[subprocess.Popen[str], int]:
    node = shutil.which("node")
    if node is None:
        raise SystemExit("node is needed for the loopback sink")
    process = subprocess.Popen([node, "-e", SINK], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    return process, int(process.stdout.readline())


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def main() -> None:
    """Fill the queue, deliver it to the sink, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reminders", type=int, default=10_000)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    sink, port = _start_sink()
    folder = Path(tempfile.mkdtemp(prefix="familyapp-bench-"))
    url = args.database_url or f"sqlite:///{folder / 'bench.db'}"
    app = create_app(
        Settings(
            instance_path=folder,
            database_url=url,
            secret_key="bench",
            testing=True,
            push_service_hosts=("http://127.0.0.1",),
        )
    )
    assert db.engine is not None
    Base.metadata.drop_all(db.engine)
    Base.metadata.create_all(db.engine)
    with app.app_context():
        now = clock.utcnow()
        users = [
            User(
                id=ids.new_id(),
                email=f"u{i}@example.org",
                name=f"User {i}",
                password_hash="x",
                locale=("en", "es")[i % 2],
                time_zone="America/Chicago",
            )
            for i in range(USERS)
        ]
        db.session.add_all(users)
        db.session.flush()
        point = (
            ec.generate_private_key(ec.SECP256R1())
            .public_key()
            .public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
        )
        for i, user in enumerate(users):
            endpoint = f"http://127.0.0.1:{port}/push/{i}"
            db.session.add(
                PushSubscription(
                    user_id=user.id,
                    endpoint=endpoint,
                    endpoint_hash=ids.token_digest(endpoint),
                    p256dh=_b64(point),
                    auth=_b64(os.urandom(16)),
                )
            )
        for n in range(args.reminders):
            db.session.add(
                Reminder(
                    user_id=users[n % USERS].id,
                    source=f"bench:{n}",
                    kind="test",
                    url="/",
                    due_at=now - timedelta(seconds=1),
                    ttl_seconds=3600,
                )
            )
        db.session.commit()
        settings = app.extensions["familyapp.settings"]
        sender = reminders.sender_for(settings.instance_path, settings.vapid_subject)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        started = time.perf_counter()
        result = reminders.send_due(sender, now, threads=args.threads)
        elapsed = time.perf_counter() - started
        sender.close()
    sink.terminate()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{result.sent} of {args.reminders} reminders delivered in {elapsed:.1f} s "
        f"({result.sent / elapsed:.0f} per second, {args.threads} threads, {url.split(':')[0]}); "
        f"process peak RSS {rss:.0f} MiB ({before:.0f} MiB before delivery)"
    )


if __name__ == "__main__":
    main()
