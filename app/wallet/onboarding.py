"""First-run onboarding as a plain state machine: create or import a wallet, set a password, pick a
network. The Qt dialog only renders ``step`` and sends the person's answers here (Electrum's wizard
is built the same way), so every rule has a unit test without a display.

Create: a fresh 12- or 24-word phrase is shown once; after "I wrote them down" three random words
are asked back by position, and only right answers move on. Import: a recovery phrase, checked as
it is typed (the wrong word is named, with suggestions), or a private key. Then a password (at
least 8 characters, twice, with a strength hint) and the network. ``finish`` writes the encrypted
keystore through ``WalletService`` and forgets the secrets held here.

Secrets live only in this object's private fields; its ``repr`` and every error message leave them
out (a wrong word of an imported phrase is named to the person typing it, and nowhere else).
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import TYPE_CHECKING, Literal

from app.wallet.mnemonic import WORD_COUNTS, MnemonicError, generate, normalize, validate

if TYPE_CHECKING:
    from app.wallet.keystore import AccountEntry
    from app.wallet.service import WalletService

MIN_PASSWORD = 8
CHALLENGE_WORDS = 3
_CURVE_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


class Step(StrEnum):
    START = "start"  # create or import
    SHOW_WORDS = "show-words"  # the new phrase, once
    CONFIRM_WORDS = "confirm-words"  # three words back by position
    IMPORT = "import"  # a phrase or a private key
    PASSWORD = "password"
    NETWORK = "network"
    FINISH = "finish"  # create the keystore (then the UI funds it on the devnet)


class OnboardingError(ValueError):
    """An answer that cannot move the flow on; the message is for the person."""


@dataclass(frozen=True)
class NetworkChoice:
    name: str
    label: str
    is_devnet: bool
    available: bool = True
    note: str = ""


@dataclass(frozen=True)
class PhraseCheck:
    """The live verdict on a phrase being typed: ``ok`` means it can be imported as is."""

    ok: bool
    message: str
    word_index: int | None = None  # 1-based position of the word at fault
    error: bool = False  # False while the phrase is merely incomplete


@dataclass(frozen=True)
class Strength:
    score: int  # 0 (too short) … 4 (strong)
    label: str
    hint: str


def password_strength(password: str) -> Strength:
    """A rough, honest hint: length counts most, then the kinds of characters used."""
    if len(password) < MIN_PASSWORD:
        return Strength(0, "Too short", f"Use at least {MIN_PASSWORD} characters.")
    kinds = sum(
        (any(c.islower() for c in password), any(c.isupper() for c in password),
         any(c.isdigit() for c in password), any(not c.isalnum() for c in password))
    )  # fmt: skip
    repetitive = len(set(password)) <= max(3, len(password) // 4)
    score = 1 + (len(password) >= 12) + (len(password) >= 16) + (kinds >= 3)
    if repetitive:
        score = 1
    score = min(score, 4)
    label = {1: "Weak", 2: "Fair", 3: "Good", 4: "Strong"}[score]
    hint = {
        1: "Easy to guess: make it longer, e.g. a few unrelated words.",
        2: "A longer password is much harder to guess.",
        3: "Longer is even better.",
        4: "",
    }[score]
    return Strength(score, label, hint)


@cache
def _wordlist() -> frozenset[str]:
    from eth_account.hdaccount.mnemonic import Language, Mnemonic

    return frozenset(Mnemonic(Language.ENGLISH).wordlist)


def check_phrase(text: str, *, typing: bool = True) -> PhraseCheck:
    """Check a recovery phrase; the first word that is not a BIP-39 word is named by position.

    While ``typing``, the word under the cursor (the last one, no space after it yet) is not judged
    as long as some BIP-39 word starts with it, and a short phrase is incomplete rather than wrong."""
    words = normalize(text).split()
    if not words:
        return PhraseCheck(False, "Type or paste your 12 to 24 words, separated by spaces.")
    if len(words) > max(WORD_COUNTS):
        return PhraseCheck(False, f"A recovery phrase has at most 24 words; this one has {len(words)}.",
                           error=True)  # fmt: skip
    judged = words
    last, known = words[-1], _wordlist()
    if typing and not text[-1:].isspace() and last not in known and any(w.startswith(last) for w in known):
        judged = words[:-1]  # still being typed: it may yet become a word
    if judged:  # the core's check names the first bad word; pad to a valid length so it gets there
        target = next(n for n in WORD_COUNTS if n >= len(judged))
        try:
            validate(" ".join([*judged, *["abandon"] * (target - len(judged))]))
        except MnemonicError as exc:
            if exc.word_index is not None:
                return PhraseCheck(False, str(exc), exc.word_index, error=True)
    if len(words) not in WORD_COUNTS:
        if typing:
            return PhraseCheck(False, f"{len(words)} of 12, 15, 18, 21 or 24 words so far.")
        return PhraseCheck(False, f"A recovery phrase has 12, 15, 18, 21 or 24 words; this one has "
                                  f"{len(words)}.", error=True)  # fmt: skip
    try:
        validate(" ".join(words))
    except MnemonicError as exc:
        if len(judged) < len(words):
            return PhraseCheck(False, f"{len(words)} words: finish typing the last one.")
        return PhraseCheck(False, str(exc), exc.word_index, error=True)
    return PhraseCheck(True, f"{len(words)} words, checksum correct.")


def check_private_key(text: str) -> str:
    """The key as 0x-prefixed lower-case hex; ``OnboardingError`` (never quoting it) otherwise."""
    key = text.strip().lower().removeprefix("0x")
    if len(key) != 64 or any(c not in "0123456789abcdef" for c in key):
        raise OnboardingError(
            f"A private key is 64 hex characters (0-9, a-f), optionally after 0x; this has {len(key)}."
        )
    if not 0 < int(key, 16) < _CURVE_ORDER:
        raise OnboardingError("This is not a usable private key (it is out of the valid range).")
    return "0x" + key


class Onboarding:
    """One run of the first-start flow. Methods raise ``OnboardingError`` for answers that do not
    move it on; ``step`` says what to render."""

    def __init__(
        self,
        networks: Sequence[NetworkChoice],
        *,
        default_network: str | None = None,
        make_mnemonic: Callable[[int], str] = generate,
        rng: random.Random | None = None,
    ) -> None:
        if not any(n.available for n in networks):
            raise ValueError("onboarding needs at least one available network")
        self.networks = list(networks)
        self.network = default_network or next(n.name for n in self.networks if n.available)
        self.step = Step.START
        self.path: Literal["create", "import"] | None = None
        self.import_kind: Literal["phrase", "key"] | None = None
        self.word_count = 12
        self.challenge: tuple[int, ...] = ()
        self.finished = False
        self._make_mnemonic = make_mnemonic
        self._rng = rng or secrets.SystemRandom()
        self._phrase: str | None = None
        self._key: str | None = None
        self._password: str | None = None
        self._history: list[Step] = []

    def __repr__(self) -> str:  # never the phrase, the key or the password
        return f"Onboarding(step={self.step.value}, path={self.path}, network={self.network})"

    # -- moving ----------------------------------------------------------------------------------

    def _go(self, step: Step) -> None:
        self._history.append(self.step)
        self.step = step

    @property
    def can_go_back(self) -> bool:
        """Back is possible until the wallet is saved (a failed save goes back to the network step)."""
        return bool(self._history) and not self.finished

    @property
    def back_discards_words(self) -> bool:
        """Going back from here throws away a phrase the person has seen (ask first)."""
        return self.step == Step.SHOW_WORDS

    @property
    def words_were_shown(self) -> bool:
        """A new phrase has been shown and not yet saved: cancelling loses it (ask first)."""
        return self.path == "create" and self._phrase is not None and not self.finished

    def back(self) -> Step:
        if not self.can_go_back:
            raise OnboardingError("There is no step to go back to.")
        previous = self._history.pop()
        if previous == Step.START:
            self._phrase = self._key = None
            self.path = self.import_kind = None
            self.challenge = ()
        if self.step == Step.NETWORK:
            self._password = None
        self.step = previous
        return self.step

    # -- create ----------------------------------------------------------------------------------

    def start_create(self, words: int = 12) -> None:
        self._expect(Step.START)
        self.path = "create"
        self._new_phrase(words)
        self._go(Step.SHOW_WORDS)

    def set_word_count(self, words: int) -> None:
        """Switch between 12 and 24 words while the phrase is on screen (a new phrase is made)."""
        self._expect(Step.SHOW_WORDS)
        if words != self.word_count:
            self._new_phrase(words)

    def _new_phrase(self, words: int) -> None:
        if words not in (12, 24):
            raise OnboardingError("A new wallet uses 12 or 24 words.")
        self.word_count = words
        self._phrase = self._make_mnemonic(words)

    @property
    def words(self) -> list[str]:
        """The new phrase's words, to show once (create path only)."""
        if self.path != "create" or self._phrase is None:
            raise OnboardingError("There is no new recovery phrase to show.")
        return self._phrase.split()

    def acknowledge_written(self) -> None:
        """ "I wrote them down": ask three random positions back."""
        self._expect(Step.SHOW_WORDS)
        positions = self._rng.sample(range(1, self.word_count + 1), CHALLENGE_WORDS)
        self.challenge = tuple(sorted(positions))
        self._go(Step.CONFIRM_WORDS)

    def check_words(self, answers: Mapping[int, str]) -> dict[int, str]:
        """Problems per asked position (empty: all right); never reveals the expected word."""
        self._expect(Step.CONFIRM_WORDS)
        words = self.words
        problems: dict[int, str] = {}
        for position in self.challenge:
            given = normalize(answers.get(position, ""))
            if not given:
                problems[position] = f"Enter word #{position}."
            elif given != words[position - 1]:
                problems[position] = f"Word #{position} is not right. Check what you wrote down."
        return problems

    def confirm_words(self, answers: Mapping[int, str]) -> None:
        problems = self.check_words(answers)
        if problems:
            raise OnboardingError(" ".join(problems[p] for p in sorted(problems)))
        self._go(Step.PASSWORD)

    # -- import ----------------------------------------------------------------------------------

    def start_import(self) -> None:
        self._expect(Step.START)
        self.path = "import"
        self._go(Step.IMPORT)

    def import_phrase(self, text: str) -> None:
        self._expect(Step.IMPORT)
        result = check_phrase(text, typing=False)
        if not result.ok:
            raise OnboardingError(result.message)
        self._phrase, self._key, self.import_kind = validate(text), None, "phrase"
        self._go(Step.PASSWORD)

    def import_private_key(self, text: str) -> None:
        self._expect(Step.IMPORT)
        self._key, self._phrase, self.import_kind = check_private_key(text), None, "key"
        self._go(Step.PASSWORD)

    # -- password and network --------------------------------------------------------------------

    @staticmethod
    def password_problem(password: str, repeat: str) -> str | None:
        if len(password) < MIN_PASSWORD:
            return f"Use a password of at least {MIN_PASSWORD} characters."
        if password != repeat:
            return "The two passwords are not the same."
        return None

    def set_password(self, password: str, repeat: str) -> None:
        self._expect(Step.PASSWORD)
        problem = self.password_problem(password, repeat)
        if problem:
            raise OnboardingError(problem)
        self._password = password
        self._go(Step.NETWORK)

    def choose_network(self, name: str) -> None:
        self._expect(Step.NETWORK)
        choice = next((n for n in self.networks if n.name == name), None)
        if choice is None or not choice.available:
            raise OnboardingError(choice.note if choice and choice.note else f"{name} cannot be used yet.")
        self.network = name
        self._go(Step.FINISH)

    @property
    def chosen(self) -> NetworkChoice:
        return next(n for n in self.networks if n.name == self.network)

    @property
    def funds_on_finish(self) -> bool:
        """The new account gets test ETH from the devnet faucet once it exists."""
        return self.chosen.is_devnet

    # -- finishing -------------------------------------------------------------------------------

    def finish(self, wallet: WalletService) -> AccountEntry:
        """Write the encrypted keystore (slow: scrypt; run it off the UI thread) and forget the
        secrets. A failure (a wallet file appeared meanwhile, a disk error) leaves the flow as it was."""
        self._expect(Step.FINISH)
        if self.finished:
            raise OnboardingError("This wallet has already been created.")
        if self._password is None:
            raise OnboardingError("Set a password first.")
        if self._key is not None:
            account = wallet.import_private_key(self._key, self._password)
        elif self._phrase is not None:
            account = wallet.create(self._phrase, self._password)
        else:
            raise OnboardingError("There is no phrase or key to save.")
        self.finished = True
        self.wipe()
        return account

    def wipe(self) -> None:
        """Drop every secret this flow holds (Python cannot zero strings; it can stop holding them)."""
        self._phrase = self._key = self._password = None

    def _expect(self, step: Step) -> None:
        if self.step != step:
            raise OnboardingError(f"This belongs to the {step.value} step, not {self.step.value}.")
