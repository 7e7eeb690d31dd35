#!/usr/bin/env python3
"""A real SMTP server on the loopback for carepki-ra's tests (aiosmtpd).

    smtp_server.py serve --dir DIR [--port N] [--mode accept|reject|tempfail]
                         [--cert PEM --key PEM [--implicit-tls]]
        Listens on 127.0.0.1:N (0: any free port), prints "READY <port>" on
        stdout once it accepts connections, and runs until killed.
        accept:   every message is written to DIR/NNNNNN.eml (the bytes as
                  received), then answered 250.
        reject:   every recipient is answered 550 (no such mailbox).
        tempfail: every message is answered 451 (try again later).
        With --cert and --key the server requires STARTTLS before any mail
        (or, with --implicit-tls, speaks TLS from the first byte).

    smtp_server.py parse FILE
        Prints one received message as JSON, decoded by Python's email
        package (an independent MIME parser): headers, the text and HTML
        bodies, and every attachment with its content type and bytes (hex).
"""

import argparse
import asyncio
import email
import email.policy
import json
import os
import sys


def serve(args):
    from aiosmtpd.smtp import SMTP

    os.makedirs(args.dir, exist_ok=True)

    class Handler:
        count = 0

        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if args.mode == "reject":
                return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
            envelope.rcpt_tos.append(address)
            return "250 2.1.5 Ok"

        async def handle_DATA(self, server, session, envelope):
            if args.mode == "tempfail":
                return "451 4.3.0 Temporary local problem, try again later"
            Handler.count += 1
            data = envelope.original_content or envelope.content
            if isinstance(data, str):
                data = data.encode("utf-8")
            name = os.path.join(args.dir, f"{Handler.count:06d}.eml")
            with open(name + ".tmp", "wb") as f:
                f.write(data)
            os.replace(name + ".tmp", name)
            return "250 2.0.0 Ok: queued"

    tls = None
    if args.cert:
        import ssl

        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(args.cert, args.key)

    def protocol():
        if tls is not None and not args.implicit_tls:
            return SMTP(Handler(), hostname="smtp.test", decode_data=False,
                        tls_context=tls, require_starttls=True)
        return SMTP(Handler(), hostname="smtp.test", decode_data=False)

    async def main():
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            protocol,
            host="127.0.0.1",
            port=args.port,
            ssl=tls if args.implicit_tls else None,
        )
        port = server.sockets[0].getsockname()[1]
        print(f"READY {port}", flush=True)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def parse(args):
    with open(args.file, "rb") as f:
        msg = email.message_from_binary_file(f, policy=email.policy.default)
    out = {
        "subject": str(msg["Subject"]),
        "from": str(msg["From"]),
        "to": str(msg["To"]),
        "message_id": str(msg["Message-ID"]),
        "auto_submitted": str(msg["Auto-Submitted"]),
        "date": str(msg["Date"]),
        "content_type": msg.get_content_type(),
        "text": None,
        "html": None,
        "attachments": [],
    }
    for part in msg.walk():
        if part.is_multipart():
            continue
        if part.get_content_disposition() == "attachment":
            out["attachments"].append({
                "filename": part.get_filename(),
                "content_type": part.get_content_type(),
                "bytes_hex": part.get_payload(decode=True).hex(),
            })
        elif part.get_content_type() == "text/plain":
            out["text"] = part.get_content()
        elif part.get_content_type() == "text/html":
            out["html"] = part.get_content()
    json.dump(out, sys.stdout, ensure_ascii=False)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("serve")
    p.add_argument("--dir", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--mode", choices=["accept", "reject", "tempfail"], default="accept")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--implicit-tls", action="store_true")
    p.set_defaults(run=serve)
    p = sub.add_parser("parse")
    p.add_argument("file")
    p.set_defaults(run=parse)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
