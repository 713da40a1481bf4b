"""Checks over every rendered screen: every sample (each journey state, progress step, error key, staff reason and
console page) in 1920×1080 and 1080×1920, zh_CN and en, rendered by the real view code offscreen and measured
in the laid-out Kivy tree and the drawn pixels (`kiosk_app/ui/screen_checks.py`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk_app.flow.messages import MESSAGES
from kiosk_app.flow.screen_builder import _STAFF_KEYS
from kiosk_app.flow.table import St
from kiosk_app.ui.screen_checks import check_tree, text_findings
from kiosk_app.ui.screen_samples import PROGRESS, samples

pytestmark = pytest.mark.ui
ROOT = Path(__file__).resolve().parents[2]


def test_the_issues_findings_are_caught() -> None:
    """What a new user saw on the Chinese kiosk: each is a finding."""
    seen = ["path appointment", "原因 card_not_taken", "resume await_id_card", "staff_id", "reason onsite_identity",
            "OK   printer    emulator  /dev/pts/5  online", "stock=low", "refused:card_not_taken", "剩余 30 s",
            "A lobby manager will check your identity"]
    flagged = {text for text in seen if any(True for _ in text_findings([text], "zh_CN"))}
    assert flagged == set(seen)
    assert list(text_findings(["请核对您的信息", "C3 平衡型", "M001", "621700******0017", "English", "A.  保本"],
                              "zh_CN")) == []
    assert [c for c, _ in text_findings(["请核对您的信息", "Check your details", "演示银行"], "en")] == ["untranslated"]


def test_samples_cover_every_state_progress_step_error_key_and_staff_reason() -> None:
    found = samples()
    steps = {s.screen.step_id for s in found}
    assert {state.value for state in St} <= steps
    assert set(PROGRESS) <= steps and {"closed", "still_there", "activating"} <= steps
    shown_errors = {key for s in found for key in s.screen.errors.values()}
    shown_errors |= {key for s in found for key in s.screen.data.get("refused", ())}
    assert set(MESSAGES) <= shown_errors
    assert {s.screen.data.get("reason") for s in found if s.screen.step_id == "staff_decide"} >= _STAFF_KEYS
    assert len({s.name for s in found}) == len(found)


def test_checks_fail_on_small_text_small_targets_and_low_contrast(window) -> None:
    from kivy.base import EventLoop
    from kivy.uix.boxlayout import BoxLayout
    from kivy.uix.button import Button
    from kivy.uix.label import Label

    from kiosk_app.ui.components import fill
    from kiosk_app.ui.screen_checks import _screen_pixels

    root = BoxLayout(orientation="vertical", spacing=2)
    fill(root, (1, 1, 1, 1))
    root.add_widget(Label(text="请稍候", font_size=14, color=(0, 0, 0, 1)))
    root.add_widget(Label(text="浅灰色的字", font_size=40, color=(0.8, 0.8, 0.8, 1)))
    row = BoxLayout(size_hint_y=None, height=40)
    row.add_widget(Button(text="确认", font_size=40))
    row.add_widget(Button(text="取消", font_size=40))
    root.add_widget(row)
    for child in list(window.children):
        window.remove_widget(child)
    window.add_widget(root)
    for _ in range(3):
        EventLoop.idle()
    found = check_tree(root, screen="bad", locale="zh_CN", size=tuple(window.size), title="请稍候",
                       pixels=_screen_pixels(tuple(window.size)))
    window.remove_widget(root)
    checks = {(f.check, f.detail.split(":")[0]) for f in found}
    assert ("font", "14 px") in checks and ("font", "title 14 px") in checks
    assert any(c == "contrast" and "浅灰色" in f.detail for f in found for c in [f.check])
    assert sum(f.check == "target" for f in found) >= 3, "two 40 px buttons and no gap between them"


@pytest.mark.timeout(600)  # ~1 min on an idle machine (two processes, 512 renders); minutes when it is busy
def test_every_rendered_screen_passes_in_both_orientations_and_languages() -> None:
    """Each panel size in its own process (SDL's offscreen surface keeps its size); both run at once."""
    env = {**os.environ, "SDL_VIDEODRIVER": "offscreen", "KIVY_NO_ARGS": "1"}
    runs = [subprocess.Popen([sys.executable, "-m", "kiosk_app.ui.screen_checks", size], cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for size in ("1920x1080", "1080x1920")]
    findings = []
    for run in runs:
        out, err = run.communicate(timeout=600)
        assert run.returncode == 0, err[-2000:]
        findings += [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert findings == [], "\n".join(f"{f['size']} {f['locale']} {f['screen']}: {f['check']} {f['detail']}"
                                     for f in findings[:40])
