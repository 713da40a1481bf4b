"""The company-bank agreement (单位代理批量开立个人账户业务协议): one text per locale under assets/agreements/,
whose first line names its version; a company accepts one version once, recorded with the text's SHA-256 so
what was accepted can be shown later even after the bank rewords it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

AGREEMENTS = Path(__file__).resolve().parents[2] / "assets" / "agreements"
NAME = "company_payroll_agreement"


@dataclass(frozen=True)
class AgreementText:
    version: str
    locale: str
    text: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


def company_agreement(locale: str = "zh_CN", directory: Path = AGREEMENTS) -> AgreementText:
    """The current text in `locale` (zh_CN or en). Raises ValueError if the file has no `version:` line."""
    raw = (directory / f"{NAME}.{locale}.txt").read_text(encoding="utf-8")
    head, _, body = raw.partition("\n")
    if not head.startswith("version:"):
        raise ValueError(f"{NAME}.{locale}.txt must start with 'version: ...'")
    return AgreementText(head.removeprefix("version:").strip(), locale, body.strip() + "\n")
