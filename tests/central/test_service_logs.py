"""The service's JSON log lines carry no personal data: the kiosk's redaction filter sits on the handler."""

from __future__ import annotations

import io
import json
import logging

from central_service.logs import json_handler


def test_log_lines_are_json_with_id_card_mobile_and_names_masked() -> None:
    stream = io.StringIO()
    logger = logging.getLogger("central_service.test_logs")
    logger.addHandler(json_handler(stream))
    logger.propagate = False
    try:
        logger.warning("verification for %s with card %s, phone %s", "11010519491231002X", "6217001234567890123",
                       "13812345678", extra={"customer_name": "王小明", "branch_id": "BJ001"})
    finally:
        logger.handlers.clear()
    line = json.loads(stream.getvalue())
    text = json.dumps(line, ensure_ascii=False)
    for secret in ("11010519491231002X", "6217001234567890123", "13812345678", "王小明"):
        assert secret not in text
    assert "110***********002X" in line["message"] and "621700*********0123" in line["message"]
    assert line["customer_name"] == "王**" and line["branch_id"] == "BJ001" and line["level"] == "WARNING"
