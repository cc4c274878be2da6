"""
The script layer: what a scripted websocket peer does and expects.

  - `.render`: how steps spell themselves in reprs and reports.
  - `.checks`: argument checks, raising `ScriptError`.
  - `.message`: `Message`, one whole message from the other side.
  - `.matching`: what arrives, matched against what a step expects.
  - `.steps`: the step values, a closed union (`AnyStep`).
  - `.builders`: the functions a test writes steps with.
  - `.replay`: the steps that replay one side of a transcript.
  - `.script`: the `Script` container.

Each imports only those above it in this list and the package's lower
modules (errors, differences, matchers, jsonpath, transcript).  The public
names are gathered in `twisted_wsfakes.script` and `twisted_wsfakes`.
"""
