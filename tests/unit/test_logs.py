import logging

from app.logs import redact, setup_logging, short_hash

KEY = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
MNEMONIC = "test test test test test test test test test test test junk"


def test_redact_removes_keys_and_mnemonics() -> None:
    text = redact(f"key={KEY} words: {MNEMONIC} address 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266")
    assert KEY[2:] not in text and MNEMONIC not in text
    assert "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266" in text  # addresses are fine to log


def test_log_file_never_contains_a_secret(tmp_path) -> None:
    log_file = tmp_path / "logs" / "sahara.log"
    setup_logging(log_file, "DEBUG", to_stderr=False)
    logging.getLogger("test").info("imported %s and %s", KEY, MNEMONIC)
    logging.getLogger("test").info("plain message %d", 42)
    for handler in logging.getLogger().handlers:
        handler.flush()
    content = log_file.read_text()
    assert KEY[2:] not in content and MNEMONIC not in content
    assert "[redacted key]" in content and "plain message 42" in content
    setup_logging(log_file, "WARNING", to_stderr=False)
    assert logging.getLogger().level == logging.WARNING


def test_a_shortened_tx_hash_survives_redaction() -> None:
    tx_hash = "0x" + "ab" * 31 + "cd"
    short = short_hash(tx_hash)
    assert redact(f"signed {short}") == f"signed {short}"
    assert short.startswith(tx_hash[:10]) and short.endswith(tx_hash[-6:]) and len(short) < 20
