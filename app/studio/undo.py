"""An undo stack of commands, without Qt: the studio's edits are done, undone and redone here.

Each edit is a ``Command`` that knows how to ``redo`` and ``undo`` itself. ``UndoStack.push`` does
it and keeps it; ``undo`` and ``redo`` walk the stack; a push after an undo drops what was undone,
as in every editor. It keeps QUndoStack's shape (texts for the menu, ``can_undo``, ``count``) so
the window's Undo and Redo actions map onto it one to one, while the core and its tests run
without a display. ``events`` says ``changed`` after every push, undo, redo and clear.
"""

from __future__ import annotations

from app.events import Events


class Command:
    """One undoable edit; ``text`` is what the Undo and Redo menu items name."""

    def __init__(self, text: str) -> None:
        self.text = text

    def redo(self) -> None:
        raise NotImplementedError

    def undo(self) -> None:
        raise NotImplementedError


class UndoStack:
    """The edits done so far; the ones before ``index`` are in effect, the ones after it undone."""

    def __init__(self) -> None:
        self._commands: list[Command] = []
        self._index = 0
        self.events = Events("changed")

    def push(self, command: Command) -> None:
        """Do ``command`` and keep it on top; the undone commands above are forgotten."""
        command.redo()
        del self._commands[self._index :]
        self._commands.append(command)
        self._index = len(self._commands)
        self.events.emit("changed")

    def undo(self) -> None:
        if self.can_undo:
            self._index -= 1
            self._commands[self._index].undo()
            self.events.emit("changed")

    def redo(self) -> None:
        if self.can_redo:
            self._commands[self._index].redo()
            self._index += 1
            self.events.emit("changed")

    def clear(self) -> None:
        """Forget every command (a new document is open): nothing to undo or redo."""
        self._commands.clear()
        self._index = 0
        self.events.emit("changed")

    @property
    def can_undo(self) -> bool:
        return self._index > 0

    @property
    def can_redo(self) -> bool:
        return self._index < len(self._commands)

    @property
    def undo_text(self) -> str:
        """The text of the command Undo would undo; empty when there is none."""
        return self._commands[self._index - 1].text if self.can_undo else ""

    @property
    def redo_text(self) -> str:
        return self._commands[self._index].text if self.can_redo else ""

    def count(self) -> int:
        """How many commands are kept, done and undone."""
        return len(self._commands)
