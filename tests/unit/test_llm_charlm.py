"""The shipped character model in real ONNX Runtime: it loads, samples reproducibly, obeys limits and
stop strings, writes from its alphabet, and predicts held-out text far better than chance."""

from __future__ import annotations

import hashlib
import json
import math

import pytest

from app.llm import api
from app.llm.charlm import CharLM, ModelError, Sampling, _held_back, default_model_path
from app.llm.corpus import VOCAB, load_corpus, normalise


@pytest.fixture(scope="module")
def lm() -> CharLM:
    return CharLM()


def test_the_shipped_model_is_small_and_matches_its_record(lm: CharLM) -> None:
    path = default_model_path()
    meta = json.loads(path.with_suffix(".json").read_text())
    assert path.stat().st_size < 2 * 2**20
    assert hashlib.sha256(path.read_bytes()).hexdigest() == meta["sha256"] == lm.meta["sha256"]
    assert lm.vocab == VOCAB and len(lm.vocab) == 96 and lm.context_length == meta["context_length"]
    assert lm.name == "sahara-charlm"
    assert meta["corpus"]["license"].startswith("PSF")


def test_a_model_that_does_not_match_its_record_is_refused(tmp_path) -> None:
    source = default_model_path()
    (tmp_path / "m.onnx").write_bytes(source.read_bytes()[:-1] + b"\0")
    (tmp_path / "m.json").write_text(source.with_suffix(".json").read_text())
    with pytest.raises(ModelError, match="does not match the SHA-256"):
        CharLM(tmp_path / "m.onnx")
    with pytest.raises(ModelError, match=r"no model at .*nothing\.onnx"):
        CharLM(tmp_path / "nothing.onnx")


def test_a_seed_makes_generation_repeatable(lm: CharLM) -> None:
    def run(seed: int | None, temperature: float = 0.9) -> str:
        return "".join(lm.generate("The import statement ", Sampling(temperature, max_tokens=80, seed=seed)))

    first = run(7)
    assert first == run(7)
    assert first != run(8)
    assert run(1, 0.0) == run(2, 0.0)  # temperature 0 takes the likeliest character: no randomness
    assert len(first) == 80 and set(first) <= set(VOCAB)


def test_top_p_keeps_only_the_likeliest_characters(lm: CharLM) -> None:
    greedy = "".join(lm.generate("A class definition ", Sampling(temperature=0.0, max_tokens=40)))
    # With a nucleus this small only the top character survives, whatever the seed and temperature.
    narrow = "".join(lm.generate("A class definition ", Sampling(temperature=1.5, top_p=1e-6, max_tokens=40)))
    assert narrow == greedy


def test_max_tokens_and_stop_strings_end_the_answer(lm: CharLM) -> None:
    generation = lm.generate("Exceptions ", Sampling(max_tokens=120, seed=3))
    full = "".join(generation)
    assert len(full) == 120 and generation.completion_tokens == 120 and generation.finish_reason == "length"
    assert generation.prompt_tokens == len("Exceptions ")

    stop = full[60:63]
    cut = full.find(stop)
    pieces = list(lm.generate("Exceptions ", Sampling(max_tokens=120, seed=3, stop=("@@never@@", stop))))
    stopped = lm.generate("Exceptions ", Sampling(max_tokens=120, seed=3, stop=(stop,)))
    assert "".join(pieces) == "".join(stopped) == full[:cut]
    assert stopped.finish_reason == "stop" and stopped.completion_tokens == cut + len(stop)


def test_a_chat_answer_starts_at_its_first_visible_character(lm: CharLM) -> None:
    for seed in range(5):
        text = "".join(lm.generate("Hello\n\n", Sampling(max_tokens=30, seed=seed), trim_start=True))
        assert text and not text[0].isspace()


def test_text_outside_the_alphabet_is_mapped_not_refused(lm: CharLM) -> None:
    assert normalise("“quoted” – it’s\tfine ß") == '"quoted" - it\'s    fine '
    assert lm.encode("é") == lm.encode(" ")
    assert lm.decode(lm.encode("def f(x):\n")) == "def f(x):\n"
    assert "".join(lm.generate("", Sampling(max_tokens=5, seed=0)))  # an empty prompt still answers


def test_held_out_text_is_predicted_far_better_than_chance(lm: CharLM) -> None:
    held_out = load_corpus().held_out
    bits = lm.bits_per_char(held_out, stride=8)
    chance = math.log2(len(lm.vocab))
    assert bits < 2.2 < chance / 2, bits  # chance is 6.58 bits/char; the unigram rate is about 4.4
    assert abs(bits - lm.meta["held_out_bits_per_char"]) < 0.15


def test_held_back_keeps_what_may_start_a_stop_string() -> None:
    assert _held_back("abc", ("cde",)) == 1
    assert _held_back("abcd", ("cdx", "bcdy")) == 3
    assert _held_back("abc", ("xyz",)) == 0
    assert _held_back("abc", ()) == 0


def test_chat_requests_are_checked_before_any_work() -> None:
    ok = api.parse_chat_request(
        json.dumps(
            {
                "model": "anything",
                "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}],
                "temperature": 0,
                "max_completion_tokens": 9,
                "stop": "\n",
                "seed": 5,
                "stream": True,
                "stream_options": {"include_usage": True},
            }
        ).encode()
    )
    assert ok.messages == [{"role": "user", "content": "hi"}] and ok.stream and ok.include_usage
    assert ok.sampling == Sampling(temperature=0.0, top_p=1.0, max_tokens=9, stop=("\n",), seed=5)
    assert api.prompt_of(
        [{"role": "system", "content": "Be brief. "}, {"role": "user", "content": "hi"}]
    ) == ("Be brief.\n\nhi\n\n")
    for body, says in (
        (b"{nope", "not valid JSON"),
        (b"[]", "must be a JSON object"),
        (b"{}", "'messages' is required"),
        (b'{"messages": [{"role": "robot", "content": "x"}]}', "role is one of"),
        (b'{"messages": [{"role": "user", "content": [{"type": "image_url"}]}]}', "only text parts"),
        (b'{"messages": [{"role": "user", "content": "x"}], "temperature": "hot"}', "'temperature'"),
        (b'{"messages": [{"role": "user", "content": "x"}], "max_tokens": 0}', "'max_tokens'"),
        (b'{"messages": [{"role": "user", "content": "x"}], "top_p": 0}', "'top_p'"),
        (b'{"messages": [{"role": "user", "content": "x"}], "stop": ["a","b","c","d","e"]}', "'stop'"),
        (b'{"messages": [{"role": "user", "content": "x"}], "n": 2}', "n = 1"),
        (b'{"messages": [{"role": "user", "content": "x"}], "seed": 1.5}', "'seed'"),
    ):
        with pytest.raises(api.ApiError, match=says) as caught:
            api.parse_chat_request(body)
        assert caught.value.status == 400 and caught.value.body()["error"]["type"] == "invalid_request_error"
