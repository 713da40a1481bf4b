"""Static checks in CI: bandit finds no high-severity issue in the product's code; pip-audit finds no known
vulnerability in the installed dependencies (docs/security.md: what happens without PyPI's advisory data)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PRODUCT = ["central_service", "kiosk_app", "sync_agent", "central_api_client", "drivers", "tools"]
# Known advisories accepted on purpose, each with its reason (none today).
ACCEPTED: dict[str, str] = {}


def test_bandit_reports_no_high_severity_issue() -> None:
    run = subprocess.run([str(BIN / "bandit"), "-q", "-r", *PRODUCT, "--severity-level", "high", "-f", "json"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    report = json.loads(run.stdout)
    high = [f"{r['filename']}:{r['line_number']} {r['test_id']} {r['issue_text']}" for r in report["results"]]
    assert high == [], "\n".join(high)
    assert report["metrics"]["_totals"]["loc"] > 10_000  # it did read the code


def test_pip_audit_finds_no_known_vulnerability() -> None:
    run = subprocess.run([str(BIN / "pip-audit"), "--skip-editable", "--progress-spinner", "off", "-f", "json"],
                         cwd=ROOT, capture_output=True, text=True, timeout=180)
    if run.returncode not in (0, 1) or not run.stdout.strip():
        pytest.skip(f"pip-audit could not reach PyPI's advisory data: {run.stderr.strip()[-300:]}")
    dependencies = json.loads(run.stdout)["dependencies"]
    audited = [d for d in dependencies if "skip_reason" not in d]
    if not audited:
        pytest.skip(f"PyPI's advisory data answered for none of the {len(dependencies)} dependencies (offline, or a "
                    "mirror without the JSON API): nothing was audited")
    found = [f"{d['name']} {d['version']}: {v['id']} (fixed in {', '.join(v['fix_versions']) or 'no release'})"
             for d in audited for v in d.get("vulns", []) if v["id"] not in ACCEPTED]
    assert found == [], "\n".join(found)
