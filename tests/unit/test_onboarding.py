"""The onboarding state machine: create (shown once, confirmed by position), import (wrong word
named), password rules, network choice, back/cancel, and finishing into a real keystore."""

from __future__ import annotations

import random

import pytest

from app.wallet.onboarding import (
    NetworkChoice,
    Onboarding,
    OnboardingError,
    Step,
    check_phrase,
    check_private_key,
    password_strength,
)
from app.wallet.service import WalletService

PHRASE = "test test test test test test test test test test test junk"
WORDS12 = "vapor rule actress economy forest axis damp exclude jacket position sure eager"
WORDS24 = (
    "miracle blind endless parrot mandate note blind lunch opinion indicate solar quote sight toast race "
    "frown alcohol debate river thumb hub genius side nature"
)
KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
NETWORKS = [
    NetworkChoice("devnet", "Local devnet", is_devnet=True),
    NetworkChoice("custom", "Custom RPC", is_devnet=False, available=False, note="Set it up in Settings."),
]


def fake_mnemonic(words: int) -> str:
    return WORDS24 if words == 24 else WORDS12


@pytest.fixture
def flow() -> Onboarding:
    return Onboarding(NETWORKS, make_mnemonic=fake_mnemonic, rng=random.Random(7))


@pytest.fixture
def wallet(tmp_path) -> WalletService:
    return WalletService(tmp_path / "wallet", scrypt_n=1 << 12)


def answers_for(flow: Onboarding) -> dict[int, str]:
    return {p: flow.words[p - 1] for p in flow.challenge}


def test_create_shows_words_then_asks_three_back(flow: Onboarding, wallet: WalletService) -> None:
    assert flow.step == Step.START and not flow.can_go_back
    flow.start_create(12)
    assert flow.step == Step.SHOW_WORDS and flow.words == WORDS12.split()
    assert flow.words_were_shown and flow.back_discards_words
    flow.acknowledge_written()
    assert flow.step == Step.CONFIRM_WORDS
    assert len(flow.challenge) == 3 and len(set(flow.challenge)) == 3
    assert all(1 <= p <= 12 for p in flow.challenge) and list(flow.challenge) == sorted(flow.challenge)

    wrong = answers_for(flow) | {flow.challenge[1]: "zoo"}
    problems = flow.check_words(wrong)
    assert list(problems) == [flow.challenge[1]]
    assert "zoo" not in problems[flow.challenge[1]] and flow.words[flow.challenge[1] - 1] not in str(problems)
    with pytest.raises(OnboardingError, match=f"Word #{flow.challenge[1]} is not right"):
        flow.confirm_words(wrong)
    with pytest.raises(OnboardingError, match="Enter word"):
        flow.confirm_words({})
    assert flow.step == Step.CONFIRM_WORDS

    flow.confirm_words({p: f"  {w.upper()} " for p, w in answers_for(flow).items()})  # case and spaces
    assert flow.step == Step.PASSWORD
    flow.set_password("correct horse", "correct horse")
    assert flow.step == Step.NETWORK
    flow.choose_network("devnet")
    assert flow.step == Step.FINISH and flow.funds_on_finish

    account = flow.finish(wallet)
    assert account.name == "Account 1" and wallet.unlocked
    assert wallet.reveal_mnemonic("correct horse") == WORDS12
    assert flow.finished and not flow.words_were_shown and not flow.can_go_back
    with pytest.raises(OnboardingError):
        _ = flow.words  # forgotten once saved
    assert "vapor" not in repr(flow) and "correct horse" not in repr(flow)


def test_24_words_and_switching_count_makes_a_new_phrase(flow: Onboarding) -> None:
    flow.start_create(12)
    flow.set_word_count(24)
    assert len(flow.words) == 24 and flow.word_count == 24
    flow.acknowledge_written()
    assert all(1 <= p <= 24 for p in flow.challenge)
    with pytest.raises(OnboardingError):
        flow.set_word_count(12)  # only while the words are on screen


def test_real_phrases_are_random_and_valid() -> None:
    from app.wallet.mnemonic import validate

    a, b = Onboarding(NETWORKS), Onboarding(NETWORKS)
    a.start_create(24)
    b.start_create(24)
    assert a.words != b.words and len(a.words) == 24
    validate(" ".join(a.words))


def test_back_from_the_words_discards_them_and_back_from_confirm_keeps_them(flow: Onboarding) -> None:
    flow.start_create()
    flow.acknowledge_written()
    assert not flow.back_discards_words
    assert flow.back() == Step.SHOW_WORDS
    assert flow.words == WORDS12.split(), "the same words are shown again"
    assert flow.back() == Step.START
    assert not flow.words_were_shown and flow.path is None
    with pytest.raises(OnboardingError):
        flow.back()


