"""HATIX and HarzCard in the cockpit (issue 19): the port `ticket_counts` is filled by the
tickets app in its AppConfig.ready() (owner: T4 helper completes this module)."""

from __future__ import annotations

from collections.abc import Callable

from openkreis.core.registry import Registry

ticket_counts: Registry[Callable] = Registry("ticket counts")
