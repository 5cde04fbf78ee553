"""The database becomes unreachable under both servers: a TCP relay in front of the real
FerretDB/MongoDB is closed, then opened again on the same port."""
import socket
import threading
import time

from compat_lib import Config, Database, MangoServer, OurServer, Stats


class Relay:
    """127.0.0.1:<port> -> the database; close() drops the listener and every connection."""

    def __init__(self, target_host, target_port, port=0):
        self.target = (target_host, target_port)
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", port))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.sockets = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source, sink):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        for s in (source, sink):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self):
        self.listener.close()
        with self.lock:
            for s in self.sockets:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()
            self.sockets = []


def test_database_outage_and_recovery(admin, started, tmp_path_factory):
    from deviations import assert_deviation
    config = Config("outage")
    real = admin.provision(config)
    relay = Relay(real.host, real.port)
    via_relay = Database(real.host, relay.port, real.name, real.user, real.password,
                         real.client, real.created_user)
    workdir = tmp_path_factory.mktemp("outage")
    mango = MangoServer(workdir / "mango", config, via_relay)
    ours = OurServer(workdir / "ours", config, via_relay, db_timeout_ms=2000)
    for server in (mango, ours):
        started.append(server)
        server.start()
    for server in (mango, ours):
        assert server.signup(f"out-{server.kind}@example.com")[0] == 200, server.kind
    port = relay.port
    relay.close()
    try:
        started_at = time.time()
        ours_answer = ours.login("out-ours@example.com")
        assert time.time() - started_at < 15
        mango_answer = mango.login("out-mango@example.com")
        Stats.compared += 1
        assert_deviation("store-unavailable", mango_answer, ours_answer)
    finally:
        relay = Relay(real.host, real.port, port=port)
    try:
        deadline = time.time() + 60
        for server in (ours, mango):
            while True:
                status, body = server.login(f"out-{server.kind}@example.com")
                if status == 200 or time.time() > deadline:
                    break
                time.sleep(0.5)
            assert status == 200, (server.kind, "did not recover", body)
    finally:
        relay.close()
