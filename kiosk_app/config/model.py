"""The shape of kiosk.toml. Every section forbids unknown keys: a typo in a kiosk config costs a branch visit."""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator, model_validator


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class KioskIdentity(Section):
    branch_id: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")
    kiosk_id: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")
    locale: Literal["zh_CN", "en"] = "zh_CN"
    time_zone: str = "Asia/Shanghai"  # the branch's local day: every daily count (card limit, console) uses it

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (an IANA name like 'Asia/Shanghai')") from exc
        return value


class Branding(Section):
    """White label: the bank's name, colours and links come from here and assets/, never from code."""

    bank_name: str = "Demo Bank"
    bank_name_local: str = "演示银行"
    primary_color: str = Field("#B3122E", pattern=r"^#[0-9A-Fa-f]{6}$")
    official_account_url: str = "https://mp.example.invalid/official-account"
    logo: Path | None = None


class Display(Section):
    """The panel and how the customer screens look and sound on it (the theme reads these, never code)."""

    width: int = Field(1920, ge=640, le=7680)
    height: int = Field(1080, ge=480, le=7680)
    orientation: Literal["landscape", "portrait"] = "landscape"  # portrait swaps width and height
    fullscreen: bool = True
    mode: Literal["production", "demo"] = "production"  # demo keeps a way out (Ctrl+Shift+Q)
    text_scale: float = Field(1.0, ge=0.8, le=1.6)  # the bank's typography scale on top of the panel's
    high_contrast: bool = False  # the default for each new customer; the customer can switch it
    voice: bool = True
    volume: float = Field(0.8, ge=0.0, le=1.0)


class Central(Section):
    url: HttpUrl
    ca_bundle: Path | None = None
    client_cert: Path | None = None
    client_key: Path | None = None
    bearer_token_file: Path | None = None
    connect_timeout_s: float = Field(3.0, gt=0, le=60)
    read_timeout_s: float = Field(10.0, gt=0, le=120)

    @model_validator(mode="after")
    def _cert_and_key_together(self) -> Central:
        if (self.client_cert is None) != (self.client_key is None):
            raise ValueError("client_cert and client_key must be given together")
        return self


class SerialDevice(Section):
    """A serial device: `driver = "emulator"` starts the byte-true emulator on a pty instead of a port."""

    driver: Literal["serial", "emulator", "disabled"] = "serial"
    port: str = ""
    baudrate: Literal[9600, 19200, 38400, 57600, 115200] = 115200
    timeout_s: float = Field(2.0, gt=0, le=120)

    @model_validator(mode="after")
    def _port_for_serial(self) -> SerialDevice:
        if self.driver == "serial" and not self.port:
            raise ValueError("port is required when driver = 'serial'")
        return self


class IdCardReaderConfig(SerialDevice):
    poll_interval_s: float = Field(0.3, gt=0, le=5)


class ScannerConfig(SerialDevice):
    baudrate: Literal[9600, 19200, 38400, 57600, 115200] = 9600
    model: Literal["plain", "honeywell", "cipherlab"] = "plain"  # command set for enable/disable/trigger
    terminator: Literal["CR", "LF", "CRLF"] = "CR"
    max_length: int = Field(512, ge=16, le=4096)


class CameraConfig(Section):
    driver: Literal["opencv", "disabled"] = "disabled"
    index: int = Field(0, ge=0, le=16)


class DispenserConfig(SerialDevice):
    baudrate: Literal[9600, 19200, 38400, 57600, 115200] = 9600
    address: int = Field(0, ge=0, le=15)
    stock_low_threshold: int = Field(20, ge=0)


class ChipConfig(Section):
    """The IC station as pcscd names it; no default, because a guessed name reads no card (`kiosk doctor` lists them).

    Left out only when the dispenser is emulated: its IC station then lives on a leased vpcd slot.
    """

    reader: str | None = Field(None, min_length=1)
    timeout_s: float = Field(5.0, gt=0, le=60)


