"""The chat rule: what a conversation becomes on the graph's inputs, and which turns the agent sees."""

from __future__ import annotations

import pytest

from app.studio.chat import ChatUnsupported, Conversation, chat_inputs, chat_target, reply_output
from app.studio.graph import Graph


def graph(*inputs: tuple[str, str], outputs: tuple[str, ...] = ("reply",)) -> Graph:
    nodes = [
        {"id": f"in_{name}", "type": "input", "config": {"name": name, "type": kind}} for name, kind in inputs
    ]
    nodes += [{"id": f"out_{name}", "type": "output", "config": {"name": name}} for name in outputs]
    return Graph.model_validate({"nodes": nodes})


def talk(*exchanges: tuple[str, str]) -> Conversation:
    chat = Conversation()
    for user, reply in exchanges:
        chat.send(user)
        chat.begin_reply()
        chat.finish(reply)
    return chat


def test_messages_input_gets_the_whole_conversation() -> None:
    chat = talk(("hi", "hello!"))
    chat.send("how are you?")
    values = chat_inputs(graph(("messages", "list"), ("tone", "text")), chat, {"tone": "dry"})
    assert values == {
        "tone": "dry",
        "messages": [
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": "hello!"},
            {"role": "user", "content": "how are you?"},
        ],
    }


def test_otherwise_the_first_text_input_gets_the_message_and_history_the_turns_before() -> None:
    chat = talk(("hi", "hello!"))
    chat.send("and you?")
    g = graph(("count", "number"), ("history", "list"), ("question", "text"), ("extra", "text"))
    values = chat_inputs(g, chat, {"count": 3})
    assert values == {
        "count": 3,
        "question": "and you?",
        "history": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello!"}],
    }
    assert chat_inputs(graph(("q", "text")), chat, {}) == {"q": "and you?"}, "no history input: none sent"


def test_a_messages_input_of_text_type_is_just_a_text_input() -> None:
    assert chat_target(graph(("messages", "text"))) == ("messages", False)
    assert chat_target(graph(("q", "text"), ("messages", "any"))) == ("messages", True)
    chat = Conversation()
    chat.send("x")
    assert chat_inputs(graph(("messages", "text")), chat, {}) == {"messages": "x"}


def test_a_graph_without_a_text_input_cannot_chat() -> None:
    chat = Conversation()
    chat.send("hi")
    with pytest.raises(ChatUnsupported, match="add an Input named 'messages'"):
        chat_inputs(graph(("n", "number"), ("history", "list")), chat, {})


def test_nothing_to_send_without_a_pending_message() -> None:
    with pytest.raises(ValueError, match="type a message"):
        chat_inputs(graph(("q", "text")), talk(("a", "b")), {})


def test_failed_and_cancelled_exchanges_are_not_sent_again() -> None:
    chat = talk(("one", "1"))
    chat.send("two")
    chat.begin_reply()
    chat.add_token("partial")
    chat.fail("the LLM endpoint answered 500")
    chat.send("three")
    chat.begin_reply()
    chat.fail("cancelled", cancelled=True)
    chat.send("four")
    assert [m["content"] for m in chat.messages()] == ["one", "1", "four"]
    states = [(t.role, t.state) for t in chat.turns]
    assert states[3] == ("assistant", "error") and chat.turns[3].content == "partial"
    assert states[5] == ("assistant", "cancelled")


def test_streaming_then_finish_and_the_reply_value_as_text() -> None:
    chat = Conversation()
    chat.send("json please")
    assert chat.pending is not None
    chat.begin_reply()
    assert chat.pending is None and chat.replying is not None
    chat.add_token("{")
    assert chat.turns[-1].content == "{"
    with pytest.raises(ValueError, match="wait for the reply"):
        chat.send("again")
    chat.finish({"a": 1})
    assert chat.turns[-1].content == '{"a": 1}' and chat.turns[-1].state == "done"


def test_withdraw_takes_back_a_pending_message_only() -> None:
    chat = talk(("a", "b"))
    assert chat.withdraw() is None
    chat.send("c")
    assert chat.withdraw() == "c" and len(chat.turns) == 2
    chat.clear()
    assert chat.turns == [] and chat.messages() == []


def test_the_reply_is_the_first_output_node() -> None:
    assert reply_output(graph(("q", "text"), outputs=("answer", "debug"))) == ("out_answer", "answer")
    assert reply_output(graph(("q", "text"), outputs=())) is None