def test_import_names_the_wrong_word_and_accepts_a_valid_phrase(flow: Onboarding, wallet) -> None:
    flow.start_import()
    assert flow.step == Step.IMPORT
    with pytest.raises(OnboardingError, match=r"Word 5, 'tset'.*Did you mean .*'test'"):
        flow.import_phrase(PHRASE.replace("test test test test test", "test test test test tset", 1))
    with pytest.raises(OnboardingError, match="has 12, 15, 18, 21 or 24 words; this one has 11"):
        flow.import_phrase(PHRASE.rsplit(" ", 1)[0])
    with pytest.raises(OnboardingError, match="checksum"):
        flow.import_phrase(PHRASE.replace("junk", "test"))
    flow.import_phrase("  " + PHRASE.upper().replace(" ", "   ") + "\n")
    assert flow.step == Step.PASSWORD and flow.import_kind == "phrase"
    assert not flow.words_were_shown, "an imported phrase was not shown by us"
    flow.set_password("password123", "password123")
    flow.choose_network("devnet")
    account = flow.finish(wallet)
    assert account.address == "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"


def test_import_a_private_key(flow: Onboarding, wallet) -> None:
    flow.start_import()
    with pytest.raises(OnboardingError, match="64 hex characters") as info:
        flow.import_private_key(KEY[:-2])
    assert KEY[2:20] not in str(info.value), "the error never quotes the key"
    with pytest.raises(OnboardingError, match="out of the valid range"):
        flow.import_private_key("0x" + "0" * 64)
    flow.import_private_key(KEY.upper().replace("0X", "0x"))
    assert flow.import_kind == "key"
    flow.set_password("password123", "password123")
    flow.choose_network("devnet")
    assert flow.finish(wallet).address == "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"


def test_live_phrase_check_while_typing() -> None:
    assert not check_phrase("").error
    typing = check_phrase("test tes")
    assert not typing.ok and not typing.error, "a word being typed is not wrong yet"
    assert "2 of 12" in typing.message
    bad = check_phrase("test tesx test")
    assert bad.error and bad.word_index == 2 and "Word 2, 'tesx'" in bad.message
    assert check_phrase("test tesx").word_index == 2, "no BIP-39 word starts with it"
    assert check_phrase(PHRASE).ok
    finishing = check_phrase(PHRASE[:-2])
    assert not finishing.ok and not finishing.error
    assert check_phrase(PHRASE[:-2], typing=False).error
    assert check_phrase(" ".join(["test"] * 25)).error


def test_password_rules_and_strength(flow: Onboarding) -> None:
    flow.start_import()
    flow.import_private_key(KEY)
    with pytest.raises(OnboardingError, match="at least 8"):
        flow.set_password("short", "short")
    with pytest.raises(OnboardingError, match="not the same"):
        flow.set_password("long enough", "long enough!")
    assert flow.step == Step.PASSWORD
    assert password_strength("short").score == 0
    assert password_strength("aaaaaaaaaaaaaaaa").label == "Weak"
    assert password_strength("correct horse battery").score >= 3
    assert password_strength("Correct-Horse-Battery-9").label == "Strong"


def test_an_unavailable_network_cannot_be_chosen(flow: Onboarding) -> None:
    flow.start_import()
    flow.import_private_key(KEY)
    flow.set_password("password123", "password123")
    with pytest.raises(OnboardingError, match="Set it up in Settings"):
        flow.choose_network("custom")
    assert flow.back() == Step.PASSWORD
    with pytest.raises(OnboardingError):
        flow.choose_network("devnet")  # not on the network step any more


def test_a_second_wallet_is_refused_and_the_flow_keeps_its_state(flow: Onboarding, wallet) -> None:
    wallet.import_private_key(KEY, "password123")
    flow.start_create()
    flow.acknowledge_written()
    flow.confirm_words(answers_for(flow))
    flow.set_password("password123", "password123")
    flow.choose_network("devnet")
    with pytest.raises(FileExistsError):
        flow.finish(wallet)
    assert not flow.finished and flow.words == WORDS12.split()
    assert flow.back() == Step.NETWORK, "after a failed save the person can go back and try again"


def test_private_key_check() -> None:
    assert check_private_key(" " + KEY[2:] + " ") == KEY
    with pytest.raises(OnboardingError):
        check_private_key("0x" + "g" * 64)


def test_it_needs_an_available_network() -> None:
    with pytest.raises(ValueError):
        Onboarding([NETWORKS[1]])
