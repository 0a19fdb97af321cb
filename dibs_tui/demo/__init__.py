"""The demo: the Acme Tracker sample project (package data in `project/`) and the builder of its database."""

from .build import DemoInfo, build_demo

__all__ = ["DemoInfo", "build_demo"]
