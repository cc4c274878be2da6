"""
Test Twisted and Autobahn websocket code over an in-memory network, on a fake
clock, inside trial's ``SynchronousTestCase``.
"""
