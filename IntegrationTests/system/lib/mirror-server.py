#!/usr/bin/python3
"""The local release mirror: serves a folder laid out like github.com release downloads, on
127.0.0.1 only, logging one line per request ("<method> <path> <status>") to an access log.

Faults are read from a control file on every request, one per line, so a test can switch
them on and off without restarting the server:
    cutoff <path>          send the full Content-Length, then only half the bytes, then close
    swap <path> <file>     serve <file>'s bytes instead (an artifact that does not verify)
    fail <path>            answer 500
    redirect <path> <url>  answer 302 with Location: <url>

A path under /moved/ serves the file of the path without that prefix: a redirect target.

usage: mirror-server.py <root> <port> <access-log> <control-file> [<tls-pem>]

With <tls-pem> (certificate and key in one file) it serves HTTPS: `verify: published` is only
allowed over an https mirror.
"""
import http.server
import os
import ssl
import sys
import urllib.parse

ROOT, PORT, ACCESS_LOG, CONTROL = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]


def faults():
    rules = {}
    try:
        with open(CONTROL) as f:
            for line in f:
                words = line.split()
                if len(words) >= 2:
                    rules[words[1]] = words
    except FileNotFoundError:
        pass
    return rules


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def record(self, status):
        with open(ACCESS_LOG, "a") as f:
            f.write(f"{self.command} {self.path} {status}\n")

    def do_HEAD(self):
        self.serve(body=False)

    def do_GET(self):
        self.serve(body=True)

    def serve(self, body):
        path = urllib.parse.urlsplit(self.path).path
        rule = faults().get(path)
        if rule and rule[0] == "fail":
            self.record(500)
            self.send_error(500)
            return
        if rule and rule[0] == "redirect":
            self.record(302)
            self.send_response(302)
            self.send_header("Location", rule[2])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if path.startswith("/moved/"):
            path = path[len("/moved"):]
        local = os.path.normpath(os.path.join(ROOT, path.lstrip("/")))
        if rule and rule[0] == "swap":
            local = rule[2]
        swapped = bool(rule and rule[0] == "swap")
        if (not swapped and not local.startswith(ROOT + "/")) or not os.path.isfile(local):
            self.record(404)
            self.send_error(404)
            return
        with open(local, "rb") as f:
            data = f.read()
        cut = bool(rule and rule[0] == "cutoff")
        self.record("200-cutoff" if cut else 200)
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(data)))
        if cut:
            self.send_header("Connection", "close")
        self.end_headers()
        if not body:
            return
        if cut:
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(data)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
if len(sys.argv) > 5:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sys.argv[5])
    server.socket = context.wrap_socket(server.socket, server_side=True)
server.serve_forever()
