"""Reading YAML with positions: every key and item keeps its line and column.

PyYAML silently keeps the last of two equal keys (a repeated date would overwrite a value);
here that is an error. Positions let schema errors name file, line and column.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ._errors import Location, RuleFileError

Path_ = tuple[str | int, ...]


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """SafeLoader (no Python objects) that refuses duplicate keys; libyaml's where PyYAML has it (a rule pack reads
    in a quarter of the time, every ``check`` loads one), with the same data and positions."""


def _construct_mapping(loader: _Loader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: dict[Any, yaml.Node] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            first = seen[key].start_mark
            raise RuleFileError(
                f"duplicate key '{key_node.value}' (first at line {first.line + 1}): the second would silently replace the first",
                Location(getattr(loader, "name", "<unicode string>"),  # libyaml's loader has a name only when given
                         key_node.start_mark.line + 1, key_node.start_mark.column + 1),
            )
        seen[key] = key_node
    return loader.construct_mapping(node, deep=deep)  # type: ignore[no-any-return]


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


class YamlDocument:
    """A parsed YAML file: its data and the position of every node, by path."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.text = text
        loader = _Loader(text)
        loader.name = str(path)
        try:
            node = loader.get_single_node()
            self.data: Any = loader.construct_document(node) if node is not None else None
        except RuleFileError:
            raise
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark else None
            column = mark.column + 1 if mark else None
            raise RuleFileError(f"YAML syntax: {exc.problem or exc}", Location(path, line, column)) from exc
        finally:
            loader.dispose()
        self.positions: dict[Path_, tuple[int, int]] = {}
        if node is not None:
            self._index(node, ())

    def _index(self, node: yaml.Node, path: Path_) -> None:
        self.positions[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                key_path = path + (str(key_node.value),)
                self._index(value_node, key_path)
                self.positions[key_path] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self._index(item, path + (index,))

    def location(self, path: Path_) -> Location:
        """The closest known position for a path (falls back to its parents)."""
        probe = tuple(str(p) if not isinstance(p, int) else p for p in path)
        while probe and probe not in self.positions:
            probe = probe[:-1]
        line, column = self.positions.get(probe, (None, None))
        return Location(self.path, line, column)


def load_yaml(path: Path) -> YamlDocument:
    """Read a YAML file; errors name the file and position."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleFileError(f"cannot read: {exc}", Location(path)) from exc
    return YamlDocument(path, text)
