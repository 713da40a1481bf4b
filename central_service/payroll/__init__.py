"""Payroll batch opening (单位代理批量开立个人账户): companies and their agents, the company-bank agreement,
batches that employees fill in from the batch QR, the agent's confirmation, the electronic batch file, the
teller's check, the batch account opening through the core-banking port and the pickup at a kiosk.

Modules: `errors` (every refusal, one class each), `states` (the batch and entry state tables), `people` (an
employee's personal data and its rules), `agreement` (the versioned agreement text), `store` (the only SQL on
the payroll tables), `batch_file` (the electronic file: writer, parser, validator), `opening` (approval: the
core's batch call, appointments and pickup tokens).
"""
