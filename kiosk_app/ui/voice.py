"""Voice prompts: one short spoken prompt per customer step, in zh and en, keyed by the step id.

The words are the step's title from the catalogue (one owner for the text; a bank that rewords a title gets
a matching prompt at the next build). `generate` speaks them offline with espeak-ng (`-v cmn` / `-v en`) and
compresses them to Ogg Vorbis with oggenc (Debian's vorbis-tools; a tenth of the WAV's size, which Kivy's SDL2
mixer plays) at build or setup time (`python -m kiosk_app.ui.voice [DIR]`, default `assets/voice/`, which
`kiosk.spec` bundles); the app plays them through Kivy's SoundLoader. A prompt whose words changed is
regenerated (the manifest keeps a hash of the words per file). Prompts are never made on the kiosk itself.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from kiosk_app import i18n
from kiosk_app.assets import assets_dir

log = logging.getLogger(__name__)

VOICES = {"zh_CN": "cmn", "en": "en"}
# Steps the customer sees that speak; the lobby manager's approval screen and "closed" stay silent.
SILENT_STEPS = {"staff_decide", "closed", "done"}
MANIFEST = "manifest.json"


OGG_QUALITY = "2"  # oggenc -q: ~64 kbit/s nominal, far below that for a mono voice; clear on a kiosk speaker


class VoiceBuildError(RuntimeError):
    """espeak-ng or oggenc is missing or failed (Debian: apt-get install espeak-ng vorbis-tools)."""


def prompt_steps(locale: str = i18n.DEFAULT_LOCALE) -> list[str]:
    """Every step id with a title in the catalogue, minus the silent ones."""
    return sorted(k for k in i18n.section(locale, "title") if k not in SILENT_STEPS)


def prompt_words(locale: str, step_id: str) -> str:
    return i18n.text(locale, "title", step_id).rstrip("…").strip()


def prompt_path(root: Path, locale: str, step_id: str) -> Path:
    return root / locale / f"{step_id}.ogg"


def default_dir() -> Path:
    """assets/voice (inside a PyInstaller bundle too: kiosk.spec collects assets/)."""
    return assets_dir() / "voice"


def _digest(words: str, voice: str) -> str:
    return hashlib.sha256(f"{voice}\0{words}".encode()).hexdigest()[:16]


def generate(root: Path, locales: tuple[str, ...] = i18n.LOCALES) -> int:
    """Speak every prompt into `root/<locale>/<step>.ogg`; returns how many files were (re)made.

    Raises VoiceBuildError if espeak-ng or oggenc is not installed or fails on a prompt.
    """
    espeak, oggenc = shutil.which("espeak-ng"), shutil.which("oggenc")
    if espeak is None or oggenc is None:
        raise VoiceBuildError(VoiceBuildError.__doc__)
    manifest_path = root / MANIFEST
    manifest: dict[str, str] = json.loads(manifest_path.read_text()) if manifest_path.is_file() else {}
    made = 0
    for locale in locales:
        voice = VOICES[locale]
        for step in prompt_steps(locale):
            path, words = prompt_path(root, locale, step), prompt_words(locale, step)
            key, digest = f"{locale}/{step}", _digest(words, voice)
            if path.is_file() and manifest.get(key) == digest:
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            _speak(espeak, oggenc, voice, words, path, key)
            manifest[key] = digest
            made += 1
    root.mkdir(parents=True, exist_ok=True)
    manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True))
    return made


def _speak(espeak: str, oggenc: str, voice: str, words: str, path: Path, key: str) -> None:
    """espeak-ng into a WAV beside `path`, oggenc from it into `path` (via a .tmp: never a half-written prompt)."""
    wav, tmp = path.with_suffix(".wav"), path.with_suffix(".tmp")
    try:
        for command, tool in (([espeak, "-v", voice, "-s", "150", "-w", str(wav), words], "espeak-ng"),
                              ([oggenc, "-Q", "-q", OGG_QUALITY, "-o", str(tmp), str(wav)], "oggenc")):
            done = subprocess.run(command, capture_output=True, timeout=30, check=False)
            if done.returncode != 0:
                raise VoiceBuildError(f"{tool} failed for {key}: {done.stderr.decode(errors='replace')[:200]}")
        tmp.replace(path)
    finally:
        wav.unlink(missing_ok=True)
        tmp.unlink(missing_ok=True)


# What one tap on the speaker cycles through: silent, quiet, normal, loud (a fraction of the configured volume).
VOLUME_STEPS = (0.0, 0.5, 0.8, 1.0)
DEFAULT_STEP = 2


class VoicePlayer:
    """Plays a step's prompt; one at a time (a new screen cuts the last prompt), at the customer's volume step."""

    def __init__(self, root: Path | None = None, *, volume: float = 0.8, enabled: bool = True) -> None:
        self.root = root or default_dir()
        self.volume, self.enabled = volume, enabled
        self.step = DEFAULT_STEP
        self._sounds: dict[Path, Any] = {}
        self._playing: Any = None
        self._missing_reported = False

    @property
    def muted(self) -> bool:
        return self.step == 0

    def play(self, locale: str, step_id: str) -> Path | None:
        """Start the prompt for `step_id` (after stopping the last one); the file played, or None."""
        self.stop()
        if not self.enabled or self.muted or step_id in SILENT_STEPS:
            return None
        path = prompt_path(self.root, locale, step_id)
        if not path.is_file():
            if not self._missing_reported:
                log.warning("no voice prompts under %s (run `python -m kiosk_app.ui.voice`)", self.root)
                self._missing_reported = True
            return None
        sound = self._sounds.get(path) or self._load(path)
        if sound is None:
            return None
        sound.volume = self.volume * VOLUME_STEPS[self.step]
        sound.play()
        self._playing = sound
        return path

    def _load(self, path: Path) -> Any:
        from kivy.core.audio import SoundLoader

        sound = SoundLoader.load(str(path))
        if sound is not None:
            self._sounds[path] = sound
        return sound

    def stop(self) -> None:
        if self._playing is not None:
            self._playing.stop()
            self._playing = None

    def set_step(self, step: int) -> int:
        """Silent (0) .. loud (3); a prompt playing now follows at once (or stops when silenced)."""
        self.step = max(0, min(len(VOLUME_STEPS) - 1, step))
        if self.muted:
            self.stop()
        elif self._playing is not None:
            self._playing.volume = self.volume * VOLUME_STEPS[self.step]
        return self.step

    def next_step(self) -> int:
        """The speaker button: normal -> loud -> silent -> quiet -> normal ..."""
        return self.set_step((self.step + 1) % len(VOLUME_STEPS))

    def set_muted(self, muted: bool) -> None:
        self.set_step(0 if muted else DEFAULT_STEP)


def main(argv: list[str]) -> int:
    root = Path(argv[0]) if argv else default_dir()
    made = generate(root)
    print(f"voice prompts in {root}: {made} made, {len(prompt_steps()) * len(i18n.LOCALES)} in all")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
