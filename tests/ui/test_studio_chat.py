"""The playground's Chat tab against a loopback OpenAI-compatible server: streaming, history, Clear."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from studio_fakes import chat_server

from app.studio.events import NodeToken
from app.studio.graph import Graph
from app.ui.pages.studio import StudioPage


@pytest.fixture
def page(studio_page: StudioPage) -> StudioPage:
    return studio_page


def wire(source: str, source_port: str, target: str, target_port: str) -> dict:
    return {
        "id": f"{source}-{target}-{target_port}",
        "source": source,
        "source_port": source_port,
        "target": target,
        "target_port": target_port,
    }


def llm_agent(base_url: str) -> Graph:
    """message -> LLM (with history) -> reply: what the chat rule feeds."""
    return Graph.model_validate(
        {
            "name": "chatty",
            "nodes": [
                {"id": "message", "type": "input", "config": {"name": "message"}},
                {
                    "id": "history",
                    "type": "input",
                    "config": {"name": "history", "type": "list", "default": []},
                },
                {"id": "llm", "type": "llm_chat", "config": {"base_url": base_url, "system": "Be brief."}},
                {"id": "reply", "type": "output", "config": {"name": "reply"}},
            ],
            "edges": [
                wire("message", "value", "llm", "prompt"),
                wire("history", "value", "llm", "history"),
                wire("llm", "text", "reply", "value"),
            ],
        }
    )


def send(editor, qtbot, text: str) -> None:
    chat = editor.playground.chat
    chat.box.setFocus()
    qtbot.keyClicks(chat.box, text)
    qtbot.keyClick(chat.box, Qt.Key.Key_Return)


def wait_reply(editor, qtbot, count: int) -> None:
    turns = editor.playground.chat.conversation.turns
    qtbot.waitUntil(lambda: len(turns) == count and turns[-1].state != "streaming", timeout=10000)


def test_chat_streams_the_reply_and_sends_the_history(page, qtbot) -> None:
    editor = page.editor
    with chat_server() as (base_url, requests):
        editor.load(llm_agent(base_url), None)
        editor.side.setCurrentWidget(editor.playground)
        editor.playground.mode_bar.setCurrentIndex(editor.playground.CHAT)
        assert editor.playground.pages.currentWidget() is editor.playground.chat
        assert "'messages'" in editor.playground.mode_bar.tabToolTip(1), "the tooltip says the rule"
        chat = editor.playground.chat
        # Shift+Enter is a new line, not a send
        chat.box.setFocus()
        qtbot.keyClicks(chat.box, "hello")
        qtbot.keyClick(chat.box, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
        qtbot.keyClicks(chat.box, "there")
        assert chat.box.toPlainText() == "hello\nthere" and not requests
        partial: list[str] = []
        editor.runner.event.connect(
            lambda e: partial.append(chat.bubbles[-1].text()) if isinstance(e, NodeToken) else None
        )
        qtbot.keyClick(chat.box, Qt.Key.Key_Return)
        assert chat.box.toPlainText() == ""
        wait_reply(editor, qtbot, 2)
        user, reply = chat.conversation.turns
        assert (user.role, user.content) == ("user", "hello\nthere")
        assert reply.content == "You said: hello\nthere (1 messages so far)" and reply.state == "done"
        assert chat.bubbles[-1].text() == reply.content
        assert any(text.endswith("▍") for text in partial), "tokens showed in the bubble while streaming"
        assert requests[0]["messages"] == [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "hello\nthere"},
        ]
        # the second message carries the first exchange as history
        send(editor, qtbot, "again")
        wait_reply(editor, qtbot, 4)
        assert [m["role"] for m in requests[1]["messages"]] == ["system", "user", "assistant", "user"]
        assert requests[1]["messages"][2]["content"] == reply.content
        assert chat.conversation.turns[-1].content.endswith("(3 messages so far)")
        assert editor.playground.trace.topLevelItemCount() == 4, "the trace fills in chat mode too"
        # Clear starts over: no history goes with the next message
        chat.clear_button.click()
        assert chat.conversation.turns == [] and chat.bubbles == [] and chat.empty.isVisibleTo(chat)
        send(editor, qtbot, "fresh")
        wait_reply(editor, qtbot, 2)
        assert [m["role"] for m in requests[2]["messages"]] == ["system", "user"]


def test_a_messages_input_gets_the_whole_conversation(page, qtbot) -> None:
    editor = page.editor
    transcript = "{% for m in messages %}{{ m.role }}: {{ m.content }};{% endfor %}"
    graph = Graph.model_validate(
        {
            "nodes": [
                {"id": "in", "type": "input", "config": {"name": "messages", "type": "list"}},
                {"id": "t", "type": "prompt_template", "config": {"template": transcript}},
                {"id": "out", "type": "output", "config": {"name": "reply"}},
            ],
            "edges": [wire("in", "value", "t", "messages"), wire("t", "text", "out", "value")],
        }
    )
    editor.load(graph, None)
    editor.playground.set_chat_mode(True)
    send(editor, qtbot, "a")
    wait_reply(editor, qtbot, 2)
    assert editor.playground.chat.conversation.turns[-1].content == "user: a;"
    send(editor, qtbot, "b")
    wait_reply(editor, qtbot, 4)
    assert editor.playground.chat.conversation.turns[-1].content == "user: a;assistant: user: a;;user: b;"


def test_a_failed_reply_shows_and_is_not_sent_again(page, qtbot) -> None:
    editor = page.editor
    editor.load(llm_agent("http://127.0.0.1:9/v1"), None)  # nothing listens there
    editor.playground.set_chat_mode(True)
    send(editor, qtbot, "anyone?")
    wait_reply(editor, qtbot, 2)
    chat = editor.playground.chat
    failed = chat.conversation.turns[-1]
    assert failed.state == "error" and "cannot reach the LLM endpoint" in failed.error
    assert "[error: llm: cannot reach the LLM endpoint" in chat.bubbles[-1].text()
    assert chat.send_button.isEnabled() and chat.conversation.messages() == []


def test_a_graph_without_a_text_input_keeps_the_message(page, qtbot) -> None:
    editor = page.editor
    graph = Graph.model_validate(
        {
            "nodes": [
                {"id": "n", "type": "input", "config": {"name": "n", "type": "number", "default": 1}},
                {"id": "out", "type": "output", "config": {"name": "reply"}},
            ],
            "edges": [wire("n", "value", "out", "value")],
        }
    )
    editor.load(graph, None)
    editor.playground.set_chat_mode(True)
    send(editor, qtbot, "hi")
    chat = editor.playground.chat
    assert "no text input for a chat message" in editor.playground.status.text()
    assert chat.conversation.turns == [] and chat.box.toPlainText() == "hi"
    assert editor.runner.run is None
    # Run (Ctrl+Enter) in chat mode with nothing typed says what to do
    editor.load(llm_agent("http://127.0.0.1:9/v1"), None)
    editor.run_graph()
    assert "type a message" in editor.playground.status.text()


def test_cancel_keeps_the_partial_reply_marked_cancelled(page, qtbot) -> None:
    editor = page.editor
    with chat_server(lambda _m: "one two three four five six seven eight", delay_s=0.3) as (base_url, _):
        editor.load(llm_agent(base_url), None)
        editor.playground.set_chat_mode(True)
        send(editor, qtbot, "long answer please")
        chat = editor.playground.chat
        qtbot.waitUntil(lambda: chat.conversation.turns[-1].content.startswith("one"), timeout=10000)
        assert chat.cancel_button.isEnabled() and not chat.send_button.isEnabled()
        chat.cancel_button.click()
        wait_reply(editor, qtbot, 2)
        reply = chat.conversation.turns[-1]
        assert reply.state == "cancelled" and reply.content.startswith("one")
        assert chat.bubbles[-1].text().endswith("[cancelled]")
        assert chat.send_button.isEnabled()