class PinPadConfig(SerialDevice):
    """The encrypting PIN pad and where its keys are: the bank's key host names the working key by `key_id`.

    `master_slot` holds the key injected at the key ceremony; `kiosk pinpad load-key` puts the working key,
    wrapped under it, into `key_slot`. A serial pad needs `key_id` (the central service decrypts PIN blocks
    by it); an emulated pad plays its own key ceremony and names its key itself.
    """

    baudrate: Literal[9600, 19200, 38400, 57600, 115200] = 9600
    algorithm: Literal["tdes", "sm4"] = "sm4"
    entry_timeout_s: float = Field(30.0, gt=0, le=120)
    master_slot: int = Field(1, ge=0, le=255)
    key_slot: int = Field(10, ge=0, le=255)
    key_id: str = Field("", max_length=64, pattern=r"^[A-Za-z0-9_.-]*$")

    @model_validator(mode="after")
    def _key_named_for_serial(self) -> PinPadConfig:
        if self.driver == "serial" and not self.key_id:
            raise ValueError("key_id is required when driver = 'serial' (the working key's name at the key host)")
        if self.master_slot == self.key_slot:
            raise ValueError("key_slot must differ from master_slot")
        return self


class PrinterConfig(SerialDevice):
    pass


class Devices(Section):
    idcard: IdCardReaderConfig
    scanner: ScannerConfig
    camera: CameraConfig = CameraConfig()
    dispenser: DispenserConfig
    chip: ChipConfig = ChipConfig()
    pinpad: PinPadConfig
    printer: PrinterConfig

    @model_validator(mode="after")
    def _chip_reader_named(self) -> Devices:
        if self.chip.reader is None and self.dispenser.driver != "emulator":
            raise ValueError("devices.chip.reader is required (the IC station's PC/SC name: see `kiosk doctor`)")
        return self


class Paths(Section):
    database: Path
    log_dir: Path
    token_keys: Path | None = None
    staff_file: Path | None = None


class Logging(Section):
    destination: Literal["stdout", "file"] = "stdout"
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    max_bytes: int = Field(10_000_000, ge=10_000)
    backups: int = Field(5, ge=1, le=100)


class Journey(Section):
    """Timeouts the customer sees; WCAG 2.2.1 wants >= 20 s to extend and >= 10 extensions."""

    step_timeout_s: int = Field(90, ge=30, le=600)
    still_there_s: int = Field(30, ge=20, le=120)
    max_extensions: int = Field(10, ge=10, le=50)
    walk_in_form_timeout_s: int = Field(600, ge=60, le=1800)
    card_take_timeout_s: int = Field(30, ge=10, le=120)
    token_clock_skew_s: int = Field(120, ge=0, le=900)
    face_capture: bool = False  # ask for a face image (own consent) for the identity check; needs a camera


class Policy(Section):
    """The bank's account rules for self-service channels, each switchable per bank."""

    max_cards_per_person_per_day: int = Field(2, ge=1, le=10)
    min_age_alone: int = Field(16, ge=14, le=18)
    min_age_credit_card: int = Field(18, ge=18, le=25)
    guardian_consent_under: int = Field(14, ge=0, le=18)
    staff_pin_max_failures: int = Field(3, ge=1, le=10)


class Sync(Section):
    long_poll_s: int = Field(25, ge=0, le=60)
    page_size: int = Field(500, ge=1, le=5000)
    heartbeat_s: int = Field(60, ge=5, le=3600)
    retention_grace_h: int = Field(24, ge=0, le=24 * 90)


class Update(Section):
    """Signed updates (`kiosk update BUNDLE`): the bank's release key, where releases live, how to restart.

    The app marks itself healthy in `health_file` once it runs; a release that does not within
    `health_timeout_s` of its restart is rolled back.
    """

    release_key: Path | None = None
    root: Path = Path("/opt/branch-kiosk")
    health_file: Path = Path("/run/branch-kiosk/app-health.json")
    health_timeout_s: float = Field(60.0, gt=0, le=600)
    restart_command: tuple[str, ...] = Field(("systemctl", "restart", "kiosk-app.service"), min_length=1)


class KioskConfig(Section):
    kiosk: KioskIdentity
    branding: Branding = Branding()
    display: Display = Display()
    central: Central
    devices: Devices
    paths: Paths
    logging: Logging = Logging()
    journey: Journey = Journey()
    policy: Policy = Policy()
    sync: Sync = Sync()
    update: Update = Update()
