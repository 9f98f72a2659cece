"""One registry pattern for every pluggable part (payments, search backends, mailbox
delivery, form prefill and registration, intake steps, county data loaders, personal data).

A lower app owns a `Registry` and says what a plugin must offer (a Protocol next to the
registry); a higher app, or the lower app itself, registers plugins by id — usually in its
`AppConfig.ready()`. That is how a low app reaches a higher one without importing it (a
*port*): the eAkte delivers into the citizen's mailbox through the `delivery_channels`
registry that `accounts` fills, never through `import openkreis.accounts`.

Modelled on Open Forms' plugins registry: ids are unique (a second registration under the
same id is a programming error and raises), plugins keep their order (registration order,
or an explicit `order`), and `enabled()` hides plugins that say they cannot run here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class UnknownPlugin(LookupError):
    """No plugin is registered under this id (a configuration error: the message names it)."""


class Registry(Generic[T]):
    """Plugins of one kind, by id.

    `register("id", plugin)` or, as a decorator, `@registry.register("id")`. A plugin may
    have `label` (for choices) and `is_enabled()` (for `enabled()`); both are optional.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._plugins: dict[str, tuple[int, T]] = {}
        self._counter = 0

    def register(self, plugin_id: str, plugin: T | None = None, *, order: int | None = None):
        """Register `plugin` under `plugin_id`; without `plugin`, return a decorator."""
        if plugin is None:

            def decorator(obj: T) -> T:
                self.register(plugin_id, obj, order=order)
                return obj

            return decorator
        if plugin_id in self._plugins:
            raise ValueError(f"{self.name}: a plugin with id {plugin_id!r} is already registered")
        self._counter += 1
        self._plugins[plugin_id] = (self._counter if order is None else order, plugin)
        return plugin

    def unregister(self, plugin_id: str) -> None:
        """Remove a plugin (tests and deployments that replace a shipped plugin)."""
        self._plugins.pop(plugin_id, None)

    def __getitem__(self, plugin_id: str) -> T:
        try:
            return self._plugins[plugin_id][1]
        except KeyError:
            known = ", ".join(self.ids()) or "none"
            raise UnknownPlugin(
                f"{self.name}: no plugin {plugin_id!r} (registered: {known})"
            ) from None

    def get(self, plugin_id: str, default: Any = None) -> T | Any:
        entry = self._plugins.get(plugin_id)
        return entry[1] if entry else default

    def __contains__(self, plugin_id: object) -> bool:
        return plugin_id in self._plugins

    def __len__(self) -> int:
        return len(self._plugins)

    def items(self) -> list[tuple[str, T]]:
        """(id, plugin) pairs in order."""
        ordered = sorted(self._plugins.items(), key=lambda kv: kv[1][0])
        return [(plugin_id, plugin) for plugin_id, (_order, plugin) in ordered]

    def ids(self) -> list[str]:
        return [plugin_id for plugin_id, _plugin in self.items()]

    def __iter__(self) -> Iterator[T]:
        return iter([plugin for _id, plugin in self.items()])

    def enabled(self) -> list[T]:
        """The plugins that can run in this installation, in order."""
        return [p for p in self if _call(getattr(p, "is_enabled", None), default=True)]

    def choices(self) -> list[tuple[str, str]]:
        """(id, label) for a form's select."""
        return [(pid, str(getattr(p, "label", pid))) for pid, p in self.items()]


def _call(func: Callable[[], Any] | None, *, default: Any) -> Any:
    return default if func is None else func()
