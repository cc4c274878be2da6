"""
Packaging for twisted_wsfakes.
"""

from __future__ import annotations

from pathlib import Path

from setuptools import find_packages, setup

# twisted[websocket] brings wsproto, for the tests of twisted.web.websocket;
# websockets is the independent implementation the real-network tests talk to;
# pytest, pytest-xdist and pytest-twisted run the pytest plugin's own tests
# (-n 2 too, and next to pytest-twisted).
_TEST = [
    "hypothesis",
    "pytest>=8",
    "pytest-twisted",
    "pytest-xdist",
    "twisted[websocket]",
    "websockets",
]
_DEV = [*_TEST, "mypy", "mypy-zope", "ruff", "sphinx", "tox"]

setup(
    name="twisted_wsfakes",
    version="0.1.0.dev0",
    description=(
        "Test Twisted and Autobahn websocket code over an in-memory network "
        "on a fake clock."
    ),
    long_description=(Path(__file__).parent / "README.rst").read_text("utf-8"),
    long_description_content_type="text/x-rst",
    python_requires=">=3.11",
    packages=find_packages(include=["twisted_wsfakes", "twisted_wsfakes.*"]),
    package_data={"twisted_wsfakes": ["py.typed", "data/*.jsonl"]},
    install_requires=[
        "twisted",
        "autobahn[twisted]",
        "zope.interface",
        "attrs",
    ],
    extras_require={"test": _TEST, "dev": _DEV},
    entry_points={
        "console_scripts": ["twisted-wsfakes = twisted_wsfakes.cli:main"],
        "pytest11": ["twisted_wsfakes = twisted_wsfakes.pytestplugin"],
    },
    classifiers=[
        "Development Status :: 2 - Pre-Alpha",
        "Framework :: Twisted",
        "Intended Audience :: Developers",
        "Programming Language :: Python :: 3",
        "Programming Language :: Python :: 3 :: Only",
        "Topic :: Software Development :: Testing",
        "Typing :: Typed",
    ],
)
