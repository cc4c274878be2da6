"""
The script layer: what a scripted websocket peer does and expects.

  - `.render`: how steps spell themselves in reprs and reports.
  - `.checks`: argument checks, raising `ScriptError`.
  - `.message`: `Message`, one whole message from the other side.
  - `.matching`: what arrives, matched against what a step expects.
  - `.steps`: `Step`, the base of every step, and the steps that act:
    send, ping, wait, close, closeTCP, goSilent, reject.
  - `.expects`: the steps that check what arrives: expectHandshake,
    expectText, expectBinary, expectJSON, expectMessage, expectClose, and
    reply, which checks a message and answers it.
  - `.blocks`: the steps made of steps, inAnyOrder and repeat, and
    `AnyStep`, the closed union of every kind of step.
  - `.builders`: the functions a test writes steps with.
  - `.replay`: the steps that replay one side of a transcript.
  - `.script`: the `Script` container.

Each imports only those above it in this list and the package's lower
modules (errors, differences, matchers, jsonpath, transcript).  The public
names are gathered in `twisted_wsfakes.script` and `twisted_wsfakes`.
"""
