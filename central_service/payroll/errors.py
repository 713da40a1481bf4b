"""Every refusal of the payroll chain, one class each, so a page or an API answer names the case exactly.

Each class's `code` is a stable key for page texts; its docstring is the default message. `field` names the
form field a refusal belongs to, when it belongs to one (the page shows the message beside it).
"""

from __future__ import annotations


class PayrollError(Exception):
    """The payroll request was refused."""

    code = "payroll_refused"
    status = 422

    def __init__(self, message: str = "", *, field: str | None = None) -> None:
        super().__init__(message or (self.__doc__ or "").strip())
        self.field = field


class InvalidField(PayrollError):
    """A field is missing or malformed."""

    code = "invalid_field"


class InvalidUscc(PayrollError):
    """The unified social credit code is not valid (GB 32100-2015: 18 characters and a check character)."""

    code = "invalid_uscc"


class CompanyExists(PayrollError):
    """A company with this unified social credit code is already registered."""

    code = "company_exists"
    status = 409


class AgentLoginTaken(PayrollError):
    """This sign-in name is already used by another agent."""

    code = "agent_login_taken"
    status = 409


class InvalidIdNumber(PayrollError):
    """The ID number is not a valid resident ID number (check character or birth date wrong)."""

    code = "invalid_id_number"


class UnderAge(PayrollError):
    """Employees under 16 cannot open a payroll account through the batch; they come to the counter."""

    code = "under_age"


class IdExpired(PayrollError):
    """The ID card has expired; renew it before joining the batch."""

    code = "id_expired"


class DuplicateIdNumber(PayrollError):
    """This ID number is already in the batch (one entry per person per batch)."""

    code = "duplicate_id_number"
    status = 409


class DeadlinePassed(PayrollError):
    """The batch's deadline has passed; it takes no more entries."""

    code = "deadline_passed"
    status = 409


class BatchFrozen(PayrollError):
    """The batch has been submitted and is frozen; nothing in it can change."""

    code = "batch_frozen"
    status = 409


class WrongCompany(PayrollError):
    """This batch belongs to another company; an agent acts only for their own company."""

    code = "wrong_company"
    status = 403


class AgreementNotAccepted(PayrollError):
    """The company has not accepted the company-bank agreement yet."""

    code = "agreement_not_accepted"
    status = 409


class StaleSubmission(PayrollError):
    """The list changed since it was reviewed, or this submission was sent before; review it again."""

    code = "stale_submission"
    status = 409


class NotAllowedNow(PayrollError):
    """This action is not possible in the entry's or batch's present state."""

    code = "not_allowed_now"
    status = 409


class ReasonRequired(PayrollError):
    """A return needs a reason the employee can act on."""

    code = "reason_required"


class NotFound(PayrollError):
    """No such company, agent, batch or entry."""

    code = "not_found"
    status = 404


class UndecidedEntries(PayrollError):
    """Every entry must be verified or returned before the batch is approved."""

    code = "undecided_entries"
    status = 409


class AlreadySubmitted(PayrollError):
    """This batch was already submitted; a second submission is refused."""

    code = "already_submitted"
    status = 409


class EntryRemoved(PayrollError):
    """Your employer removed this ID number from the batch; ask them before filling in again."""

    code = "entry_removed"
    status = 409


class EmptyBatch(PayrollError):
    """There is no entry to submit."""

    code = "empty_batch"
    status = 409
