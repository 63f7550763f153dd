#!/usr/bin/python3
"""Qpid Proton producer for the tallyhub end-to-end tests (run with /usr/bin/python3).

Reads JSON lines from stdin, each {"type": "OrderCreated", "body": {...} | "raw text", "id": "..."},
and sends one message per line to URL (amqp://[user:pass@]host:port/address): subject = type,
content-type application/json, message-id = id (or a counter), the body as one data section (a
"raw" string is sent byte for byte). Waits for every outcome and prints one JSON summary line:
  {"accepted": n, "rejected": n, "released": n, "modified": n,
   "rejections": [{"index": i, "condition": "...", "description": "..."}], "error": null | "..."}
Exit code 0 when every message was settled by the peer, 1 otherwise.

Options: --durable (target durable=2, durable messages: declares a durable RabbitMQ queue),
--mechs "PLAIN" (allowed SASL mechanisms), --timeout seconds, --presettled (send settled).
"""
import argparse
import json
import sys
from urllib.parse import urlparse, unquote

from proton import Message, Terminus
from proton.handlers import MessagingHandler
from proton.reactor import Container, AtMostOnce


class Sender(MessagingHandler):
    def __init__(self, url, items, args):
        super().__init__(auto_settle=True)
        self.url = url
        self.items = items
        self.args = args
        self.sent = 0
        self.settled = 0
        self.summary = {"accepted": 0, "rejected": 0, "released": 0, "modified": 0,
                        "rejections": [], "error": None}
        self.index_of = {}

    def on_start(self, event):
        u = urlparse(self.url)
        address = unquote(u.path[1:]) if u.path else ""
        kw = {"allowed_mechs": self.args.mechs, "heartbeat": 30}
        if u.username is not None:
            kw["user"] = unquote(u.username)
            kw["password"] = unquote(u.password or "")
        conn = event.container.connect(f"amqp://{u.hostname}:{u.port or 5672}", **kw)
        opts = [AtMostOnce()] if self.args.presettled else None
        self.sender = event.container.create_sender(conn, address, options=opts)
        if self.args.durable:
            self.sender.target.durability = Terminus.DELIVERIES
        event.container.schedule(self.args.timeout, self)

    def on_timer_task(self, event):
        self.summary["error"] = f"timeout after {self.args.timeout} s: {self.settled} of {len(self.items)} settled"
        event.container.stop()

    def on_sendable(self, event):
        while event.sender.credit and self.sent < len(self.items):
            item = self.items[self.sent]
            body = item["body"]
            data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
            m = Message(id=item.get("id", f"m-{self.sent}"), subject=item.get("type"),
                        content_type="application/json", durable=self.args.durable)
            if item.get("messageType") is not None:
                m.properties = {"MessageType": item["messageType"]}
            m.body = data
            m.inferred = True  # bytes -> one data section
            d = event.sender.send(m)
            self.index_of[str(d.tag)] = self.sent
            self.sent += 1
            if self.args.presettled:
                self.settled += 1
        if self.args.presettled and self.settled == len(self.items):
            event.connection.close()

    def _done(self, event):
        self.settled += 1
        if self.settled == len(self.items):
            event.connection.close()

    def on_accepted(self, event):
        self.summary["accepted"] += 1
        self._done(event)

    def on_rejected(self, event):
        self.summary["rejected"] += 1
        cond = event.delivery.remote.condition
        self.summary["rejections"].append({
            "index": self.index_of.get(str(event.delivery.tag), -1),
            "condition": cond.name if cond else None,
            "description": cond.description if cond else None})
        self._done(event)

    def on_released(self, event):
        state = event.delivery.remote_state
        key = "modified" if state == event.delivery.MODIFIED else "released"
        self.summary[key] += 1
        self._done(event)

    def on_connection_closed(self, event):
        event.container.stop()

    def on_transport_error(self, event):
        cond = event.transport.condition
        self.summary["error"] = f"{cond.name}: {cond.description}" if cond else "transport error"
        event.container.stop()

    def on_link_error(self, event):
        cond = event.link.remote_condition
        self.summary["error"] = f"{cond.name}: {cond.description}" if cond else "link error"
        event.container.stop()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("url")
    p.add_argument("--durable", action="store_true")
    p.add_argument("--presettled", action="store_true")
    p.add_argument("--mechs", default="ANONYMOUS PLAIN")
    p.add_argument("--timeout", type=float, default=60.0)
    args = p.parse_args()
    items = [json.loads(line) for line in sys.stdin if line.strip()]
    s = Sender(args.url, items, args)
    Container(s).run()
    print(json.dumps(s.summary))
    complete = s.summary["error"] is None and (args.presettled or s.settled == len(items))
    sys.exit(0 if complete else 1)


if __name__ == "__main__":
    main()
