"""
Tests of the pytest plugin.  They run under pytest, not trial (they use
pytest's ``pytester``)::

    python -m pytest -p pytester twisted_wsfakes/test/plugin
"""
