"""Camera QR reading: generated scenes with real-world damage, frames without a code, dedupe, worker thread."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PIL import Image, ImageFilter, ImageOps

from central_api_client.tokens import verify
from drivers.camera import (
    ArraySource,
    CameraWorker,
    CodeSeen,
    Deduplicator,
    ImageFileSource,
    OpenCVSource,
    QrDecoder,
    as_frame,
    open_source,
    opencv_available,
)
from drivers.errors import DeviceError, LinkError
from drivers.qr_render import render_qr
from drivers.status import DeviceState

SIZE = (640, 480)


def qr_image(text: str, scale: int = 4) -> Image.Image:
    rendered = render_qr(text, scale=scale, colorfmt="luminance")
    return Image.frombytes("L", rendered.size, rendered.pixels)


def scene(text: str | None, angle: float = 0, size: tuple[int, int] = SIZE, background: int = 190) -> Image.Image:
    """A grey frame with the code (if any) rotated and pasted in the middle, like a phone held up."""
    frame = Image.new("L", size, background)
    if text is not None:
        code = qr_image(text).rotate(angle, expand=True, fillcolor=background, resample=Image.Resampling.BILINEAR)
        frame.paste(code, ((size[0] - code.width) // 2, (size[1] - code.height) // 2))
    return frame


def noisy(image: Image.Image, sigma: float, seed: int = 7) -> Image.Image:
    pixels = np.asarray(image, dtype=np.float32)
    pixels = pixels + np.random.default_rng(seed).normal(0, sigma, pixels.shape)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def low_contrast(image: Image.Image, factor: float) -> Image.Image:
    pixels = np.asarray(image, dtype=np.float32)
    return Image.fromarray((128 + (pixels - 128) * factor).astype(np.uint8))


DAMAGE = {
    "clean": lambda im: im,
    "noise_sigma_40": lambda im: noisy(im, 40),
    "blur_radius_1.5": lambda im: im.filter(ImageFilter.GaussianBlur(1.5)),
    "contrast_x0.25": lambda im: low_contrast(im, 0.25),
    "inverted": ImageOps.invert,
    "noise_blur_contrast": lambda im: low_contrast(noisy(im.filter(ImageFilter.GaussianBlur(1)), 25), 0.5),
}


@pytest.mark.parametrize("angle", [0, 17, 90, 135, 180, 271])
@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_damaged_and_rotated_codes_decode(make_token, damage, angle):
    text = make_token(token_id=bytes(range(16)))  # fixed bytes: the same image on every run
    frame = as_frame(DAMAGE[damage](scene(text, angle)))
    assert QrDecoder().decode(frame) == [text]


@pytest.mark.parametrize(
    "frame",
    [
        np.zeros((480, 640), np.uint8),
        np.full((480, 640), 255, np.uint8),
        np.random.default_rng(3).integers(0, 256, (480, 640), dtype=np.uint8),
        as_frame(scene(None)),
    ],
    ids=["black", "white", "random", "empty_scene"],
)
def test_frames_without_a_code_give_nothing(frame):
    assert QrDecoder().decode(frame) == []


def test_heavy_blur_is_a_miss_not_an_error(make_token):
    frame = as_frame(scene(make_token()).filter(ImageFilter.GaussianBlur(4)))
    assert QrDecoder().decode(frame) == []


def test_full_hd_colour_frame_with_two_codes(make_token):
    first, second = make_token(appointment_id="A-1"), make_token(appointment_id="A-2")
    frame = Image.new("RGB", (1920, 1080), (90, 120, 150))
    frame.paste(qr_image(first).convert("RGB"), (200, 300))
    frame.paste(qr_image(second).convert("RGB"), (1300, 400))
    bgr = np.asarray(frame)[:, :, ::-1]
    assert sorted(QrDecoder().decode(as_frame(bgr))) == sorted([first, second])


def test_deduplicator_reports_a_held_code_once_and_again_after_it_left():
    dedupe = Deduplicator(forget_after=2)
    seen = [dedupe.update(frame) for frame in (["A"], ["A"], [], ["A"], [], [], [], ["A", "B"], ["B", "B"])]
    assert seen == [["A"], [], [], [], [], [], [], ["A", "B"], []]
    dedupe.reset()
    assert dedupe.update(["B"]) == ["B"]
    with pytest.raises(ValueError):
        Deduplicator(0)


def test_worker_calls_back_off_the_calling_thread_and_verifies(make_token, ring, used, now, branch):
    first, second = make_token(appointment_id="A-1"), make_token(appointment_id="A-2")
    frames = [scene(None), scene(first), scene(first, 10), scene(first, 20), scene(None), scene(second)]
    seen: list[tuple[CodeSeen, str]] = []
    ended = threading.Event()
    worker = CameraWorker(
        ArraySource(frames),
        lambda code: seen.append((code, threading.current_thread().name)),
        dedupe=Deduplicator(forget_after=3),
        on_end=ended.set,
    )
    with worker:
        assert worker.join(timeout=30) and ended.is_set()
    assert [(code.text, code.frame) for code, _ in seen] == [(first, 1), (second, 5)]
    assert {name for _, name in seen} == {"camera-qr"}
    assert worker.frames == 6 and worker.status().device is DeviceState.OFFLINE
    tokens = [verify(code.text, ring, branch_id=branch, now=now, consume=used) for code, _ in seen]
    assert [t.appointment_id for t in tokens] == ["A-1", "A-2"]
    assert "text" not in repr(seen[0][0])


class BrokenCamera(ArraySource):
    def read(self) -> np.ndarray | None:
        frame = super().read()
        if frame is None:
            raise LinkError("camera unplugged", code="read")
        return frame


def test_worker_reports_a_failing_source_and_survives_a_faulty_callback(make_token):
    errors: list[DeviceError] = []

    def explode(code: CodeSeen) -> None:
        raise RuntimeError("listener bug")

    worker = CameraWorker(BrokenCamera([scene(make_token())]), explode, on_error=errors.append).start()
    assert worker.join(timeout=30)
    assert [e.code for e in errors] == ["read"] and worker.frames == 1
    assert worker.status().device is DeviceState.HARDWARE_ERROR


def test_worker_stops_on_request_with_an_endless_source():
    worker = CameraWorker(ArraySource([scene(None)], loop=True), lambda code: None).start()
    assert worker.running
    worker.close()
    assert not worker.running and worker.frames >= 0


def test_image_files_and_open_source(tmp_path, make_token):
    text = make_token()
    for index, image in enumerate([scene(None), scene(text, 45)]):
        image.save(tmp_path / f"frame{index}.png")
    (tmp_path / "notes.txt").write_text("not an image")
    source = open_source(f"images:{tmp_path}")
    frames = [source.read(), source.read(), source.read()]
    assert frames[2] is None and QrDecoder().decode(frames[1]) == [text]
    single = open_source(f"images:{tmp_path / 'frame1.png'}")
    assert single.read().shape == (480, 640)
    with pytest.raises(LinkError):
        ImageFileSource([tmp_path / "notes.txt"])
    with pytest.raises(ValueError):
        open_source("v4l:/dev/video0")


@pytest.mark.skipif(opencv_available(), reason="OpenCV is installed; this checks the refusal without it")
def test_opencv_source_without_opencv_is_a_typed_error():
    with pytest.raises(LinkError) as caught:
        OpenCVSource(0)
    assert caught.value.code == "no_opencv"


def test_as_frame_normalises_shapes():
    assert as_frame(np.zeros((4, 5, 4), np.uint8)).shape == (4, 5, 3)
    assert as_frame(np.zeros((4, 5, 1), np.uint8)).shape == (4, 5)
    assert as_frame(Image.new("RGB", (5, 4))).shape == (4, 5)
    with pytest.raises(ValueError):
        as_frame(np.zeros((4, 5, 2), np.uint8))
