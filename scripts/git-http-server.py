#!/usr/bin/env python3
"""A git smart-HTTP server for the demo: `git http-backend` (CGI) behind a
check that the request carries a token the mock server accepts right now
(Bearer, or Basic with the token as the password). Listens on 127.0.0.1,
prints {"url": ...} when ready, and exits when its stdin closes.

    git-http-server.py REPO_ROOT MOCK_URL
"""
import base64, http.server, json, os, subprocess, sys, threading, urllib.request, urllib.error

root, mock = sys.argv[1], sys.argv[2]


def token_of(header):
    scheme, _, rest = (header or "").partition(" ")
    if scheme == "Bearer":
        return rest.strip()
    if scheme == "Basic":
        try:
            return base64.b64decode(rest.strip()).decode().partition(":")[2]
        except ValueError:
            return None
    return None


def accepted(token):
    req = urllib.request.Request(mock + "/api/things", headers={"Authorization": "Bearer " + token})
    try:
        return urllib.request.urlopen(req, timeout=5).status == 200
    except urllib.error.URLError:
        return False


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def serve(self):
        token = token_of(self.headers.get("Authorization"))
        if not token or not accepted(token):
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Bearer realm="git"')
            self.send_header("WWW-Authenticate", 'Basic realm="git"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        path, _, query = self.path.partition("?")
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        env = dict(os.environ, GIT_PROJECT_ROOT=root, GIT_HTTP_EXPORT_ALL="1", REQUEST_METHOD=self.command,
                   PATH_INFO=path, QUERY_STRING=query, CONTENT_TYPE=self.headers.get("Content-Type", ""),
                   CONTENT_LENGTH=str(len(body)), GIT_PROTOCOL=self.headers.get("Git-Protocol", ""),
                   HTTP_CONTENT_ENCODING=self.headers.get("Content-Encoding", ""), REMOTE_USER="demo")
        out = subprocess.run(["git", "http-backend"], input=body, env=env, capture_output=True).stdout
        head, _, rest = out.partition(b"\r\n\r\n")
        headers = [l.split(":", 1) for l in head.decode().split("\r\n") if ":" in l]
        status = next((int(v.split()[0]) for k, v in headers if k.lower() == "status"), 200)
        self.send_response(status)
        for k, v in headers:
            if k.lower() != "status":
                self.send_header(k, v.strip())
        self.send_header("Content-Length", str(len(rest)))
        self.end_headers()
        self.wfile.write(rest)

    do_GET = do_POST = serve


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(json.dumps({"url": "http://127.0.0.1:%d" % server.server_address[1]}, separators=(",", ":")), flush=True)
threading.Thread(target=server.serve_forever, daemon=True).start()
sys.stdin.read()
