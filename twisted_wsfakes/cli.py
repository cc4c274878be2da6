"""
The ``twisted-wsfakes`` command: record, proxy, serve, show, demo.

``main`` parses the arguments and runs the real reactor; `run` does the
work on any reactor and returns a Deferred of the exit code, so tests run
it in-process.  Errors a user can cause print one line and exit 2.

It imports ``errors``, ``realnet.capture``, ``realnet.demo``,
``realnet.proxy``, ``realnet.record``, ``realnet.serve``, ``script`` and
``transcript`` (``renderMermaid`` included) from this package.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NoReturn, TextIO, cast

from twisted.internet.defer import Deferred, succeed
from twisted.internet.error import ReactorNotRunning
from twisted.python.failure import Failure

from .errors import UsageError, WsFakesError
from .realnet.capture import Traffic
from .realnet.demo import runDemo
from .realnet.proxy import proxy
from .realnet.record import record
from .realnet.serve import serveScript
from .script import Script
from .transcript import Event, Side, Transcript, renderMermaid

PROGRAM = "twisted-wsfakes"
USER_ERROR = 2
FAILED = 1


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line, not argparse's usage block.
        raise UsageError(f"{self.prog}: {message} (see {self.prog} --help)")


def _addRedaction(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--redact-header",
        action="append",
        default=[],
        metavar="NAME",
        help="redact this header's value too (Authorization, Cookie, Set-Cookie, "
        "Proxy-Authorization and Sec-WebSocket-Key/-Accept always are)",
    )
    parser.add_argument(
        "--redact-json",
        action="append",
        default=[],
        metavar="PATH",
        help="redact this field of JSON messages, e.g. $.token or $.auth.*",
    )
    parser.add_argument(
        "--no-redact", action="store_true", help="keep every value as it was"
    )


def buildParser() -> argparse.ArgumentParser:
    """
    The argument parser of every subcommand.
    """
    parser = _Parser(
        prog=PROGRAM,
        description="Record, proxy and serve websocket conversations as "
        "transcripts and scripts.",
    )
    commands = parser.add_subparsers(
        dest="command", required=True, parser_class=_Parser
    )

    recording = commands.add_parser("record", help="record a live exchange")
    recording.add_argument("url", help="ws://HOST[:PORT][/PATH]")
    recording.add_argument(
        "--send",
        action="append",
        default=[],
        metavar="TEXT|@FILE",
        help="a message to send once open (@FILE sends the file's content: "
        "text if UTF-8, else binary); repeat for more",
    )
    recording.add_argument(
        "--header", action="append", default=[], metavar="K:V", help="a request header"
    )
    recording.add_argument(
        "--subprotocol", action="append", default=[], help="a subprotocol to offer"
    )
    until = recording.add_mutually_exclusive_group()
    until.add_argument(
        "--duration", type=float, metavar="S", help="close after S seconds"
    )
    until.add_argument(
        "--until-close",
        action="store_true",
        help="record until the server closes (the default; Ctrl-C stops too)",
    )
    recording.add_argument("-o", "--output", required=True, metavar="FILE")
    recording.add_argument("--force", action="store_true", help="replace FILE")
    _addRedaction(recording)

    proxying = commands.add_parser("proxy", help="a recording proxy")
    proxying.add_argument("--listen", required=True, metavar="[HOST:]PORT")
    proxying.add_argument("--target", required=True, metavar="URL")
    proxying.add_argument("-o", "--output", required=True, metavar="DIR")
    _addRedaction(proxying)

    serving = commands.add_parser("serve", help="play a transcript or Script")
    serving.add_argument("source", metavar="FILE|module:attr")
    serving.add_argument("--port", type=int, required=True)
    serving.add_argument("--host", default="127.0.0.1")
    serving.add_argument(
        "--once", action="store_true", help="exit after the first connection ends"
    )
    serving.add_argument(
        "--role",
        choices=["server"],
        default="server",
        help="the transcript's side to play (a listening socket is the server)",
    )
    serving.add_argument(
        "--ignore-field",
        action="append",
        default=[],
        metavar="KEY",
        help="a JSON key whose value may differ from the recording",
    )

    showing = commands.add_parser("show", help="draw a transcript")
    showing.add_argument("file")
    showing.add_argument("--format", choices=["text", "mermaid"], default="text")

    commands.add_parser("demo", help="record, replay and test, on loopback")
    return parser


def run(reactor: Any, argv: Sequence[str], out: TextIO, err: TextIO) -> Deferred[int]:
    """
    Run the command ``argv`` on ``reactor``, writing to ``out`` and ``err``.

    :returns: a Deferred of the exit code: 0 done, 1 a script failed, 2 an
        error the user can fix (its one line written to ``err``).
    """

    def userError(message: str) -> int:
        err.write(f"{PROGRAM}: error: {message}\n")
        return USER_ERROR

    try:
        args = buildParser().parse_args(argv)
        command = _COMMANDS[args.command]
        result = command(reactor, args, out, err)
    except (WsFakesError, OSError) as e:
        return succeed(userError(_oneLine(e)))

    def failed(failure: Failure) -> int:
        failure.trap(WsFakesError, OSError)
        return userError(_oneLine(cast(BaseException, failure.value)))

    return result.addErrback(failed)


def _oneLine(error: BaseException) -> str:
    if isinstance(error, OSError) and error.filename is not None:
        return f"{error.filename}: {error.strerror}; check the path"
    return " ".join(str(error).split("\n")[0].split())


# -- record


def _record(
    reactor: Any, args: argparse.Namespace, out: TextIO, err: TextIO
) -> Deferred[int]:
    sends = [_message(text) for text in args.send]
    headers = dict(_header(text) for text in args.header)
    progress = _Progress(err) if err.isatty() else None
    recording = record(
        args.url,
        sends,
        reactor=reactor,
        output=args.output,
        overwrite=args.force,
        headers=headers,
        subprotocols=args.subprotocol,
        duration=args.duration,
        redactHeaders=args.redact_header,
        redactJSON=args.redact_json,
        redact=not args.no_redact,
        onEvent=progress.event if progress else None,
    )

    def done(transcript: Transcript) -> int:
        if progress is not None:
            progress.finish(f"recorded {len(transcript)} events to {args.output}")
        return 0

    return recording.addCallback(done)


def _message(text: str) -> str | bytes:
    if not text.startswith("@"):
        return text
    with open(text[1:], "rb") as file:
        content = file.read()
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return content


def _header(text: str) -> tuple[str, str]:
    name, colon, value = text.partition(":")
    if not colon or not name.strip():
        raise UsageError(f"--header {text!r} is not NAME:VALUE")
    return name.strip(), value.strip()


class _Progress:
    """
    One line on a terminal, rewritten as events come.
    """

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.start = time.monotonic()

    def event(self, event: Event, traffic: Mapping[Side, Traffic]) -> None:
        sent, got = traffic["client"], traffic["server"]
        self.stream.write(
            f"\r{time.monotonic() - self.start:6.1f}s  "
            f"sent {sent.frames} frames ({sent.bytes:,} B)  "
            f"received {got.frames} frames ({got.bytes:,} B)"
        )
        self.stream.flush()

    def finish(self, line: str) -> None:
        self.stream.write(f"\n{line}\n")


# -- proxy


def _proxy(
    reactor: Any, args: argparse.Namespace, out: TextIO, err: TextIO
) -> Deferred[int]:
    host, port = _listenAddress(args.listen)

    def note(line: str) -> None:
        out.write(line + "\n")
        out.flush()

    listening = proxy(
        reactor,
        args.target,
        args.output,
        port=port,
        host=host,
        redactHeaders=args.redact_header,
        redactJSON=args.redact_json,
        redact=not args.no_redact,
        onNote=note,
    )
    address = listening.getHost()
    note(
        f"proxying ws://{host}:{address.port} -> {args.target}; transcripts in "  # type: ignore[attr-defined]
        f"{args.output}; Ctrl-C stops"
    )
    return _untilShutdown(reactor, lambda: 0)


def _listenAddress(text: str) -> tuple[str, int]:
    host, colon, port = text.rpartition(":")
    try:
        number = int(port)
    except ValueError:
        raise UsageError(f"--listen {text!r} is not [HOST:]PORT") from None
    return (host.strip("[]") if colon and host else "127.0.0.1"), number


def _untilShutdown(reactor: Any, code: Callable[[], int]) -> Deferred[int]:
    """
    A Deferred that fires with ``code()`` when the reactor is stopped
    (Ctrl-C).
    """
    stopped: Deferred[int] = Deferred()

    def stopping() -> None:
        if not stopped.called:
            stopped.callback(code())

    reactor.addSystemEventTrigger("before", "shutdown", stopping)
    return stopped


# -- serve


def _serve(
    reactor: Any, args: argparse.Namespace, out: TextIO, err: TextIO
) -> Deferred[int]:
    scripts = _scripts(args.source, args.ignore_field)
    failures: list[int] = []
    finished: Deferred[int] = Deferred()

    def ended(number: int, problem: str | None) -> None:
        if problem is None:
            out.write(f"connection {number}: ok, the script played to its end\n")
        else:
            failures.append(number)
            out.write(f"connection {number}: FAILED\n{problem}\n")
        out.flush()
        if args.once and not finished.called:
            server.stopListening()
            finished.callback(FAILED if failures else 0)

    server = serveScript(reactor, args.port, scripts, host=args.host, onEnd=ended)
    out.write(f"serving {args.source} on {server.url}; Ctrl-C stops\n")
    out.flush()
    if args.once:
        return finished
    return _untilShutdown(reactor, lambda: FAILED if failures else 0)


def _scripts(source: str, ignoreFields: Sequence[str]) -> list[Script]:
    """
    What ``serve`` plays: a transcript file's server side, or the Script,
    Transcript, or list of them that ``module:attr`` names.
    """
    if os.path.exists(source) or ":" not in source:
        value: Any = Transcript.load(source)
    else:
        value = _importValue(source)
    values = value if isinstance(value, list | tuple) else [value]
    scripts = []
    for item in values:
        if isinstance(item, Transcript):
            item = Script.fromTranscript(item, ignoreFields=ignoreFields)
        if not isinstance(item, Script):
            raise UsageError(
                f"{source} is {item!r}: serve plays a Script, a Transcript, or a "
                "list of them"
            )
        scripts.append(item)
    if not scripts:
        raise UsageError(f"{source} is an empty list: give at least one Script")
    return scripts


def _importValue(source: str) -> Any:
    module, _, attribute = source.partition(":")
    # As `python -m` does: modules next to the user are found.
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        value = importlib.import_module(module)
    except ImportError as e:
        raise UsageError(f"cannot import {module}: {e}; is it on the path?") from None
    for name in attribute.split("."):
        if not hasattr(value, name):
            raise UsageError(f"{module} has no {attribute}; check module:attr")
        value = getattr(value, name)
    return value


# -- show and demo


def _show(
    reactor: Any, args: argparse.Namespace, out: TextIO, err: TextIO
) -> Deferred[int]:
    transcript = Transcript.load(args.file)
    text = (
        renderMermaid(transcript) if args.format == "mermaid" else transcript.render()
    )
    out.write(text + "\n")
    return succeed(0)


def _demo(
    reactor: Any, args: argparse.Namespace, out: TextIO, err: TextIO
) -> Deferred[int]:
    return runDemo(reactor, out)


_COMMANDS: dict[
    str, Callable[[Any, argparse.Namespace, TextIO, TextIO], Deferred[int]]
] = {
    "record": _record,
    "proxy": _proxy,
    "serve": _serve,
    "show": _show,
    "demo": _demo,
}


def main(argv: Sequence[str] | None = None) -> int:
    """
    The console script: run the command on the real reactor and return
    its exit code (130 when stopped by Ctrl-C before it finished).
    """
    # Imported at the call, as Twisted programs do: importing this module
    # must not install the default reactor.
    from twisted.internet import reactor

    codes: list[int] = []
    result = run(
        reactor, sys.argv[1:] if argv is None else argv, sys.stdout, sys.stderr
    )

    def finish(code: int) -> None:
        codes.append(code)
        try:
            reactor.stop()
        except ReactorNotRunning:
            pass

    result.addCallback(finish)
    if not codes:
        reactor.run()
    return codes[0] if codes else 130
