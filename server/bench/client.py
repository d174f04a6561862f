"""A keep-alive HTTP client for the bench scripts: JSON by default, the session cookie kept."""
import http.client
import statistics
import time


class Client:
    def __init__(self, port):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port)
        self.cookie = ""

    def call(self, method, path, body=None, headers=None):
        h = {"Accept": "application/json"}
        if self.cookie:
            h["Cookie"] = self.cookie
        h.update(headers or {})
        self.conn.request(method, path, body=body, headers=h)
        r = self.conn.getresponse()
        data = r.read()
        for k, v in r.getheaders():
            if k.lower() == "set-cookie":
                self.cookie = v.split(";")[0]
        return r.status, data

    def log_in(self, username, password):
        status, _ = self.call("POST", "/api/login", f"username={username}&password={password}",
                              {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 200, status

    def timed(self, path, n=100):
        """Median and p90 of `n` server-side renders of a page, and its size."""
        times = []
        size = 0
        for _ in range(n):
            t = time.perf_counter()
            status, body = self.call("GET", path, headers={"Accept": "text/html"})
            times.append(time.perf_counter() - t)
            size = len(body)
            assert status == 200, status
        times.sort()
        return (f"median {1000 * statistics.median(times):.1f} ms, "
                f"p90 {1000 * times[int(len(times) * 0.9)]:.1f} ms ({size / 1000:.0f} KB of HTML)")
