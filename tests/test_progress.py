import io
import re

from mer_core import progress as progress_module
from mer_core.progress import progress


def _bar_lines(text: str) -> list[str]:
    """What a log shows: every carriage return or newline starts a line."""
    return [line for line in re.split(r"[\r\n]", text) if line.strip()]


def test_not_a_terminal_prints_a_few_lines(capsys):
    for _ in progress(range(1000), desc="clips", unit="clip"):
        pass
    bar = progress(total=1000, desc="manual")
    for _ in range(1000):
        bar.update()
    bar.close()
    lines = _bar_lines(capsys.readouterr().err)
    assert len(lines) <= 4, lines
    assert "1000/1000" in lines[1] and "1000/1000" in lines[-1]


def test_not_a_terminal_redraws_every_tenth_at_most(capsys, monkeypatch):
    monkeypatch.setattr(progress_module, "LOG_INTERVAL_S", 0.0)  # isolate the 1/10 rule from the 30 s one
    for _ in progress(range(1000), desc="clips"):
        pass
    lines = _bar_lines(capsys.readouterr().err)
    assert 3 <= len(lines) <= 12, lines


def test_terminal_keeps_tqdm_defaults(monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr("sys.stderr", Terminal())
    bar = progress(range(3), desc="tty")
    assert bar.mininterval == 0.1 and list(bar) == [0, 1, 2]


def test_disable_draws_nothing(capsys):
    assert sum(progress(range(5), disable=True)) == 10
    assert capsys.readouterr().err == ""
