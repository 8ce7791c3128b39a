"""Chatting with an agent: the conversation so far, and how it reaches the graph's inputs.

The rule (the playground's Chat tab says the same in its tooltip):

* an Input named ``messages`` (of type list, json or any) gets the whole conversation as a list of
  ``{"role": "user" | "assistant", "content": text}``, ending with the new user message;
* otherwise the first text Input gets the new user message, and an Input named ``history`` (if the
  graph has one) gets the turns before it, in the same form, ready for the LLM node's history port;
* every other Input takes its value from the form (or its default);
* the reply is the value of the first Output node, streamed while it arrives.

A reply that failed or was cancelled stays in the transcript, but neither it nor the message it
answered is sent again: the agent sees only exchanges that completed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from app.studio.graph import Graph

MESSAGES_INPUT = "messages"
HISTORY_INPUT = "history"
_LIST_TYPES = {"list", "json", "any"}

Role = Literal["user", "assistant"]
TurnState = Literal["done", "pending", "streaming", "error", "cancelled"]


class ChatUnsupported(ValueError):
    """The graph has no input a chat message can go to; the message says what to add."""


def _inputs(graph: Graph) -> list[tuple[str, str]]:
    return [
        (str(n.config.get("name", "input")), str(n.config.get("type", "text")))
        for n in graph.nodes
        if n.type == "input"
    ]


def chat_target(graph: Graph) -> tuple[str, bool]:
    """The Input a message goes to, and whether it gets the whole conversation (``messages``) rather
    than the message alone; raises ``ChatUnsupported`` when there is none."""
    inputs = _inputs(graph)
    if any(name == MESSAGES_INPUT and kind in _LIST_TYPES for name, kind in inputs):
        return MESSAGES_INPUT, True
    text = next((name for name, kind in inputs if kind == "text" and name != HISTORY_INPUT), None)
    if text is None:
        raise ChatUnsupported(
            "this agent has no text input for a chat message: add an Input named 'messages' (list) "
            "or a text Input"
        )
    return text, False


def reply_output(graph: Graph) -> tuple[str, str] | None:
    """(node id, output name) of the first Output node: the assistant's reply."""
    node = next((n for n in graph.nodes if n.type == "output"), None)
    return None if node is None else (node.id, str(node.config.get("name", "output")))


def as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


@dataclass
class Turn:
    role: Role
    content: str
    state: TurnState = "done"
    error: str = ""


class Conversation:
    """The turns of one chat. The view renders them; the rule above turns them into run inputs."""

    def __init__(self) -> None:
        self.turns: list[Turn] = []

    @property
    def pending(self) -> Turn | None:
        """The user message waiting for its reply, if any."""
        last = self.turns[-1] if self.turns else None
        return last if last is not None and last.role == "user" and last.state == "pending" else None

    @property
    def replying(self) -> Turn | None:
        last = self.turns[-1] if self.turns else None
        return last if last is not None and last.role == "assistant" and last.state == "streaming" else None

    def send(self, text: str) -> Turn:
        if self.pending is not None or self.replying is not None:
            raise ValueError("wait for the reply before sending another message")
        turn = Turn("user", text, "pending")
        self.turns.append(turn)
        return turn

    def withdraw(self) -> str | None:
        """Take back the pending message (its run did not start); returns its text."""
        turn = self.pending
        if turn is None:
            return None
        self.turns.pop()
        return turn.content

    def begin_reply(self) -> Turn:
        user = self.pending
        if user is not None:
            user.state = "done"
        turn = Turn("assistant", "", "streaming")
        self.turns.append(turn)
        return turn

    def add_token(self, text: str) -> None:
        if self.replying is not None:
            self.replying.content += text

    def finish(self, value: Any) -> None:
        turn = self.replying
        if turn is not None:
            turn.content, turn.state = as_text(value), "done"

    def fail(self, error: str, cancelled: bool = False) -> None:
        turn = self.replying
        if turn is not None:
            turn.state, turn.error = ("cancelled" if cancelled else "error"), error

    def clear(self) -> None:
        self.turns = []

    def messages(self) -> list[dict[str, str]]:
        """What the agent sees: completed exchanges, then the pending message if there is one."""
        out: list[dict[str, str]] = []
        for i, turn in enumerate(self.turns):
            if turn.role == "user":
                reply = self.turns[i + 1] if i + 1 < len(self.turns) else None
                answered = reply is not None and reply.role == "assistant" and reply.state == "done"
                if answered or turn.state == "pending":
                    out.append({"role": "user", "content": turn.content})
            elif turn.state == "done":
                out.append({"role": "assistant", "content": turn.content})
        return out


def chat_inputs(graph: Graph, conversation: Conversation, form: Mapping[str, Any]) -> dict[str, Any]:
    """The run inputs for the conversation's pending message, on top of the ``form`` values."""
    if conversation.pending is None:
        raise ValueError("type a message, then press Enter to send it")
    target, whole = chat_target(graph)
    messages = conversation.messages()
    values = dict(form)
    if whole:
        values[target] = messages
        return values
    values[target] = messages[-1]["content"]
    if any(name == HISTORY_INPUT for name, _kind in _inputs(graph)):
        values[HISTORY_INPUT] = messages[:-1]
    return values
