"""
HTTP helpers for the tests of websockets served inside twisted.web Sites.
"""

from __future__ import annotations

from twisted.internet.defer import Deferred
from twisted.web.client import Agent, readBody
from twisted.web.iweb import IResponse

from ..network import FakeReactor


def httpGet(reactor: FakeReactor, url: str) -> tuple[int, bytes]:
    """
    GET ``url`` with twisted.web's ``Agent`` on ``reactor``, flush, and
    return the response's status code and body.
    """
    answers: list[tuple[int, bytes]] = []

    def withBody(response: IResponse) -> Deferred[None]:
        return readBody(response).addCallback(
            lambda body: answers.append((response.code, body))
        )

    Agent(reactor).request(b"GET", url.encode("ascii")).addCallback(withBody)
    reactor.flush()
    assert answers, f"GET {url} got no answer"
    return answers[0]
